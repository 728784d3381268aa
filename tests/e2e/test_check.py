"""`koss-rpa check`: the portal's screens and controls probed, read-only, in every variant."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import SecretStr

from koss_rpa.errors import Maintenance, PasswordExpired, PortalChanged, PortalUnavailable
from mock_portal.testing import ControlClient
from tests.e2e.conftest import PASSWORD, USER_ID, CliResult, KossEnv
from tests.e2e.test_capture import VARIANTS, use_variant

pytestmark = pytest.mark.e2e

Cli = Callable[..., CliResult]


def run_check(cli: Cli, env: KossEnv, *args: str) -> CliResult:
    return cli("--config", str(env.config), "check", *args)


def screens_of(result: CliResult) -> dict[str, dict[str, object]]:
    payload = result.json()["result"]
    return {s["screen"]: s for s in payload["screens"]}


@pytest.mark.parametrize("variant", VARIANTS)
def test_check_should_find_every_screen_and_control_in_each_variant(
    portal: ControlClient, koss_env: Callable[..., KossEnv], quick_cli: Cli, variant: str
) -> None:
    use_variant(portal, variant)
    env = koss_env()  # no password stored: without --login none is needed

    result = run_check(quick_cli, env, "--json")

    assert result.code == 0, result.stdout + result.stderr
    screens = screens_of(result)
    assert len(screens) == 2  # the top page and the マイページログイン
    for screen in screens.values():
        assert screen["ok"] is True
        lookups = screen["lookups"]
        assert isinstance(lookups, list)
        assert lookups
        assert all(item["state"] == "found" and item["how"] for item in lookups)
    assert not portal.journal(method="POST")


def test_check_should_print_a_table_for_people(
    portal: ControlClient, koss_env: Callable[..., KossEnv], quick_cli: Cli
) -> None:
    env = koss_env()

    result = run_check(quick_cli, env, "--lang", "ja")

    assert result.code == 0, result.stderr
    assert "ポータルの点検" in result.stdout
    assert "✓" in result.stdout
    assert "ログイン" in result.stdout
    assert "✗" not in result.stdout


def test_check_login_should_probe_the_mypage_and_download_nothing(
    portal: ControlClient, env: KossEnv, quick_cli: Cli
) -> None:
    result = run_check(quick_cli, env, "--login", "--json")

    assert result.code == 0, result.stdout + result.stderr
    payload = result.json()["result"]
    assert payload["logged_in"] is True
    assert len(payload["screens"]) == 3
    shown = json.dumps(payload, ensure_ascii=False)
    assert "軽自 太郎" not in shown  # the 利用者情報 serve a capture only
    assert "KIAB1234" not in shown
    assert [e["outcome"] for e in portal.journal(method="POST", screen="login")] == ["login_ok"]
    assert not portal.journal(outcome="download")
    assert portal.journal(outcome="logout")


def test_check_login_should_report_an_expired_password_and_not_change_it(
    portal: ControlClient, env: KossEnv, quick_cli: Cli
) -> None:
    portal.expire_password(USER_ID)

    result = run_check(quick_cli, env, "--login")

    assert result.code == PasswordExpired.exit_code, result.stderr
    assert not portal.journal(outcome="password_changed")
    assert portal.get_account(USER_ID)["password"] == PASSWORD
    assert env.store.pending(USER_ID) is None


def test_check_should_name_a_missing_control_and_exit_22(
    portal: ControlClient, koss_env: Callable[..., KossEnv], quick_cli: Cli, tmp_path: Path
) -> None:
    # A portal whose login screen lost its ログイン button (the mock serving an edited page).
    folder = tmp_path / "changed"
    folder.mkdir()
    page = (
        "<!DOCTYPE html><html lang=ja><head><meta charset=utf-8><title>マイページログイン</title>"
        "</head><body><h1>マイページログイン</h1><form method=post action=/mypage/login>"
        "<label for=u>納付利用者ID</label><input id=u name=user_id>"
        "<label for=p>納付利用者パスワード</label><input id=p name=password type=password>"
        "<a href=/mypage/password>パスワード変更</a><button type=submit>送信</button>"
        "</form></body></html>"
    )
    (folder / "01-login.html").write_text(page, encoding="utf-8")
    manifest = {"format": 1, "screens": [{"screen": "login", "file": "01-login.html"}]}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    portal.use_screens(folder)
    env = koss_env()

    result = run_check(quick_cli, env, "--json", "--lang", "en")

    assert result.code == PortalChanged.exit_code == 22
    payload = result.json()
    assert payload["ok"] is False
    assert payload["error"]["code"] == "portal_changed"
    assert "マイページログイン: ログイン (missing)" in payload["error"]["message"]
    assert "マイページログイン: ログイン (missing)" in payload["result"]["problems"]
    assert "Traceback" not in result.stderr


def test_check_should_exit_22_on_a_page_with_none_of_the_expected_words(
    portal: ControlClient, koss_env: Callable[..., KossEnv], quick_cli: Cli, tmp_path: Path
) -> None:
    folder = tmp_path / "other"
    folder.mkdir()
    (folder / "01-top.html").write_text("<html><body><p>工事中</p></body></html>", "utf-8")
    manifest = {"format": 1, "screens": [{"screen": "top", "file": "01-top.html"}]}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    portal.use_screens(folder)
    env = koss_env(timeouts={"action_seconds": 2})

    result = run_check(quick_cli, env)

    assert result.code == 22
    assert "Traceback" not in result.stderr
    assert "✗" in result.stdout


def test_check_should_exit_21_in_maintenance_and_20_when_nobody_answers(
    portal: ControlClient, koss_env: Callable[..., KossEnv], quick_cli: Cli
) -> None:
    portal.start_maintenance()
    env = koss_env(retry={"attempts": 1})

    maintained = run_check(quick_cli, env)

    assert maintained.code == Maintenance.exit_code, maintained.stderr
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    env = koss_env(retry={"attempts": 1}, portal_url=f"http://127.0.0.1:{port}")
    silent = run_check(quick_cli, env)
    assert silent.code == PortalUnavailable.exit_code, silent.stderr
    assert "Traceback" not in maintained.stderr + silent.stderr


def test_check_capture_should_save_the_screens_it_looked_at(
    portal: ControlClient, env: KossEnv, quick_cli: Cli, tmp_path: Path
) -> None:
    env.store.set_password(USER_ID, SecretStr(PASSWORD))
    folder = tmp_path / "capture"

    result = run_check(quick_cli, env, "--login", "--capture", str(folder))

    assert result.code == 0, result.stderr
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert {"top", "login", "mypage"} <= {e["screen"] for e in manifest["screens"]}


def test_capture_command_should_save_the_walk_and_replace_only_with_force(
    portal: ControlClient, koss_env: Callable[..., KossEnv], quick_cli: Cli, tmp_path: Path
) -> None:
    env = koss_env()
    folder = tmp_path / "capture"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine", encoding="utf-8")

    refused = quick_cli("--config", str(env.config), "capture", str(folder))
    saved = quick_cli("--config", str(env.config), "capture", str(folder), "--force", "--json")

    assert refused.code == 3
    assert "--force" in refused.stderr
    assert saved.code == 0, saved.stderr
    assert saved.json()["result"]["folder"] == str(folder)
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    assert [e["screen"] for e in manifest["screens"]] == ["top", "login"]
    assert (folder / "keep.txt").read_text("utf-8") == "mine"
    assert not portal.journal(method="POST")
