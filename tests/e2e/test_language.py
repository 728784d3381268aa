"""Japanese for an office that reads Japanese: progress, results and errors."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pydantic import SecretStr

from koss_rpa.i18n import set_language
from mock_portal.testing import ControlClient
from tests.e2e.conftest import USER_ID, CliResult, KossEnv

pytestmark = pytest.mark.e2e

Cli = Callable[..., CliResult]


@pytest.fixture(autouse=True)
def english_afterwards() -> object:
    yield None
    set_language("en")


def test_download_should_speak_japanese_with_lang_ja(
    portal: ControlClient, env: KossEnv, quick_cli: Cli
) -> None:
    result = quick_cli("--config", str(env.config), "download", "--lang", "ja")

    assert result.code == 0, result.stderr
    assert "ログインしています…" in result.stderr
    assert "保存しました: " in result.stdout
    assert "Logging in" not in result.stderr


def test_download_should_speak_japanese_in_a_japanese_locale(
    portal: ControlClient,
    koss_env: Callable[..., KossEnv],
    quick_cli: Cli,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    for name in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    env = koss_env()
    env.store.set_password(USER_ID, SecretStr("Wrong12345"))

    result = quick_cli("--config", str(env.config), "download")

    assert result.code == 10
    [line] = result.stderr.splitlines()[-1:]
    assert line.startswith("エラー [login_rejected]: ")
    assert "納付利用者ID" in line  # the portal's own message, as the portal words it


def test_download_should_speak_english_with_lang_en(
    portal: ControlClient, env: KossEnv, quick_cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")

    result = quick_cli("--config", str(env.config), "download", "--lang", "en")

    assert result.code == 0, result.stderr
    assert "Logging in…" in result.stderr
