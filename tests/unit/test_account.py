"""koss_rpa.budget and koss_rpa.account: the login budget and the password protocol."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr

from koss_rpa.account import Account, Candidate
from koss_rpa.budget import LoginBudget
from koss_rpa.credentials import CredentialStore
from koss_rpa.errors import CredentialsMissing, LoginBudgetSpent, LoginRejected
from koss_rpa.settings import Settings

UID = "KNAB1234"


def _settings(tmp_path: Path, **extra: object) -> Settings:
    return Settings(run_dir=tmp_path / "state" / "runs", **extra)  # type: ignore[arg-type]


def _account(tmp_path: Path, **extra: object) -> Account:
    return Account(CredentialStore(), UID, _settings(tmp_path, **extra))


# --- budget ---------------------------------------------------------------------------------


def test_budget_should_refuse_a_submission_beyond_its_limit(tmp_path: Path) -> None:
    budget = LoginBudget(tmp_path, UID, limit=2)

    budget.spend("login")
    budget.spend("login")

    with pytest.raises(LoginBudgetSpent, match="credentials set KNAB1234"):
        budget.spend("login")
    assert len(budget.unconfirmed()) == 2


def test_budget_should_survive_the_process_that_spent_it(tmp_path: Path) -> None:
    LoginBudget(tmp_path, UID, limit=2).spend("login")

    again = LoginBudget(tmp_path, UID, limit=2)

    assert [s.what for s in again.unconfirmed()] == ["login"]
    assert (tmp_path / "budget" / f"{UID}.json").is_file()
    assert not [p for p in (tmp_path / "budget").iterdir() if p.name.startswith(".budget-")]


def test_budget_should_start_again_once_a_password_is_confirmed(tmp_path: Path) -> None:
    budget = LoginBudget(tmp_path, UID, limit=1)
    budget.spend("login")

    budget.confirm()
    budget.spend("change")

    assert [s.what for s in budget.unconfirmed()] == ["change"]


def test_budget_should_count_a_damaged_record_as_spent(tmp_path: Path) -> None:
    budget = LoginBudget(tmp_path, UID, limit=2)
    budget.path.parent.mkdir(parents=True)
    budget.path.write_text("{not json", encoding="utf-8")

    with pytest.raises(LoginBudgetSpent):
        budget.spend("login")


def test_budget_should_forget_submissions_older_than_its_window(tmp_path: Path) -> None:
    budget = LoginBudget(tmp_path, UID, limit=1, window=timedelta(hours=1))
    budget.spend("login")

    later = datetime.now(UTC) + timedelta(hours=2)

    assert budget.unconfirmed(now=later) == []
    assert len(budget.unconfirmed()) == 1


def test_budget_should_be_separate_for_each_account(tmp_path: Path) -> None:
    LoginBudget(tmp_path, UID, limit=1).spend("login")

    LoginBudget(tmp_path, "KNCA6288", limit=1).spend("login")  # no refusal

    with pytest.raises(LoginBudgetSpent):
        LoginBudget(tmp_path, UID, limit=1).spend("login")


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
    assert account.budget.unconfirmed() == []


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


def test_login_budget_setting_should_stay_below_the_lockout(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="login_budget"):
        _settings(tmp_path, login_budget=5)
    assert _account(tmp_path, login_budget=3).budget.limit == 3
