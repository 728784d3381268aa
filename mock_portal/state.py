"""The mock portal's whole state: accounts, sessions, clock, config, faults and journal."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from mock_portal.accounts import Account, AccountSeed, verify_password
from mock_portal.clock import MockClock, as_jst
from mock_portal.config import MockConfig
from mock_portal.faults import FaultRegistry

if TYPE_CHECKING:
    from mock_portal.playback import CapturedScreens
from mock_portal.journal import Journal
from mock_portal.password_rules import Rejection, check_new_password, temporary_password
from mock_portal.sessions import Session, SessionStatus, SessionStore


class LoginOutcome(StrEnum):
    """Result of a login attempt; the values are journal outcomes."""

    OK = "login_ok"
    EXPIRED = "login_expired"
    MUST_CHANGE = "login_must_change"
    FAILED = "login_failed"
    LOCKED = "login_locked"


@dataclass(frozen=True)
class LoginResult:
    """What `PortalState.login` decided."""

    outcome: LoginOutcome
    account: str | None
    token: str | None = None


@dataclass(frozen=True)
class ChangeResult:
    """What `PortalState.change_password` decided; `detail` is "credentials", "locked" or a
    `Rejection` value when refused."""

    changed: bool
    account: str | None
    detail: str | None = None


class AccountExists(Exception):
    """`add_account` was given a 納付利用者ID that is taken."""


class PortalState:
    """Everything the mock knows. Every method is safe to call from any thread."""

    def __init__(self, config: MockConfig | None = None, seeds: list[AccountSeed] | None = None):
        self.lock = threading.RLock()
        self.default_config = config or MockConfig()
        self.config = self.default_config
        self.clock = MockClock()
        self.journal = Journal(self.config.journal_size)
        self.faults = FaultRegistry()
        self._seeds = list(seeds or [])
        self.accounts: dict[str, Account] = {}
        self.sessions = SessionStore()
        #: Captured screens served in place of the templates (`--screens`); reset to default.
        self.default_screens: CapturedScreens | None = None
        self.screens: CapturedScreens | None = None
        self.reset()

    def now(self) -> datetime:
        """The mock clock's time."""
        return self.clock.now()

    def set_clock(self, moment: datetime | None) -> None:
        """Freeze the clock at `moment` (None: back to real time): time travel.

        Everything dated keeps its date (a password changed through the portal expires 60
        days later, whatever the clock is set to), except passwords whose age was given as
        `password_age_days` (the seeds, or a PATCH) and not changed since: those keep their
        age, so a demo account 75 days old is 75 days old at any mock date.
        """
        with self.lock:
            before = self.now()
            if moment is None:
                self.clock.use_real_time()
            else:
                self.clock.set(moment)
            shift = self.now() - before
            for account in self.accounts.values():
                if account.age_floats:
                    account.password_changed_at += shift

    def start_up_as(self, config: MockConfig | None, seeds: list[AccountSeed]) -> None:
        """Change what a reset returns to (the rules and the seed accounts), then reset."""
        with self.lock:
            self.default_config = config or MockConfig()
            self._seeds = list(seeds)
            self.reset()

    def reset(self) -> None:
        """Seed accounts, real-time clock, default config; no faults, sessions or journal."""
        with self.lock:
            self.config = self.default_config
            self.clock.use_real_time()
            self.faults.clear()
            self.journal.clear(self.config.journal_size)
            self.sessions.clear()
            self.screens = self.default_screens
            now = self.now()
            self.accounts = {seed.user_id: seed.build(now) for seed in self._seeds}

    # --- the portal's rules -------------------------------------------------------------

    def login(self, user_id: str, password: str) -> LoginResult:
        """Check credentials, count failures, lock, and open a session on success."""
        with self.lock:
            account = self.accounts.get(user_id)
            if account is None:
                return LoginResult(LoginOutcome.FAILED, None)
            if account.locked:
                return LoginResult(LoginOutcome.LOCKED, user_id)
            if not verify_password(password, account.password_hash):
                self._count_failure(account)
                return LoginResult(LoginOutcome.FAILED, user_id)
            account.failed_logins = 0
            if account.must_change:
                outcome, reason = LoginOutcome.MUST_CHANGE, "temporary"
            elif account.password_expired(self.now(), self.config.password_valid_days):
                outcome, reason = LoginOutcome.EXPIRED, "expired"
            else:
                outcome, reason = LoginOutcome.OK, None
            token = self.sessions.create(user_id, self.now(), self._idle(), reason)
            return LoginResult(outcome, user_id, token)

    def _idle(self) -> timedelta:
        return timedelta(minutes=self.config.session_idle_minutes)

    def _count_failure(self, account: Account) -> None:
        account.failed_logins += 1
        if account.failed_logins >= self.config.lockout_threshold:
            account.locked = True

    def change_password(self, user_id: str, current: str, new: str, confirm: str) -> ChangeResult:
        """The パスワード変更 rules; success ends the account's sessions."""
        with self.lock:
            account = self.accounts.get(user_id)
            if account is None:
                return ChangeResult(False, None, "credentials")
            if account.locked:
                return ChangeResult(False, user_id, "locked")
            if not verify_password(current, account.password_hash):
                self._count_failure(account)
                return ChangeResult(False, user_id, "credentials")
            account.failed_logins = 0
            policy = self.config.password_policy
            rejection: Rejection | None = check_new_password(account, new, confirm, policy)
            if rejection is not None:
                return ChangeResult(False, user_id, rejection.value)
            account.set_password(new, self.now(), policy.history)
            account.must_change = False
            account.temporary_password = None
            self.end_sessions_of(user_id)
            return ChangeResult(True, user_id)

    def reset_password(self, user_id: str, admin_email: str) -> bool:
        """パスワード初期化: a temporary password, unlocked, to be changed at next login."""
        with self.lock:
            account = self.accounts.get(user_id)
            if account is None or account.admin_email.lower() != admin_email.lower():
                return False
            temporary = temporary_password(self.config.password_policy)
            account.set_password(temporary, self.now(), self.config.password_policy.history)
            account.temporary_password = temporary
            account.locked = False
            account.failed_logins = 0
            account.must_change = True
            self.end_sessions_of(user_id)
            return True

    # --- sessions and the one-time result token ----------------------------------------

    def session(self, token: str | None) -> tuple[SessionStatus, Session | None]:
        """Look a cookie up and, if it is still valid, mark it as used now."""
        with self.lock:
            status, found = self.sessions.lookup(token, self.now(), self._idle())
            if found is not None and found.user_id not in self.accounts:
                self.sessions.end(token)
                return SessionStatus.MISSING, None
            return status, found

    def end_session(self, token: str | None) -> str | None:
        """Forget a session; returns its account."""
        with self.lock:
            return self.sessions.end(token)

    def end_sessions_of(self, user_id: str) -> None:
        """Forget every session of an account."""
        with self.lock:
            self.sessions.end_all_of(user_id)

    def issue_result_token(self) -> str:
        """A token that lets the browser see パスワード変更結果通知 once."""
        with self.lock:
            return self.sessions.issue_result_token()

    def consume_result_token(self, token: str | None) -> bool:
        """True the first time a valid token is presented."""
        with self.lock:
            return self.sessions.consume_result_token(token)

    # --- control API --------------------------------------------------------------------

    def account(self, user_id: str) -> Account | None:
        """The live account, or None."""
        with self.lock:
            return self.accounts.get(user_id)

    def add_account(self, seed: AccountSeed) -> Account:
        """Create an account; raises `AccountExists` or `ValueError` (bad ID shape)."""
        if not self.config.user_id_ok(seed.user_id):
            raise ValueError(f"user_id must match {self.config.user_id_pattern}")
        with self.lock:
            if seed.user_id in self.accounts:
                raise AccountExists(seed.user_id)
            account = seed.build(self.now())
            self.accounts[seed.user_id] = account
            return account

    def update_account(self, user_id: str, changes: dict[str, Any]) -> Account | None:
        """Apply a validated PATCH; None if the account is unknown."""
        with self.lock:
            account = self.accounts.get(user_id)
            if account is None:
                return None
            now = self.now()
            password = changes.pop("password", None)
            if password is not None:
                account.set_password(password, now, self.config.password_policy.history)
            age = changes.pop("password_age_days", None)
            if age is not None:
                account.password_changed_at = now - timedelta(days=age)
                account.age_floats = True
            changed_at = changes.pop("password_changed_at", None)
            if changed_at is not None:
                account.password_changed_at = as_jst(changed_at)
                account.age_floats = False
            if changes.get("updated_at") is not None:
                changes["updated_at"] = as_jst(changes["updated_at"])
            for key, value in changes.items():
                setattr(account, key, value)
            return account

    def delete_account(self, user_id: str) -> bool:
        """Remove an account and its sessions; False if unknown."""
        with self.lock:
            if self.accounts.pop(user_id, None) is None:
                return False
            self.end_sessions_of(user_id)
            return True

    def set_config(self, config: MockConfig) -> None:
        """Replace the live config (reset restores the default)."""
        with self.lock:
            self.config = config
