"""The main job against every markup variant of the mock portal: the page objects find the
manual's words whatever element carries them (docs/markup.md).

On `modern` (the default markup) the whole E2E suite runs; here, every other variant gets the
download, the forced password change and the wrong password, and the hardest ones a voluntary
change and `info` too.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pydantic import SecretStr

from koss_rpa.errors import LoginRejected
from mock_portal.testing import VARIANTS, ControlClient
from tests.e2e.conftest import PASSWORD, USER_ID, CliResult, KossEnv, reveal

pytestmark = pytest.mark.e2e

Cli = Callable[..., CliResult]
OTHERS = [v for v in VARIANTS if v != "modern"]


@pytest.fixture(params=OTHERS)
def variant(request: pytest.FixtureRequest, portal: ControlClient) -> str:
    name = str(request.param)
    portal.set_variant(name)
    return name


def _logins(portal: ControlClient) -> list[str]:
    return [e["outcome"] for e in portal.journal(method="POST", screen="login")]


def test_download_should_save_the_file_in_every_variant(
    variant: str, portal: ControlClient, env: KossEnv, quick_cli: Cli
) -> None:
    result = quick_cli("--config", str(env.config), "download", "--json")

    assert result.code == 0, f"{variant}: {result.stderr}"
    assert [p.name for p in env.workbooks()] == ["まとめ納付管理ファイル_軽自動車OSS用.xlsm"]
    assert _logins(portal) == ["login_ok"]


def test_forced_change_should_rotate_in_every_variant(
    variant: str, portal: ControlClient, env: KossEnv, quick_cli: Cli
) -> None:
    portal.update_account(USER_ID, password_age_days=60)

    result = quick_cli("--config", str(env.config), "download", "--json")

    assert result.code == 0, f"{variant}: {result.stderr}"
    new = portal.password_of(USER_ID)
    assert new != PASSWORD
    assert reveal(env.store.current(USER_ID)) == new
    assert reveal(env.store.previous(USER_ID)) == PASSWORD
    assert env.store.pending(USER_ID) is None
    assert _logins(portal) == ["login_expired", "login_ok"]
    assert len(env.workbooks()) == 1


def test_wrong_password_should_stop_at_once_in_every_variant(
    variant: str, portal: ControlClient, koss_env: Callable[..., KossEnv], quick_cli: Cli
) -> None:
    env = koss_env()
    env.store.set_password(USER_ID, SecretStr("Wrong12345"))

    first = quick_cli("--config", str(env.config), "download")
    second = quick_cli("--config", str(env.config), "download")

    assert first.code == LoginRejected.exit_code, f"{variant}: {first.stderr}"
    assert second.code == LoginRejected.exit_code
    assert "credentials set" in first.stderr
    assert _logins(portal) == ["login_failed"]
    assert portal.get_account(USER_ID)["failed_logins"] == 1


@pytest.mark.parametrize("name", [v for v in ("table", "iframe", "literal") if v in VARIANTS])
def test_voluntary_change_and_info_should_work_in_the_hardest_variants(
    name: str, portal: ControlClient, env: KossEnv, quick_cli: Cli
) -> None:
    portal.set_variant(name)

    changed = quick_cli("--config", str(env.config), "change-password")
    info = quick_cli("--config", str(env.config), "info", "--json")

    assert changed.code == 0, f"{name}: {changed.stderr}"
    assert reveal(env.store.current(USER_ID)) == portal.password_of(USER_ID) != PASSWORD
    assert info.code == 0, f"{name}: {info.stderr}"
    assert info.json()["result"]["利用者情報"]["納付利用者ID"] == USER_ID
