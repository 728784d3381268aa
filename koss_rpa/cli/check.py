"""`check` and `capture`: the read-only walk of the portal's screens (docs/real-portal.md),
shown as a table of what was found, or saved, sanitised, into a folder."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from koss_rpa.cli.args import CaptureOption, Invocation, UserIdOption, invocation, starts_driver
from koss_rpa.i18n import _
from koss_rpa.jobs import runner

if TYPE_CHECKING:
    from koss_rpa.jobs.check import CheckReport
    from koss_rpa.jobs.console import Output


def _check(
    inv: Invocation, login: bool, user_id: str | None, capture: Path | None, force: bool
) -> tuple[CheckReport, Output]:
    folder = runner.prepare_capture(capture, force=force) if capture is not None else None
    job = runner.with_capture(runner.check_job(login=login), folder)
    if login:
        return runner.run_account_job(
            runner.AccountJob("check", lambda: job), inv.account(user_id), inv.output
        )
    return runner.run_portal_job("check", job, user_id, inv.settings, inv.output)


def _show_check(report: CheckReport, out: Output, command: str, folder: Path | None = None) -> None:
    from rich.table import Table

    from koss_rpa.jobs.check import MARKS, kind_text, state_text

    if not out.as_json:
        table = Table(title=_("Portal check ({url})").format(url=report.portal_url))
        for column in (_("screen"), _("kind"), _("words"), _("result"), _("found as")):
            table.add_column(column)
        for screen in report.screens:
            if not screen.reached:
                table.add_row(screen.screen, _("screen"), screen.screen, "✗ " + _("not reached"))
            for p in screen.probes:
                mark = MARKS.get(p.state, "?")
                table.add_row(
                    screen.screen,
                    kind_text(p.what),
                    p.words,
                    f"{mark} {state_text(p.state)}",
                    ", ".join(p.how),
                )
        out.out.print(table)
        _show_suggestions(report, out)
    if folder is not None:
        out.line(
            _("Capture saved in {folder}; look at it before sending it.").format(folder=folder)
        )
    out.result(command, report.to_json())
    if report.ok:
        out.line(_("Every screen and control the robot needs was found."))
        return
    from koss_rpa.errors import PortalChanged

    error = PortalChanged(
        _("The portal differs from what the robot expects: {problems}").format(
            problems="; ".join(report.problems())
        )
    )
    out.error(command, error)  # the JSON holds the report and the error
    raise typer.Exit(error.exit_code)


def _show_suggestions(report: CheckReport, out: Output) -> None:
    """For each ✗: the elements `check` saw nearest in words, and the `[locators]` lines."""

    def say(text: str) -> None:  # never wrapped: the lines are to be copied
        out.out.print(text, markup=False, highlight=False, soft_wrap=True)

    lines: list[str] = []
    for screen in report.screens:
        for words, seen in screen.suggestions.items():
            say(
                _("✗ {screen}: {words}: what koss-rpa saw there:").format(
                    screen=screen.screen, words=words
                )
            )
            if not seen:
                say("  " + _("(nothing of that kind)"))
            for n, candidate in enumerate(seen, start=1):
                say(f"  {n}. {candidate.html}  {candidate.selector or '-'}")
            line = screen.locators_line(words)
            if line is not None:
                lines.append(line)
    if lines:
        say(
            _(
                "To point the robot at the first of each, add to the settings file "
                '(docs/real-portal.md, "Locators"):'
            )
        )
        say("[locators]")
        for line in lines:
            say(line)


@starts_driver
def check(
    ctx: typer.Context,
    user_id: UserIdOption = None,
    login: Annotated[
        bool,
        typer.Option(
            "--login",
            help="Also log in (stored password, login budget) and check the マイページ; "
            "downloads nothing, changes nothing.",
        ),
    ] = False,
    capture: CaptureOption = None,
) -> None:
    """Check, read-only, that the portal's screens and controls are where the robot looks.

    Without --login: the portal's top, its menu and the マイページログイン. Exit 0 when every
    screen and control is found; 22 when one is missing or ambiguous (it is named).

    \b
    Examples:
      koss-rpa check                      # daily, from cron / Task Scheduler
      koss-rpa check --login --user-id KNAB1234 --json
    """
    inv = invocation(ctx)
    report, out = _check(inv, login, user_id, capture, force=False)
    _show_check(report, out, "check", capture)


@starts_driver
def capture(
    ctx: typer.Context,
    folder: Annotated[Path, typer.Argument(metavar="DIR", help="An empty folder for the capture.")],
    user_id: UserIdOption = None,
    login: Annotated[
        bool, typer.Option("--login", help="Also log in and capture the マイページ.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Replace the capture in a folder that is not empty.")
    ] = False,
) -> None:
    """Save every screen of a read-only walk (as `check` makes it), sanitised, into DIR.

    Input values, the account's ID, name, kana, e-mail addresses and account numbers, tokens
    and session ids are replaced before anything is written; cookies are never saved. Look at
    the files before sending them (docs/real-portal.md).

    \b
    Example:
      koss-rpa capture ./portal-2026-11 --login --user-id KNAB1234
    """
    report, out = _check(invocation(ctx), login, user_id, folder, force=force)
    out.line(_("Capture saved in {folder}; look at it before sending it.").format(folder=folder))
    for problem in report.problems():
        out.line("✗ " + problem)
    out.result("capture", {"folder": str(folder), "check": report.to_json()})
