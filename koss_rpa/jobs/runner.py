"""Jobs as the commands run them: what surrounds a flow, and its typed result.

A job (`Job[R]`) is a flow over a runtime and an account's ID that returns an `R`
(`DownloadResult`, `ChangeResult`, `AccountInfo`, `CheckReport`). The runners here do the rest,
the same for every command:

- `run_account_job`: whether the job has anything to do (`download --once-per month`), settings
  and the checks before any login, the account's lock, Playwright's driver started ahead, the
  runtime; the outcome recorded and people told (a problem, a download, a changed password).
- `run_portal_job`: a job that may run without an account (`check`).
- `run_batch_job`: a batch's run folder, its report (kept, and written to `--report`) and its
  evidence, kept only when a browser started.

They return the flow's result for the command to show; nothing here decides an exit code.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import sys
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeAlias, TypeVar

from koss_rpa import asyncrun, storage
from koss_rpa.errors import BusinessError, KossError
from koss_rpa.evidence import scratch
from koss_rpa.i18n import _

if TYPE_CHECKING:
    from koss_rpa.flows.batch import BatchReport
    from koss_rpa.flows.download import DownloadResult
    from koss_rpa.flows.info import AccountInfo
    from koss_rpa.flows.runtime import Runtime
    from koss_rpa.flows.signin import ChangeResult
    from koss_rpa.jobs.check import CheckReport
    from koss_rpa.jobs.console import Output
    from koss_rpa.settings import Settings

# Settings, the keyring, the flows and Playwright are imported where they are used: an account's
# job loads them in a worker thread while Playwright's driver starts.

R = TypeVar("R")

#: A flow over a runtime and an account's ID, returning an `R`.
Job: TypeAlias = Callable[["Runtime", str], Awaitable[R]]
#: What tells people about a job's result: (settings, ID, result, run folder, redact) →
#: the notifications that could not be delivered.
Tell: TypeAlias = Callable[["Settings", str, R, Path, Callable[[str], str]], list[str]]
#: The settings of a command and the account's validated ID, read once.
AccountChoice: TypeAlias = Callable[[], "tuple[Settings, str]"]


@dataclass(frozen=True)
class AccountJob(Generic[R]):
    """A flow as a command runs it for one account."""

    command: str
    #: Imports the flow (in the worker thread, while the driver starts) and returns it.
    load: Callable[[], Job[R]]
    #: Who is told of a success, if anyone (a problem is always told).
    tell: Tell[R] | None = None
    #: Whether the job saves this month's file (the preflight checks its folder).
    saves_file: bool = False
    #: The result of a job that has nothing to do (`download --once-per month`: the month's
    #: file is saved already), asked before any browser or lock; None: the job runs.
    done_already: Callable[[Settings, str], R | None] | None = None

    def captured(self, folder: Path | None, *, force: bool = False) -> AccountJob[R]:
        """With `--capture DIR`: DIR is checked now, before any browser starts."""
        if folder is None:
            return self
        checked = prepare_capture(folder, force=force)
        load = self.load
        return replace(self, load=lambda: with_capture(load(), checked))


def prepare_capture(folder: Path, *, force: bool = False) -> Path:
    """The capture folder, checked (empty, or `force`; writable)."""
    from koss_rpa.jobs.capture import prepare_folder

    return prepare_folder(folder, force=force)


def with_capture(job: Job[R], folder: Path | None) -> Job[R]:
    """`job` capturing every screen into `folder` (checked by `prepare_capture`), if any."""
    if folder is None:
        return job
    from koss_rpa.jobs.capture import capturing

    return capturing(job, folder)


def download_job(*, once_per_month: bool = False) -> AccountJob[DownloadResult]:
    """The download; with `once_per_month`, nothing when this month's file is saved already
    (the result's outcome is then "skipped")."""

    def load() -> Job[DownloadResult]:
        from koss_rpa.flows.download import download

        return download

    def tell(
        settings: Settings,
        user_id: str,
        result: DownloadResult,
        folder: Path,
        redact: Callable[[str], str],
    ) -> list[str]:
        from koss_rpa.notify.delivery import notify_download

        result.notify_failures = notify_download(
            settings.notify_config(), user_id, "", result, folder, redact
        )
        return result.notify_failures

    done = _month_saved if once_per_month else None
    return AccountJob("download", load, tell, saves_file=True, done_already=done)


def _month_saved(settings: Settings, user_id: str) -> DownloadResult | None:
    """This month's file of `user_id`, if saved already; the manifest's lines that are
    ignored (edited by hand, torn by a crash) are said on stderr."""
    from koss_rpa.flows.download import skipped_if_done

    for problem in storage.read_manifest_checked(settings.download_dir, user_id)[1]:
        sys.stderr.write(_("Note: ignored a manifest line ({problem}).").format(problem=problem))
        sys.stderr.write("\n")
    month = storage.month_of(datetime.now(UTC))
    return skipped_if_done(settings.download_dir, user_id, month)


def change_password_job() -> AccountJob[ChangeResult]:
    def load() -> Job[ChangeResult]:
        from koss_rpa.flows.signin import change_password

        return change_password

    return AccountJob("change-password", load)  # the flow tells people itself


def info_job() -> AccountJob[AccountInfo]:
    def load() -> Job[AccountInfo]:
        from koss_rpa.flows.info import read_info

        return read_info

    def tell(
        settings: Settings,
        user_id: str,
        result: AccountInfo,
        folder: Path,
        redact: Callable[[str], str],
    ) -> list[str]:
        if not result.rotated:
            return []
        from koss_rpa.notify.delivery import send
        from koss_rpa.notify.messages import rotated_message

        message = rotated_message(user_id, "", folder)
        return send(settings.notify_config(), message, redact=redact)

    return AccountJob("info", load, tell)


def check_job(*, login: bool) -> Job[CheckReport]:
    """The read-only walk of `check` (and `capture`), with a login if `login`."""

    async def job(rt: Runtime, user_id: str) -> CheckReport:
        from koss_rpa.jobs.check import run_check

        return await run_check(rt, user_id, login=login)

    return job


def run_account_job(
    job: AccountJob[R], account: AccountChoice, output: Callable[[], Output]
) -> tuple[R, Output]:
    """Settings, checks before any login, the account's lock, the runtime, the job.

    Playwright's driver (a Node.js process, slow to start) is started first
    (by `koss_rpa.cli.entry`, before the CLI was even imported, when run as `koss-rpa`) and boots
    while a worker thread reads and checks the settings, takes the account's lock and imports
    the flow; a run that stops before the browser stops the driver again, unused.
    """
    from koss_rpa.flows import browser

    if job.done_already is not None:
        done = job.done_already(*account())  # read once: the job below has them too
        if done is not None:
            return done, output()

    def prepare() -> tuple[Settings, str, Job[R], Output, Any]:
        with uncollected_imports():
            from koss_rpa.account.locks import account_lock_file, acquire_account_lock
            from koss_rpa.account.preflight import preflight

            settings, user_id = account()
            month = storage.month_of(datetime.now(UTC)) if job.saves_file else None
            try:
                preflight(settings, user_id, month)
            except BusinessError as exc:  # e.g. no password stored: a person must act
                tell_before_the_run(settings, user_id, exc, output())
                raise
            flow = job.load()
        out = output()
        lock = account_lock_file(settings.state_dir, user_id, service=settings.keyring_service)
        acquire_account_lock(lock, user_id, settings.lock_wait_seconds)
        return settings, user_id, flow, out, lock

    async def go() -> tuple[R, Output]:
        driver = browser.start_driver()
        try:
            settings, user_id, flow, out, lock = await asyncio.to_thread(prepare)
            from koss_rpa.flows.runtime import open_runtime  # loaded by `prepare`

            try:
                async with open_runtime(settings, job.command, user_id, out.progress, driver) as rt:
                    return await _run_telling_people(job, flow, settings, user_id, rt, out), out
            finally:
                lock.release()
        finally:
            if driver is not None:
                await driver.discard()

    with scratch.private_tmp():
        return asyncrun.run(go())


@contextlib.contextmanager
def uncollected_imports() -> Iterator[None]:
    """The garbage collector off while a block imports what lives as long as the program (the
    settings, the keyring, the flows: imported while Playwright's driver starts), then those
    objects out of its reach, as `koss_rpa.cli.entry` does after its imports: each collection
    would otherwise walk them again. Nothing changes when the collector was off already."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


async def _run_telling_people(
    job: AccountJob[R], flow: Job[R], settings: Settings, user_id: str, rt: Runtime, out: Output
) -> R:
    """Run the flow and record its outcome; notify what needs a person (and what `job.tell`s),
    and warn on stderr about every notification that could not be delivered."""
    from koss_rpa.evidence.outcomes import record_outcome

    redact = rt.folder.redactor.redact
    try:
        result = await flow(rt, user_id)
    except KossError as exc:
        record_outcome(
            settings.state_dir, user_id, job.command, exc.exit_code, exc.code, rt.folder.path
        )
        failures = await asyncio.to_thread(
            tell_once, settings, user_id, exc, rt.folder.path, redact
        )
        warn_notify_failures(out, failures)
        raise
    record_outcome(settings.state_dir, user_id, job.command, 0, "ok", rt.folder.path)
    if job.tell is not None:
        failures = await asyncio.to_thread(
            job.tell, settings, user_id, result, rt.folder.path, redact
        )
        warn_notify_failures(out, failures)
    return result


def tell_before_the_run(settings: Settings, user_id: str, exc: KossError, out: Output) -> None:
    """Notify a problem found before any run folder exists (the preflight's)."""
    warn_notify_failures(out, tell_once(settings, user_id, exc, None))


def tell_once(
    settings: Settings,
    user_id: str,
    exc: KossError,
    folder: Path | None,
    redact: Callable[[str], str] = str,
) -> list[str]:
    """Notify a problem; a lock the portal announced, or a spent login budget, only once for
    as long as it lasts (the account's safety record remembers), not by every run it stops.
    Returns what could not be delivered."""
    from koss_rpa.account.protocol import safety_record
    from koss_rpa.errors import AccountLocked, LoginBudgetSpent
    from koss_rpa.notify.delivery import notify_problem

    told_key = exc.told_key
    record = None
    if isinstance(exc, AccountLocked | LoginBudgetSpent):
        record = safety_record(settings, user_id)
        if told_key is None:  # seen by this run itself: the record names the state now
            refused = record.refusal()
            told_key = refused.told_key if refused is not None else None
        if told_key is not None and record.was_told(told_key):
            return []
    occurrence = told_key[1] if record is not None and told_key is not None else ""
    config = settings.notify_config()
    failures = notify_problem(config, user_id, "", exc, folder, redact, occurrence)
    if record is not None and told_key is not None and not failures:
        with contextlib.suppress(OSError):
            record.mark_told(told_key)
    return failures


def warn_notify_failures(out: Output, failures: list[str]) -> None:
    for failure in failures:
        out.say(
            _("warning: a notification could not be sent: {failure}").format(failure=failure),
            stderr=True,
        )


def run_portal_job(
    command: str,
    job: Job[R],
    user_id: str | None,
    settings_of: Callable[[], Settings],
    output: Callable[[], Output],
) -> tuple[R, Output]:
    """A job that may run without an account (`check`): settings, preflight, the runtime."""
    from koss_rpa.flows import browser

    def prepare() -> tuple[Settings, Output]:
        from koss_rpa.account.preflight import check_portal_name

        # No login: neither the keyring nor the download folder is needed.
        settings = settings_of()
        check_portal_name(settings.login_url or str(settings.portal_url))
        return settings, output()

    async def go() -> tuple[R, Output]:
        driver = browser.start_driver()
        try:
            settings, out = await asyncio.to_thread(prepare)
            from koss_rpa.flows.runtime import open_runtime

            async with open_runtime(settings, command, user_id or "", out.progress, driver) as rt:
                return await job(rt, user_id or settings.user_id or "-"), out
        finally:
            if driver is not None:
                await driver.discard()

    with scratch.private_tmp():
        return asyncrun.run(go())


def run_batch_job(
    settings: Settings,
    accounts_file: Path,
    report: Path | None,
    output: Callable[[], Output],
    *,
    once_per_month: bool,
) -> tuple[BatchReport, dict[str, Any], Output]:
    """Every account of `accounts_file`, checked first; the report kept in the run folder (and
    in `report`), also when interrupted. Returns the report, its JSON and the output."""
    from koss_rpa.account.preflight import check_state_dirs
    from koss_rpa.account.roster import load_accounts
    from koss_rpa.evidence.runs import run_folder
    from koss_rpa.flows.batch import BatchReport, run_batch
    from koss_rpa.jobs.console import BatchDisplay

    parsed, entries = load_accounts(accounts_file, settings)
    for entry in entries:  # an account's own download_dir is checked too, before any pruning
        entry.settings_for(settings, parsed.defaults)
    check_state_dirs(settings)
    report = check_report_path(report) if report is not None else None
    out = output()
    labels = {e.user_id: e.label for e in entries}
    if once_per_month and _month_done(settings, entries, parsed.defaults):
        # A day on which every account was done leaves no run folder (that keep_runs would
        # count, pushing real evidence out): the outcome records say how it went.
        result = BatchReport.begin(entries)
        with BatchDisplay(out, labels) as display:
            asyncrun.run(
                run_batch(
                    settings,
                    entries,
                    parsed.defaults,
                    None,
                    display,
                    once_per_month=True,
                    report=result,
                )
            )
        payload = result.to_json()
        _write_report(payload, report)
        display.summary(result)
        return result, payload, out
    with (
        scratch.private_tmp(),
        run_folder(settings.run_dir, "batch", "", settings.keep_runs) as folder,
    ):
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
                        once_per_month=once_per_month,
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
    warn_notify_failures(out, result.all_notify_failures())
    return result, payload, out


def _month_done(settings: Settings, entries: Any, defaults: Any) -> bool:
    """Whether every account's file of this month is saved already."""
    from koss_rpa.flows.batch import BatchReport
    from koss_rpa.flows.download import skipped_if_done

    month = BatchReport.begin(entries).month
    return all(
        skipped_if_done(e.settings_for(settings, defaults).download_dir, e.user_id, month)
        is not None
        for e in entries
    )


def check_report_path(report: Path) -> Path:
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


def _write_report(payload: dict[str, Any], *targets: Path | None) -> None:
    text = json.dumps(payload, ensure_ascii=False, indent=2)
    for target in filter(None, targets):
        target.write_text(text + "\n", encoding="utf-8")
