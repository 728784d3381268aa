"""The request journal: what each request did, without any form values."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import asdict, dataclass
from typing import Any

#: Stable outcome strings (documented in docs/mock-portal.md); `fault:<kind>` is added per kind.
OUTCOMES = (
    "page",
    "login_ok",
    "login_expired",
    "login_must_change",
    "login_failed",
    "login_locked",
    "login_invalid",
    "password_changed",
    "password_rejected",
    "download",
    "logout",
    "reset_ok",
    "reset_failed",
    "no_session",
    "session_expired",
    "not_found",
)


#: Where route handlers find the request's `RequestNote` in the ASGI scope.
NOTE_KEY = "mock_portal.note"


@dataclass
class RequestNote:
    """Filled in by a route handler, read by the journal layer once the response is known."""

    outcome: str = "page"
    account: str | None = None
    detail: str | None = None


@dataclass(frozen=True)
class JournalEntry:
    """One line of the journal. Never carries a password or any other form value."""

    seq: int
    at: str
    method: str
    path: str
    screen: str | None
    account: str | None
    outcome: str
    status: int | None
    detail: str | None = None


class Journal:
    """A bounded, thread-safe list of `JournalEntry`."""

    def __init__(self, size: int = 10_000) -> None:
        self._lock = threading.Lock()
        self._entries: deque[JournalEntry] = deque(maxlen=size)
        self._seq = 0

    def record(
        self,
        *,
        at: str,
        method: str,
        path: str,
        screen: str | None,
        outcome: str,
        status: int | None,
        account: str | None = None,
        detail: str | None = None,
    ) -> JournalEntry:
        """Append an entry and return it."""
        with self._lock:
            self._seq += 1
            entry = JournalEntry(
                self._seq, at, method, path, screen, account, outcome, status, detail
            )
            self._entries.append(entry)
            return entry

    def entries(self, **filters: str | None) -> list[dict[str, Any]]:
        """Entries as dicts, oldest first; `filters` keep entries whose field equals the value."""
        wanted = {key: value for key, value in filters.items() if value is not None}
        with self._lock:
            rows = [asdict(entry) for entry in self._entries]
        return [row for row in rows if all(str(row.get(k)) == v for k, v in wanted.items())]

    def clear(self, size: int | None = None) -> None:
        """Forget every entry (the sequence number restarts at 1)."""
        with self._lock:
            self._entries = deque(maxlen=size or self._entries.maxlen)
            self._seq = 0
