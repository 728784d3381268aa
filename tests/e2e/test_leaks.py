"""The leak canary: every flow, successful and failing, run with known passwords; no file the
runs leave (traces unpacked, network resources included), no output, no manifest holds any
password the accounts had, were given or were tried with."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from koss_rpa.account.store import use_keyring
from koss_rpa.errors import (
    EXIT_BATCH_PARTIAL,
    AccountLocked,
    LoginRejected,
    Maintenance,
    PortalUnavailable,
)
from koss_rpa.evidence.runs import RUN_MARKER
from mock_portal.testing import ControlClient, PortalServer
from testkit.faultmatrix import wait_until_idle
from testkit.leaks import RecordingKeyring, scan_paths, scan_text
from testkit.sharedbrowser import SharedBrowser
from tests.e2e.conftest import CliResult, KossEnv

pytestmark = pytest.mark.e2e

# 納付利用者ID → (the portal's password, the keyring's, days since it was changed, locked)
ACCOUNTS = {
    "KNLE0001": ("Canary9Leak7", "Canary9Leak7", 10, False),
    "KNLE0002": ("Canary8Leak8", "Canary8Leak8", 61, False),
    "KNLE0003": ("Canary7Leak9", "Canary7Leak9", 10, False),
    "KNLE0004": ("Canary6Right1", "Canary6Wrong1", 10, False),
    "KNLE0005": ("Canary5Lock2", "Canary5Lock2", 10, True),
    "KNLE0006": ("Canary4Batch3", "Canary4Batch3", 61, False),
}
CANARIES = {pw for account in ACCOUNTS.values() for pw in account[:2]}


@pytest.fixture
def keyring() -> Iterator[RecordingKeyring]:
    """A keyring that remembers every password stored in it, generated ones included."""
    with use_keyring(RecordingKeyring()) as backend:
        assert isinstance(backend, RecordingKeyring)
        yield backend


@pytest.fixture
def accounts(portal: ControlClient, keyring: RecordingKeyring) -> None:
    for n, (user_id, (portal_pw, _, age, locked)) in enumerate(ACCOUNTS.items(), start=1):
        portal.create_account(
            user_id=user_id,
            password=portal_pw,
            password_age_days=age,
            locked=locked,
            admin_email=f"leak{n}@example.jp",
        )


@pytest.fixture(scope="module")
def shared_browser(browser_type_launch_args: dict[str, Any]) -> Iterator[SharedBrowser]:
    """One Chromium for the module's runs (see `testkit/sharedbrowser.py`)."""
    shared = SharedBrowser.like(browser_type_launch_args)
    yield shared
    shared.close()


class Runs:
    """Runs koss-rpa, keeps every output, and tells which run folder each run made."""

    def __init__(self, env: KossEnv, cli: Callable[..., CliResult], shared: SharedBrowser) -> None:
        self.env = env
        self.cli = cli
        self.shared = shared
        self.outputs: list[CliResult] = []

    def folders(self) -> set[Path]:
        return set(self.env.run_dir.iterdir()) if self.env.run_dir.is_dir() else set()

    def __call__(self, *args: str) -> tuple[CliResult, Path]:
        before = self.folders()
        with self.shared.installed():
            result = self.cli("--config", str(self.env.config), *args)
        self.outputs.append(result)
        [folder] = self.folders() - before
        return result, folder


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != RUN_MARKER)


def has(folder: Path, kind: str, suffix: str) -> bool:
    return any(n.startswith(f"{kind}-") and n.endswith(suffix) for n in names(folder))


def assert_no_password_anywhere(
    portal: ControlClient, keyring: RecordingKeyring, env: KossEnv, runs: Runs
) -> None:
    secrets = sorted(
        CANARIES
        | keyring.ever_stored
        | {str(a["password"]) for a in portal.accounts() if a["user_id"] in ACCOUNTS}
    )
    rotated = secrets_rotated(portal)
    assert rotated, "no password was rotated: the canary misses the generated ones"
    assert rotated <= set(secrets)

    leaks, scanned = scan_paths([env.run_dir, env.download_dir], secrets)
    for n, result in enumerate(runs.outputs):
        leaks += scan_text(result.stdout, f"stdout of run {n}", secrets)
        leaks += scan_text(result.stderr, f"stderr of run {n}", secrets)

    assert leaks == [], [str(leak) for leak in leaks]
    traces = list(env.run_dir.rglob("trace-*.zip"))
    assert traces
    members = {m for t in traces for m in zipfile.ZipFile(t).namelist()}
    # The scan looked into what a trace records of the network, request bodies included.
    assert "trace.network" in members
    assert any(m.startswith("resources/") for m in members)
    assert scanned > len(traces) * 3


def secrets_rotated(portal: ControlClient) -> set[str]:
    return {
        str(a["password"])
        for a in portal.accounts()
        if a["user_id"] in ACCOUNTS and a["password"] not in CANARIES
    }


@pytest.mark.usefixtures("accounts")
def test_successful_flows_should_leave_no_password_anywhere(
    portal: ControlClient,
    keyring: RecordingKeyring,
    koss_env: Callable[..., KossEnv],
    cli: Callable[..., CliResult],
    shared_browser: SharedBrowser,
) -> None:
    # Long by design: every successful flow (download, each rotation, credentials) with the
    # fullest traces, all of which the leak scan reads.
    # Traces as full as they come (the DOM at every step, the pages' bodies): the most to leak.
    env = koss_env(keep_success_artifacts=True, trace_snapshots="always")
    for user_id, (_, keyring_pw, _, _) in ACCOUNTS.items():
        env.store.set_password(user_id, SecretStr(keyring_pw))
    runs = Runs(env, cli, shared_browser)

    kept, kept_folder = runs("download", "--user-id", "KNLE0001", "--json")
    env = koss_env(keep_success_artifacts=False, trace_snapshots="always")
    plain, plain_folder = runs("download", "--user-id", "KNLE0001")
    forced, _ = runs("download", "--user-id", "KNLE0002", "--json")
    changed, _ = runs("change-password", "--user-id", "KNLE0003", "--json")
    info, _ = runs("info", "--user-id", "KNLE0003", "--json")
    accounts = env.root / "accounts.toml"
    accounts.write_text(
        '[[accounts]]\nuser_id = "KNLE0001"\n\n[[accounts]]\nuser_id = "KNLE0006"\n',
        encoding="utf-8",
    )
    batch, _ = runs("batch", str(accounts), "--json")

    for result in (kept, plain, forced, changed, info, batch):
        assert result.code == 0, result.stderr
    assert forced.json()["result"]["rotated"] is True
    assert changed.json()["result"]["changed"] is True
    assert len(secrets_rotated(portal)) == 3  # KNLE0002, KNLE0003 and KNLE0006
    # Evidence: a success keeps its log, and its trace only when asked to.
    assert "run.log" in names(kept_folder)
    assert has(kept_folder, "trace", ".zip")
    # Every step but the typing of credentials is in it: the menu, its link, the download, 終了.
    assert _recorded_actions(kept_folder) == ["hover", "hover", "click", "click", "click"]
    assert not has(kept_folder, "screenshot", ".png")
    assert names(plain_folder) == ["run.log"]
    assert_no_password_anywhere(portal, keyring, env, runs)


@pytest.mark.usefixtures("accounts")
def test_failing_flows_should_leave_evidence_but_no_password(
    portal: ControlClient,
    portal_server: PortalServer,
    keyring: RecordingKeyring,
    koss_env: Callable[..., KossEnv],
    cli: Callable[..., CliResult],
    shared_browser: SharedBrowser,
) -> None:
    # Long by design: every way a run can fail with a password typed in, each a retried run
    # with its evidence kept, one waiting out a login the portal never answers.
    # The default traces: the first attempt's without the DOM, the retry's with it.
    env = koss_env(retry={"attempts": 2}, timeouts={"action_seconds": 3, "navigation_seconds": 3})
    for user_id, (_, keyring_pw, _, _) in ACCOUNTS.items():
        env.store.set_password(user_id, SecretStr(keyring_pw))
    runs = Runs(env, cli, shared_browser)

    wrong, wrong_folder = runs("download", "--user-id", "KNLE0004", "--debug")
    locked, _ = runs("download", "--user-id", "KNLE0005", "--json")
    # A login the portal never answers: the evidence is taken with the form still filled in.
    portal.add_fault("login", "delay", method="POST", times=None, delay_seconds=4)
    slow, slow_folder = runs("download", "--user-id", "KNLE0001", "--json")
    portal.clear_faults()
    # The forced 変更 meets maintenance: three password fields filled in, then the portal's page.
    portal.add_fault("password_change", "maintenance", method="POST", times=None)
    maintained, maintained_folder = runs("download", "--user-id", "KNLE0002", "--json")
    portal.clear_faults()
    accounts = env.root / "accounts.toml"
    accounts.write_text(
        '[[accounts]]\nuser_id = "KNLE0004"\n\n[[accounts]]\nuser_id = "KNLE0006"\n',
        encoding="utf-8",
    )
    batch, _ = runs("batch", str(accounts), "--json")
    wait_until_idle(portal_server)

    assert wrong.code == LoginRejected.exit_code
    assert locked.code == AccountLocked.exit_code
    assert slow.code == PortalUnavailable.exit_code
    assert maintained.code == Maintenance.exit_code
    assert batch.code == EXIT_BATCH_PARTIAL
    for folder in (wrong_folder, slow_folder, maintained_folder):
        assert "run.log" in names(folder)
        assert has(folder, "screenshot", ".png"), names(folder)
        assert has(folder, "page", ".html"), names(folder)
        assert has(folder, "trace", ".zip"), names(folder)
    assert_no_password_anywhere(portal, keyring, env, runs)


#: Passwords a form encoding, a JSON writer or an HTML serialiser each spell differently:
#: `~` (%7E in a form, kept by Python's quote), `*` and a space (kept and `+` in a form),
#: full-width digits and kana (UTF-8 bytes, `\uXXXX`, `&#NNNNN;`), quotes and `&`.
NASTY_PASSWORDS = ("Pass~word1", "Ab* 12345x", "パスﾜｰﾄﾞ１２３ｱ\"&'<9")


def _recorded_actions(folder: Path) -> list[str]:
    """The pointing, clicking and typing the folder's trace chunks recorded, in order."""
    actions = []
    for trace in sorted(folder.glob("trace-*.zip")):
        with zipfile.ZipFile(trace) as archive:
            for name in sorted(n for n in archive.namelist() if n.endswith(".trace")):
                for line in archive.read(name).splitlines():
                    event = json.loads(line)
                    if event.get("type") == "before" and event.get("method") in (
                        "hover",
                        "click",
                        "fill",
                        "type",
                        "press",
                    ):
                        actions.append(str(event["method"]))
    return actions


def _post_bodies(trace: Path) -> list[tuple[str, dict[str, Any], bytes]]:
    """(url, postData, body resource) of every POST request a trace recorded."""
    found = []
    with zipfile.ZipFile(trace) as archive:
        members = set(archive.namelist())
        for line in archive.read("trace.network").splitlines():
            event = json.loads(line)
            request = event.get("snapshot", {}).get("request", {})
            if request.get("method") != "POST":
                continue
            post = request.get("postData") or {}
            name = f"resources/{post.get('_sha1')}"
            body = archive.read(name) if name in members else b""
            found.append((str(request.get("url")), post, body))
    return found


def test_a_kept_trace_should_hold_no_password_whatever_its_characters(
    portal: ControlClient,
    portal_server: PortalServer,
    keyring: RecordingKeyring,
    koss_env: Callable[..., KossEnv],
    cli: Callable[..., CliResult],
    shared_browser: SharedBrowser,
) -> None:
    """The issue's repro: a download the portal answers with an HTML page, every artifact kept,
    for passwords whose characters every encoding spells differently."""
    env = koss_env(retry={"attempts": 1}, keep_success_artifacts=True, trace_snapshots="always")
    runs = Runs(env, cli, shared_browser)
    portal.add_fault("download", "html_200", times=None)
    folders = []
    for password in NASTY_PASSWORDS:
        portal.update_account("KNAB1234", password=password, failed_logins=0)
        env.store.set_password("KNAB1234", SecretStr(password))
        result, folder = runs("download", "--user-id", "KNAB1234", "--json")
        assert result.code == 23, result.stderr  # DownloadIncomplete, after a good login
        folders.append(folder)
    wait_until_idle(portal_server)

    leaks, _ = scan_paths([env.run_dir, env.download_dir], NASTY_PASSWORDS)
    for n, result in enumerate(runs.outputs):
        leaks += scan_text(result.stdout + result.stderr, f"output of run {n}", NASTY_PASSWORDS)
    assert leaks == [], [str(leak) for leak in leaks]
    for folder in folders:
        traces = sorted(folder.glob("trace-*.zip"))
        assert traces
        assert has(folder, "page", ".html")
        assert has(folder, "screenshot", ".png")
        posts = [post for trace in traces for post in _post_bodies(trace)]
        logins = [(post, body) for url, post, body in posts if "login" in url]
        # The login form's body never reached the trace at all, whatever the redactor knows.
        assert logins, "the trace recorded no login: the test proves nothing"
        assert all(body == b"" and not post.get("text") for post, body in logins), logins
    assert portal.get_account("KNAB1234")["locked"] is False
