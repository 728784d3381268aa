"""What a person sees: progress on stderr, results on stdout, one line per error; and with
`--json` the one JSON object (`JsonObject`) instead."""

from __future__ import annotations

import functools
import json
import os
import sys
from typing import TYPE_CHECKING, Any, TextIO

from koss_rpa.errors import KossError
from koss_rpa.flows.runtime import Step
from koss_rpa.i18n import _

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress


class JsonObject:
    """The one JSON object that a command prints with `--json`, and the only place that prints
    it: "ok" true exactly when the exit code is 0, that code in it, an "error" when it is not,
    and the command's result in either case, if the command made one."""

    def __init__(self) -> None:
        #: The command's result, printed once its exit code is known (`finish`).
        self.pending: tuple[str, dict[str, Any]] | None = None
        self.written = False

    def result(self, command: str, data: dict[str, Any]) -> None:
        """Keep the command's result until its exit code is known."""
        self.pending = (command, data)

    def fail(self, command: str, code: str, exit_code: int, message: str) -> None:
        """Print the object of a failure (with the command's result, if it made one), unless
        the object was printed already."""
        if self.written:
            return
        error = {"code": code, "exit_code": exit_code, "message": message}
        payload = {"ok": False, "command": command, "exit_code": exit_code, "error": error}
        if self.pending is not None:
            payload["command"], payload["result"] = self.pending
            self.pending = None
        self._write(payload)

    def finish(self, command: str, exit_code: int, message: str) -> None:
        """Print the object once the exit code is known: the result, "ok" true, when it is 0; a
        failure otherwise (`message` says what the code means)."""
        if self.written:
            return
        if exit_code:
            self.fail(command, "exit", exit_code, message)
            return
        command, data = self.pending or (command, {})
        self.pending = None
        self._write({"ok": True, "command": command, "exit_code": 0, "result": data})

    def _write(self, payload: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, default=str) + "\n")
        self.written = True


class Output:
    """Human or JSON output for one command: its JSON goes into `json` (one object)."""

    def __init__(
        self, *, as_json: bool = False, quiet: bool = False, json: JsonObject | None = None
    ) -> None:
        self.as_json = as_json
        self.quiet = quiet
        self.json = json or JsonObject()

    @functools.cached_property
    def out(self) -> Console:
        """stdout through rich (imported at the first use: a line of text needs none)."""
        from rich.console import Console

        return Console(highlight=False, soft_wrap=True)

    @functools.cached_property
    def err(self) -> Console:
        """stderr through rich, as `out`."""
        from rich.console import Console

        return Console(stderr=True, highlight=False, soft_wrap=True)

    def progress(self, step: Step) -> None:
        if self.quiet or self.as_json:
            return
        who = f"[{step.user_id}] " if step.user_id else ""
        self.say(f"→ {who}{step.message}", stderr=True)

    def line(self, text: str) -> None:
        if not self.as_json:
            self.say(text)

    def check(self, ok: bool, text: str, remedy: str = "") -> None:
        if self.as_json:
            return
        mark = "✓" if ok else "✗"
        self.say(f"{mark} {text}" + (f"\n    → {remedy}" if remedy and not ok else ""))

    def say(self, text: str, *, stderr: bool = False) -> None:
        """One line of plain text, as `out` / `err` print it (`markup=False`): written as it
        is where rich would change nothing (`said_as_is`), else through rich — always through
        the console once there is one (made, or given, as tests do)."""
        name, stream = ("err", sys.stderr) if stderr else ("out", sys.stdout)
        if name not in self.__dict__ and said_as_is(text, stream):
            stream.write(text + "\n")
            stream.flush()
        else:
            getattr(self, name).print(text, markup=False)

    def result(self, command: str, data: dict[str, Any]) -> None:
        """The command's result; with --json, part of its one JSON object."""
        if self.as_json:
            self.json.result(command, data)

    def error(self, command: str, exc: KossError) -> None:
        """A failure: its JSON object with --json, and its line on stderr."""
        if self.as_json:
            self.json.fail(command, exc.code, exc.exit_code, str(exc))
        self.say(_("error [{code}]: {message}").format(code=exc.code, message=exc), stderr=True)


def said_as_is(text: str, stream: TextIO) -> bool:
    """Whether rich's console (no highlighting, no markup, soft wrap) would print `text` as it
    is plus a newline into `stream`: a stream that is no terminal (rich's own test: also not
    when TTY_COMPATIBLE or FORCE_COLOR are set), not on Windows (rich writes there its own
    way), and text that rich would not touch — no two colons (an `:emoji:` code), no tab or
    control character but the newline, not long (rich writes a long text in parts)."""
    if sys.platform == "win32" or "TTY_COMPATIBLE" in os.environ or "FORCE_COLOR" in os.environ:
        return False
    if len(text) > _AS_IS_MAX or text.count(":") > 1:
        return False
    if any(char < " " and char != "\n" for char in text) or "\x7f" in text:
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return isatty is not None and not isatty()
    except ValueError:  # a closed stream: rich's path says what it says
        return False


#: Longer texts go through rich (it writes one of more than 8,192 characters in parts).
_AS_IS_MAX = 4096


class BatchDisplay:
    """Progress of a batch: a live bar per account on a terminal, plain lines otherwise."""

    def __init__(self, output: Output, labels: dict[str, str]) -> None:
        self.output = output
        self.labels = labels
        # --json and quiet first: they ask no console (nor import rich).
        self.live = not output.as_json and not output.quiet and output.err.is_terminal
        self.progress: Progress | None = None
        if self.live:
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self.progress = Progress(
                TextColumn("{task.fields[who]}"),
                BarColumn(bar_width=12),
                TextColumn("{task.description}"),
                TimeElapsedColumn(),
                console=output.err,
            )
        self.tasks: dict[str, Any] = {}

    def __enter__(self) -> BatchDisplay:
        if self.progress is not None:
            self.progress.start()
            for user_id, label in self.labels.items():
                who = f"{user_id} {label}".strip()
                self.tasks[user_id] = self.progress.add_task(_("waiting"), total=1, who=who)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()

    def started(self, entry: Any) -> None:
        self._update(entry.user_id, _("starting"))

    def step(self, step: Step) -> None:
        if step.user_id:
            self._update(step.user_id, step.message)

    def finished(self, report: Any) -> None:
        text = {
            "downloaded": _("downloaded"),
            "skipped": _("already saved this month"),
            "failed": _("failed: {error}").format(error=report.error_code),
        }[report.outcome]
        self._update(report.user_id, text, done=True)

    def _update(self, user_id: str, text: str, done: bool = False) -> None:
        if self.progress is not None:
            self.progress.update(self.tasks[user_id], description=text, completed=1 if done else 0)
        elif not (self.output.as_json or self.output.quiet):
            self.output.say(f"[{user_id}] {text}", stderr=True)

    def summary(self, report: Any) -> None:
        if self.output.as_json:
            return
        from rich.table import Table

        table = Table(title=_("Batch result ({month})").format(month=report.month))
        for column in (_("納付利用者ID"), _("result"), _("file / error"), _("password"), _("s")):
            # Folded at the display width, never cut with an ellipsis (Japanese has no spaces).
            table.add_column(column, overflow="fold")
        for a in report.accounts:
            outcome = {
                "downloaded": _("downloaded"),
                "skipped": _("skipped"),
                "failed": _("failed"),
            }[a.outcome]
            detail = a.file if a.ok else f"{a.error_code}: {a.error}"
            rotated = _("changed") if a.rotated else ""
            table.add_row(
                f"{a.user_id} {a.label}".strip(),
                outcome,
                detail or "",
                rotated,
                f"{a.duration_seconds:.1f}",
            )
        self.output.out.print(table)
