"""One account's passwords and the protocol around them, in one place.

Which passwords to try and in which order, a change begun, accepted or refused, and the login
budget that every submission spends: flows call these steps and never sequence keyring slots.

- Candidates: a *pending* password (a change whose answer was lost) gets one login try, then
  the *current* one; a current password the portal rejected is not tried again until a person
  sets one (`koss-rpa credentials set`).
- A change: the new password is *pending* in the keyring before 変更 is pressed, *current*
  once the portal confirms it, discarded only once the portal has refused it.
- Every submission of a password is counted durably before the click (`budget.LoginBudget`)
  and the count is cleared when the portal accepts a password.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from pydantic import SecretStr

from koss_rpa.budget import LoginBudget
from koss_rpa.credentials import CredentialStore, generate_password
from koss_rpa.errors import CredentialsMissing, LoginRejected
from koss_rpa.i18n import _
from koss_rpa.settings import Settings


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


class Account:
    """The passwords of one 納付利用者ID and the steps of the protocol over them."""

    def __init__(self, store: CredentialStore, user_id: str, settings: Settings) -> None:
        self.store = store
        self.user_id = user_id
        self.settings = settings
        hours = settings.login_budget_window_hours
        self.budget = LoginBudget(
            settings.state_dir,
            user_id,
            settings.login_budget,
            timedelta(hours=hours) if hours is not None else None,
        )

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
            raise LoginRejected(
                _(
                    "The portal rejected the stored password of {user_id} in an earlier run; it is "
                    "not tried again (to avoid locking the account). Set the right one with "
                    "'koss-rpa credentials set {user_id}'."
                ).format(user_id=self.user_id)
            )
        if not found:
            raise missing(self.user_id)
        return found

    def submitting(self, what: str) -> None:
        """A password is about to be submitted: spend the budget, or refuse."""
        self.budget.spend(what)

    def login_accepted(self, candidate: Candidate, *, change_follows: bool) -> bool:
        """The portal accepted `candidate`. Returns whether a pending password became current.

        A pending password that did not log in is kept while a change follows: the change is
        made again with the very same password, so that the keyring holds whatever the portal
        ends up with should the lost submission still reach it.
        """
        self.budget.confirm()
        promoted = False
        if candidate.slot == "pending":
            self.store.promote_pending(self.user_id)
            promoted = True
        elif self.store.pending(self.user_id) is not None and not change_follows:
            self.store.discard_pending(self.user_id)
        self.store.mark_confirmed(self.user_id)
        return promoted

    def login_rejected(self, candidate: Candidate, portal_message: str) -> LoginRejected:
        """The portal rejected `candidate`; the error to raise if no candidate is left."""
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

    def begin_change(self, current: SecretStr) -> SecretStr:
        """The new password, pending in the keyring before it is submitted: an earlier pending
        one (an answer that was lost) is submitted again rather than replaced."""
        new = self.store.pending(self.user_id)
        if new is None:
            previous = self.store.previous(self.user_id)
            avoid = [p.get_secret_value() for p in (current, previous) if p]
            new = generate_password(self.settings.password_policy, avoid=avoid)
        self.store.begin_rotation(self.user_id, new)
        return new

    def change_accepted(self) -> SecretStr:
        """The portal confirmed the change: pending becomes current. Returns it."""
        self.budget.confirm()
        self.store.promote_pending(self.user_id)
        return self.current()

    def change_refused(self) -> None:
        """The portal said no to the new password: the old one stands."""
        self.store.discard_pending(self.user_id)
