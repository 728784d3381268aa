"""One account's passwords and the protocol around them, in one place.

Which passwords to try and in which order, a change begun, accepted or refused, and the login
budget that every submission spends: flows call these steps and never sequence keyring slots.

- Candidates: a *pending* password (a change whose answer was lost) gets one login try, then
  the *current* one; a current password the portal rejected is not tried again until a person
  sets one (`koss-rpa credentials set`).
- A change: the new password is *pending* in the keyring before 変更 is pressed, *current*
  once the portal confirms it, discarded only once the portal has refused it.
- Every submission of a password is counted durably before the click (`budget.LoginBudget`),
  with what became of its answer (lost, not understood, rejected), and the count is cleared
  when the portal accepts a password; a lock the portal announced stops every submission until
  a person acts.
- A change right after a login the portal accepted in this run spends nothing: the current
  password it checks cannot count as a failure. The portal rejecting that same password at the
  change means that a submission whose answer was lost changed it meanwhile, not that it is wrong.
- The account's safety state lives in one state folder, whatever the run's settings: the
  keyring remembers which (`state_home`), and a run that would use another one is refused.

In a flow, an `Account` lives as long as one account's job, all its attempts
(`flows.runtime.AccountRun`), and remembers what the portal said in it (`logged_in`, `rotated`).
Of the settings it reads only `AccountSettings`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import SecretStr

from koss_rpa.account.budget import Answer, LoginBudget, Refusal, Rules, budget_dir
from koss_rpa.account.store import CredentialStore, generate_password
from koss_rpa.errors import (
    AccountLocked,
    AnswerUnrecognised,
    CredentialsMissing,
    LoginRejected,
    PasswordRejected,
    SettingsInvalid,
)
from koss_rpa.i18n import _
from koss_rpa.settings import PasswordPolicy, Settings


@dataclass(frozen=True)
class AccountSettings:
    """What the account protocol reads of the settings."""

    #: Where the account's safety record is kept (`budget.LoginBudget`).
    state_dir: Path
    #: The login budget's rules.
    rules: Rules
    #: The keyring service, which names the record when it is not the default.
    keyring_service: str
    #: What a new password is made of.
    password_policy: PasswordPolicy
    #: Where earlier versions kept the records (beside `run_dir`), to take them over.
    legacy_dir: Path

    @classmethod
    def of(cls, settings: Settings) -> AccountSettings:
        return cls(
            state_dir=settings.state_dir,
            rules=Rules(
                limit=settings.login_budget,
                cap=settings.login_budget_cap,
                quiet=timedelta(hours=settings.login_budget_refill_hours),
            ),
            keyring_service=settings.keyring_service,
            password_policy=settings.password_policy,
            legacy_dir=budget_dir(settings.run_dir.parent),
        )

    def safety_record(self, user_id: str, *, state_dir: Path | None = None) -> LoginBudget:
        """The safety record of `user_id` (in `state_dir`, if given, else in this state
        folder), with the record an earlier version kept to take over."""
        # Earlier versions kept the record beside run_dir, keyed by the ID alone.
        legacy = self.legacy_dir / f"{user_id}.json"
        return LoginBudget(
            state_dir or self.state_dir,
            user_id,
            self.rules,
            service=self.keyring_service,
            legacy=(legacy,),
        )


@dataclass(frozen=True)
class Candidate:
    """A password to log in with, and the keyring slot it came from."""

    slot: Literal["pending", "current"]
    password: SecretStr


def missing(user_id: str) -> CredentialsMissing:
    return CredentialsMissing(
        _("No password is stored for {user_id}: run 'koss-rpa credentials set {user_id}'.").format(
            user_id=user_id
        )
    )


def rejected_before(user_id: str) -> LoginRejected:
    """The refusal of a run whose password the portal rejected in an earlier run."""
    return LoginRejected(
        _(
            "The portal rejected the stored password of {user_id} in an earlier run; it is "
            "not tried again (to avoid locking the account). Set the right one with "
            "'koss-rpa credentials set {user_id}'."
        ).format(user_id=user_id)
    )


class Account:
    """The passwords of one 納付利用者ID and the steps of the protocol over them, and what
    the portal said of them in this job."""

    def __init__(self, store: CredentialStore, user_id: str, config: AccountSettings) -> None:
        self.store = store
        self.user_id = user_id
        self.config = config
        self.budget = config.safety_record(user_id)
        #: Whether the portal accepted a login of this account in this job.
        self.logged_in = False
        #: Whether the password changed on the portal in this job (a change confirmed, or an
        #: interrupted one found to have reached it).
        self.rotated = False

    # --- where its safety state lives ------------------------------------------------------

    def check_state_home(self) -> None:
        """The account's safety state is in this run's state folder: the keyring names the
        folder of its first submission; another one with a record of the account is refused
        (it would give the account a second login budget), an abandoned one is taken over.
        Changes nothing: the folder is claimed by the first submission (`submitting`).

        Raises:
            SettingsInvalid: the account's record is in another state folder.
        """
        here = self.config.state_dir.absolute()
        home = self.store.state_home(self.user_id)
        if home is None or Path(home) == here:
            return
        elsewhere = self.config.safety_record(self.user_id, state_dir=Path(home))
        if not elsewhere.path.exists():  # that folder is gone or never held a record
            return
        raise SettingsInvalid(
            _(
                "The safety state of {user_id} (its login budget and locks) is kept in {home}, "
                "but this run's state_dir is {here}: two folders would give the account two "
                "login budgets. Use state_dir = {home!r} everywhere, or, to move it here, check "
                "the password on the portal and run 'koss-rpa credentials set {user_id}' with "
                "these settings."
            ).format(user_id=self.user_id, home=home, here=here)
        )

    def move_state_home(self) -> None:
        """A person set the password with these settings: the state lives here from now on."""
        self.store.set_state_home(self.user_id, str(self.config.state_dir.absolute()))

    def refusal(self) -> Refusal | None:
        """Why no password may be submitted for the account now (a lock the portal announced,
        a spent budget), or None. Asked before any browser starts."""
        return self.budget.refusal()

    # --- logging in ----------------------------------------------------------------------

    def candidates(self) -> list[Candidate]:
        """The passwords to try, in order: pending (if it has not had its try), then current.

        Raises:
            CredentialsMissing: nothing stored.
            LoginRejected: the portal rejected the current password in an earlier run.
        """
        status = self.store.status(self.user_id)
        pending, current = self.store.pending(self.user_id), self.store.current(self.user_id)
        found: list[Candidate] = []
        if pending is not None and status.pending_tried_at is None:
            found.append(Candidate("pending", pending))
        if current is not None:
            found.append(Candidate("current", current))
        if not found and pending is None:
            raise missing(self.user_id)
        if not [c for c in found if c.slot == "pending"] and status.rejected_at is not None:
            raise rejected_before(self.user_id)
        if not found:
            raise missing(self.user_id)
        return found

    def submitting(self, what: str) -> None:
        """A password is about to be submitted: spend the budget, or refuse. The first
        submission claims this state folder as the account's (`check_state_home`)."""
        self.check_state_home()
        self.budget.spend(what)
        if self.store.state_home(self.user_id) != str(self.config.state_dir.absolute()):
            self.move_state_home()

    def answer_failed(self, error: BaseException) -> None:
        """The submission just made ended in `error`, not in an answer that confirmed it: what
        became of its answer, for the budget. A lock the portal announced stops every later
        run; an answer not understood (or a refusal) waits for a person; an answer that never
        arrived whole (an error page, a dropped connection, a time-out, an interruption) was
        *lost*: the portal may have taken the password."""
        reason = str(getattr(error, "code", "") or type(error).__name__)
        if isinstance(error, AccountLocked):
            self.budget.mark_locked(error.message)
        elif isinstance(error, LoginRejected | PasswordRejected):
            self.budget.answered(Answer.REJECTED, reason)
        elif isinstance(error, AnswerUnrecognised):
            self.budget.answered(Answer.UNRECOGNISED, reason)
        else:
            self.budget.answered(Answer.LOST, reason)

    def login_accepted(self, candidate: Candidate, *, change_follows: bool) -> bool:
        """The portal accepted `candidate`. Returns whether a pending password became current
        (an interrupted change did reach the portal: the password rotated).

        A pending password that did not log in is kept while a change follows: the change is
        made again with the very same password, so that the keyring holds whatever the portal
        ends up with should the lost submission still reach it.
        """
        self.logged_in = True
        self.budget.confirm()
        promoted = False
        if candidate.slot == "pending":
            self.store.promote_pending(self.user_id)
            promoted = True
        elif self.store.pending(self.user_id) is not None and not change_follows:
            self.store.discard_pending(self.user_id)
        self.store.mark_confirmed(self.user_id)
        self.rotated = self.rotated or promoted
        return promoted

    def login_rejected(self, candidate: Candidate, portal_message: str) -> LoginRejected:
        """The portal rejected `candidate`; the error to raise if no candidate is left."""
        self.budget.answered(Answer.REJECTED)
        if candidate.slot == "pending":
            self.store.mark_pending_tried(self.user_id)
        else:
            self.store.mark_rejected(self.user_id)
        return LoginRejected(
            _(
                "The portal rejected the password of {user_id} ({message}). It is not tried again; "
                "set the right one with 'koss-rpa credentials set {user_id}'."
            ).format(user_id=self.user_id, message=portal_message)
        )

    # --- changing the password -------------------------------------------------------------

    def current(self) -> SecretStr:
        password = self.store.current(self.user_id)
        if password is None:
            raise missing(self.user_id)
        return password

    def change_interrupted(self) -> bool:
        """Whether a change whose answer was lost left a pending password to sort out."""
        return self.store.pending(self.user_id) is not None

    def password_age_days(self) -> float | None:
        """How old the current password is, in days (None: not known)."""
        return self.store.status(self.user_id).age_days()

    def begin_change(self, current: SecretStr) -> SecretStr:
        """The new password, pending in the keyring before it is submitted: an earlier pending
        one (an answer that was lost) is submitted again rather than replaced."""
        new = self.store.pending(self.user_id)
        if new is None:
            previous = self.store.previous(self.user_id)
            avoid = [p.get_secret_value() for p in (current, previous) if p]
            new = generate_password(self.config.password_policy, avoid=avoid)
        self.store.begin_rotation(self.user_id, new)
        return new

    def submitting_change(self) -> bool:
        """The パスワード変更 form is about to be submitted. It checks the current password
        too, so it spends the budget like a login (`submitting`), unless the portal accepted a
        login in this job: that password cannot count as a failure. Returns whether it spent.
        """
        if self.logged_in:
            return False
        self.submitting("change")
        return True

    def change_failed(self, error: BaseException) -> bool:
        """The change just submitted ended in `error`, not in the portal's confirmation: a new
        password the portal refused is discarded (the old one stands).

        Returns whether the answer is to be taken as lost whatever `error` says: the portal
        refusing the current password it accepted at this job's login a moment ago means it
        has changed meanwhile (a submission was taken whose answer was lost, and the browser
        sent it again), not that it is wrong. The next attempt finds out which password is in
        force, the pending one first.
        """
        if isinstance(error, PasswordRejected):
            self.change_refused()
        return isinstance(error, LoginRejected) and self.logged_in

    def change_accepted(self) -> SecretStr:
        """The portal confirmed the change: pending becomes current. Returns it."""
        self.budget.confirm()
        self.store.promote_pending(self.user_id)
        new = self.current()
        self.rotated = True
        return new

    def change_refused(self) -> None:
        """The portal said no to the new password: the old one stands."""
        self.store.discard_pending(self.user_id)


def safety_record(settings: Settings, user_id: str) -> LoginBudget:
    """The safety record of `user_id` under `settings` (`AccountSettings.safety_record`)."""
    return AccountSettings.of(settings).safety_record(user_id)
