"""Helpers the screen modules share: the request note, form reading, session checks."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qsl

from fastapi import Request
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from mock_portal import messages, variants
from mock_portal.journal import NOTE_KEY, RequestNote
from mock_portal.sessions import Session, SessionStatus
from mock_portal.state import PortalState

SESSION_COOKIE = "KOSS_MYPAGE_SESSION"
RESULT_COOKIE = "KOSS_PASSWORD_RESULT"
LOGIN_PATH = "/mypage/login"
_TRIMMED = frozenset({"user_id", "admin_email"})


def note(request: Request) -> RequestNote:
    """The journal note of this request (a fresh one when no journal layer is present)."""
    found = request.scope.get(NOTE_KEY)
    if not isinstance(found, RequestNote):
        found = request.scope[NOTE_KEY] = RequestNote()
    return found


async def _urlencoded(request: Request, encoding: str) -> dict[str, str]:
    """An `application/x-www-form-urlencoded` body whose escapes stand for `encoding` bytes
    (a page served in Shift_JIS posts its forms in Shift_JIS). Bytes that are not text in
    that encoding become U+FFFD, as on a real server: a garbled password is a wrong one."""
    body = (await request.body()).decode("ascii")
    return dict(parse_qsl(body, keep_blank_values=True, encoding=encoding, errors="replace"))


async def read_form(request: Request, *names: str) -> dict[str, str]:
    """The named text fields; missing, file or unparsable values read as ''.

    Forms are decoded in the encoding of the request's markup variant (UTF-8 but in `sjis`).
    """
    encoding = variants.current().encoding
    content_type = request.headers.get("content-type", "")
    form: Mapping[str, object]
    try:
        if encoding != "utf-8" and content_type.startswith("application/x-www-form-urlencoded"):
            form = await _urlencoded(request, encoding)
        else:
            form = await request.form()
    except (HTTPException, ValueError, UnicodeDecodeError):
        return dict.fromkeys(names, "")
    values: dict[str, str] = {}
    for name in names:
        value = form.get(name)
        text = value if isinstance(value, str) else ""
        # IDs and addresses forgive stray spaces (as a browser autofill adds); passwords don't.
        values[name] = text.strip() if name in _TRIMMED else text
    return values


def too_long(label: str, limit: int) -> str:
    """The alert for an over-long value."""
    return messages.TOO_LONG.format(label=label, limit=limit)


def redirect(url: str) -> RedirectResponse:
    """303 See Other: after a POST the browser must GET the next screen."""
    return RedirectResponse(url, status_code=303)


def require_session(
    state: PortalState, request: Request, *, must_change: bool = False
) -> Session | Response:
    """The valid session of this request, or the redirect to send instead.

    Args:
        state: The portal state.
        request: The request.
        must_change: True for the forced パスワード変更 screen, which needs a must-change
            session; every other protected screen needs an ordinary one.
    """
    status, session = state.session(request.cookies.get(SESSION_COOKIE))
    record = note(request)
    if session is None:
        record.outcome = status.value
        target = LOGIN_PATH + ("?timeout=1" if status is SessionStatus.EXPIRED else "")
        response = redirect(target)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response
    record.account = session.user_id
    if must_change != (session.must_change is not None):
        record.outcome, record.detail = "no_session", "wrong_session_kind"
        return redirect("/mypage/password/expired" if session.must_change else LOGIN_PATH)
    return session
