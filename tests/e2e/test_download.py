"""The main job end to end: koss-rpa against the mock portal in Chromium."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime

import openpyxl
import pytest
from pydantic import SecretStr

from koss_rpa import storage
from koss_rpa.errors import AccountLocked, LoginRejected, PasswordExpired
from mock_portal.testing import ControlClient
from tests.e2e.conftest import PASSWORD, USER_ID, CliResult, KossEnv, reveal

pytestmark = pytest.mark.e2e

Cli = Callable[..., CliResult]


def logins(portal: ControlClient) -> list[str]:
    """The outcome of every login POST the mock saw."""
    return [e["outcome"] for e in portal.journal(method="POST", screen="login")]


def test_download_should_save_the_file_with_a_valid_password(
    portal: ControlClient, env: KossEnv, cli: Cli
) -> None:
    result = cli("--config", str(env.config), "download", "--json")

    assert result.code == 0, result.stderr
    [saved] = env.workbooks()
    assert saved.name == "まとめ納付管理ファイル_軽自動車OSS用.xlsm"
    assert saved.parent.name == storage.month_of(datetime.now(UTC))
    assert saved.parent.parent.name == USER_ID
    workbook = openpyxl.load_workbook(saved)
    cells = [c.value for sheet in workbook.worksheets for row in sheet.iter_rows() for c in row]
    workbook.close()
    assert USER_ID in cells
    [entry] = storage.read_manifest(env.download_dir, USER_ID)
    assert entry.sha256 == hashlib.sha256(saved.read_bytes()).hexdigest()
    assert entry.size == saved.stat().st_size
    report = result.json()["result"]
    assert report["sha256"] == entry.sha256
    assert report["rotated"] is False
    assert logins(portal) == ["login_ok"]
    assert not portal.journal(outcome="password_changed")
    assert [e["screen"] for e in portal.journal(method="GET")][:1] == ["top"]
    assert not list(env.download_dir.rglob("*.part"))


def test_download_should_change_an_expired_password_and_keep_both_in_the_keyring(
    portal: ControlClient, env: KossEnv, quick_cli: Cli
) -> None:
    portal.update_account(USER_ID, password_age_days=60)

    result = quick_cli("--config", str(env.config), "download", "--json")

    assert result.code == 0, result.stderr
    new = portal.get_account(USER_ID)["password"]
    assert new != PASSWORD
    current, previous = env.store.current(USER_ID), env.store.previous(USER_ID)
    assert reveal(current) == new
    assert reveal(previous) == PASSWORD
    assert env.store.pending(USER_ID) is None
    assert logins(portal) == ["login_expired", "login_ok"]
    assert len(portal.journal(outcome="password_changed")) == 1
    assert result.json()["result"]["rotated"] is True
    assert len(env.workbooks()) == 1


def test_download_should_stop_after_one_attempt_with_a_wrong_password(
    portal: ControlClient, koss_env: Callable[..., KossEnv], quick_cli: Cli
) -> None:
    env = koss_env()
    env.store.set_password(USER_ID, SecretStr("Wrong12345"))

    first = quick_cli("--config", str(env.config), "download")
    second = quick_cli("--config", str(env.config), "download")

    assert first.code == LoginRejected.exit_code
    assert "login_rejected" in first.stderr
    assert second.code == LoginRejected.exit_code
    assert logins(portal) == ["login_failed"]  # the second run did not guess again
    assert portal.get_account(USER_ID)["failed_logins"] == 1
    assert env.workbooks() == []
    assert env.store.status(USER_ID).rejected_at is not None


def test_download_should_report_a_locked_account(
    portal: ControlClient, env: KossEnv, quick_cli: Cli
) -> None:
    portal.update_account(USER_ID, locked=True)

    result = quick_cli("--config", str(env.config), "download", "--json")

    assert result.code == AccountLocked.exit_code
    assert result.json()["error"]["code"] == "account_locked"
    assert "ロック" in result.json()["error"]["message"]
    assert logins(portal) == ["login_locked"]
    assert env.workbooks() == []


def test_download_should_fail_without_changing_when_on_expired_is_fail(
    portal: ControlClient, koss_env: Callable[..., KossEnv], quick_cli: Cli
) -> None:
    env = koss_env(on_expired="fail")
    env.store.set_password(USER_ID, SecretStr(PASSWORD))
    portal.update_account(USER_ID, password_age_days=61)

    result = quick_cli("--config", str(env.config), "download")

    assert result.code == PasswordExpired.exit_code
    assert portal.get_account(USER_ID)["password"] == PASSWORD
    assert not portal.journal(outcome="password_changed")
    assert env.workbooks() == []


def test_change_password_should_rotate_through_the_login_screen_link(
    portal: ControlClient, env: KossEnv, quick_cli: Cli
) -> None:
    result = quick_cli("--config", str(env.config), "change-password")

    assert result.code == 0, result.stderr
    new = portal.get_account(USER_ID)["password"]
    assert new != PASSWORD
    current, previous = env.store.current(USER_ID), env.store.previous(USER_ID)
    assert reveal(current) == new
    assert reveal(previous) == PASSWORD
    assert len(portal.journal(outcome="password_changed")) == 1
    assert logins(portal) == ["login_ok"]  # the check with the new password


def test_download_should_finish_a_rotation_interrupted_after_the_portal_took_it(
    portal: ControlClient, env: KossEnv, quick_cli: Cli
) -> None:
    # A crash after 変更 was accepted but before the keyring promoted the pending password.
    portal.update_account(USER_ID, password="Pend1ngNew22")
    env.store.begin_rotation(USER_ID, SecretStr("Pend1ngNew22"))

    result = quick_cli("--config", str(env.config), "download")

    assert result.code == 0, result.stderr
    current = env.store.current(USER_ID)
    assert reveal(current) == "Pend1ngNew22"
    assert env.store.pending(USER_ID) is None
    assert logins(portal) == ["login_ok"]


def test_download_should_drop_a_pending_password_the_portal_never_took(
    portal: ControlClient, env: KossEnv, quick_cli: Cli
) -> None:
    # A crash after the pending password was stored but before 変更 was pressed.
    env.store.begin_rotation(USER_ID, SecretStr("NeverSent123"))

    result = quick_cli("--config", str(env.config), "download")

    assert result.code == 0, result.stderr
    current = env.store.current(USER_ID)
    assert reveal(current) == PASSWORD
    assert env.store.pending(USER_ID) is None
    assert logins(portal) == ["login_failed", "login_ok"]  # pending first, then current: two


def test_download_should_keep_an_earlier_file_of_the_same_month_in_versions(
    portal: ControlClient, env: KossEnv, quick_cli: Cli
) -> None:
    # Long by design: four whole downloads of the same month.
    assert quick_cli("--config", str(env.config), "download").code == 0
    [first] = env.workbooks()
    before = first.read_bytes()

    same = quick_cli("--config", str(env.config), "download", "--json")  # the same bytes again
    said = quick_cli("--config", str(env.config), "download")
    portal.advance_clock(days=1)  # the mock's file of the next day differs
    assert quick_cli("--config", str(env.config), "download").code == 0

    assert "Unchanged (the same file as before):" in said.stdout
    assert "Saved:" not in said.stdout

    assert same.code == 0, same.stderr
    assert same.json()["result"]["unchanged"] is True
    newest = first.parent / first.name
    [earlier] = (first.parent / "versions").iterdir()
    assert earlier.read_bytes() == before
    assert newest.read_bytes() != before
    assert {p.name for p in env.workbooks()} == {first.name, earlier.name}
    manifest = storage.read_manifest(env.download_dir, USER_ID)
    assert [m.unchanged for m in manifest] == [False, True, True, False]
    for entry in manifest:  # every line names the bytes of its file
        assert storage.sha256_of(entry.absolute_path) == entry.sha256


def test_download_once_per_month_should_not_start_a_browser_the_second_time(
    portal: ControlClient, env: KossEnv, cli: Cli, quick_cli: Cli
) -> None:
    assert quick_cli("--config", str(env.config), "download", "--once-per", "month").code == 0
    requests = len(portal.journal())

    # As the command runs: no shared browser, it would launch one of its own.
    again = cli("--config", str(env.config), "download", "--once-per", "month", "--json")

    assert again.code == 0
    assert again.json()["result"]["outcome"] == "skipped"
    assert len(portal.journal()) == requests
    assert len(env.workbooks()) == 1


def test_download_should_use_a_direct_login_url_when_configured(
    portal: ControlClient, koss_env: Callable[..., KossEnv], quick_cli: Cli, base_url: str
) -> None:
    env = koss_env(mypage_url=f"{base_url}/mypage/login")
    env.store.set_password(USER_ID, SecretStr(PASSWORD))

    assert quick_cli("--config", str(env.config), "download").code == 0

    assert not portal.journal(screen="top")
    assert len(env.workbooks()) == 1


def test_info_should_read_the_user_tables(
    portal: ControlClient, env: KossEnv, quick_cli: Cli
) -> None:
    result = quick_cli("--config", str(env.config), "info", "--json")

    assert result.code == 0, result.stderr
    data = result.json()["result"]
    assert data["利用者情報"]["納付利用者ID"] == USER_ID
    assert data["利用者情報"]["一括利用者ID"] == "KIAB1234"
    assert data["利用者情報"]["利用者情報更新日時"] == "2019年 02月 24日 09時 30分"
    [row] = data["国庫金ダイレクト納付口座情報"]
    assert row["口座ID"] == "KKAA0001"
    assert row["金融機関名"] == "東京三葉銀"


def test_demo_should_run_end_to_end(cli: Cli) -> None:
    result = cli("demo", "--json")

    assert result.code == 0, result.stderr
    data = result.json()["result"]
    assert data["rotated"] is True
    assert data["keyring_matches_portal"] is True
    assert data["path"].endswith("まとめ納付管理ファイル_軽自動車OSS用.xlsm")
    assert json.dumps(data)  # serialisable
