"""The command line around Typer: global options, the invocation they describe, click's errors.

- `hoist_globals()` moves the global options (`--config`, `--json`, `--debug`, `--lang`) to the
  front, so that they may stand anywhere on the line; `command_name()` finds the command after
  them.
- `Invocation` is what the global options say about one run of `koss-rpa`, and holds its one
  JSON object (`koss_rpa.jobs.console.JsonObject`, which alone prints it). `cli.app.main`
  makes it and hands it to click as the root context's `obj`, so every command reaches it as
  `ctx.obj` (no module-level state); it loads the settings (`--config`, `--lang`) and makes
  the command's output (`--json`), and reads an account's settings and ID once (`account`).
- `UserIdOption`, `CaptureOption`: the options that several commands share.
- `starts_driver` marks the commands whose run starts Playwright's driver
  (`koss_rpa.cli.entry.BROWSER_COMMANDS` names them, before Typer is imported).
- `EXIT_TYPES`, `INTERRUPT_TYPES`, `USAGE_TYPES`: click's exceptions, and those of the copy of
  click that typer ≥ 0.2x bundles and raises instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import click
import typer

from koss_rpa.i18n import set_language

if TYPE_CHECKING:
    from koss_rpa.jobs.console import JsonObject, Output
    from koss_rpa.jobs.runner import AccountChoice
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


def leading_command(args: list[str]) -> str | None:
    """The command word of hoisted `args` when nothing but global options (and their values)
    stands before it; None otherwise (`--help`, an unknown option, no command)."""
    words = iter(args)
    for word in words:
        if word in GLOBAL_FLAGS or (word.split("=", 1)[0] in GLOBAL_VALUED and "=" in word):
            continue
        if word in GLOBAL_VALUED:
            next(words, None)
            continue
        return None if word.startswith("-") else word
    return None


@dataclass
class Invocation:
    """One run of `koss-rpa`: its global options, and its one JSON object (`--json`)."""

    config: Path | None = None
    as_json: bool = False
    debug: bool = False
    lang: str | None = None
    #: What `--json` prints, exactly once (`koss_rpa.jobs.console.JsonObject`), made at need
    #: (rich is imported with it).
    json_object: JsonObject | None = None

    def settings(self, **overrides: Any) -> Settings:
        """The settings (`--config`, then the environment); their `lang` applies unless
        `--lang` was given."""
        from koss_rpa.settings import load_settings

        settings = load_settings(self.config, **overrides)
        if self.lang is None and settings.lang:
            set_language(settings.lang)
        return settings

    def account(self, user_id: str | None, **overrides: Any) -> AccountChoice:
        """The command's settings and the account's validated ID, read once, when first asked
        for (by the job's worker thread, or by the command before it)."""

        @cache
        def choose() -> tuple[Settings, str]:
            settings = self.settings(**overrides)
            return settings, settings.validated_user_id(user_id)

        return choose

    def output(self) -> Output:
        """The command's output (`--json` or for a person), into the invocation's JSON object."""
        from koss_rpa.jobs.console import Output

        return Output(as_json=self.as_json, json=self._json())

    def json_failure(self, args: list[str], code: str, exit_code: int, message: str) -> None:
        """With --json, every exit prints one JSON object on stdout, usage errors included
        (with the command's result, if it made one)."""
        if "--json" in args:
            self._json().fail(command_name(args), code, exit_code, message)

    def finish_json(self, args: list[str], exit_code: int, message: str) -> None:
        """The command's one JSON object, once its exit code is known: "ok" true exactly when
        it is 0, an "error" otherwise (`message` says what the code means)."""
        if "--json" in args and not {"--help", "-h"} & set(args):
            self._json().finish(command_name(args), exit_code, message)

    def _json(self) -> JsonObject:
        if self.json_object is None:
            from koss_rpa.jobs.console import JsonObject

            self.json_object = JsonObject()
        return self.json_object


UserIdOption = Annotated[
    str | None, typer.Option("--user-id", "-u", help="納付利用者ID (default: the user_id setting).")
]
CaptureOption = Annotated[
    Path | None,
    typer.Option(
        "--capture",
        metavar="DIR",
        help="Also save every screen, sanitised, into DIR (see docs/real-portal.md).",
    ),
]

F = TypeVar("F", bound=Callable[..., Any])


def starts_driver(command: F) -> F:
    """Mark `command` as one whose run starts Playwright's driver (`jobs.runner.run_account_job`,
    `run_portal_job`): `koss_rpa.cli.entry` starts it ahead for these (a test holds its
    `BROWSER_COMMANDS` equal to the commands marked)."""
    setattr(command, STARTS_DRIVER, True)
    return command


def marked_as_starting_driver(command: Callable[..., Any]) -> bool:
    return bool(getattr(command, STARTS_DRIVER, False))


STARTS_DRIVER = "__koss_starts_driver__"


def invocation(ctx: typer.Context) -> Invocation:
    """The invocation a command runs in (`cli.app.main` puts it in the root context)."""
    if not isinstance(ctx.obj, Invocation):  # e.g. the app called without `cli.app.main`
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
