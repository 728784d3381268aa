"""Pages between the manual's steps (docs/markup.md, "Behaviours"): a page between
まとめ納付管理ファイル and the file, 終了 not where the download left the robot, and a 終了 that
fails once the file is saved — the main job in real Chromium against the mock."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import SecretStr

from koss_rpa.errors import LoginRejected
from mock_portal.testing import ControlClient
from tests.e2e.conftest import PASSWORD, USER_ID, CliResult, KossEnv, reveal

pytestmark = pytest.mark.e2e

Cli = Callable[..., CliResult]
BETWEEN = ("interstitial", "clickthrough")


@pytest.fixture
def env(koss_env: Callable[..., KossEnv], tmp_path: Path) -> KossEnv:
    built = koss_env(state_dir=str(tmp_path / "safety"))
    built.store.set_password(USER_ID, SecretStr(PASSWORD))
    return built


def _log(env: KossEnv) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(env.run_dir.rglob("run.log")))


@pytest.mark.parametrize("variant", BETWEEN)
def test_download_should_get_the_file_through_a_page_between_and_close_after_returning(
    portal: ControlClient, env: KossEnv, quick_cli: Cli, variant: str
) -> None:
    portal.set_variant(variant)

    result = quick_cli("--config", str(env.config), "download", "--json")

    assert result.code == 0, result.stderr
    assert len(env.workbooks()) == 1
    portal.requests(method="GET", screen="download", outcome="download").exactly(1)
    portal.requests(method="POST", screen="logout", outcome="logout").exactly(1)
    assert result.json()["ok"] is True
    assert result.json()["result"]["warnings"] == []
    log = _log(env)
    assert "a page between まとめ納付管理ファイル and the file" in log
    if variant == "interstitial":  # the meta refresh started it; no way back but the history
        assert "no download started by itself" not in log
        assert "back to the マイページ by the history" in log
    else:  # nothing started by itself: the page's own button; back by its link
        assert "activating 「ファイルを保存する」" in log
        assert "back to the マイページ by 「マイページへ戻る」" in log


@pytest.mark.parametrize("variant", BETWEEN)
def test_a_forced_change_should_pass_on_a_portal_with_a_page_between(
    portal: ControlClient, env: KossEnv, quick_cli: Cli, variant: str
) -> None:
    portal.set_variant(variant)
    portal.update_account(USER_ID, password_age_days=60)

    result = quick_cli("--config", str(env.config), "download")

    assert result.code == 0, result.stderr
    assert len(env.workbooks()) == 1
    assert reveal(env.store.current(USER_ID)) == portal.password_of(USER_ID) != PASSWORD


@pytest.mark.parametrize("variant", BETWEEN)
def test_a_wrong_password_should_stop_on_a_portal_with_a_page_between(
    portal: ControlClient, env: KossEnv, quick_cli: Cli, variant: str
) -> None:
    portal.set_variant(variant)
    env.store.set_password(USER_ID, SecretStr("Wrong12345"))

    result = quick_cli("--config", str(env.config), "download")

    assert result.code == LoginRejected.exit_code, result.stderr
    assert env.workbooks() == []


@pytest.mark.parametrize("variant", ["modern", "interstitial"])
def test_a_failed_close_after_the_save_should_be_a_warning(
    portal: ControlClient, env: KossEnv, quick_cli: Cli, variant: str
) -> None:
    portal.set_variant(variant)
    portal.add_fault("logout", "http_500", times=None)

    result = quick_cli("--config", str(env.config), "download", "--json")

    assert result.code == 0, result.stderr
    assert len(env.workbooks()) == 1
    payload = result.json()
    assert payload["ok"] is True
    [warning] = payload["result"]["warnings"]
    assert "終了" in warning
    assert f"warning: {warning}" in result.stderr
    assert warning in _log(env)
    assert payload["result"]["attempts"] == 1  # not retried: the file was saved
