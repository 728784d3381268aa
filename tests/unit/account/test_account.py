"""account.budget and account.protocol: the login budget and the password protocol."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr

from koss_rpa.account.budget import Answer, LoginBudget, Rules, Submission, account_key
from koss_rpa.account.protocol import Account, AccountSettings, Candidate
from koss_rpa.account.store import CredentialStore
from koss_rpa.errors import (
    AccountLocked,
    CredentialsMissing,
    LoginBudgetSpent,
    LoginRejected,
    PasswordRejected,
    SettingsInvalid,
)
from koss_rpa.settings import Settings

UID = "KNAB1234"


def _settings(tmp_path: Path, **extra: object) -> Settings:
    return Settings(run_dir=tmp_path / "state" / "runs", **extra)  # type: ignore[arg-type]


def _account(tmp_path: Path, **extra: object) -> Account:
    return Account(CredentialStore(), UID, AccountSettings.of(_settings(tmp_path, **extra)))


# --- budget ---------------------------------------------------------------------------------

RULES = Rules(limit=2, cap=4, quiet=timedelta(hours=24))


def _budget(state: Path, user_id: str = UID, rules: Rules = RULES, **extra: object) -> LoginBudget:
    return LoginBudget(state, user_id, rules, **extra)  # type: ignore[arg-type]


def _spend_lost(budget: LoginBudget, n: int) -> None:
    for _ in range(n):
        budget.spend("login")
        budget.answered(Answer.LOST, "portal_unavailable")


def test_budget_should_refuse_a_submission_beyond_its_limit(tmp_path: Path) -> None:
    budget = _budget(tmp_path)

    budget.spend("login")
    budget.spend("login")

    with pytest.raises(LoginBudgetSpent, match="credentials set KNAB1234"):
        budget.spend("login")
    assert len(budget.load().unconfirmed) == 2


def test_budget_should_survive_the_process_that_spent_it(tmp_path: Path) -> None:
    _budget(tmp_path).spend("login")

    again = _budget(tmp_path)

    assert [s.what for s in again.load().unconfirmed] == ["login"]
    assert (tmp_path / "budget" / f"{UID}.json").is_file()
    assert not [p for p in (tmp_path / "budget").iterdir() if p.name.startswith(".budget-")]


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_budget_record_should_be_private_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        _budget(tmp_path / "state").spend("login")
    finally:
        os.umask(old)

    record = tmp_path / "state" / "budget" / f"{UID}.json"
    assert stat.S_IMODE(record.stat().st_mode) == 0o600
    assert stat.S_IMODE(record.parent.stat().st_mode) == 0o700


def test_budget_should_start_again_once_a_password_is_confirmed(tmp_path: Path) -> None:
    budget = _budget(tmp_path, rules=Rules(limit=1, cap=4, quiet=timedelta(hours=24)))
    budget.spend("login")

    budget.confirm()
    budget.spend("change")

    assert [s.what for s in budget.load().unconfirmed] == ["change"]


@pytest.mark.parametrize("text", ["{not json", "[]", '{"unconfirmed": 3}', "\udcff"])
def test_budget_should_count_a_damaged_record_as_spent(tmp_path: Path, text: str) -> None:
    budget = _budget(tmp_path)
    budget.path.parent.mkdir(parents=True)
    budget.path.write_text(text, encoding="utf-8", errors="surrogateescape")

    with pytest.raises(LoginBudgetSpent, match="cannot be read"):
        budget.spend("login")


def test_budget_should_be_separate_for_each_account(tmp_path: Path) -> None:
    tight = Rules(limit=1, cap=4, quiet=timedelta(hours=24))
    _budget(tmp_path, rules=tight).spend("login")

    _budget(tmp_path, "KNCA6288", rules=tight).spend("login")  # no refusal

    with pytest.raises(LoginBudgetSpent):
        _budget(tmp_path, rules=tight).spend("login")


def test_budget_should_be_separate_for_another_keyring_service(tmp_path: Path) -> None:
    tight = Rules(limit=1, cap=4, quiet=timedelta(hours=24))
    _budget(tmp_path, rules=tight).spend("login")

    _budget(tmp_path, rules=tight, service="office-b/../x").spend("login")  # no refusal

    assert account_key("office-b/../x", UID).startswith(f"{UID}.")
    assert "/" not in account_key("office-b/../x", UID)


def test_a_burst_of_lost_answers_should_refill_after_a_quiet_day(tmp_path: Path) -> None:
    budget = _budget(tmp_path)
    _spend_lost(budget, 2)
    refused = budget.refusal()
    assert refused is not None
    assert "refills by itself" in str(refused.error)

    tomorrow = datetime.now(UTC) + timedelta(hours=25)

    assert budget.refusal(now=tomorrow) is None


@pytest.mark.parametrize("answer", [Answer.REJECTED, Answer.UNRECOGNISED])
def test_a_burst_with_an_answer_not_lost_should_wait_for_a_person(
    tmp_path: Path, answer: Answer
) -> None:
    budget = _budget(tmp_path)
    budget.spend("login")
    budget.answered(Answer.LOST)
    budget.spend("login")
    budget.answered(answer)

    a_week_later = datetime.now(UTC) + timedelta(days=7)

    refused = budget.refusal(now=a_week_later)
    assert refused is not None
    assert "refills" not in str(refused.error)


def test_refills_should_stop_at_the_cap_below_the_portal_lockout(tmp_path: Path) -> None:
    budget = _budget(tmp_path)
    day = timedelta(hours=25)
    record = budget.load()
    start = datetime.now(UTC) - 4 * day
    record.unconfirmed = [Submission(start + i * day, "login", Answer.LOST) for i in range(4)]
    budget._save(record)

    far_later = datetime.now(UTC) + timedelta(days=30)

    refused = budget.refusal(now=far_later)
    assert refused is not None
    assert "at most 4" in str(refused.error)


def test_a_lock_should_stop_every_submission_until_a_person_acts(tmp_path: Path) -> None:
    budget = _budget(tmp_path)
    budget.spend("login")
    budget.mark_locked("アカウントがロックされています")

    with pytest.raises(AccountLocked, match="ロック"):
        budget.spend("login")
    assert _budget(tmp_path).refusal(now=datetime.now(UTC) + timedelta(days=90)) is not None

    budget.reset()

    assert budget.refusal() is None


def test_a_refusal_should_be_told_once_per_state(tmp_path: Path) -> None:
    budget = _budget(tmp_path)
    budget.mark_locked("ロック")
    refused = budget.refusal()
    assert refused is not None
    assert not budget.was_told(refused.told_key)

    budget.mark_told(refused.told_key)

    assert budget.was_told(refused.told_key)
    budget.reset()
    budget.mark_locked("ロック")
    again = budget.refusal()
    assert again is not None
    assert again.told_key != refused.told_key
    assert not budget.was_told(again.told_key)


def test_a_budget_spent_before_the_upgrade_should_stay_spent(tmp_path: Path) -> None:
    legacy = tmp_path / "old" / "budget" / f"{UID}.json"
    legacy.parent.mkdir(parents=True)
    at = datetime.now(UTC).isoformat()
    entries = [{"at": at, "what": "login"}, {"at": at, "what": "login"}]
    legacy.write_text(json.dumps({"unconfirmed": entries}), encoding="utf-8")

    budget = _budget(tmp_path / "state", legacy=(legacy,))

    with pytest.raises(LoginBudgetSpent):
        budget.spend("login")
    assert legacy.exists()


# --- the protocol ---------------------------------------------------------------------------


def test_candidates_should_be_pending_then_current(tmp_path: Path) -> None:
    account = _account(tmp_path)
    account.store.set_password(UID, SecretStr("Current11"))
    account.store.begin_rotation(UID, SecretStr("Pending11"))

    assert [c.slot for c in account.candidates()] == ["pending", "current"]


def test_a_pending_password_should_get_one_try(tmp_path: Path) -> None:
    account = _account(tmp_path)
    account.store.set_password(UID, SecretStr("Current11"))
    account.store.begin_rotation(UID, SecretStr("Pending11"))
    pending = account.candidates()[0]

    error = account.login_rejected(pending, "違います")

    assert "credentials set" in str(error)
    assert [c.slot for c in account.candidates()] == ["current"]
    assert account.store.pending(UID) == SecretStr("Pending11")  # kept for a change to reuse


def test_a_rejected_current_password_should_not_be_tried_again(tmp_path: Path) -> None:
    account = _account(tmp_path)
    account.store.set_password(UID, SecretStr("Current11"))
    account.login_rejected(Candidate("current", SecretStr("Current11")), "違います")

    with pytest.raises(LoginRejected, match="credentials set"):
        account.candidates()


def test_candidates_should_say_when_nothing_is_stored(tmp_path: Path) -> None:
    with pytest.raises(CredentialsMissing):
        _account(tmp_path).candidates()


def test_accepting_pending_should_promote_it_and_clear_the_budget(tmp_path: Path) -> None:
    account = _account(tmp_path)
    account.store.set_password(UID, SecretStr("Current11"))
    account.store.begin_rotation(UID, SecretStr("Pending11"))
    account.submitting("login")

    promoted = account.login_accepted(account.candidates()[0], change_follows=False)

    assert promoted is True
    assert account.store.current(UID) == SecretStr("Pending11")
    assert account.store.previous(UID) == SecretStr("Current11")
    assert account.budget.load().unconfirmed == []


def test_accepting_current_should_drop_pending_unless_a_change_follows(tmp_path: Path) -> None:
    account = _account(tmp_path)
    account.store.set_password(UID, SecretStr("Current11"))
    account.store.begin_rotation(UID, SecretStr("Pending11"))
    current = account.candidates()[1]

    account.login_accepted(current, change_follows=True)
    kept = account.store.pending(UID)
    account.login_accepted(current, change_follows=False)

    assert kept == SecretStr("Pending11")
    assert account.store.pending(UID) is None


def test_begin_change_should_resubmit_an_earlier_pending_password(tmp_path: Path) -> None:
    account = _account(tmp_path)
    account.store.set_password(UID, SecretStr("Current11"))
    account.store.begin_rotation(UID, SecretStr("Pending11"))
    account.store.mark_pending_tried(UID)

    new = account.begin_change(SecretStr("Current11"))

    assert new == SecretStr("Pending11")
    assert account.store.status(UID).pending_tried_at is None  # a new submission: a new try


def test_a_change_should_be_pending_until_accepted_and_gone_when_refused(tmp_path: Path) -> None:
    account = _account(tmp_path)
    account.store.set_password(UID, SecretStr("Current11"))

    first = account.begin_change(SecretStr("Current11"))
    account.change_refused()
    second = account.begin_change(SecretStr("Current11"))
    current = account.change_accepted()

    assert account.store.pending(UID) is None
    assert current == second
    assert first.get_secret_value() != "Current11"
    assert account.store.previous(UID) == SecretStr("Current11")


def test_a_change_should_spend_the_budget_unless_a_login_was_accepted_in_the_job(
    tmp_path: Path,
) -> None:
    account = _account(tmp_path)
    account.store.set_password(UID, SecretStr("Current11"))

    spent_before_login = account.submitting_change()
    account.login_accepted(account.candidates()[0], change_follows=True)
    spent_after_login = account.submitting_change()

    assert spent_before_login is True
    assert spent_after_login is False
    assert account.budget.load().unconfirmed == []  # the accepted login cleared the first


def test_the_current_password_rejected_at_a_change_should_be_lost_only_after_a_login(
    tmp_path: Path,
) -> None:
    account = _account(tmp_path)
    account.store.set_password(UID, SecretStr("Current11"))
    rejected = LoginRejected("ログインできませんでした")

    lost_before_login = account.change_failed(rejected)
    account.login_accepted(account.candidates()[0], change_follows=True)

    assert lost_before_login is False
    assert account.change_failed(rejected) is True


def test_a_new_password_refused_at_a_change_should_be_discarded(tmp_path: Path) -> None:
    account = _account(tmp_path)
    account.store.set_password(UID, SecretStr("Current11"))
    account.begin_change(SecretStr("Current11"))

    lost = account.change_failed(PasswordRejected("使用できないパスワードです"))

    assert lost is False
    assert account.store.pending(UID) is None


def test_an_account_should_remember_what_the_portal_said_in_the_job(tmp_path: Path) -> None:
    account = _account(tmp_path)
    account.store.set_password(UID, SecretStr("Current11"))
    fresh = (account.logged_in, account.rotated)

    account.login_accepted(account.candidates()[0], change_follows=True)
    logged_in = (account.logged_in, account.rotated)
    account.begin_change(SecretStr("Current11"))
    account.change_accepted()

    assert fresh == (False, False)
    assert logged_in == (True, False)
    assert (account.logged_in, account.rotated) == (True, True)


def test_login_budget_setting_should_stay_below_the_lockout(tmp_path: Path) -> None:
    with pytest.raises(SettingsInvalid, match="login_budget"):
        _settings(tmp_path, login_budget=5)
    assert _account(tmp_path, login_budget=3).budget.rules.limit == 3
