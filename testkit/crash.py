"""Killing koss-rpa (SIGKILL) at each point of a forced password rotation, then running it again.

Shared by `tests/e2e/test_crash.py` and `scripts/reliability_report.py`. koss-rpa runs as a real
process with the JSON-file keyring (`testkit/filekeyring.py`), against the mock portal of
the calling process; its process group and every descendant (Playwright's driver, Chromium) are
killed, as a power cut or the OOM killer would.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mock_portal.testing import ControlClient, PortalServer
from testkit import filekeyring
from testkit.faultmatrix import CANARY, USER_ID, wait_until_idle
from testkit.leaks import Leak, scan_paths, scan_text

REPO = Path(__file__).resolve().parents[1]
#: Long enough for any step on a busy machine: these runs are killed, not timed out.
SETTINGS: dict[str, Any] = {
    "retry": {"attempts": 2, "initial_wait_seconds": 0, "max_wait_seconds": 0, "jitter_seconds": 0},
    "timeouts": {"action_seconds": 15, "navigation_seconds": 15, "download_seconds": 15},
}
#: How long the result screen is held back while the process is killed (point b).
RESULT_DELAY_SECONDS = 5.0
DEADLINE_SECONDS = 90.0
KOSS_RPA = (sys.executable, "-m", "koss_rpa")


@dataclass(frozen=True)
class CrashPoint:
    key: str
    description: str
    #: `KOSS_TEST_KEYRING_STALL`: the process blocks at this keyring write until killed.
    stall: str | None
    #: Whether the portal had taken the new password when the process died.
    portal_changed: bool
    #: The login outcomes the recovery run must show, in order.
    recovery_logins: tuple[str, ...]


POINTS = (
    CrashPoint(
        "before-submit",
        "new password stored as pending, 変更 not yet pressed",
        stall="after:pending",
        portal_changed=False,
        # The pending password is tried first and fails (the only failed login), the current
        # one reaches パスワード変更 again, the change is made, the new password logs in.
        recovery_logins=("login_failed", "login_expired", "login_ok"),
    ),
    CrashPoint(
        "accepted-unread",
        "the portal accepted 変更, its result screen not yet read",
        stall=None,
        portal_changed=True,
        recovery_logins=("login_ok",),
    ),
    CrashPoint(
        "result-unsaved",
        "result screen read, keyring not yet updated",
        stall="before:previous",  # promote_pending writes previous first
        portal_changed=True,
        recovery_logins=("login_ok",),
    ),
)


@dataclass
class CrashResult:
    point: str
    killed: bool
    portal_changed: bool
    recovery_exit: int
    recovery_logins: list[str]
    recovery_changes: int
    keyring_current_matches: bool
    pending_left: bool
    login_failed_total: int
    locked: bool
    workbooks: int
    leaks: list[Leak]
    seconds: float
    output: str = field(repr=False, default="")

    @property
    def survived(self) -> bool:
        point = next(p for p in POINTS if p.key == self.point)
        return (
            self.killed
            and self.portal_changed == point.portal_changed
            and self.recovery_exit == 0
            and tuple(self.recovery_logins) == point.recovery_logins
            and self.keyring_current_matches
            and not self.pending_left
            and not self.locked
            and self.workbooks == 1
            and not self.leaks
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "point": self.point,
            "killed": self.killed,
            "portal_changed": self.portal_changed,
            "recovery_exit": self.recovery_exit,
            "recovery_logins": self.recovery_logins,
            "keyring_current_matches": self.keyring_current_matches,
            "login_failed": self.login_failed_total,
            "locked": self.locked,
            "leaks": len(self.leaks),
            "survived": self.survived,
            "seconds": round(self.seconds, 1),
        }


def process_env(keyring_file: Path, **extra: str) -> dict[str, str]:
    """The environment of a koss-rpa process: the file keyring, this repository importable,
    and no KOSS_ setting of the calling process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KOSS_")}
    env.update(
        PYTHON_KEYRING_BACKEND="testkit.filekeyring.FileKeyring",
        KOSS_TEST_KEYRING_FILE=str(keyring_file),
        PYTHONPATH=str(REPO),
        **extra,
    )
    return env


def start(config: Path, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`koss-rpa download --json` in a session (process group) of its own."""
    with log.open("wb") as out:
        return subprocess.Popen(
            [*KOSS_RPA, "--lang", "en", "--config", str(config), "download", "--json"],
            env=env,
            cwd=config.parent,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_until(condition: Callable[[], bool], what: str, timeout: float = DEADLINE_SECONDS) -> None:
    """Poll `condition` every 50 ms until it holds; a bounded wait, never a fixed sleep."""
    deadline = time.monotonic() + timeout
    tick = threading.Event()
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what}")
        tick.wait(0.05)


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (Linux /proc), children first."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found: list[int] = []
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, ppid in parents.items() if ppid == parent]
        found.extend(children)
        frontier.extend(children)
    return found


def kill_hard(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the process, its process group, and anything it started in another group
    (Playwright starts Chromium detached); then reap it. A process already reaped is left
    alone: its id may belong to another process by now."""
    if process.poll() is not None:
        return
    below = descendants(process.pid)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    for pid in below:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    process.wait(timeout=30)


def run_crash_point(
    point: CrashPoint, *, portal: ControlClient, server: PortalServer, config: Path
) -> CrashResult:
    """Kill a forced rotation at `point`, then run koss-rpa again and look at the outcome.

    `config` points koss-rpa at the mock (its folders next to it); the account's password is
    set to the canary, 61 days old, so that the portal demands a new one.
    """
    root = config.parent
    keyring_file = root / "keyring.json"
    filekeyring.write(keyring_file, {USER_ID: CANARY})
    portal.update_account(USER_ID, password=CANARY, password_age_days=61)
    began = time.monotonic()

    stall_file = root / f"stalled-{point.key}"
    extra = {}
    if point.stall is not None:
        extra = {
            "KOSS_TEST_KEYRING_STALL": point.stall,
            "KOSS_TEST_KEYRING_STALL_FILE": str(stall_file),
        }
    else:
        portal.add_fault("password_result", "delay", delay_seconds=RESULT_DELAY_SECONDS)
    first_log = root / f"crashed-{point.key}.log"
    process = start(config, process_env(keyring_file, **extra), first_log)
    try:
        if point.stall is not None:
            wait_until(lambda: stall_file.exists() or process.poll() is not None, point.stall)
        else:
            wait_until(
                lambda: (
                    bool(portal.journal(outcome="password_changed")) or process.poll() is not None
                ),
                "the portal's password_changed",
            )
        killed = process.poll() is None
    finally:
        kill_hard(process)
    portal.clear_faults()
    portal_changed = portal.get_account(USER_ID)["password"] != CANARY
    portal.clear_journal()

    second_log = root / f"recovery-{point.key}.log"
    recovery = start(config, process_env(keyring_file), second_log)
    recovery.wait(timeout=DEADLINE_SECONDS * 2)
    wait_until_idle(server)

    account = portal.get_account(USER_ID)
    stored = filekeyring.read(keyring_file)
    journal = portal.journal()
    download_dir = root / "downloads"
    secrets = {CANARY, str(account["password"]), *stored.values()} - {""}
    secrets = {s for s in secrets if not s.startswith("{")}  # the metadata entry is JSON
    output = first_log.read_text(errors="replace") + second_log.read_text(errors="replace")
    leaks, _ = scan_paths([root / "state", download_dir], sorted(secrets))
    leaks += scan_text(output, "output", sorted(secrets))
    return CrashResult(
        point=point.key,
        killed=killed,
        portal_changed=portal_changed,
        recovery_exit=recovery.returncode,
        recovery_logins=[
            e["outcome"] for e in journal if e["method"] == "POST" and e["screen"] == "login"
        ],
        recovery_changes=sum(e["outcome"] == "password_changed" for e in journal),
        keyring_current_matches=stored.get(USER_ID) == account["password"],
        pending_left=f"{USER_ID}:pending" in stored,
        login_failed_total=sum(e["outcome"] == "login_failed" for e in journal),
        locked=bool(account["locked"]),
        workbooks=len(list(download_dir.rglob("*.xlsm"))),
        leaks=leaks,
        seconds=time.monotonic() - began,
        output=output,
    )
