"""One account, one safety state: whatever folder a run starts in and whatever `run_dir` it is
given, an account has one login budget, one lock and one record of what the portal said; no
killed run leaves its password anywhere."""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import SecretStr

from koss_rpa.account.locks import account_lock_file
from koss_rpa.errors import AccountLocked, LoginBudgetSpent, RunLocked
from koss_rpa.settings import load_settings
from mock_portal.testing import ControlClient, PortalServer
from testkit import crash, filekeyring
from testkit.faultmatrix import CANARY, wait_until_idle
from testkit.leaks import scan_paths
from tests.e2e.conftest import PASSWORD, USER_ID, CliResult, KossEnv
from tests.support.receivers import json_receiver

pytestmark = pytest.mark.e2e

Cli = Callable[..., CliResult]

#: How long the mock holds the マイページ back: the signal is sent as soon as the login is seen,
#: so it lands while the page is held; the hold ends as the stopped run's browser goes away.
HELD_SECONDS = 5


def _config_in(folder: Path, env: KossEnv, run_dir: str | None, state_dir: str = "") -> Path:
    """The test's config, copied into `folder` with the default state folder and `run_dir`
    (relative: to that folder) — as three offices' folders would have it."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = [
        line
        for line in env.config.read_text(encoding="utf-8").splitlines()
        if not line.startswith(("state_dir", "run_dir"))
    ]
    if run_dir is not None:
        lines.insert(0, f'run_dir = "{run_dir}"')
    if state_dir:
        lines.insert(0, f'state_dir = "{state_dir}"')
    config = folder / "config.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


def test_runs_from_other_folders_and_run_dirs_should_share_one_login_budget(
    portal: ControlClient,
    koss_env: Callable[..., KossEnv],
    quick_cli: Cli,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    # The portal takes each login (a wrong password: counted by the portal) and answers with
    # an error page: the robot cannot know, and every run would try again.
    env = koss_env()
    env.store.set_password(USER_ID, SecretStr("Wrong12345"))
    portal.add_fault("login", "html_200", times=None, phase="after", method="POST")
    runs: list[tuple[Path, dict[str, str]]] = [
        (_config_in(tmp_path / "office-a", env, "runs"), {}),
        (_config_in(tmp_path / "office-b", env, "../elsewhere/runs"), {}),
        (_config_in(tmp_path / "office-c", env, None), {"KOSS_RUN_DIR": str(tmp_path / "env")}),
        (_config_in(tmp_path / "office-d", env, None), {}),
    ]

    codes = []
    for config, variables in runs:
        monkeypatch.chdir(config.parent)
        with monkeypatch.context() as local:
            for name, value in variables.items():
                local.setenv(name, value)
            codes.append(quick_cli("--config", str(config), "download").code)

    account = portal.get_account(USER_ID)
    assert account["failed_logins"] <= 2
    assert account["locked"] is False
    assert codes[-1] == LoginBudgetSpent.exit_code
    assert (tmp_path / "office-a" / "runs").is_dir()  # relative to the config file's folder
    assert (tmp_path / "elsewhere" / "runs").is_dir()


def test_a_run_with_another_run_dir_should_still_meet_the_accounts_lock(
    koss_env: Callable[..., KossEnv], cli: Cli, tmp_path: Path
) -> None:
    env = koss_env()
    env.store.set_password(USER_ID, SecretStr(PASSWORD))
    other = _config_in(tmp_path / "other-office", env, "other-runs", str(env.root / "state"))
    settings = load_settings(env.config)
    held = account_lock_file(settings.state_dir, USER_ID, service=settings.keyring_service)
    held.acquire()
    try:
        result = cli("--config", str(other), "download", "--json")
    finally:
        held.release()

    assert result.code == RunLocked.exit_code
    assert result.json()["error"]["code"] == "run_locked"


def test_a_state_dir_that_would_split_the_account_should_be_refused(
    koss_env: Callable[..., KossEnv], quick_cli: Cli, portal: ControlClient, tmp_path: Path
) -> None:
    env = koss_env()
    env.store.set_password(USER_ID, SecretStr(PASSWORD))
    first = quick_cli("--config", str(env.config), "download")
    other = _config_in(tmp_path / "other-office", env, "runs", str(tmp_path / "second-state"))
    portal.clear_journal()

    refused = quick_cli("--config", str(other), "download")

    assert first.code == 0
    assert refused.code == 3
    assert "two login budgets" in refused.stderr
    assert portal.journal(method="POST", screen="login") == []


def test_a_lock_the_portal_announced_should_hold_until_a_person_says_it_is_lifted(
    portal: ControlClient, koss_env: Callable[..., KossEnv], quick_cli: Cli
) -> None:
    env = koss_env()
    env.store.set_password(USER_ID, SecretStr(PASSWORD))
    portal.update_account(USER_ID, locked=True)

    first = quick_cli("--config", str(env.config), "download")
    portal.clear_journal()
    portal.update_account(USER_ID, locked=False)  # unknown to the robot
    second = quick_cli("--config", str(env.config), "download", "--json")
    untouched = portal.journal(method="POST", screen="login")
    unlocked = quick_cli("--config", str(env.config), "credentials", "unlock", USER_ID, "--yes")
    third = quick_cli("--config", str(env.config), "download")

    assert first.code == AccountLocked.exit_code
    assert second.code == AccountLocked.exit_code
    assert "パスワード初期化" in second.stderr
    assert second.json()["ok"] is False
    assert untouched == []  # nothing submitted while the lock stands
    assert unlocked.code == 0
    assert third.code == 0
    assert env.workbooks()


def test_a_killed_run_should_leave_no_password_in_any_folder(
    portal: ControlClient,
    portal_server: PortalServer,
    koss_env: Callable[..., KossEnv],
    isolated_state: Path,
) -> None:
    # The run is killed with its process group (a scheduler's time-out) while its first
    # attempt is traced, right after the login: Playwright's raw trace holds the login's body.
    env = koss_env(**crash.SETTINGS, trace_snapshots="always")
    root = env.root
    keyring_file = root / "keyring.json"
    filekeyring.write(keyring_file, {USER_ID: CANARY})
    portal.update_account(USER_ID, password=CANARY)
    portal.add_fault("mypage", "delay", delay_seconds=HELD_SECONDS)
    # A short system temporary folder: Chromium's socket path in it must stay under 108 bytes.
    system_tmp = Path(tempfile.mkdtemp(prefix="koss-test-"))
    home = root / "home"
    home.mkdir()
    where = {"TMPDIR": str(system_tmp), "TEMP": str(system_tmp), "TMP": str(system_tmp)}
    variables = crash.process_env(keyring_file, HOME=str(home), **where)

    process = crash.start(env.config, variables, root / "killed.log")
    try:
        crash.wait_until(
            lambda: (
                bool(portal.journal(method="POST", screen="login")) or process.poll() is not None
            ),
            "the login",
        )
        killed = process.poll() is None
    finally:
        crash.kill_hard(process)
    wait_until_idle(portal_server)
    portal.clear_faults()
    scratch = isolated_state / "tmp"
    left = sorted(p for p in scratch.iterdir() if p.is_dir())
    modes = [stat.S_IMODE(p.stat().st_mode) for p in left]
    leaks_before, _ = scan_paths([system_tmp, home], [CANARY])

    recovery = crash.start(env.config, variables, root / "recovery.log")
    recovery.wait(timeout=crash.DEADLINE_SECONDS * 2)
    wait_until_idle(portal_server)
    everything = [p for p in root.iterdir() if p != keyring_file] + [isolated_state, system_tmp]
    leaks_after, scanned = scan_paths(everything, [CANARY])
    shutil.rmtree(system_tmp, ignore_errors=True)

    assert killed, (root / "killed.log").read_text(errors="replace")
    assert left, "the killed run's scratch folder"
    if os.name == "posix":
        assert modes == [0o700] * len(left)
    assert leaks_before == [], [str(leak) for leak in leaks_before]
    assert recovery.returncode == 0, (root / "recovery.log").read_text(errors="replace")
    assert not [p for p in scratch.iterdir() if p.is_dir()], "leftovers of the killed run"
    assert scanned > 5
    assert leaks_after == [], [str(leak) for leak in leaks_after]


def test_sigterm_should_stop_a_run_as_ctrl_c_does(
    portal: ControlClient, portal_server: PortalServer, koss_env: Callable[..., KossEnv]
) -> None:
    # Long by design: a real process stopped by a signal in the middle of its run.
    env = koss_env(**crash.SETTINGS)
    keyring_file = env.root / "keyring.json"
    filekeyring.write(keyring_file, {USER_ID: CANARY})
    portal.update_account(USER_ID, password=CANARY)
    portal.add_fault("mypage", "delay", delay_seconds=HELD_SECONDS)
    log = env.root / "terminated.log"

    process = crash.start(env.config, crash.process_env(keyring_file), log)
    try:
        crash.wait_until(
            lambda: (
                bool(portal.journal(method="POST", screen="login")) or process.poll() is not None
            ),
            "the login",
        )
        process.terminate()
        process.wait(timeout=60)
    finally:
        crash.kill_hard(process)
    wait_until_idle(portal_server)
    output = log.read_text(errors="replace")

    assert process.returncode == 143, output
    assert "Stopped by SIGTERM" in output
    assert '"ok": false' in output
    assert not crash.descendants(process.pid)


def test_a_lock_should_be_told_once_while_it_lasts_and_again_when_it_comes_back(
    portal: ControlClient, koss_env: Callable[..., KossEnv], quick_cli: Cli
) -> None:
    with json_receiver() as hook:
        env = koss_env(notify_urls=[hook.url])
        env.store.set_password(USER_ID, SecretStr(PASSWORD))
        portal.update_account(USER_ID, locked=True)

        runs = [quick_cli("--config", str(env.config), "download") for _ in range(3)]
        after_three = len(hook.received)
        unlocked = quick_cli("--config", str(env.config), "credentials", "unlock", USER_ID, "--yes")
        again = quick_cli("--config", str(env.config), "download")  # still locked on the portal

    assert [r.code for r in runs] == [AccountLocked.exit_code] * 3
    assert after_three == 1  # the first run told it; the two runs it stopped did not
    assert unlocked.code == 0
    assert again.code == AccountLocked.exit_code
    assert len(hook.received) == 2  # a new lock: told again
    assert all(m["title"] == f"koss-rpa: {USER_ID} needs you" for m in hook.received)
