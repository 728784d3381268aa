"""`[locators]`: a control the portal names in other words, pointed at with the one line of
settings `check` wrote for it (docs/real-portal.md, "Locators")."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import SecretStr

from koss_rpa.errors import SettingsInvalid
from mock_portal.testing import ControlClient
from tests.e2e.conftest import PASSWORD, USER_ID, CliResult, KossEnv

pytestmark = pytest.mark.e2e

Cli = Callable[..., CliResult]

#: The マイページログイン of a portal whose ログイン button says サインイン.
RENAMED_LOGIN = (
    "<!DOCTYPE html><html lang=ja><head><meta charset=utf-8><title>マイページログイン</title>"
    "</head><body><h1>マイページログイン</h1><form method=post action=/mypage/login>"
    "<label for=u>納付利用者ID</label><input id=u name=user_id>"
    "<label for=p>納付利用者パスワード</label><input id=p name=password type=password>"
    "<a href=/mypage/password>パスワード変更</a>"
    '<button type=submit id="signin">サインイン</button>'
    "</form></body></html>"
)


def _renamed(portal: ControlClient, tmp_path: Path) -> None:
    folder = tmp_path / "renamed"
    folder.mkdir()
    (folder / "01-login.html").write_text(RENAMED_LOGIN, encoding="utf-8")
    manifest = {"format": 1, "screens": [{"screen": "login", "file": "01-login.html"}]}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    portal.use_screens(folder)


def _paste(env: KossEnv, lines: str) -> KossEnv:
    """`lines` added to the settings file, as a person pastes them."""
    with env.config.open("a", encoding="utf-8") as config:
        config.write("[locators]\n" + lines + "\n")
    return env


def _log(env: KossEnv) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(env.run_dir.rglob("run.log")))


def test_check_should_suggest_the_line_that_lets_the_download_pass(
    portal: ControlClient, koss_env: Callable[..., KossEnv], quick_cli: Cli, tmp_path: Path
) -> None:
    _renamed(portal, tmp_path)
    env = koss_env()

    checked = quick_cli("--config", str(env.config), "check", "--lang", "en")
    as_json = quick_cli("--config", str(env.config), "check", "--json")

    assert checked.code == 22, checked.stderr
    assert "<button" in checked.stdout
    assert "サインイン" in checked.stdout
    assert "[locators]\n'ログイン' = 'css=#signin'\n" in checked.stdout
    login = {s["screen"]: s for s in as_json.json()["result"]["screens"]}["マイページログイン"]
    (entry,) = [item for item in login["lookups"] if item["words"] == "ログイン"]
    assert entry["state"] == "missing"
    assert entry["candidates"][0]["selector"] == "css=#signin"
    assert 1 <= len(entry["candidates"]) <= 3
    assert entry["locators_line"] == "'ログイン' = 'css=#signin'"

    # The line pasted as check wrote it: the download passes.
    fixed = _paste(koss_env(), entry["locators_line"])
    fixed.store.set_password(USER_ID, SecretStr(PASSWORD))
    downloaded = quick_cli("--config", str(fixed.config), "download", "--json")
    rechecked = quick_cli("--config", str(fixed.config), "check", "--json")

    assert downloaded.code == 0, downloaded.stderr
    assert len(fixed.workbooks()) == 1
    assert [e["outcome"] for e in portal.journal(method="POST", screen="login")] == ["login_ok"]
    assert "found by locators: css=#signin" in _log(fixed)
    assert rechecked.code == 0, rechecked.stdout + rechecked.stderr


def test_an_override_that_matches_nothing_should_fall_back_to_the_words(
    portal: ControlClient, koss_env: Callable[..., KossEnv], quick_cli: Cli
) -> None:
    env = _paste(koss_env(), "'ログイン' = 'css=#nowhere'")
    env.store.set_password(USER_ID, SecretStr(PASSWORD))

    result = quick_cli("--config", str(env.config), "download", "--json")

    assert result.code == 0, result.stderr
    assert "locators: css=#nowhere matched nothing" in _log(env)


@pytest.mark.parametrize(
    ("locators", "named"),
    [
        ({"サインイン": "css=#signin"}, "サインイン"),
        ({"ログイン": "css=button["}, "css=button["),
        ({"ログイン": "foo=bar"}, "foo=bar"),
        ({"パスワード変更": "css=a"}, "パスワード変更"),
    ],
)
def test_a_bad_override_should_stop_the_run_with_exit_3_naming_it(
    portal: ControlClient,
    koss_env: Callable[..., KossEnv],
    quick_cli: Cli,
    locators: dict[str, str],
    named: str,
) -> None:
    env = _paste(koss_env(), "\n".join(f"{k!r} = {v!r}" for k, v in locators.items()))
    env.store.set_password(USER_ID, SecretStr(PASSWORD))

    result = quick_cli("--config", str(env.config), "download")

    assert result.code == SettingsInvalid.exit_code == 3, result.stderr
    (line,) = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert named in line
    assert not portal.journal(method="POST")
