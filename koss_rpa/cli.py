"""`koss-rpa`: arguments → settings → flow → exit code. Nothing else lives here."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import sys
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import click
import typer

from koss_rpa import __version__, asyncrun, storage
from koss_rpa.errors import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    BusinessError,
    KossError,
    SettingsInvalid,
)
from koss_rpa.i18n import _, set_language

if TYPE_CHECKING:
    from koss_rpa.credentials import CredentialStore
    from koss_rpa.settings import Settings

# Settings (pydantic-settings), the keyring and the flows are imported where they are used:
# a browser command loads them in a worker thread while Playwright's driver starts.

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
credentials_app = typer.Typer(
    help="Passwords in the OS keyring: set, status, delete, show.", no_args_is_help=True
)
app.add_typer(credentials_app, name="credentials")


class OncePer(StrEnum):
    run = "run"
    month = "month"


@dataclass
class Globals:
    config: Path | None = None
    as_json: bool = False
    debug: bool = False
    lang: str | None = None
    #: Whether this command printed its JSON object already (`--json` prints exactly one).
    json_written: bool = False


STATE = Globals()
UserIdOption = Annotated[
    str | None, typer.Option("--user-id", "-u", help="納付利用者ID (default: the user_id setting).")
]


@app.callback()
def _globals(
    config: Annotated[
        Path | None, typer.Option(help="TOML config file (default: KOSS_CONFIG, then the user's).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON result on stdout.")] = False,
    debug: Annotated[bool, typer.Option(help="Show tracebacks and debug logs.")] = False,
    lang: Annotated[str | None, typer.Option(help="ja or en (default: from the locale).")] = None,
) -> None:
    STATE.config, STATE.as_json, STATE.debug, STATE.lang = config, as_json, debug, lang
    set_language(lang)


def _settings(**overrides: Any) -> Settings:
    from koss_rpa.settings import load_settings

    settings = load_settings(STATE.config, **overrides)
    if STATE.lang is None and settings.lang:
        set_language(settings.lang)
    return settings


def _store(settings: Settings) -> CredentialStore:
    """The keyring store of the settings, after checking that a keyring backend exists."""
    from koss_rpa.credentials import CredentialStore
    from koss_rpa.preflight import checked_backend

    checked_backend()
    return CredentialStore(settings.keyring_service)


def _output() -> Any:
    from koss_rpa.console import Output

    class _Tracked(Output):
        """Remembers that the command's JSON object was printed."""

        def result(self, command: str, data: dict[str, Any]) -> None:
            STATE.json_written = STATE.json_written or self.as_json
            super().result(command, data)

        def error(self, command: str, exc: KossError) -> None:
            STATE.json_written = STATE.json_written or self.as_json
            super().error(command, exc)

    return _Tracked(as_json=STATE.as_json)


Job = Callable[[Any, str], Awaitable[Any]]


def _run_account_job(
    command: str, user_id: str | None, load_job: Callable[[], Job], **overrides: Any
) -> tuple[Any, Any]:
    """Settings, checks before any login, the account's lock, the runtime, the job.

    Playwright's driver (a Node.js process that takes about 0.3 s to start) is started first
    and boots while a worker thread reads and checks the settings, takes the account's lock and
    imports the flow; a run that stops before the browser stops the driver again, unused.
    """
    from koss_rpa import browser

    def prepare() -> tuple[Settings, str, Job, Any, Any]:
        from koss_rpa.flows import account_lock_file, acquire_account_lock
        from koss_rpa.preflight import preflight

        settings = _settings(**overrides)
        uid = settings.validated_user_id(user_id)
        month = storage.month_of(datetime.now(UTC)) if command == "download" else None
        try:
            preflight(settings, uid, month)
        except BusinessError as exc:  # e.g. no password stored: a scheduled run needs a person
            _tell_before_the_run(settings, uid, exc)
            raise
        job = load_job()
        out = _output()
        lock = account_lock_file(settings, uid)
        acquire_account_lock(lock, uid, settings.lock_wait_seconds)
        return settings, uid, job, out, lock

    async def go() -> tuple[Any, Any]:
        driver = browser.start_driver()
        try:
            settings, uid, job, out, lock = await asyncio.to_thread(prepare)
            from koss_rpa.flows import open_runtime  # loaded by `prepare`

            try:
                async with open_runtime(settings, command, uid, out.progress, driver) as rt:
                    return await _job_telling_people(command, settings, uid, job, rt, out), out
            finally:
                lock.release()
        finally:
            if driver is not None:
                await driver.discard()

    return asyncrun.run(go())


async def _job_telling_people(
    command: str, settings: Settings, uid: str, job: Job, rt: Any, out: Any
) -> Any:
    """Run the job; notify what needs a person (and a download's rotation/file), and warn on
    stderr about every notification that could not be delivered."""
    from koss_rpa import notify
    from koss_rpa.outcomes import record_outcome

    redact = rt.folder.redactor.redact
    try:
        result = await job(rt, uid)
    except KossError as exc:
        record_outcome(settings.run_dir, uid, command, exc.exit_code, exc.code, rt.folder.path)
        failures = await asyncio.to_thread(
            notify.notify_problem, settings, uid, "", exc, rt.folder.path, redact
        )
        _warn_notify_failures(out, failures)
        raise
    record_outcome(settings.run_dir, uid, command, 0, "ok", rt.folder.path)
    if command == "download":
        result.notify_failures = await asyncio.to_thread(
            notify.notify_download, settings, uid, "", result, rt.folder.path, redact
        )
        _warn_notify_failures(out, result.notify_failures)
    elif command == "info" and result.rotated:  # change-password tells people itself
        message = notify.rotated_message(uid, "", rt.folder.path)
        _warn_notify_failures(
            out, await asyncio.to_thread(notify.send, settings, message, redact=redact)
        )
    return result


def _tell_before_the_run(settings: Settings, uid: str, exc: KossError) -> None:
    """Notify a problem found before any run folder exists (the preflight's)."""
    from koss_rpa import notify

    _warn_notify_failures(_output(), notify.notify_problem(settings, uid, "", exc, None))


def _warn_notify_failures(out: Any, failures: list[str]) -> None:
    for failure in failures:
        out.err.print(
            _("warning: a notification could not be sent: {failure}").format(failure=failure),
            markup=False,
        )


def _download_job() -> Job:
    from koss_rpa.flows.download import download

    return download


def _change_password_job() -> Job:
    from koss_rpa.flows.password import change_password

    return change_password


def _info_job() -> Job:
    from koss_rpa.flows.info import read_info

    return read_info


# --- check and capture (docs/real-portal.md) ---------------------------------------------------

CaptureOption = Annotated[
    Path | None,
    typer.Option(
        "--capture",
        metavar="DIR",
        help="Also save every screen, sanitised, into DIR (see docs/real-portal.md).",
    ),
]


def _captured(load_job: Callable[[], Job], folder: Path | None) -> Callable[[], Job]:
    """`load_job` with `--capture DIR`: DIR is checked now, before any browser starts."""
    if folder is None:
        return load_job
    from koss_rpa.capture import capturing, prepare_folder

    checked = prepare_folder(folder, force=False)
    return lambda: capturing(load_job(), checked)


def _run_portal_job(command: str, job: Job, user_id: str | None) -> tuple[Any, Any]:
    """A job that may run without an account (`check`): settings, preflight, the runtime."""
    from koss_rpa import browser

    async def go() -> tuple[Any, Any]:
        driver = browser.start_driver()
        try:

            def prepare() -> tuple[Settings, Any]:
                from koss_rpa.preflight import check_portal_name

                # No login: neither the keyring nor the download folder is needed.
                settings = _settings()
                check_portal_name(settings.login_url or str(settings.portal_url))
                return settings, _output()

            settings, out = await asyncio.to_thread(prepare)
            from koss_rpa.flows import open_runtime

            async with open_runtime(settings, command, user_id or "", out.progress, driver) as rt:
                return await job(rt, user_id or settings.user_id or "-"), out
        finally:
            if driver is not None:
                await driver.discard()

    return asyncrun.run(go())


def _check(login: bool, user_id: str | None, capture: Path | None, force: bool) -> Any:
    from koss_rpa.capture import capturing, prepare_folder

    folder = prepare_folder(capture, force=force) if capture is not None else None

    async def job(rt: Any, uid: str) -> Any:
        from koss_rpa.check import run_check

        return await run_check(rt, uid, login=login)

    chosen: Job = capturing(job, folder) if folder is not None else job
    if login:
        return _run_account_job("check", user_id, lambda: chosen)
    return _run_portal_job("check", chosen, user_id)


def _show_check(report: Any, out: Any, command: str, folder: Path | None = None) -> None:
    from rich.table import Table

    from koss_rpa.check import MARKS, kind_text, state_text

    if not STATE.as_json:
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
    if STATE.as_json:
        sys.stdout.write(
            json.dumps(
                {
                    "ok": False,
                    "command": command,
                    "result": payload,
                    "error": {
                        "code": error.code,
                        "exit_code": error.exit_code,
                        "message": str(error),
                    },
                },
                ensure_ascii=False,
            )
            + "\n"
        )
        STATE.as_json = False  # the error line goes to stderr only, the JSON is written
        STATE.json_written = True
    from koss_rpa.console import Output

    Output().err.print(
        _("error [{code}]: {message}").format(code=error.code, message=error), markup=False
    )
    raise typer.Exit(error.exit_code)


@app.command()
def check(
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
    report, out = _check(login, user_id, capture, force=False)
    _show_check(report, out, "check", capture)


@app.command("capture")
def capture_command(
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
    report, out = _check(login, user_id, folder, force=force)
    out.line(_("Capture saved in {folder}; look at it before sending it.").format(folder=folder))
    for problem in report.problems():
        out.line("✗ " + problem)
    out.result("capture", {"folder": str(folder), "check": report.to_json()})


# -------------------------------------------------------------------------------------------


@app.command()
def download(
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
    overrides: dict[str, Any] = {"download_dir": download_dir}
    if headed:
        overrides["headless"] = False
    if once_per is OncePer.month:
        from koss_rpa.flows.download import skipped_if_done

        settings = _settings(**overrides)
        uid = settings.validated_user_id(user_id)
        month = storage.month_of(datetime.now(UTC))
        _manifest_notes(settings.download_dir, uid)
        skipped = skipped_if_done(settings.download_dir, uid, month)
        if skipped is not None:
            out = _output()
            out.line(_("Already saved this month: {path}").format(path=skipped.path))
            out.result("download", skipped.to_json())
            return
    result, out = _run_account_job(
        "download", user_id, _captured(_download_job, capture), **overrides
    )
    if result.rotated:
        out.line(_("The password was changed; the new one is in the keyring."))
    out.line(_("Saved: {path}").format(path=result.path))
    out.result("download", result.to_json())


def _manifest_notes(download_dir: Path, user_id: str) -> None:
    """Manifest lines that are ignored (edited by hand, torn by a crash), said on stderr."""
    for problem in storage.read_manifest_checked(download_dir, user_id)[1]:
        sys.stderr.write(_("Note: ignored a manifest line ({problem}).").format(problem=problem))
        sys.stderr.write("\n")


def _check_report_path(report: Path) -> Path:
    """`batch --report`: a file that can be written, checked before the batch starts."""
    from koss_rpa.errors import FolderNotWritable
    from koss_rpa.settings import expand_path

    path: Path = expand_path(str(report))
    if path.is_dir():
        raise FolderNotWritable(
            _("--report {path} is a folder: give a file name, e.g. {example}.").format(
                path=path, example=path / "report.json"
            )
        )
    existed = path.exists()
    try:
        with path.open("a", encoding="utf-8"):
            pass
    except OSError as exc:
        raise FolderNotWritable(
            _("--report {path} cannot be written ({error}): choose another file.").format(
                path=path, error=exc.strerror or exc
            )
        ) from exc
    if not existed:
        path.unlink(missing_ok=True)
    return path


@app.command()
def batch(
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
    from koss_rpa.accounts import load_accounts
    from koss_rpa.console import BatchDisplay
    from koss_rpa.flows.batch import BatchReport, run_batch
    from koss_rpa.preflight import check_state_dirs
    from koss_rpa.runs import run_folder

    settings = _settings(**({"concurrency": concurrency} if concurrency else {}))
    parsed, entries = load_accounts(accounts_file, settings)
    for entry in entries:  # an account's own download_dir is checked too, before any pruning
        entry.settings_for(settings, parsed.defaults)
    check_state_dirs(settings)
    report = _check_report_path(report) if report is not None else None
    out = _output()
    labels = {e.user_id: e.label for e in entries}
    with run_folder(settings.run_dir, "batch", "", settings.keep_runs) as folder:
        result = BatchReport.begin(entries)
        try:
            with BatchDisplay(out, labels) as display:
                asyncrun.run(
                    run_batch(
                        settings,
                        entries,
                        parsed.defaults,
                        folder,
                        display,
                        once_per_month=once_per is OncePer.month,
                        report=result,
                    )
                )
        except KeyboardInterrupt:
            # What was done is reported all the same: the accounts not finished say so.
            result.interrupt()
            _write_report(result.to_json(), folder.path / "report.json", report)
            sys.stderr.write(
                _("The report of what was done is in {path}.").format(
                    path=report or folder.path / "report.json"
                )
                + "\n"
            )
            raise
        payload = result.to_json()
        _write_report(payload, folder.path / "report.json", report)
        if not result.browser_started:
            folder.drop_evidence()
    display.summary(result)
    _warn_notify_failures(out, result.all_notify_failures())
    out.result("batch", payload)
    if result.exit_code:
        raise typer.Exit(result.exit_code)


def _write_report(payload: dict[str, Any], *targets: Path | None) -> None:
    text = json.dumps(payload, ensure_ascii=False, indent=2)
    for target in filter(None, targets):
        target.write_text(text + "\n", encoding="utf-8")


@app.command("change-password")
def change_password(user_id: UserIdOption = None) -> None:
    """Change the password now, through the login screen's パスワード変更 link.

    The new password is generated, kept in the keyring as pending before it is submitted,
    and becomes current once the portal confirms it.

    \b
    Example:
      koss-rpa change-password --user-id KNAB1234
    """
    result, out = _run_account_job("change-password", user_id, _change_password_job)
    out.line(_("The password was changed; the new one is in the keyring."))
    out.result("change-password", result.to_json())


@app.command()
def info(user_id: UserIdOption = None, capture: CaptureOption = None) -> None:
    """Show the マイページ's 利用者情報 and 国庫金ダイレクト納付口座情報.

    \b
    Example:
      koss-rpa info --user-id KNAB1234 --json
    """
    result, out = _run_account_job("info", user_id, _captured(_info_job, capture))
    for label, value in result.user_info.items():
        out.line(f"{label}: {value}")
    for row in result.direct_payment_accounts:
        out.line(" / ".join(f"{k}: {v}" for k, v in row.items()))
    out.result("info", result.to_json())


@credentials_app.command("set")
def credentials_set(
    user_id: Annotated[str | None, typer.Argument(help="納付利用者ID.")] = None,
    stdin: Annotated[bool, typer.Option(help="Read the password from standard input.")] = False,
    changed_on: Annotated[
        str | None,
        typer.Option(help="When it was last changed on the portal (YYYY-MM-DD), for its age."),
    ] = None,
    discard_pending: Annotated[
        bool,
        typer.Option(
            help="Drop a pending password left by an interrupted change (normally it is kept"
            " as a login candidate: the portal may have accepted it)."
        ),
    ] = False,
) -> None:
    """Store the current portal password of an account in the OS keyring.

    Also resets the account's login budget (the count of password submissions the portal has
    not confirmed).

    \b
    Examples:
      koss-rpa credentials set KNAB1234                  # asks, without echo
      printf '%s\\n' "$PW" | koss-rpa credentials set KNAB1234 --stdin
    """
    from pydantic import SecretStr

    from koss_rpa.credentials import meets_policy

    settings = _settings()
    uid = settings.validated_user_id(user_id)
    store = _store(settings)
    when = _parse_date(changed_on)
    if stdin:
        password = _read_stdin_password(settings.password_policy.max_length)
    else:
        _require_terminal(_("Pipe the password in with --stdin instead."))
        password = typer.prompt(
            _("納付利用者パスワード for {user_id}").format(user_id=uid),
            hide_input=True,
            confirmation_prompt=True,
        )
    _check_password(password, settings.password_policy.max_length)
    out = _output()
    if not meets_policy(password, settings.password_policy):
        out.line(_("Note: this password does not meet the configured password policy."))
    kept = store.set_password(uid, SecretStr(password), when, discard_pending=discard_pending)
    from koss_rpa.account import Account

    Account(store, uid, settings).budget.reset()
    out.line(_("Stored the password of {user_id} in the keyring.").format(user_id=uid))
    if kept:
        out.line(
            _(
                "A pending password from an interrupted change is kept: the portal may have "
                "accepted it, so the next run tries it once before this one. To drop it, run "
                "again with --discard-pending."
            )
        )
    out.result("credentials set", {"user_id": uid, "pending_kept": kept})


def _require_terminal(remedy: str) -> None:
    """A question needs a person at a terminal; from a pipe or a scheduler, say what to use."""
    if not sys.stdin.isatty():
        raise SettingsInvalid(
            _("No terminal to ask on (standard input is not a terminal). {remedy}").format(
                remedy=remedy
            )
        )


def _read_stdin_password(max_length: int) -> str:
    """One line of standard input, read with a bound (a password is never a megabyte)."""
    line = sys.stdin.readline(max(4 * max_length, 1024) + 2)
    if line and not line.endswith("\n") and sys.stdin.read(1):
        raise SettingsInvalid(
            _(
                "The password on standard input is longer than password_policy.max_length "
                "({max_length}): the portal can never accept it. Give the right password."
            ).format(max_length=max_length)
        )
    return line.rstrip("\r\n")


def _check_password(password: str, max_length: int) -> None:
    """Refuse what the portal can never accept: nothing, only blanks, longer than its limit."""
    if not password:
        raise SettingsInvalid(_("No password given."))
    if not password.strip():
        raise SettingsInvalid(
            _("The password is only blanks: give the portal's password (nothing was stored).")
        )
    if len(password) > max_length:
        raise SettingsInvalid(
            _(
                "The password is longer than password_policy.max_length ({max_length}): the "
                "portal can never accept it. Give the right password (nothing was stored)."
            ).format(max_length=max_length)
        )


def _parse_date(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        when = datetime.combine(date.fromisoformat(value), time(), tzinfo=storage.JST)
    except ValueError as exc:
        raise SettingsInvalid(
            _("--changed-on must be a date like 2026-11-01, not {value!r}.").format(value=value)
        ) from exc
    if when.date() > datetime.now(storage.JST).date():
        raise SettingsInvalid(
            _("--changed-on {value} is in the future: give the day it was changed.").format(
                value=value
            )
        )
    return when


@credentials_app.command("status")
def credentials_status(
    user_id: Annotated[str | None, typer.Argument(help="納付利用者ID.")] = None,
) -> None:
    """Which keyring entries exist for an account, and the password's age. Never the value."""
    settings = _settings()
    uid = settings.validated_user_id(user_id)
    status = _store(settings).status(uid)
    out = _output()
    age = status.age_days()
    out.check(status.has_current, _("current password stored"), _("koss-rpa credentials set"))
    out.line(_("pending password: {v}").format(v=_("yes") if status.has_pending else _("no")))
    out.line(_("previous password: {v}").format(v=_("yes") if status.has_previous else _("no")))
    out.line(
        _("password age: {age}").format(
            age=f"{age:.1f} " + _("days") if age is not None else _("unknown")
        )
    )
    if status.rejected_at:
        out.line(_("rejected by the portal at {when}").format(when=status.rejected_at))
    out.result(
        "credentials status",
        {
            "user_id": uid,
            "current": status.has_current,
            "pending": status.has_pending,
            "previous": status.has_previous,
            "age_days": age,
            "rejected_at": status.rejected_at,
        },
    )
    if not status.has_current:
        raise typer.Exit(13)


@credentials_app.command("delete")
def credentials_delete(
    user_id: Annotated[str, typer.Argument(help="納付利用者ID.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask.")] = False,
) -> None:
    """Remove every keyring entry of an account (current, pending, previous)."""
    settings = _settings()
    uid = settings.validated_user_id(user_id)
    store = _store(settings)
    if not yes:
        _require_terminal(_("Add --yes to delete without asking."))
    if not yes and not typer.confirm(_("Delete the stored passwords of {u}?").format(u=uid)):
        raise typer.Exit(1)
    store.delete(uid)
    _output().line(_("Deleted the stored passwords of {user_id}.").format(user_id=uid))


@credentials_app.command("show")
def credentials_show(
    user_id: Annotated[str, typer.Argument(help="納付利用者ID.")],
    reveal: Annotated[bool, typer.Option("--reveal", help="Really print the password.")] = False,
) -> None:
    """Print an account's current password — only with --reveal, and only to a terminal."""
    settings = _settings()
    uid = settings.validated_user_id(user_id)
    if not reveal:
        raise SettingsInvalid(_("Add --reveal to print the password."))
    if not sys.stdout.isatty():
        raise SettingsInvalid(_("The password is printed only to a terminal, never to a pipe."))
    password = _store(settings).current(uid)
    if password is None:
        raise SettingsInvalid(_("No password is stored for {user_id}.").format(user_id=uid))
    typer.echo(password.get_secret_value())


# notify, schedule, status: koss_rpa/commands.py
__import__("koss_rpa.commands").commands.register(app)


@app.command()
def doctor(user_id: UserIdOption = None) -> None:
    """Check the set-up as this user sees it: settings, folder, keyring, browser, portal.

    Run it once by hand, and once the way the scheduler will (same user, same environment).
    """
    from koss_rpa.doctor import run_doctor

    out = _output()
    code = run_doctor(STATE.config, user_id, out)
    if code:
        raise typer.Exit(code)


@app.command()
def demo(
    headed: Annotated[bool, typer.Option(help="Show the browser window.")] = False,
) -> None:
    """Run the real download flow against the bundled mock portal, with an expired password.

    Shows the menu, the forced password change, the new login and the saved file. Uses a
    throw-away keyring; touches neither the real portal nor your keyring.
    """
    from koss_rpa.demo import run_demo

    run_demo(_output(), headed=headed)


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


_GLOBAL_FLAGS = {"--json", "--debug"}
_GLOBAL_VALUED = {"--config", "--lang"}


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
        if arg in _GLOBAL_FLAGS or (name in _GLOBAL_VALUED and "=" in arg):
            front.append(arg)
        elif arg in _GLOBAL_VALUED and i + 1 < len(argv):
            front.extend(argv[i : i + 2])
            i += 1
        else:
            rest.append(arg)
        i += 1
    return front + rest


def main(argv: list[str] | None = None) -> int:
    """Entry point: runs the CLI and turns every outcome into a documented exit code."""
    try:
        return _main(argv)
    finally:
        # The interpreter's last collection would walk every object that pydantic, Playwright
        # and rich created at import (≈0.13 s of a 3 s run); the process's exit frees them
        # anyway, and everything is written and closed by now.
        gc.freeze()


def _main(argv: list[str] | None) -> int:
    args = hoist_globals(list(sys.argv[1:] if argv is None else argv))
    debug = "--debug" in args
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not debug:
        logging.getLogger("koss_rpa").propagate = False
    STATE.config, STATE.as_json, STATE.debug, STATE.lang = None, False, False, None
    STATE.json_written = False
    as_json = "--json" in args
    from koss_rpa import clihelp

    try:
        # The language first, so that --help is in it too (--lang, else the locale).
        set_language(clihelp.requested_language(args))
    except clihelp.UnknownLanguage as exc:
        sys.stderr.write(f"koss-rpa: {exc}\n")
        _json_failure(args, "usage", EXIT_USAGE, str(exc))
        return EXIT_USAGE
    try:
        command = clihelp.localized(app)
        result = command(args=args, prog_name="koss-rpa", standalone_mode=False)
    except KossError as exc:
        STATE.as_json = STATE.as_json or as_json
        _output().error(_command(args), exc)
        if debug:
            traceback.print_exc()
        return exc.exit_code
    except _EXIT_TYPES as exc:
        return _finish(args, int(getattr(exc, "exit_code", 0)))
    except _INTERRUPT_TYPES:
        return _finish(args, EXIT_INTERRUPTED)
    except _USAGE_TYPES as exc:
        exc.show()  # type: ignore[attr-defined]
        _json_failure(args, "usage", EXIT_USAGE, exc.format_message())  # type: ignore[attr-defined]
        return EXIT_USAGE
    except Exception as exc:
        if debug:
            traceback.print_exc()
        message = _("internal error: {error} (run again with --debug for the traceback)").format(
            error=type(exc).__name__
        )
        sys.stderr.write(message + "\n")
        _json_failure(args, "internal", EXIT_INTERNAL, message)
        return EXIT_INTERNAL
    return _finish(args, result if isinstance(result, int) else 0)


def _finish(args: list[str], code: int) -> int:
    """An exit without an error object: Ctrl-C (typer returns it as 130) is said so, and with
    --json every failing exit still prints its one JSON object."""
    if code == EXIT_INTERRUPTED:
        message = _interrupted()
        sys.stderr.write(message + "\n")
        _json_failure(args, "interrupted", EXIT_INTERRUPTED, message)
    elif code:
        _json_failure(args, "exit", code, _("exit code {code}").format(code=code))
    return code


def _interrupted() -> str:
    return _(
        "Interrupted. Nothing was lost: a file is saved only once complete, and every "
        "password stays in the keyring (a new one as pending until the portal confirmed it)."
    )


def _json_failure(args: list[str], code: str, exit_code: int, message: str) -> None:
    """With --json, every exit prints one JSON object on stdout, usage errors included."""
    if "--json" not in args or STATE.json_written:
        return
    payload = {
        "ok": False,
        "command": _command(args),
        "error": {"code": code, "exit_code": exit_code, "message": message},
    }
    sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
    STATE.json_written = True


def _command(args: list[str]) -> str:
    """The command's name in hoisted `args` (global options and their values come first)."""
    words = iter(args)
    for word in words:
        if word in _GLOBAL_VALUED:
            next(words, None)
        elif not word.startswith("-"):
            return word
    return "koss-rpa"


def _bundled_click(name: str) -> list[type[BaseException]]:
    """typer ≥ 0.2x raises exceptions of its own copy of click; older typer uses click's."""
    try:
        from typer._click import exceptions as bundled
    except ImportError:
        return []
    found = getattr(bundled, name, None)
    return [found] if isinstance(found, type) else []


_EXIT_TYPES: tuple[type[BaseException], ...] = (
    click.exceptions.Exit,
    typer.Exit,
    *_bundled_click("Exit"),
)
_ABORT_TYPES: tuple[type[BaseException], ...] = (
    click.exceptions.Abort,
    typer.Abort,
    *_bundled_click("Abort"),
)
#: Ctrl-C, and Ctrl-D (end of input) at a prompt.
_INTERRUPT_TYPES: tuple[type[BaseException], ...] = (*_ABORT_TYPES, KeyboardInterrupt, EOFError)
_USAGE_TYPES: tuple[type[BaseException], ...] = (
    click.ClickException,
    *_bundled_click("ClickException"),
)
