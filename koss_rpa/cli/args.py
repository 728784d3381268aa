"""The command line around Typer: global options, the invocation they describe, click's errors.

- `hoist_globals()` moves the global options (`--config`, `--json`, `--debug`, `--lang`) to the
  front, so that they may stand anywhere on the line; `command_name()` finds the command after
  them.
- `Invocation` is what the global options say about one run of `koss-rpa`, and whether its one
  JSON object was printed yet. `cli.main` makes it and hands it to click as the root context's
  `obj`, so every command reaches it as `ctx.obj` (no module-level state); it loads the settings
  (`--config`, `--lang`) and makes the command's output (`--json`).
- `EXIT_TYPES`, `INTERRUPT_TYPES`, `USAGE_TYPES`: click's exceptions, and those of the copy of
  click that typer ≥ 0.2x bundles and raises instead.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import typer

from koss_rpa.i18n import set_language

if TYPE_CHECKING:
    from koss_rpa.errors import KossError
    from koss_rpa.jobs.console import Output
    from koss_rpa.settings import Settings

GLOBAL_FLAGS = {"--json", "--debug"}
GLOBAL_VALUED = {"--config", "--lang", "--log-file"}


def hoist_globals(argv: list[str]) -> list[str]:
    """Move global options to the front, so `koss-rpa download --json` works too."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        name = arg.split("=", 1)[0]
        if arg == "--":
            rest.extend(argv[i:])
            break
        if arg in GLOBAL_FLAGS or (name in GLOBAL_VALUED and "=" in arg):
            front.append(arg)
        elif arg in GLOBAL_VALUED and i + 1 < len(argv):
            front.extend(argv[i : i + 2])
            i += 1
        else:
            rest.append(arg)
        i += 1
    return front + rest


def global_value(args: list[str], name: str) -> str | None:
    """The value of global option `name` in hoisted `args` (`--name V` or `--name=V`)."""
    for i, arg in enumerate(args):
        if arg.startswith(f"{name}="):
            return arg.split("=", 1)[1]
        if arg == name and i + 1 < len(args):
            return args[i + 1]
        if not arg.startswith("-"):
            break
    return None


def command_name(args: list[str]) -> str:
    """The command's name in hoisted `args` (global options and their values come first)."""
    words = iter(args)
    for word in words:
        if word in GLOBAL_VALUED:
            next(words, None)
        elif not word.startswith("-"):
            return word
    return "koss-rpa"


@dataclass
class Invocation:
    """One run of `koss-rpa`: its global options, and whether its JSON object was printed
    (`--json` prints exactly one)."""

    config: Path | None = None
    as_json: bool = False
    debug: bool = False
    lang: str | None = None
    json_written: bool = False
    #: The command's result, printed with --json once its exit code is known (`finish_json`):
    #: "ok" is true exactly when that code is 0.
    pending: tuple[str, dict[str, Any]] | None = None

    def settings(self, **overrides: Any) -> Settings:
        """The settings (`--config`, then the environment); their `lang` applies unless
        `--lang` was given."""
        from koss_rpa.settings import load_settings

        settings = load_settings(self.config, **overrides)
        if self.lang is None and settings.lang:
            set_language(settings.lang)
        return settings

    def output(self) -> Output:
        """The command's output (`--json` or for a person), remembering a printed JSON object."""
        from koss_rpa.jobs.console import Output, error_payload

        invocation = self

        class _Tracked(Output):
            def result(self, command: str, data: dict[str, Any]) -> None:
                if self.as_json:
                    invocation.pending = (command, data)

            def error(self, command: str, exc: KossError, *, print_json: bool = True) -> None:
                if self.as_json and not invocation.json_written:
                    payload = error_payload(command, exc.code, exc.exit_code, str(exc))
                    if invocation.pending is not None:
                        payload["result"] = invocation.pending[1]
                    invocation.pending = None
                    invocation.write_json(payload)
                super().error(command, exc, print_json=False)

        return _Tracked(as_json=self.as_json)

    def write_json(self, payload: dict[str, Any]) -> None:
        """Print the command's one JSON object, made by the caller."""
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, default=str) + "\n")
        self.json_written = True

    def json_failure(self, args: list[str], code: str, exit_code: int, message: str) -> None:
        """With --json, every exit prints one JSON object on stdout, usage errors included
        (with the command's result, if it made one)."""
        if "--json" not in args or self.json_written:
            return
        from koss_rpa.jobs.console import error_payload  # lazily, as Output: rich at need

        command = command_name(args)
        payload = error_payload(command, code, exit_code, message)
        if self.pending is not None:
            command, payload["result"] = self.pending
            payload["command"] = command
            self.pending = None
        self.write_json(payload)

    def finish_json(self, args: list[str], exit_code: int, message: str) -> None:
        """The command's one JSON object, once its exit code is known: "ok" true exactly when
        it is 0, an "error" otherwise (`message` says what the code means)."""
        if "--json" not in args or self.json_written or {"--help", "-h"} & set(args):
            return
        if exit_code:
            self.json_failure(args, "exit", exit_code, message)
            return
        command, data = self.pending or (command_name(args), {})
        self.pending = None
        self.write_json({"ok": True, "command": command, "exit_code": 0, "result": data})


def invocation(ctx: typer.Context) -> Invocation:
    """The invocation a command runs in (`cli.main` puts it in the root context)."""
    if not isinstance(ctx.obj, Invocation):  # e.g. the app called without `cli.main`
        ctx.obj = Invocation()
    return ctx.obj


def _click_types(name: str, *known: type[BaseException]) -> tuple[type[BaseException], ...]:
    """`known`, and click's exception `name` as typer's bundled click has it (typer ≥ 0.2x
    raises exceptions of its own copy of click; older typer uses click's)."""
    try:
        from typer._click import exceptions as bundled
    except ImportError:
        return known
    found = getattr(bundled, name, None)
    return (*known, found) if isinstance(found, type) else known


EXIT_TYPES: tuple[type[BaseException], ...] = _click_types(
    "Exit", click.exceptions.Exit, typer.Exit
)
#: Ctrl-C, and Ctrl-D (end of input) at a prompt.
INTERRUPT_TYPES: tuple[type[BaseException], ...] = (
    *_click_types("Abort", click.exceptions.Abort, typer.Abort),
    KeyboardInterrupt,
    EOFError,
)
USAGE_TYPES: tuple[type[BaseException], ...] = _click_types("ClickException", click.ClickException)
