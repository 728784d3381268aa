"""`koss-rpa`: arguments → settings → flow → exit code. Nothing else lives here."""

from __future__ import annotations

import gc
import logging
import sys
import traceback
from datetime import UTC, datetime
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from koss_rpa import __version__, asyncrun, storage
from koss_rpa.cli import credentials, docs, operations
from koss_rpa.cli.args import (
    EXIT_TYPES,
    INTERRUPT_TYPES,
    USAGE_TYPES,
    Invocation,
    command_name,
    global_value,
    hoist_globals,
    invocation,
)
from koss_rpa.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_USAGE, KossError
from koss_rpa.i18n import _, set_language
from koss_rpa.jobs import runner

if TYPE_CHECKING:
    from koss_rpa.jobs.check import CheckReport
    from koss_rpa.jobs.console import Output
    from koss_rpa.settings import Settings

# Settings (pydantic-settings), the keyring and the flows are imported where they are used
# (`jobs.runner`): a browser command loads them in a worker thread while Playwright's driver
# starts.

app = typer.Typer(
    name="koss-rpa",
    help=(
        "Fetch the まとめ納付管理ファイル from the 軽自動車OSS 利用者情報マイページ,"
        " unattended.\n\n"
        "Global options (--config, --json, --debug, --lang) may stand anywhere on the line."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)
credentials.register(app)


class OncePer(StrEnum):
    run = "run"
    month = "month"


UserIdOption = Annotated[
    str | None, typer.Option("--user-id", "-u", help="納付利用者ID (default: the user_id setting).")
]


@app.callback()
def _globals(
    ctx: typer.Context,
    config: Annotated[
        Path | None, typer.Option(help="TOML config file (default: KOSS_CONFIG, then the user's).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON result on stdout.")] = False,
    debug: Annotated[bool, typer.Option(help="Show tracebacks and debug logs.")] = False,
    lang: Annotated[str | None, typer.Option(help="ja or en (default: from the locale).")] = None,
    log_file: Annotated[
        Path | None,
        typer.Option(
            hidden=True, help="Append the output to this file, rotated by size (the daily job)."
        ),
    ] = None,
) -> None:
    inv = invocation(ctx)
    inv.config, inv.as_json, inv.debug, inv.lang = config, as_json, debug, lang
    set_language(lang)


def _account(inv: Invocation, user_id: str | None, **overrides: Any) -> runner.AccountChoice:
    """The command's settings and the account's validated ID, read once, when first asked
    for (by the job's worker thread, or by the command before it)."""

    @cache
    def choose() -> tuple[Settings, str]:
        settings = inv.settings(**overrides)
        return settings, settings.validated_user_id(user_id)

    return choose


# --- check and capture (docs/real-portal.md) ---------------------------------------------------

CaptureOption = Annotated[
    Path | None,
    typer.Option(
        "--capture",
        metavar="DIR",
        help="Also save every screen, sanitised, into DIR (see docs/real-portal.md).",
    ),
]


def _check(
    inv: Invocation, login: bool, user_id: str | None, capture: Path | None, force: bool
) -> tuple[CheckReport, Output]:
    folder = runner.prepare_capture(capture, force=force) if capture is not None else None
    job = runner.with_capture(runner.check_job(login=login), folder)
    if login:
        return runner.run_account_job(
            runner.AccountJob("check", lambda: job), _account(inv, user_id), inv.output
        )
    return runner.run_portal_job("check", job, user_id, inv.settings, inv.output)


def _show_check(
    inv: Invocation, report: CheckReport, out: Output, command: str, folder: Path | None = None
) -> None:
    from rich.table import Table

    from koss_rpa.jobs.check import MARKS, kind_text, state_text

    if not inv.as_json:
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
    payload = report.to_json()
    if report.ok:
        out.line(_("Every screen and control the robot needs was found."))
        out.result(command, payload)
        return
    from koss_rpa.errors import PortalChanged

    error = PortalChanged(
        _("The portal differs from what the robot expects: {problems}").format(
            problems="; ".join(report.problems())
        )
    )
    if inv.as_json:  # the JSON holds the report and the error; the error line goes to stderr
        inv.write_json(
            {
                "ok": False,
                "command": command,
                "result": payload,
                "error": {"code": error.code, "exit_code": error.exit_code, "message": str(error)},
            }
        )
    from koss_rpa.jobs.console import Output

    Output().err.print(
        _("error [{code}]: {message}").format(code=error.code, message=error), markup=False
    )
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


@app.command()
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
    _show_check(inv, report, out, "check", capture)


@app.command("capture")
def capture_command(
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


# -------------------------------------------------------------------------------------------


@app.command()
def download(
    ctx: typer.Context,
    user_id: UserIdOption = None,
    once_per: Annotated[
        OncePer,
        typer.Option(help="'month': do nothing if this month's file is already saved."),
    ] = OncePer.run,
    download_dir: Annotated[
        Path | None, typer.Option(help="Where files go (default: the download_dir setting).")
    ] = None,
    headed: Annotated[bool, typer.Option(help="Show the browser window.")] = False,
    capture: CaptureOption = None,
) -> None:
    """Log in, download this month's まとめ納付管理ファイル and save it.

    The file goes to DOWNLOAD_DIR/<納付利用者ID>/<YYYY-MM>/ under the portal's own name; an earlier
    file is never overwritten. An expired password is changed on the way (on_expired = rotate).

    \b
    Examples:
      koss-rpa download --user-id KNAB1234
      koss-rpa download --once-per month --json    # from cron / Task Scheduler
    """
    inv = invocation(ctx)
    overrides: dict[str, Any] = {"download_dir": download_dir}
    if headed:
        overrides["headless"] = False
    account = _account(inv, user_id, **overrides)
    if once_per is OncePer.month:
        from koss_rpa.flows.download import skipped_if_done

        settings, user_id = account()  # read once: the job below has them from `account` too
        month = storage.month_of(datetime.now(UTC))
        _manifest_notes(settings.download_dir, user_id)
        skipped = skipped_if_done(settings.download_dir, user_id, month)
        if skipped is not None:
            out = inv.output()
            out.line(_("Already saved this month: {path}").format(path=skipped.path))
            out.result("download", skipped.to_json())
            return
    job = runner.download_job().captured(capture)
    result, out = runner.run_account_job(job, account, inv.output)
    if result.rotated:
        out.line(_("The password was changed; the new one is in the keyring."))
    if result.unchanged:  # byte-identical to the month's newest: nothing was written
        out.line(_("Unchanged (the same file as before): {path}").format(path=result.path))
    else:
        out.line(_("Saved: {path}").format(path=result.path))
    for warning in result.warnings:
        out.err.print(_("warning: {warning}").format(warning=warning), markup=False)
    out.result("download", result.to_json())


def _manifest_notes(download_dir: Path, user_id: str) -> None:
    """Manifest lines that are ignored (edited by hand, torn by a crash), said on stderr."""
    for problem in storage.read_manifest_checked(download_dir, user_id)[1]:
        sys.stderr.write(_("Note: ignored a manifest line ({problem}).").format(problem=problem))
        sys.stderr.write("\n")


@app.command()
def batch(
    ctx: typer.Context,
    accounts_file: Annotated[Path, typer.Argument(help="TOML file listing the accounts.")],
    once_per: Annotated[
        OncePer,
        typer.Option(help="'month': skip accounts whose file of this month is already saved."),
    ] = OncePer.run,
    concurrency: Annotated[
        int | None, typer.Option(min=1, max=16, help="Accounts at once (default: setting).")
    ] = None,
    report: Annotated[Path | None, typer.Option(help="Write the JSON run report here too.")] = None,
) -> None:
    """Download for every account in ACCOUNTS_FILE with one browser, a few at a time.

    Exit code 0 only when every account succeeded (or was already done); 30 when some failed.
    The JSON report (per account: outcome, file, SHA-256, duration, error code, whether the
    password was changed) is kept in the run folder, and printed with --json.

    \b
    Example (daily from cron / systemd / Task Scheduler; one file per account per month):
      koss-rpa batch accounts.toml --once-per month
    """
    inv = invocation(ctx)
    settings = inv.settings(**({"concurrency": concurrency} if concurrency else {}))
    result, payload, out = runner.run_batch_job(
        settings, accounts_file, report, inv.output, once_per_month=once_per is OncePer.month
    )
    out.result("batch", payload)
    if result.exit_code:
        raise typer.Exit(result.exit_code)


@app.command("change-password")
def change_password(ctx: typer.Context, user_id: UserIdOption = None) -> None:
    """Change the password now, through the login screen's パスワード変更 link.

    The new password is generated, kept in the keyring as pending before it is submitted,
    and becomes current once the portal confirms it.

    \b
    Example:
      koss-rpa change-password --user-id KNAB1234
    """
    inv = invocation(ctx)
    result, out = runner.run_account_job(
        runner.change_password_job(), _account(inv, user_id), inv.output
    )
    out.line(_("The password was changed; the new one is in the keyring."))
    out.result("change-password", result.to_json())


@app.command()
def info(ctx: typer.Context, user_id: UserIdOption = None, capture: CaptureOption = None) -> None:
    """Show the マイページ's 利用者情報 and 国庫金ダイレクト納付口座情報.

    \b
    Example:
      koss-rpa info --user-id KNAB1234 --json
    """
    inv = invocation(ctx)
    job = runner.info_job().captured(capture)
    result, out = runner.run_account_job(job, _account(inv, user_id), inv.output)
    for label, value in result.user_info.items():
        out.line(f"{label}: {value}")
    for row in result.direct_payment_accounts:
        out.line(" / ".join(f"{k}: {v}" for k, v in row.items()))
    out.result("info", result.to_json())


operations.register(app)  # notify, schedule, status
docs.register(app)  # docs


@app.command()
def doctor(ctx: typer.Context, user_id: UserIdOption = None) -> None:
    """Check the set-up as this user sees it: settings, folder, keyring, browser, portal.

    Run it once by hand, and once the way the scheduler will (same user, same environment).
    """
    from koss_rpa.jobs.doctor import run_doctor

    inv = invocation(ctx)
    code = run_doctor(inv.config, user_id, inv.output())
    if code:
        raise typer.Exit(code)


@app.command()
def demo(
    ctx: typer.Context,
    headed: Annotated[bool, typer.Option(help="Show the browser window.")] = False,
) -> None:
    """Run the real download flow against the bundled mock portal, with an expired password.

    Shows the menu, the forced password change, the new login and the saved file. Uses a
    throw-away keyring; touches neither the real portal nor your keyring.
    """
    from koss_rpa.jobs.demo import run_demo

    run_demo(invocation(ctx).output(), headed=headed)


@app.command()
def version(ctx: typer.Context) -> None:
    """Print the version."""
    out = invocation(ctx).output()
    out.line(__version__)
    out.result("version", {"version": __version__})


def main(argv: list[str] | None = None) -> int:
    """Entry point: runs the CLI and turns every outcome into a documented exit code."""
    try:
        with asyncrun.termination_as_interrupt():
            return _main(argv)
    finally:
        # The interpreter's last collection would walk every object that pydantic, Playwright
        # and rich created at import (≈0.13 s of a 3 s run); the process's exit frees them
        # anyway, and everything is written and closed by now.
        gc.freeze()


def _main(argv: list[str] | None) -> int:
    args = hoist_globals(list(sys.argv[1:] if argv is None else argv))
    log_file = global_value(args, "--log-file")
    if log_file:  # the scheduled job: its output goes to schedule.log on every platform
        from koss_rpa.schedule import append_output_to

        append_output_to(Path(log_file), " ".join(a for a in args if a != log_file))
    debug = "--debug" in args
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not debug:
        logging.getLogger("koss_rpa").propagate = False
    inv = Invocation()  # the root context's `obj`: every command's `ctx.obj`
    as_json = "--json" in args
    from koss_rpa.cli import help as help_

    try:
        # The language first, so that --help is in it too (--lang, else the locale).
        set_language(help_.requested_language(args))
    except help_.UnknownLanguage as exc:
        sys.stderr.write(f"koss-rpa: {exc}\n")
        inv.json_failure(args, "usage", EXIT_USAGE, str(exc))
        return EXIT_USAGE
    try:
        command = help_.localized(app)
        result = command(args=args, prog_name="koss-rpa", standalone_mode=False, obj=inv)
    except KossError as exc:
        inv.as_json = inv.as_json or as_json
        inv.output().error(command_name(args), exc)
        if debug:
            traceback.print_exc()
        return exc.exit_code
    except EXIT_TYPES as exc:
        return _finish(inv, args, int(getattr(exc, "exit_code", 0)))
    except INTERRUPT_TYPES:
        return _finish(inv, args, EXIT_INTERRUPTED)
    except USAGE_TYPES as exc:
        exc.show()  # type: ignore[attr-defined]
        inv.json_failure(args, "usage", EXIT_USAGE, exc.format_message())  # type: ignore[attr-defined]
        return EXIT_USAGE
    except Exception as exc:
        if debug:
            traceback.print_exc()
        message = _("internal error: {error} (run again with --debug for the traceback)").format(
            error=type(exc).__name__
        )
        sys.stderr.write(message + "\n")
        inv.json_failure(args, "internal", EXIT_INTERNAL, message)
        return EXIT_INTERNAL
    return _finish(inv, args, result if isinstance(result, int) else 0)


def _finish(inv: Invocation, args: list[str], code: int) -> int:
    """An exit without an error object: Ctrl-C (typer returns it as 130) is said so, and with
    --json every exit prints its one JSON object, "ok" true exactly when `code` is 0."""
    if code == EXIT_INTERRUPTED:
        message = _interrupted()
        signum = asyncrun.stopped_by()
        if signum is not None:  # SIGTERM, SIGHUP: the shell's convention, 128 + the signal
            code = 128 + signum
            message = _("Stopped by {signal}.").format(signal=_signal_name(signum)) + " " + message
        sys.stderr.write(message + "\n")
        inv.json_failure(args, "interrupted", code, message)
    inv.finish_json(args, code, exit_meaning(code))
    return code


def exit_meaning(code: int) -> str:
    """What an exit code says (the table of `koss-rpa --help`)."""
    from koss_rpa.cli.help import exit_code_rows

    meaning = dict(exit_code_rows()).get(code)
    return meaning or _("exit code {code}").format(code=code)


def _signal_name(signum: int) -> str:
    import signal

    try:
        return signal.Signals(signum).name
    except ValueError:
        return str(signum)


def _interrupted() -> str:
    return _(
        "Interrupted. Nothing was lost: a file is saved only once complete, and every "
        "password stays in the keyring (a new one as pending until the portal confirmed it)."
    )
