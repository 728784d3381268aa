"""The fault matrix: every fault kind of the mock portal on every screen of the download job.

Shared by `tests/e2e/test_faults.py` (which asserts each case) and
`scripts/reliability_report.py` (which runs them all and writes docs/reliability.md), so that
the report is about exactly the cases the tests prove.

A case is a screen (a fault target of the mock, with an HTTP method and a phase) and a fault
kind. Each runs *once* (the fault fires one time: the run must succeed on its second attempt)
and *persistently* (it fires every time: the run must end with the transient error's exit code,
leaving nothing partial behind and the account unharmed) — except where the portal did what
was asked before the fault hid its answer: then the second attempt finds that out and succeeds
(and the once-run is left out, see `FaultCase.modes`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from koss_rpa import storage
from koss_rpa.account.store import CredentialStore, use_keyring
from koss_rpa.errors import (
    EXIT_OK,
    DownloadIncomplete,
    Maintenance,
    PortalUnavailable,
    ScreenNotReached,
)
from koss_rpa.evidence.runs import RUN_MARKER
from mock_portal.testing import ControlClient, PortalServer
from testkit.leaks import Leak, RecordingKeyring, scan_paths, scan_text

USER_ID = "KNAB1234"
#: The leak canary: the account's password at the start of every case.
CANARY = "Canary9Leak7"
#: Small time-outs keep the `delay` cases short; the delay outlasts every one of them.
TIMEOUT_SECONDS = 2.5
#: The robot stops a navigation it gave up on, so the browser drops the connection at once:
#: the mock then ends the delay there, and never processes the request afterwards (a late 変更
#: would be a race).
DELAY_SECONDS = 4.5
ATTEMPTS = 2
SETTINGS: dict[str, Any] = {
    "retry": {
        "attempts": ATTEMPTS,
        "initial_wait_seconds": 0,
        "max_wait_seconds": 0,
        "jitter_seconds": 0,
    },
    "timeouts": {
        "action_seconds": TIMEOUT_SECONDS,
        "navigation_seconds": TIMEOUT_SECONDS,
        "download_seconds": TIMEOUT_SECONDS,
    },
}
#: A file of an earlier month, already in the manifest: no run may touch either.
EARLIER_MONTH = "2000-01"
EARLIER_CONTENT = b"PK\x03\x04 an earlier month's workbook"

KINDS = ("delay", "http_500", "http_503", "maintenance", "drop", "truncate", "html_200")


@dataclass(frozen=True)
class Screen:
    """A step of the job as the mock's fault layer sees it."""

    key: str
    target: str
    method: str
    phase: str = "before"
    #: Reached only when the password has expired (the forced rotation).
    expired: bool = False
    #: The portal did its work before the fault hid the answer: the second attempt finds the
    #: new password in force and succeeds even when the fault persists.
    completes: bool = False


SCREENS = (
    Screen("top", "top", "GET"),
    Screen("login-GET", "login", "GET"),
    Screen("login-POST", "login", "POST"),
    Screen("mypage", "mypage", "GET"),
    Screen("download", "download", "GET"),
    Screen("password_change-GET", "password_change", "GET", expired=True),
    Screen("password_change-POST-before", "password_change", "POST", expired=True),
    Screen(
        "password_change-POST-after",
        "password_change",
        "POST",
        phase="after",
        expired=True,
        completes=True,
    ),
    Screen("password_result", "password_result", "GET", expired=True, completes=True),
)

#: Combinations that are no fault at all, and why.
EXCLUDED: dict[tuple[str, str], str] = {
    ("login-POST", "truncate"): "a successful login answers 303 with an empty body: nothing to cut",
    ("password_change-POST-before", "truncate"): (
        "truncate always processes the request, and a successful change answers 303 with an "
        "empty body: nothing to cut (the phase does not apply)"
    ),
    ("password_change-POST-after", "truncate"): "as for phase before: a 303 has no body to cut",
}
#: Faults the robot does not even notice, and why; they must not cost it an attempt.
HARMLESS: dict[tuple[str, str], str] = {
    ("mypage", "truncate"): (
        "the first half of the マイページ already holds the まとめ納付管理ファイル link, the only "
        "control the job uses there"
    ),
}
#: Chromium itself resends a request whose connection closed without any answer, mostly: a
#: dropped connection that does not repeat mostly never reaches the robot (the first request
#: of a fresh context, the top page's, may take a second attempt: `Expected.or_attempts`) —
#: unless the portal had processed the request before dropping it (phase "after"), so that the
#: resend meets a portal that has moved on (a second 変更 refused: the current password has
#: changed).
ABSORBED_BY_THE_BROWSER = "drop"

#: The exit code a persistent fault of each kind ends with, on a page of the portal.
_PAGE_EXIT = {
    "delay": PortalUnavailable.exit_code,
    "http_500": PortalUnavailable.exit_code,
    "http_503": PortalUnavailable.exit_code,
    "maintenance": Maintenance.exit_code,
    "drop": PortalUnavailable.exit_code,
    "truncate": ScreenNotReached.exit_code,
    "html_200": ScreenNotReached.exit_code,
}
#: ... and in place of the まとめ納付管理ファイル.
_DOWNLOAD_EXIT = {
    **_PAGE_EXIT,
    "truncate": DownloadIncomplete.exit_code,
    "html_200": DownloadIncomplete.exit_code,
}


@dataclass(frozen=True)
class Expected:
    """What a run under a fault must end with."""

    exit_code: int
    attempts: int
    #: Failed logins the portal saw: 1 only where a 変更 went unanswered and the robot had
    #: to find out whether the portal took it (pending password first: koss_rpa/account/store.py).
    login_failed: int
    #: Password changes the portal made.
    changes: int
    #: Also fine: Chromium resends a request whose connection dropped only when it reused a
    #: kept-alive connection, which depends on timing; otherwise the robot retries it.
    or_attempts: int | None = None

    def attempts_ok(self, attempts: int) -> bool:
        return attempts in (self.attempts, self.or_attempts)


@dataclass(frozen=True)
class FaultCase:
    screen: Screen
    kind: str

    @property
    def id(self) -> str:
        return f"{self.screen.key}-{self.kind}"

    @property
    def harmless(self) -> bool:
        return (self.screen.key, self.kind) in HARMLESS

    @property
    def absorbed(self) -> bool:
        """A dropped connection to a portal that had not processed the request: Chromium
        mostly resends it by itself (`ABSORBED_BY_THE_BROWSER`)."""
        return self.kind == ABSORBED_BY_THE_BROWSER and self.screen.phase == "before"

    @property
    def modes(self) -> tuple[bool, ...]:
        """`persistent` values worth a run. Where the portal had done its work before the
        fault (phase "after", the result screen), the second attempt never comes back to the
        faulted screen, and where the robot does not notice the fault at all, a fault that
        persists cannot be told from one that fires once: only the persistent run is made. A
        dropped connection is the exception: Chromium resends a request once by itself."""
        if (self.screen.completes and self.kind != ABSORBED_BY_THE_BROWSER) or self.harmless:
            return (True,)
        return (False, True)

    def times(self, persistent: bool) -> int | None:
        return None if persistent else 1

    def expected(self, persistent: bool) -> Expected:
        screen = self.screen
        unknown_change = screen.target == "password_change" and screen.method == "POST"
        login_failed = 1 if unknown_change and not screen.completes else 0
        if self.absorbed and not persistent:
            return Expected(EXIT_OK, 1, 0, int(screen.expired), or_attempts=ATTEMPTS)
        if self.harmless:
            return Expected(EXIT_OK, 1, 0, int(screen.expired))
        if not persistent or screen.completes:
            return Expected(EXIT_OK, ATTEMPTS, login_failed, int(screen.expired))
        table = _DOWNLOAD_EXIT if screen.target == "download" else _PAGE_EXIT
        return Expected(table[self.kind], ATTEMPTS, login_failed, 0)

    def add_fault(self, portal: ControlClient, persistent: bool) -> None:
        portal.add_fault(
            self.screen.target,
            self.kind,
            times=self.times(persistent),
            delay_seconds=DELAY_SECONDS if self.kind == "delay" else None,
            phase=self.screen.phase,
            method=self.screen.method,
        )


def cases() -> list[FaultCase]:
    return [
        FaultCase(screen, kind)
        for screen in SCREENS
        for kind in KINDS
        if (screen.key, kind) not in EXCLUDED
    ]


@dataclass
class CliOutcome:
    code: int
    stdout: str
    stderr: str


Runner = Callable[[list[str]], CliOutcome]


@dataclass
class CaseEnv:
    """Where one case's run keeps its things."""

    config: Path
    download_dir: Path
    run_dir: Path
    store: CredentialStore


@dataclass
class CaseResult:
    """What one case did, and what a reviewer checks about it."""

    case: str
    persistent: bool
    expected: Expected
    fired: int
    exit_code: int
    attempts: int
    retries: int
    error_code: str | None
    error_message: str | None
    login_failed: int
    failed_logins: int
    locked: bool
    password_lost: bool
    changes: int
    partial_files: list[str]
    new_workbooks: int
    earlier_untouched: bool
    manifest_lines_added: int
    leaks: list[Leak]
    files_scanned: int
    run_folders: list[list[str]]
    seconds: float
    stderr: str = field(repr=False, default="")

    @property
    def as_expected(self) -> bool:
        """Exit code, attempts, failed logins and password changes as the case expects."""
        return self.expected.attempts_ok(self.attempts) and (
            self.exit_code,
            self.login_failed,
            self.changes,
        ) == (self.expected.exit_code, self.expected.login_failed, self.expected.changes)

    @property
    def survived(self) -> bool:
        """Ended as designed: as expected, nothing partial, nothing lost, locked or leaked."""
        clean = self.new_workbooks == (1 if self.exit_code == EXIT_OK else 0)
        return (
            self.as_expected
            and self.fired > 0
            and not self.partial_files
            and clean
            and self.earlier_untouched
            and self.manifest_lines_added == self.new_workbooks
            and not self.locked
            and not self.password_lost
            and not self.leaks
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "case": self.case,
            "persistent": self.persistent,
            "expected_exit": self.expected.exit_code,
            "exit_code": self.exit_code,
            "fired": self.fired,
            "attempts": self.attempts,
            "retries": self.retries,
            "error_code": self.error_code,
            "login_failed": self.login_failed,
            "locked": self.locked,
            "password_lost": self.password_lost,
            "changes": self.changes,
            "leaks": len(self.leaks),
            "files_scanned": self.files_scanned,
            "survived": self.survived,
            "seconds": round(self.seconds, 1),
        }


def seed_earlier_month(download_dir: Path) -> Path:
    """An earlier month's file and its manifest line; returns the manifest."""
    folder = storage.account_dir(download_dir, USER_ID) / EARLIER_MONTH
    folder.mkdir(parents=True, exist_ok=True)
    (folder / storage.FALLBACK_NAME).write_bytes(EARLIER_CONTENT)
    storage.record(
        download_dir,
        storage.SavedFile(
            user_id=USER_ID,
            month=EARLIER_MONTH,
            path=f"{EARLIER_MONTH}/{storage.FALLBACK_NAME}",
            size=len(EARLIER_CONTENT),
            sha256="0" * 64,
            saved_at="2000-01-31T09:00:00+09:00",
            run_id="earlier",
        ),
    )
    return storage.account_dir(download_dir, USER_ID) / storage.MANIFEST


def wait_until_idle(server: PortalServer, timeout: float = 30.0) -> None:
    """Until the mock has no request in flight: a request the robot gave up on must not land
    in the next case (or the next test). A delayed one ends as its connection closes."""
    # uvicorn keeps one task per request being answered; idle keep-alive connections have none.
    tasks = server._server.server_state.tasks
    deadline = time.monotonic() + timeout
    while tasks:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(tasks)} request(s) of the mock still in flight")
        server._thread.join(0.05)  # a bounded wait that also notices the server dying


def _run_log_retries(run_dir: Path) -> int:
    return sum(
        log.read_text(encoding="utf-8").count("; retrying in ") for log in run_dir.rglob("run.log")
    )


def run_case(
    case: FaultCase,
    persistent: bool,
    *,
    portal: ControlClient,
    server: PortalServer,
    env: CaseEnv,
    run: Runner,
) -> CaseResult:
    """Set the account and the fault up, run `koss-rpa download --json`, and look at the
    outcome from every side: exit code, journal, account, keyring, files, leaks.

    The keyring is a fresh recording one for the case, so that every password the run
    generated is known to the leak scan, kept or not."""
    with use_keyring(RecordingKeyring()) as keyring:
        assert isinstance(keyring, RecordingKeyring)
        return _run_case(case, persistent, portal, server, env, run, keyring)


def _run_case(
    case: FaultCase,
    persistent: bool,
    portal: ControlClient,
    server: PortalServer,
    env: CaseEnv,
    run: Runner,
    keyring: RecordingKeyring,
) -> CaseResult:
    portal.update_account(
        USER_ID, password=CANARY, password_age_days=61 if case.screen.expired else 10
    )
    env.store.set_password(USER_ID, SecretStr(CANARY))
    manifest = seed_earlier_month(env.download_dir)
    manifest_before = manifest.read_bytes()
    portal.clear_journal()
    case.add_fault(portal, persistent)

    began = time.monotonic()
    outcome = run(["--lang", "en", "--config", str(env.config), "download", "--json"])
    seconds = time.monotonic() - began
    wait_until_idle(server)
    fired = sum(int(fault["fired"]) for fault in portal.faults())
    portal.clear_faults()

    payload = _last_json(outcome.stdout)
    account = portal.get_account(USER_ID)
    keyring_current = env.store.current(USER_ID)
    journal = portal.journal()
    earlier = storage.account_dir(env.download_dir, USER_ID) / EARLIER_MONTH
    files = [p for p in env.download_dir.rglob("*") if p.is_file()]
    secrets = sorted({CANARY, str(account["password"]), *keyring.ever_stored})
    leaks, scanned = scan_paths([env.run_dir, env.download_dir], secrets)
    leaks += scan_text(outcome.stdout, "stdout", secrets)
    leaks += scan_text(outcome.stderr, "stderr", secrets)
    result = payload.get("result") or {}
    error = payload.get("error") or {}
    retries = _run_log_retries(env.run_dir)
    return CaseResult(
        case=case.id,
        persistent=persistent,
        expected=case.expected(persistent),
        fired=fired,
        exit_code=outcome.code,
        attempts=int(result.get("attempts", retries + 1)),
        retries=retries,
        error_code=error.get("code"),
        error_message=error.get("message"),
        login_failed=sum(e["outcome"] == "login_failed" for e in journal),
        failed_logins=int(account["failed_logins"]),
        locked=bool(account["locked"]),
        password_lost=(keyring_current is None)
        or keyring_current.get_secret_value() != account["password"],
        changes=sum(e["outcome"] == "password_changed" for e in journal),
        partial_files=[
            str(p) for p in files if p.name.endswith(storage.PARTIAL_SUFFIX) or p.name[0] == "."
        ],
        new_workbooks=sum(1 for p in files if p.suffix == ".xlsm" and earlier not in p.parents),
        earlier_untouched=(earlier / storage.FALLBACK_NAME).read_bytes() == EARLIER_CONTENT
        and manifest.read_bytes().startswith(manifest_before),
        manifest_lines_added=len(manifest.read_bytes()[len(manifest_before) :].splitlines()),
        leaks=leaks,
        files_scanned=scanned,
        run_folders=[
            sorted(p.name for p in folder.iterdir() if p.name != RUN_MARKER)
            for folder in sorted(env.run_dir.iterdir())
            if folder.is_dir()
        ]
        if env.run_dir.is_dir()
        else [],
        seconds=seconds,
        stderr=outcome.stderr,
    )


def _last_json(stdout: str) -> dict[str, Any]:
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    if not lines:
        return {}
    data: dict[str, Any] = json.loads(lines[-1])
    return data
