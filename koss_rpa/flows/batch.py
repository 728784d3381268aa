"""`koss-rpa batch`: many accounts, one browser, one isolated context each, a few at a time.

One account's failure never stops the others; the report says what happened to each.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from koss_rpa import storage
from koss_rpa.account.locks import account_lock_file, acquire_account_lock
from koss_rpa.account.preflight import check_account_ready, check_portal_name, checked_backend
from koss_rpa.account.roster import AccountEntry, AccountOptions
from koss_rpa.errors import EXIT_BATCH_PARTIAL, EXIT_OK, KossError
from koss_rpa.evidence.outcomes import record_outcome
from koss_rpa.evidence.runs import RunFolder
from koss_rpa.flows.browser import browser_for
from koss_rpa.flows.download import download, skipped_if_done
from koss_rpa.flows.runtime import Runtime, Step, runtime_for
from koss_rpa.notify.delivery import notify_download, send
from koss_rpa.notify.messages import batch_message, problem_message
from koss_rpa.notify.targets import check_targets
from koss_rpa.settings import Settings


@dataclass
class AccountReport:
    """One account's line in the run report."""

    user_id: str
    label: str
    outcome: str  # "downloaded" | "skipped" | "failed" | "not_run" (the batch was interrupted)
    file: str | None = None
    sha256: str | None = None
    size: int | None = None
    duration_seconds: float = 0.0
    rotated: bool = False
    attempts: int = 0
    error_code: str | None = None
    error: str | None = None
    exit_code: int = 0
    unchanged: bool = False
    #: Notifications about this account that could not be delivered.
    notify_failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.outcome not in ("failed", "not_run")


@dataclass
class BatchReport:
    started_at: str
    month: str
    accounts: list[AccountReport] = field(default_factory=list)
    finished_at: str = ""
    browser_started: bool = False
    #: Notifications of the summary that could not be delivered.
    notify_failures: list[str] = field(default_factory=list)

    def all_notify_failures(self) -> list[str]:
        return [*(f for a in self.accounts for f in a.notify_failures), *self.notify_failures]

    interrupted: bool = False

    @classmethod
    def begin(cls, entries: Sequence[AccountEntry], now: datetime | None = None) -> BatchReport:
        """An empty report, with a line per account that says it has not run yet."""
        report = cls(
            datetime.now(storage.JST).isoformat(timespec="seconds"),
            storage.month_of(now or datetime.now(UTC)),
        )
        report.accounts = [AccountReport(e.user_id, e.label, "not_run") for e in entries]
        return report

    def put(self, line: AccountReport) -> None:
        """Record an account's outcome, in the place of its line."""
        for n, known in enumerate(self.accounts):
            if known.user_id == line.user_id:
                self.accounts[n] = line
                return
        self.accounts.append(line)

    def interrupt(self) -> None:
        """Ctrl-C: what was done stays in the report; the rest says it did not run."""
        self.interrupted = True
        self.finished_at = datetime.now(storage.JST).isoformat(timespec="seconds")

    @property
    def exit_code(self) -> int:
        return EXIT_OK if all(a.ok for a in self.accounts) else EXIT_BATCH_PARTIAL

    def to_json(self) -> dict[str, Any]:
        return {
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "month": self.month,
            "browser_started": self.browser_started,
            "interrupted": self.interrupted,
            "ok": self.exit_code == EXIT_OK,
            "exit_code": self.exit_code,
            "counts": {
                outcome: sum(a.outcome == outcome for a in self.accounts)
                for outcome in ("downloaded", "skipped", "failed", "not_run")
                if outcome != "not_run" or self.interrupted
            },
            "accounts": [dataclasses.asdict(a) for a in self.accounts],
            "notify_failures": self.all_notify_failures(),
        }


class BatchProgress(Protocol):
    def started(self, entry: AccountEntry) -> None: ...
    def step(self, step: Step) -> None: ...
    def finished(self, report: AccountReport) -> None: ...


async def _one(rt: Runtime, entry: AccountEntry, settings: Settings) -> AccountReport:
    began = time.perf_counter()
    report = AccountReport(entry.user_id, entry.label, "failed")
    lock = account_lock_file(settings.state_dir, entry.user_id, service=settings.keyring_service)
    redact = rt.folder.redactor.redact
    try:
        acquire_account_lock(lock, entry.user_id, 0)
        try:
            result = await download(dataclasses.replace(rt, settings=settings), entry.user_id)
        finally:
            lock.release()
        report.outcome = "downloaded"
        report.file = str(result.path)
        report.sha256, report.size = result.sha256, result.size
        report.rotated, report.attempts = result.rotated, result.attempts
        report.unchanged = result.unchanged
        report.notify_failures = await asyncio.to_thread(
            notify_download,
            settings.notify_config(),
            entry.user_id,
            entry.label,
            result,
            rt.folder.path,
            redact,
        )
    except KossError as exc:
        report.error_code, report.error, report.exit_code = exc.code, str(exc), exc.exit_code
    except Exception as exc:  # one account's bug must not stop the others
        report.error_code, report.error, report.exit_code = "internal", type(exc).__name__, 1
    if report.error_code is not None:
        message = problem_message(
            entry.user_id,
            entry.label,
            report.error_code,
            report.exit_code,
            report.error or "",
            rt.folder.path,
        )
        if message is not None:
            report.notify_failures = await asyncio.to_thread(
                send, settings.notify_config(), message, redact=redact
            )
    report.duration_seconds = round(time.perf_counter() - began, 2)
    return report


async def run_batch(
    base: Settings,
    entries: Sequence[AccountEntry],
    defaults: AccountOptions,
    folder: RunFolder | None,
    progress: BatchProgress,
    *,
    once_per_month: bool = False,
    now: datetime | None = None,
    report: BatchReport | None = None,
) -> BatchReport:
    """Download for every account; never raises for one account's failure. Each account's
    outcome is recorded in the state folder, a skip too. `folder` None: every account is
    known to be done this month (nothing needs a run folder).

    `report` (from `BatchReport.begin`) is filled in as accounts finish, so that a caller
    interrupted meanwhile still has what was done.
    """
    report = report if report is not None else BatchReport.begin(entries, now)
    month = report.month
    per_account = {e.user_id: e.settings_for(base, defaults) for e in entries}
    checked_backend()
    for settings in {s.download_dir: s for s in per_account.values()}.values():
        storage.check_writable(settings.download_dir)
    check_portal_name(base.login_url or str(base.portal_url))
    check_targets(base.notify_config())

    reports: dict[str, AccountReport] = {}

    def record(line: AccountReport) -> None:
        run_folder = None if folder is None or line.outcome == "skipped" else folder.path
        record_outcome(
            base.state_dir,
            line.user_id,
            "batch",
            line.exit_code,
            line.error_code or "ok",
            run_folder,
            line.outcome,
        )
        reports[line.user_id] = line
        report.put(line)
        progress.finished(line)

    todo: list[AccountEntry] = []
    for entry in entries:
        download_dir = per_account[entry.user_id].download_dir
        done = skipped_if_done(download_dir, entry.user_id, month) if once_per_month else None
        if done is not None:
            record(
                AccountReport(
                    entry.user_id, entry.label, "skipped", str(done.path), done.sha256, done.size
                )
            )
            continue
        try:  # what would fail after a login fails now, before any browser starts
            check_account_ready(per_account[entry.user_id], entry.user_id)
            storage.check_account_folders(download_dir, entry.user_id, month)
        except KossError as exc:
            record(
                AccountReport(
                    entry.user_id,
                    entry.label,
                    "failed",
                    error_code=exc.code,
                    error=str(exc),
                    exit_code=exc.exit_code,
                )
            )
            continue
        todo.append(entry)

    if todo:  # a month that is complete starts no browser at all
        if folder is None:
            raise RuntimeError("run_batch: accounts to do, and no run folder")
        report.browser_started = True
        limit = asyncio.Semaphore(base.concurrency)
        async with browser_for(base) as browser:
            rt = runtime_for(base, browser, folder, progress.step)

            async def guarded(entry: AccountEntry) -> None:
                async with limit:
                    progress.started(entry)
                    one = await _one(rt, entry, per_account[entry.user_id])
                    record(one)

            await asyncio.gather(*(guarded(e) for e in todo))
    report.accounts = [reports[e.user_id] for e in entries]
    report.finished_at = datetime.now(storage.JST).isoformat(timespec="seconds")
    if todo and folder is not None:  # a day on which every account was done tells nobody
        report.notify_failures = await asyncio.to_thread(
            send,
            base.notify_config(),
            batch_message(report.to_json(), folder.path),
            redact=folder.redactor.redact,
        )
    return report
