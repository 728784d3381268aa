"""The mock clock: real time by default, or frozen / shifted through the control API."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

#: The portal is Japanese; every date it shows is Japan time (no DST, so a fixed offset).
JST = timezone(timedelta(hours=9), "JST")


def as_jst(moment: datetime) -> datetime:
    """Interpret a naive datetime as Japan time; convert an aware one to it."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=JST)
    return moment.astimezone(JST)


class MockClock:
    """A clock that tests can freeze, set and advance.

    When not frozen it follows real time plus an offset, so `advance` on a running clock
    moves it forward without stopping it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._frozen_at: datetime | None = None
        self._offset = timedelta()

    def now(self) -> datetime:
        """The mock's current time, in JST."""
        with self._lock:
            if self._frozen_at is not None:
                return self._frozen_at
            return datetime.now(JST) + self._offset

    @property
    def frozen(self) -> bool:
        """Whether the clock stands still."""
        with self._lock:
            return self._frozen_at is not None

    def set(self, moment: datetime) -> None:
        """Freeze the clock at `moment` (naive means JST)."""
        with self._lock:
            self._frozen_at = as_jst(moment)

    def advance(self, delta: timedelta) -> None:
        """Move the clock by `delta`, frozen or not."""
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at += delta
            else:
                self._offset += delta

    def use_real_time(self) -> None:
        """Back to the wall clock, no offset."""
        with self._lock:
            self._frozen_at = None
            self._offset = timedelta()
