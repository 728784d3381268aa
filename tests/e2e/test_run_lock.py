"""One run per account at a time: real koss-rpa processes competing for an account's lock."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from koss_rpa import storage
from koss_rpa.errors import RunLocked
from mock_portal.testing import ControlClient, PortalServer
from testkit import crash, filekeyring
from testkit.crash import KOSS_RPA, kill_hard, process_env, start, wait_until
from testkit.faultmatrix import CANARY, USER_ID, wait_until_idle
from tests.e2e.conftest import KossEnv

pytestmark = pytest.mark.e2e


def download(config: Path, keyring_file: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*KOSS_RPA, "--lang", "en", "--config", str(config), "download", "--json"],
        env=process_env(keyring_file, **extra),
        cwd=config.parent,
        capture_output=True,
        text=True,
        timeout=crash.DEADLINE_SECONDS,
        check=False,
    )


def error_code(done: subprocess.CompletedProcess[str]) -> str:
    return str(json.loads(done.stdout.splitlines()[-1])["error"]["code"])


@pytest.fixture
def keyring_file(portal: ControlClient, tmp_path: Path) -> Path:
    path = tmp_path / "keyring.json"
    filekeyring.write(path, {USER_ID: CANARY})
    portal.update_account(USER_ID, password=CANARY)
    return path


def test_run_lock_should_refuse_a_second_run_and_recover_the_lock_of_a_killed_one(
    portal: ControlClient,
    portal_server: PortalServer,
    koss_env: Callable[..., KossEnv],
    keyring_file: Path,
) -> None:
    # Long by design: real processes (the lock is between processes), one of them killed.
    env = koss_env(**crash.SETTINGS)
    portal.update_account(USER_ID, password_age_days=61)
    stall_file = env.root / "stalled"
    holder = start(
        env.config,
        process_env(
            keyring_file,
            KOSS_TEST_KEYRING_STALL="after:pending",
            KOSS_TEST_KEYRING_STALL_FILE=str(stall_file),
        ),
        env.root / "holder.log",
    )
    try:
        wait_until(lambda: stall_file.exists() or holder.poll() is not None, "the first run")
        assert holder.poll() is None, (env.root / "holder.log").read_text()
        requests = len(portal.journal())

        began = time.monotonic()
        at_once = download(env.config, keyring_file)
        at_once_seconds = time.monotonic() - began
        began = time.monotonic()
        waited = download(env.config, keyring_file, KOSS_LOCK_WAIT_SECONDS="3")
        waited_seconds = time.monotonic() - began

        assert at_once.returncode == RunLocked.exit_code, at_once.stderr
        assert error_code(at_once) == "run_locked"
        assert waited.returncode == RunLocked.exit_code, waited.stderr
        assert error_code(waited) == "run_locked"
        # It waited the time it was told, and no longer than that (plus starting up).
        assert waited_seconds >= 3
        assert waited_seconds > at_once_seconds + 1
        assert waited_seconds < at_once_seconds + 3 + 10
        assert len(portal.journal()) == requests  # neither reached the portal
    finally:
        kill_hard(holder)  # SIGKILL: the lock file stays behind, its lock with the process

    after = download(env.config, keyring_file)
    wait_until_idle(portal_server)

    assert after.returncode == 0, after.stderr
    assert filekeyring.read(keyring_file)[USER_ID] == portal.get_account(USER_ID)["password"]
    assert len(env.workbooks()) == 1


def test_run_lock_should_let_a_second_run_wait_for_the_first(
    portal: ControlClient,
    portal_server: PortalServer,
    koss_env: Callable[..., KossEnv],
    keyring_file: Path,
) -> None:
    env = koss_env(**crash.SETTINGS)
    portal.add_fault("download", "delay", delay_seconds=2)  # the first run takes its time
    first = start(env.config, process_env(keyring_file), env.root / "first.log")
    try:
        wait_until(lambda: bool(portal.journal(screen="top")), "the first run at the portal")

        second = download(env.config, keyring_file, KOSS_LOCK_WAIT_SECONDS="60")

        first.wait(timeout=crash.DEADLINE_SECONDS)
    finally:
        kill_hard(first)
    wait_until_idle(portal_server)

    assert first.returncode == 0, (env.root / "first.log").read_text()
    assert second.returncode == 0, second.stderr
    journal = portal.journal()
    downloads = [e["seq"] for e in journal if e["outcome"] == "download"]
    tops = [e["seq"] for e in journal if e["screen"] == "top"]
    assert len(downloads) == 2
    assert len(tops) == 2
    assert tops[1] > downloads[0]  # the second run began only once the first had its file
    # Both runs saved the day's file; the second, byte-identical, is recorded as unchanged.
    assert len(env.workbooks()) == 1
    manifest = storage.read_manifest(env.download_dir, USER_ID)
    assert [entry.unchanged for entry in manifest] == [False, True]
