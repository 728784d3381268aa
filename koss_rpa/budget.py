"""The login budget: every submission of a password, counted per account, durably, before the
click; cleared when the portal confirms a password. A run refuses to submit once the
submissions the portal has not confirmed would exceed the budget, whatever the robot did or did
not recognise of the answers: so no schedule can walk an account into the portal's lock-out.

The portal locks an account after a number of failed logins in a row (5, inferred; a successful
login starts the count again). The budget (default 2) stays well below that, and its count
survives crashes: one file per account, `<state>/budget/<ID>.json`, written and synced before
each submission.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from koss_rpa.errors import LoginBudgetSpent
from koss_rpa.i18n import _


def budget_dir(state_dir: Path) -> Path:
    """Where the budgets of all accounts are kept."""
    return state_dir / "budget"


@dataclass(frozen=True)
class Submission:
    """A password submitted to the portal whose answer did not confirm it (yet)."""

    at: datetime
    what: str  # "login" | "change"


class LoginBudget:
    """The unconfirmed password submissions of one account."""

    def __init__(
        self, state_dir: Path, user_id: str, limit: int, window: timedelta | None = None
    ) -> None:
        self.path = budget_dir(state_dir) / f"{user_id}.json"
        self.user_id = user_id
        self.limit = limit
        self.window = window

    def _load(self) -> list[Submission]:
        try:
            data: Any = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError):
            # A damaged record must not reopen the budget: count it as spent.
            return [Submission(datetime.now(UTC), "unknown")] * self.limit
        found: list[Submission] = []
        for entry in data.get("unconfirmed", []) if isinstance(data, dict) else []:
            try:
                found.append(Submission(datetime.fromisoformat(entry["at"]), str(entry["what"])))
            except (KeyError, TypeError, ValueError):
                found.append(Submission(datetime.now(UTC), "unknown"))
        return found

    def unconfirmed(self, now: datetime | None = None) -> list[Submission]:
        """The submissions that count now (within the lock-out window, if one is set)."""
        entries = self._load()
        if self.window is None:
            return entries
        since = (now or datetime.now(UTC)) - self.window
        return [s for s in entries if s.at >= since]

    def _save(self, entries: list[Submission], **extra: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {"user_id": self.user_id, **extra}
        data_list = [{"at": s.at.isoformat(), "what": s.what} for s in entries]
        text = json.dumps({**data, "unconfirmed": data_list}, ensure_ascii=False)
        handle, name = tempfile.mkstemp(prefix=".budget-", dir=self.path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
                out.flush()
                os.fsync(out.fileno())
            Path(name).replace(self.path)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise
        _sync_dir(self.path.parent)

    def spend(self, what: str) -> None:
        """Record a submission about to be made, or refuse it if the budget is spent."""
        entries = self.unconfirmed()
        if len(entries) >= self.limit:
            raise LoginBudgetSpent(
                _(
                    "Not submitting a password for {user_id}: {n} earlier submissions were not "
                    "confirmed by the portal (login budget {limit}), and more could lock the "
                    "account. Check the password on the portal, then run "
                    "'koss-rpa credentials set {user_id}', which resets the budget."
                ).format(user_id=self.user_id, n=len(entries), limit=self.limit)
            )
        self._save([*entries, Submission(datetime.now(UTC), what)])

    def confirm(self) -> None:
        """The portal accepted a password: the count starts again."""
        if self.path.exists():
            self._save([], confirmed_at=datetime.now(UTC).isoformat())

    def reset(self) -> None:
        """A person set the password (`koss-rpa credentials set`)."""
        if self.path.exists():
            self._save([], reset_at=datetime.now(UTC).isoformat())


def _sync_dir(folder: Path) -> None:
    """Make a rename durable (POSIX); Windows has no directory handles to sync."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
