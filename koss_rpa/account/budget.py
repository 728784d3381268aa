"""An account's safety record: every submission of a password, counted durably before the
click, with what became of its answer; the lock the portal announced; what the person was told.

One file per account in the state folder (`<state>/budget/<key>.json`, the key being the
納付利用者ID, and the keyring service when it is not the default), written and synced before
each submission, so that no crash, working folder or path setting can give an account a second,
fresh record.

The rules, which no schedule can walk past into the portal's lock-out (5 failed logins in a row,
inferred: `portal_lockout_after`):

- A submission the portal has not confirmed counts until a password is confirmed (a login or a
  change the portal accepted) or a person sets the password (`koss-rpa credentials set`).
- At most `login_budget` (2) of them in a burst: then runs refuse, until the budget refills.
- It refills after `login_budget_refill_hours` (12: a daily job's next morning) without a
  submission, by one submission at a time (each quiet period one more try), but only when every
  answer was *lost* (an error page, a dropped connection, a time-out: the portal may have
  accepted the password; the robot could not see). An answer that was *not understood* (a
  screen the robot does not know, which may be a rejection in new words) or a rejection waits
  for a person.
- Whatever refilled, at most `portal_lockout_after - 1` (4) unconfirmed submissions until a
  password is confirmed: a wrong password hidden behind error pages still cannot lock the account.
- Once the portal said the account is locked (ロック), nothing is submitted until a person has
  acted (パスワード初期化 on the portal, then `credentials set` or `credentials unlock`).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from koss_rpa.errors import AccountLocked, FolderNotWritable, KossError, LoginBudgetSpent
from koss_rpa.i18n import _
from koss_rpa.private import private_dir
from koss_rpa.storage import JST

#: The keyring service whose accounts are keyed by their ID alone.
DEFAULT_SERVICE = "koss-rpa"


def account_key(service: str, user_id: str) -> str:
    """The name an account's state goes by: its ID, and for another keyring service than the
    default a short digest of it (a service name may hold any character)."""
    if service == DEFAULT_SERVICE:
        return user_id
    return f"{user_id}.{hashlib.sha256(service.encode()).hexdigest()[:10]}"


def budget_dir(state_dir: Path) -> Path:
    """Where the safety records of all accounts are kept."""
    return state_dir / "budget"


class Answer(StrEnum):
    """What became of the answer to a submission."""

    #: Not seen yet: the click is being made, or the run died meanwhile (counted as lost).
    AWAITED = "awaited"
    #: An error page, a dropped connection, a time-out: the portal may have taken it.
    LOST = "lost"
    #: A screen the robot does not know: maybe a rejection in words it has never seen.
    UNRECOGNISED = "unrecognised"
    #: The portal said the password is wrong.
    REJECTED = "rejected"


#: Answers after which the budget refills by itself once the account has been quiet.
REFILLABLE = frozenset({Answer.AWAITED, Answer.LOST})


@dataclass(frozen=True)
class Submission:
    """A password submitted to the portal that it has not confirmed (yet)."""

    at: datetime
    what: str  # "login" | "change" | "unknown" (a damaged record)
    answer: Answer = Answer.AWAITED
    reason: str = ""


@dataclass(frozen=True)
class Rules:
    """How many unconfirmed submissions are allowed."""

    #: In one burst (submissions less than `quiet` apart).
    limit: int
    #: In all, until a password is confirmed.
    cap: int
    #: A burst of lost answers is forgotten after this long without a submission.
    quiet: timedelta

    @classmethod
    def default(cls) -> Rules:
        return cls(limit=2, cap=4, quiet=timedelta(hours=12))


@dataclass
class Record:
    """An account's safety record as stored."""

    unconfirmed: list[Submission] = field(default_factory=list)
    #: When the portal said the account is locked, and its words.
    locked_at: datetime | None = None
    locked_message: str = ""
    #: What the person has been told, by problem: the state told about (see `Refusal.told_key`).
    told: dict[str, str] = field(default_factory=dict)
    #: The file could not be read as a record: it counts as spent (fails safe).
    damaged: str = ""


@dataclass(frozen=True)
class Refusal:
    """Why no password may be submitted now."""

    error: KossError
    #: (problem, state): told once per state, e.g. ("locked", "2026-12-01T06:15:00+00:00").
    told_key: tuple[str, str]


class LoginBudget:
    """The safety record of one account, and its rules."""

    def __init__(
        self,
        state_dir: Path,
        user_id: str,
        rules: Rules | None = None,
        *,
        service: str = DEFAULT_SERVICE,
        legacy: tuple[Path, ...] = (),
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        """`legacy`: record files of earlier versions (kept beside `run_dir`), read while the
        account has no record of its own, so that a budget spent before stays spent (left in
        place: another keyring service may still use the same file)."""
        self.user_id = user_id
        self.rules = rules or Rules.default()
        self.path = budget_dir(state_dir) / f"{account_key(service, user_id)}.json"
        self.legacy = tuple(p for p in legacy if p != self.path)
        #: The time now (a simulation passes its own).
        self.clock = clock or _utc_now

    # --- the record ------------------------------------------------------------------------

    def load(self) -> Record:
        """The record; a damaged one counts as spent, never as empty."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return self._take_over()
        except (OSError, UnicodeDecodeError) as exc:
            return Record(damaged=f"{type(exc).__name__}: {exc}")
        return _parse(text)

    def _take_over(self) -> Record:
        for old in self.legacy:
            try:
                text = old.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            record = _parse(text)
            record.damaged = record.damaged and f"{old}: {record.damaged}"
            return record
        return Record()

    def _save(self, record: Record, **extra: str) -> None:
        folder = self.path.parent
        private_dir(folder)
        data: dict[str, Any] = {"user_id": self.user_id, **extra}
        data["unconfirmed"] = [
            {"at": s.at.isoformat(), "what": s.what, "answer": s.answer.value, "reason": s.reason}
            for s in record.unconfirmed
        ]
        if record.locked_at is not None:
            data["locked"] = {"at": record.locked_at.isoformat(), "message": record.locked_message}
        if record.told:
            data["told"] = record.told
        text = json.dumps(data, ensure_ascii=False)
        handle, name = tempfile.mkstemp(prefix=".budget-", dir=folder)  # mode 0600
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
                out.flush()
                os.fsync(out.fileno())
            Path(name).replace(self.path)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise
        _sync_dir(folder)

    # --- the rules ---------------------------------------------------------------------------

    def counted(self, record: Record, now: datetime | None = None) -> list[Submission]:
        """The submissions of the current burst: those that the budget counts now (a burst of
        lost answers older than the quiet period is over)."""
        entries = record.unconfirmed
        if not entries or any(s.answer not in REFILLABLE for s in entries):
            return list(entries)
        now = now or self.clock()
        if now - entries[-1].at >= self.rules.quiet:
            return []
        start = len(entries) - 1
        while start > 0 and entries[start].at - entries[start - 1].at < self.rules.quiet:
            start -= 1
        return entries[start:]

    def refusal(self, now: datetime | None = None) -> Refusal | None:
        """Why no password may be submitted now, or None."""
        record = self.load()
        now = now or self.clock()
        if record.locked_at is not None:
            return Refusal(
                locked_error(self.user_id, record.locked_message),
                ("locked", record.locked_at.isoformat()),
            )
        if record.damaged:
            return Refusal(
                LoginBudgetSpent(
                    _(
                        "Not submitting a password for {user_id}: its login budget record {path} "
                        "cannot be read ({error}), so earlier submissions cannot be counted. "
                        "Check the password on the portal, then run 'koss-rpa credentials set "
                        "{user_id}', which starts a new record."
                    ).format(user_id=self.user_id, path=self.path, error=record.damaged)
                ),
                ("spent", "damaged"),
            )
        entries = record.unconfirmed
        if len(entries) >= self.rules.cap:
            return Refusal(self._spent(entries, entries, None), ("spent", _first(entries)))
        burst = self.counted(record, now)
        # After a burst of lost answers has refilled, one submission at a time: each quiet
        # period gets one more try, until the cap.
        limit = self.rules.limit if len(burst) == len(entries) else 1
        if len(burst) >= limit:
            refills = (
                burst[-1].at + self.rules.quiet
                if all(s.answer in REFILLABLE for s in entries)
                else None
            )
            return Refusal(self._spent(entries, burst, refills), ("spent", _first(burst)))
        return None

    def _spent(
        self, entries: list[Submission], burst: list[Submission], refills: datetime | None
    ) -> LoginBudgetSpent:
        what = "; ".join(describe_submission(s) for s in burst)
        if refills is not None:
            then = refills.astimezone(JST).strftime("%Y-%m-%d %H:%M")
            remedy = _(
                "The answers were lost (the portal may have taken the password), so the budget "
                "refills by itself at {time} (JST); to go on now, check the password on the "
                "portal and run 'koss-rpa credentials set {user_id}'."
            ).format(time=then, user_id=self.user_id)
        else:
            remedy = _(
                "Check the password on the portal, then run 'koss-rpa credentials set {user_id}', "
                "which resets the budget."
            ).format(user_id=self.user_id)
        return LoginBudgetSpent(
            _(
                "Not submitting a password for {user_id}: {n} earlier submissions were not "
                "confirmed by the portal ({what}; login budget {limit}, at most {cap} until a "
                "password is confirmed), and more could lock the account. {remedy}"
            ).format(
                user_id=self.user_id,
                n=len(entries),
                what=what,
                limit=self.rules.limit,
                cap=self.rules.cap,
                remedy=remedy,
            )
        )

    # --- the steps ---------------------------------------------------------------------------

    def spend(self, what: str) -> None:
        """Record a submission about to be made, or refuse it (`LoginBudgetSpent`,
        `AccountLocked`)."""
        refused = self.refusal()
        if refused is not None:
            raise refused.error
        record = self.load()
        record.unconfirmed.append(Submission(self.clock(), what))
        try:
            self._save(record)
        except OSError as exc:  # read-only, full: not counted, so not submitted
            raise FolderNotWritable(
                _(
                    "The login budget of {user_id} cannot be written to {path} ({error}), so "
                    "no password was submitted: free space in the state folder or fix its "
                    "permissions."
                ).format(
                    user_id=self.user_id,
                    path=self.path.parent,
                    error=exc.strerror or type(exc).__name__,
                )
            ) from exc

    def answered(self, answer: Answer, reason: str = "") -> None:
        """What became of the answer to the last submission (still awaited)."""
        record = self.load()
        if not record.unconfirmed or record.unconfirmed[-1].answer is not Answer.AWAITED:
            return
        last = record.unconfirmed[-1]
        record.unconfirmed[-1] = Submission(last.at, last.what, answer, reason[:200])
        self._save(record)

    def confirm(self) -> None:
        """The portal accepted a password: the count starts again (and a lock is over)."""
        record = self.load()
        if record.unconfirmed or record.locked_at or record.damaged or record.told:
            self._save(Record(), confirmed_at=self.clock().isoformat())

    def reset(self) -> None:
        """A person set the password, or said the lock is lifted: a new record."""
        if self.path.exists() or any(p.exists() for p in self.legacy):
            self._save(Record(), reset_at=self.clock().isoformat())

    def mark_locked(self, message: str) -> None:
        """The portal said the account is locked: no run submits a password until a person has
        acted. The submission that drew the answer counts as a rejection."""
        record = self.load()
        if record.unconfirmed and record.unconfirmed[-1].answer is Answer.AWAITED:
            last = record.unconfirmed[-1]
            record.unconfirmed[-1] = Submission(last.at, last.what, Answer.REJECTED, "locked")
        record.locked_at = self.clock()
        record.locked_message = message[:500]
        self._save(record)

    def was_told(self, told_key: tuple[str, str]) -> bool:
        problem, state = told_key
        return self.load().told.get(problem) == state

    def mark_told(self, told_key: tuple[str, str]) -> None:
        record = self.load()
        if record.damaged:
            return
        problem, state = told_key
        record.told[problem] = state
        self._save(record)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def locked_error(user_id: str, message: str) -> AccountLocked:
    """The refusal of a run for an account the portal locked."""
    said = f" ({message})" if message else ""
    return AccountLocked(
        _(
            "The portal locked {user_id}{said}. Nothing is submitted for it until a person has "
            "acted: unlock it on the portal with パスワード初期化, then store the new password "
            "with 'koss-rpa credentials set {user_id}' (or, if the password stays the same, run "
            "'koss-rpa credentials unlock {user_id} --yes')."
        ).format(user_id=user_id, said=said)
    )


def describe_submission(entry: Submission) -> str:
    """One submission for the person: when, what, and what became of its answer."""
    when = entry.at.astimezone(JST).strftime("%m-%d %H:%M")
    answers = {
        Answer.AWAITED: _("no answer seen"),
        Answer.LOST: _("answer lost"),
        Answer.UNRECOGNISED: _("answer not understood"),
        Answer.REJECTED: _("rejected"),
    }
    why = f": {entry.reason}" if entry.reason else ""
    return f"{entry.what} {when} ({answers[entry.answer]}{why})"


def _first(entries: list[Submission]) -> str:
    return entries[0].at.isoformat() if entries else ""


def _parse(text: str) -> Record:
    """A record from its JSON; anything but the expected shape is a damaged record."""
    try:
        data: Any = json.loads(text)
    except (ValueError, RecursionError) as exc:  # RecursionError: nested thousands deep
        return Record(damaged=f"{type(exc).__name__}")
    if not isinstance(data, dict) or not isinstance(data.get("unconfirmed", []), list):
        return Record(damaged=_("not a login budget record"))
    record = Record()
    for entry in data.get("unconfirmed", []):
        try:
            at = datetime.fromisoformat(entry["at"])
            if at.tzinfo is None:
                raise ValueError("no time zone")
            answer = Answer(entry.get("answer", Answer.AWAITED.value))
            reason = str(entry.get("reason", ""))
            record.unconfirmed.append(Submission(at, str(entry["what"]), answer, reason))
        except (KeyError, TypeError, ValueError, AttributeError):
            # An entry that cannot be read counts, and waits for a person (never refills).
            record.unconfirmed.append(
                Submission(datetime.now(UTC), "unknown", Answer.UNRECOGNISED, "damaged entry")
            )
    record.unconfirmed.sort(key=lambda s: s.at)
    locked = data.get("locked")
    if locked is not None:
        try:
            record.locked_at = datetime.fromisoformat(locked["at"])
            if record.locked_at.tzinfo is None:
                record.locked_at = record.locked_at.replace(tzinfo=UTC)
            record.locked_message = str(locked.get("message", ""))
        except (KeyError, TypeError, ValueError, AttributeError):
            record.locked_at, record.locked_message = datetime.now(UTC), ""
    told = data.get("told", {})
    if isinstance(told, dict):
        record.told = {str(k): str(v) for k, v in told.items()}
    return record


def _sync_dir(folder: Path) -> None:
    """Make a rename durable (POSIX); Windows has no directory handles to sync."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
