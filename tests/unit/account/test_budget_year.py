"""A simulated year of daily scheduled runs against a portal that locks an account after five
failed logins in a row: the login budget never lets the robot walk into the lock, and recovers
by itself from mornings whose answers were lost.

The portal and the runs are models (no browser): each day at 06:15 a run tries up to three
times, as the retry policy does; a fault morning loses the answer of every submission (the
portal took it; the robot saw an error page). The budget is the real one, on disk, with the
simulation's clock.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from koss_rpa.account.budget import Answer, LoginBudget, Rules

LOCKOUT_AFTER = 5
RULES = Rules(limit=2, cap=LOCKOUT_AFTER - 1, quiet=timedelta(hours=12))
ATTEMPTS = 3
START = datetime(2027, 1, 1, 6, 15, tzinfo=UTC)


@dataclass
class Portal:
    password: str
    failed: int = 0
    locked: bool = False
    max_failed: int = 0

    def submit(self, password: str) -> bool:
        if self.locked:
            return False
        if password == self.password:
            self.failed = 0
            return True
        self.failed += 1
        self.max_failed = max(self.max_failed, self.failed)
        self.locked = self.failed >= LOCKOUT_AFTER
        return False


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now


def _run(budget: LoginBudget, portal: Portal, stored: str, *, lost: bool, clock: Clock) -> str:
    """One scheduled run: 'ok', 'rejected', 'lost' (every try's answer lost) or 'refused'."""
    for attempt in range(ATTEMPTS):
        clock.now += timedelta(minutes=attempt)
        if budget.refusal() is not None:
            return "lost" if attempt else "refused"
        budget.spend("login")
        accepted = portal.submit(stored)
        if lost:
            budget.answered(Answer.LOST, "error page")
            continue
        if accepted:
            budget.confirm()
            return "ok"
        budget.answered(Answer.REJECTED, "login_rejected")
        return "rejected"
    return "lost"


def _year(tmp_path: Path, stored: str, lost_days: set[int]) -> tuple[Portal, dict[int, str]]:
    """365 days of `batch --once-per month`: a run each day until the month's file is in."""
    clock = Clock()
    budget = LoginBudget(tmp_path, "KNAB1234", RULES, clock=clock)
    portal = Portal("Right12345")
    fetched: dict[int, str] = {}
    for day in range(365):
        clock.now = START + timedelta(days=day)
        month = clock.now.month
        if month in fetched:
            continue
        if _run(budget, portal, stored, lost=day in lost_days, clock=clock) == "ok":
            fetched[month] = clock.now.date().isoformat()
    return portal, fetched


def _fault_mornings(seed: int, longest: int) -> set[int]:
    """Fault mornings in streaks of 1 to `longest` days, about one streak a month."""
    rng = random.Random(seed)
    days: set[int] = set()
    day = rng.randrange(10)
    while day < 365:
        days.update(range(day, day + rng.randint(1, longest)))
        day += rng.randint(20, 40)
    return days


@pytest.mark.parametrize("seed", range(5))
def test_a_year_of_lost_mornings_should_fetch_every_month_and_never_lock(
    tmp_path: Path, seed: int
) -> None:
    # Two lost mornings in a row spend 2 + 1 submissions: the third morning may try again.
    portal, fetched = _year(tmp_path, "Right12345", _fault_mornings(seed, longest=2))

    assert sorted(fetched) == list(range(1, 13))
    assert not portal.locked
    assert portal.max_failed == 0


def test_a_wrong_password_hidden_behind_error_pages_should_never_lock(tmp_path: Path) -> None:
    portal, fetched = _year(tmp_path, "Wrong12345", set(range(365)))

    assert fetched == {}
    assert not portal.locked
    assert portal.max_failed == LOCKOUT_AFTER - 1


def test_a_wrong_password_the_portal_rejects_should_stop_within_the_burst(tmp_path: Path) -> None:
    # The budget alone; in the tool the keyring's "rejected" mark stops it after one try.
    portal, fetched = _year(tmp_path, "Wrong12345", set())

    assert fetched == {}
    assert not portal.locked
    assert portal.max_failed == RULES.limit


def test_more_lost_answers_than_the_cap_should_wait_for_a_person_not_lock(
    tmp_path: Path,
) -> None:
    # Four lost mornings in a row: 2 + 1 + 1 submissions reach the cap (4); a fifth could
    # lock the account if the password were wrong, so the runs stop until a person acts.
    clock = Clock()
    budget = LoginBudget(tmp_path, "KNAB1234", RULES, clock=clock)
    portal = Portal("Right12345")
    outcomes = []
    for day in range(6):
        clock.now = START + timedelta(days=day)
        outcomes.append(_run(budget, portal, "Right12345", lost=day < 4, clock=clock))

    assert outcomes == ["lost", "lost", "lost", "refused", "refused", "refused"]
    assert len(budget.load().unconfirmed) == RULES.cap
    budget.reset()  # `credentials unlock` / `credentials set`
    assert _run(budget, portal, "Right12345", lost=False, clock=clock) == "ok"
