"""Behaviours of a portal nobody named, each rendered by a variant of the mock
(docs/markup.md, "Behaviours"): the main job in real Chromium against each of them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import SecretStr

from koss_rpa.errors import AccountLocked, LoginRejected
from mock_portal import messages
from mock_portal.testing import ControlClient
from tests.e2e.conftest import PASSWORD, USER_ID, CliResult, KossEnv, reveal

pytestmark = pytest.mark.e2e

Cli = Callable[..., CliResult]


@pytest.fixture
def env(koss_env: Callable[..., KossEnv], tmp_path: Path) -> KossEnv:
    """The default set-up, its safety state (budget, locks) in the test's own folder."""
    built = koss_env(state_dir=str(tmp_path / "safety"))
    built.store.set_password(USER_ID, SecretStr(PASSWORD))
    return built


def _log(env: KossEnv) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(env.run_dir.rglob("run.log")))


def _logins(portal: ControlClient) -> list[str]:
    return [e["outcome"] for e in portal.journal(method="POST", screen="login")]


# --- dialogs -----------------------------------------------------------------------------------


@pytest.fixture
def dialogs(portal: ControlClient) -> ControlClient:
    portal.set_variant("dialogs")
    return portal


def test_dialogs_should_be_answered_as_a_person_would_on_a_download(
    dialogs: ControlClient, env: KossEnv, quick_cli: Cli
) -> None:
    result = quick_cli("--config", str(env.config), "download", "--json")

    assert result.code == 0, result.stderr
    assert len(env.workbooks()) == 1
    assert _logins(dialogs) == ["login_ok"]  # the confirm before ログイン accepted, at once
    dialogs.requests(method="POST", screen="logout", outcome="logout").exactly(1)
    log = _log(env)
    assert f"accepted (after ログイン): {messages.LOGIN_CONFIRM}" in log
    assert f"accepted (after 終了): {messages.CLOSE_CONFIRM}" in log
    assert f"the portal showed an alert: {messages.ARRIVAL_NOTICE}" in log
    # Nobody asked for these: the run stayed on the top page and went on.
    assert f"(confirm), dismissed: {messages.NEWSLETTER_CONFIRM}" in log
    assert f"(prompt), dismissed: {messages.SURVEY_PROMPT}" in log
    assert result.json()["ok"] is True


def test_dialogs_should_let_a_forced_change_through_its_confirm_and_beforeunload(
    dialogs: ControlClient, env: KossEnv, quick_cli: Cli
) -> None:
    dialogs.update_account(USER_ID, password_age_days=60)

    result = quick_cli("--config", str(env.config), "download")

    assert result.code == 0, result.stderr
    assert reveal(env.store.current(USER_ID)) == dialogs.password_of(USER_ID) != PASSWORD
    assert _logins(dialogs) == ["login_expired", "login_ok"]
    log = _log(env)
    assert f"accepted (after 変更): {messages.CHANGE_CONFIRM}" in log
    assert "(beforeunload), accepted (after 変更)" in log


def test_a_refusal_shown_only_in_an_alert_should_be_read_verbatim(
    dialogs: ControlClient, env: KossEnv, quick_cli: Cli
) -> None:
    env.store.set_password(USER_ID, SecretStr("Wrong12345"))

    result = quick_cli("--config", str(env.config), "download")

    assert result.code == LoginRejected.exit_code, result.stderr
    assert messages.LOGIN_WRONG in result.stderr
    assert _logins(dialogs) == ["login_failed"]
    assert f"the portal showed an alert: {messages.LOGIN_WRONG}" in _log(env)


def test_a_lock_shown_only_in_an_alert_should_stop_with_its_exit_code(
    dialogs: ControlClient, env: KossEnv, quick_cli: Cli
) -> None:
    dialogs.lock_account(USER_ID)

    result = quick_cli("--config", str(env.config), "download")

    assert result.code == AccountLocked.exit_code, result.stderr
    assert messages.LOCKED in result.stderr
    assert len(_logins(dialogs)) == 1
