"""The login budget: whatever the robot does or does not recognise, scheduled runs can never
walk an account into the portal's lock-out (5 failed logins in a row, inferred)."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable

import pytest
from pydantic import SecretStr

from koss_rpa.errors import LoginBudgetSpent, LoginRejected, PasswordRejected
from mock_portal.testing import ControlClient
from tests.e2e.conftest import PASSWORD, USER_ID, CliResult, KossEnv, reveal

pytestmark = pytest.mark.e2e

Cli = Callable[..., CliResult]
RUNS = 10


def _logins(portal: ControlClient) -> list[str]:
    return [e["outcome"] for e in portal.journal(method="POST", screen="login")]


#: Wording koss-rpa has never seen: no 正しくありません, no パスワード, no ロック.
STRANGE = "入力内容に誤りがあります。お確かめのうえ、もう一度お試しください。"


def test_ten_runs_with_a_wrong_password_in_strange_words_should_not_lock_the_account(
    portal: ControlClient, koss_env: Callable[..., KossEnv], quick_cli: Cli
) -> None:
    env = koss_env()
    env.store.set_password(USER_ID, SecretStr("Wrong12345"))
    portal.update_config(messages={"login_wrong": STRANGE})

    results = [quick_cli("--config", str(env.config), "download") for _ in range(RUNS)]

    account = portal.get_account(USER_ID)
    assert account["failed_logins"] <= 2
    assert account["locked"] is False
    assert {r.code for r in results} == {LoginRejected.exit_code}
    assert STRANGE in results[0].stderr  # the portal's words, kept verbatim


def test_budget_should_hold_when_every_answer_to_a_login_is_an_error_page(
    portal: ControlClient, koss_env: Callable[..., KossEnv], quick_cli: Cli
) -> None:
    # The portal takes each login (a wrong password: counted by the portal) but answers with an
    # error page, so the robot never learns that the password is wrong, and retries.
    env = koss_env()
    env.store.set_password(USER_ID, SecretStr("Wrong12345"))
    portal.add_fault("login", "html_200", times=None, phase="after", method="POST")

    codes = [quick_cli("--config", str(env.config), "download").code for _ in range(RUNS)]

    account = portal.get_account(USER_ID)
    assert account["failed_logins"] <= 2
    assert account["locked"] is False
    assert codes[-1] == LoginBudgetSpent.exit_code
    submitted = [o for o in _logins(portal) if not o.startswith("fault:")]
    assert submitted == ["login_failed", "login_failed"]  # two in ten runs, then none


def test_budget_refusal_should_name_the_remedy_and_credentials_set_should_reset_it(
    portal: ControlClient, koss_env: Callable[..., KossEnv], quick_cli: Cli
) -> None:
    env = koss_env()
    env.store.set_password(USER_ID, SecretStr("Wrong12345"))
    portal.add_fault("login", "html_200", times=None, phase="after", method="POST")

    spent = quick_cli("--config", str(env.config), "download")
    again = quick_cli("--config", str(env.config), "download", "--json")
    portal.clear_faults()

    assert spent.code == LoginBudgetSpent.exit_code
    assert again.code == LoginBudgetSpent.exit_code
    assert again.json()["error"]["code"] == "login_budget_spent"
    assert "credentials set" in again.stderr

    stdin, sys.stdin = sys.stdin, io.StringIO(PASSWORD + "\n")
    try:
        stored = quick_cli("--config", str(env.config), "credentials", "set", USER_ID, "--stdin")
    finally:
        sys.stdin = stdin
    done = quick_cli("--config", str(env.config), "download")

    assert stored.code == 0
    assert done.code == 0
    assert env.workbooks()


def test_a_refused_new_password_should_never_shadow_the_working_current_one(
    portal: ControlClient, koss_env: Callable[..., KossEnv], quick_cli: Cli
) -> None:
    # Long by design: RUNS whole runs, each a login, a refused 変更 and the evidence of a
    # failure, twice the lock-out threshold, as a month of daily runs could pile them up.
    # The portal refuses every password koss-rpa generates (its policy asks for 20 characters,
    # the settings say 16): each run logs in, is asked for a new password, is refused.
    env = koss_env()
    env.store.set_password(USER_ID, SecretStr(PASSWORD))
    portal.expire_password(USER_ID)
    portal.update_config(
        password_policy={"min_length": 20, "max_length": 24},
        messages={"password_refused": STRANGE},
    )

    codes = [quick_cli("--config", str(env.config), "download").code for _ in range(RUNS)]

    account = portal.get_account(USER_ID)
    assert set(codes) == {PasswordRejected.exit_code}
    assert account["locked"] is False
    assert account["failed_logins"] == 0
    assert env.store.pending(USER_ID) is None
    assert reveal(env.store.current(USER_ID)) == portal.password_of(USER_ID) == PASSWORD


def test_an_unanswered_change_should_give_its_password_one_try_then_current(
    portal: ControlClient, koss_env: Callable[..., KossEnv], quick_cli: Cli
) -> None:
    # A pending password the portal never took (a change whose answer was lost, not taken):
    # one login with it, then the current one; later runs do not try it again.
    env = koss_env()
    env.store.set_password(USER_ID, SecretStr(PASSWORD))
    env.store.begin_rotation(USER_ID, SecretStr("NeverTaken99"))

    first = quick_cli("--config", str(env.config), "download")
    second = quick_cli("--config", str(env.config), "download")

    assert first.code == 0
    assert second.code == 0
    assert _logins(portal) == ["login_failed", "login_ok", "login_ok"]
    assert env.store.pending(USER_ID) is None
    assert portal.get_account(USER_ID)["failed_logins"] == 0


def _set_password(quick_cli: Cli, env: KossEnv, password: str, *extra: str) -> CliResult:
    stdin, sys.stdin = sys.stdin, io.StringIO(password + "\n")
    try:
        return quick_cli(
            "--config", str(env.config), "credentials", "set", USER_ID, "--stdin", *extra
        )
    finally:
        sys.stdin = stdin


def test_credentials_set_should_keep_a_pending_password_the_portal_took(
    portal: ControlClient, koss_env: Callable[..., KossEnv], quick_cli: Cli
) -> None:
    # A rotation interrupted after 変更 was pressed: the portal took the new password, the
    # keyring holds it as pending. A person then sets the password they remember (the old one).
    env = koss_env()
    env.store.set_password(USER_ID, SecretStr(PASSWORD))
    env.store.begin_rotation(USER_ID, SecretStr("TakenByPortal7"))
    portal.update_account(USER_ID, password="TakenByPortal7")

    stored = _set_password(quick_cli, env, PASSWORD)
    done = quick_cli("--config", str(env.config), "download")

    assert stored.code == 0
    assert "--discard-pending" in stored.stdout + stored.stderr
    assert done.code == 0, done.stderr
    assert reveal(env.store.current(USER_ID)) == "TakenByPortal7"
    assert env.store.pending(USER_ID) is None
    assert portal.get_account(USER_ID)["failed_logins"] == 0


def test_credentials_set_should_discard_a_pending_password_when_told(
    portal: ControlClient, koss_env: Callable[..., KossEnv], quick_cli: Cli
) -> None:
    env = koss_env()
    env.store.begin_rotation(USER_ID, SecretStr("NeverTaken99"))

    stored = _set_password(quick_cli, env, PASSWORD, "--discard-pending")
    pending = env.store.pending(USER_ID)
    done = quick_cli("--config", str(env.config), "download")

    assert stored.code == 0
    assert pending is None
    assert done.code == 0
    assert _logins(portal) == ["login_ok"]  # the discarded password was never tried
