"""Server-side sessions of the マイページ and the one-time token of パスワード変更結果通知.

Not thread-safe by itself: `PortalState` calls it under its lock.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

_PRUNE_FLOOR = 1_000


class SessionStatus(StrEnum):
    """What a request's session cookie amounts to; the values are journal outcomes."""

    VALID = "valid"
    MISSING = "no_session"
    EXPIRED = "session_expired"


@dataclass
class Session:
    """A session; `must_change` is "expired"/"temporary" when only パスワード変更 is allowed."""

    user_id: str
    last_seen: datetime
    must_change: str | None = None


class SessionStore:
    """Sessions by random cookie token, expiring after an idle time."""

    def __init__(self) -> None:
        self._sessions: dict[str, Session] = {}
        self._result_tokens: set[str] = set()
        self._prune_at = _PRUNE_FLOOR

    def clear(self) -> None:
        """Forget every session and token."""
        self._sessions.clear()
        self._result_tokens.clear()

    def create(self, user_id: str, now: datetime, idle: timedelta, must_change: str | None) -> str:
        """Open a session; returns its cookie token."""
        token = secrets.token_urlsafe(24)
        self._sessions[token] = Session(user_id, now, must_change)
        if len(self._sessions) >= self._prune_at:
            # Sessions are otherwise dropped only when presented; a load test or a long demo
            # would pile them up. Doubling the threshold keeps this amortised O(1).
            for old in [t for t, s in self._sessions.items() if now - s.last_seen > idle]:
                del self._sessions[old]
            self._prune_at = max(_PRUNE_FLOOR, 2 * len(self._sessions))
        return token

    def lookup(
        self, token: str | None, now: datetime, idle: timedelta
    ) -> tuple[SessionStatus, Session | None]:
        """The session of a cookie, touched; expired ones are removed."""
        found = self._sessions.get(token or "")
        if found is None:
            return SessionStatus.MISSING, None
        if now - found.last_seen > idle:
            del self._sessions[token or ""]
            return SessionStatus.EXPIRED, None
        found.last_seen = now
        return SessionStatus.VALID, found

    def end(self, token: str | None) -> str | None:
        """Forget a session; returns its account."""
        found = self._sessions.pop(token or "", None)
        return found.user_id if found else None

    def end_all_of(self, user_id: str) -> None:
        """Forget every session of an account."""
        for token in [t for t, s in self._sessions.items() if s.user_id == user_id]:
            del self._sessions[token]

    def issue_result_token(self) -> str:
        """A token that lets the browser see パスワード変更結果通知 once."""
        token = secrets.token_urlsafe(16)
        self._result_tokens.add(token)
        return token

    def consume_result_token(self, token: str | None) -> bool:
        """True the first time a valid token is presented."""
        if token and token in self._result_tokens:
            self._result_tokens.discard(token)
            return True
        return False
