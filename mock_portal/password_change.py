"""パスワード変更 (by link, or forced after an expired login) and パスワード変更結果通知."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, Response

from mock_portal import messages
from mock_portal.login import check_user_id
from mock_portal.password_rules import Rejection, rejection_message
from mock_portal.rendering import render
from mock_portal.sessions import SessionStatus
from mock_portal.state import PortalState
from mock_portal.web import (
    LOGIN_PATH,
    RESULT_COOKIE,
    SESSION_COOKIE,
    note,
    read_form,
    redirect,
    require_session,
    too_long,
)

_SCREEN = "パスワード変更"
_RESULT_SCREEN = "パスワード変更結果通知"
_FIELDS = {
    "user_id": "納付利用者ID",
    "current_password": "現在のパスワード",
    "new_password": "新しいパスワード",
    "new_password_confirm": "新しいパスワード（確認用）",
}
_NOTICES = {"expired": messages.EXPIRED_NOTICE, "temporary": messages.TEMPORARY_NOTICE}


def _notice(state: PortalState, reason: str) -> str:
    return state.config.text(f"{reason}_notice", _NOTICES[reason])


_EXPIRED_PATH = "/mypage/password/expired"


def _page(action: str, user_id: str, notices: list[str], alerts: list[str]) -> HTMLResponse:
    return render(
        "password.html",
        screen=_SCREEN,
        action=action,
        user_id=user_id,
        notices=notices,
        alerts=alerts,
    )


def _problems(state: PortalState, form: dict[str, str]) -> list[tuple[str, str]]:
    limit = state.config.max_field_length
    found: list[tuple[str, str]] = []
    for name, label in _FIELDS.items():
        if not form[name]:
            found.append(("missing", messages.CHANGE_REQUIRED.format(label=label)))
        elif len(form[name]) > limit:
            found.append(("too_long", too_long(label, limit)))
    if not found:
        bad_id = check_user_id(state, form["user_id"], required=messages.ID_REQUIRED)
        found.extend([bad_id] if bad_id else [])
    return found


def _refusal(state: PortalState, detail: str) -> str:
    config = state.config
    if detail == "locked":
        return config.text("locked", messages.LOCKED)
    if detail == "credentials":
        return config.text("change_wrong", messages.CHANGE_WRONG)
    reason = rejection_message(Rejection(detail), config.password_policy)
    return config.text("password_refused", reason)


def router(state: PortalState, api: APIRouter | None = None) -> APIRouter:
    """Routes of the password screens (on `api` if given)."""
    api = api if api is not None else APIRouter()

    def forced_notice(request: Request) -> list[str]:
        # Only on the forced screen, and only while its session lasts.
        status, session = state.session(request.cookies.get(SESSION_COOKIE))
        if status is SessionStatus.VALID and session and session.must_change:
            return [_notice(state, session.must_change)]
        return []

    @api.get("/mypage/password", response_class=HTMLResponse)
    async def change_form() -> HTMLResponse:
        return _page("/mypage/password", "", [], [])

    @api.get(_EXPIRED_PATH, response_class=HTMLResponse)
    async def forced_form(request: Request) -> Response:
        session = require_session(state, request, must_change=True)
        if isinstance(session, Response):
            return session
        notices = [_notice(state, session.must_change or "expired")]
        return _page(_EXPIRED_PATH, session.user_id, notices, [])

    @api.post("/mypage/password", response_class=HTMLResponse)
    @api.post(_EXPIRED_PATH, response_class=HTMLResponse)
    async def change(request: Request) -> Response:
        form = await read_form(request, *_FIELDS)
        record = note(request)
        action = request.url.path
        notices = forced_notice(request) if action == _EXPIRED_PATH else []
        shown_id = form["user_id"][: state.config.max_field_length]
        problems = _problems(state, form)
        if problems:
            record.outcome, record.detail = "password_rejected", problems[0][0]
            return _page(action, shown_id, notices, [alert for _, alert in problems])
        result = state.change_password(
            form["user_id"],
            form["current_password"],
            form["new_password"],
            form["new_password_confirm"],
        )
        record.account = result.account
        if not result.changed:
            record.outcome, record.detail = "password_rejected", result.detail
            return _page(action, shown_id, notices, [_refusal(state, result.detail or "")])
        record.outcome = "password_changed"
        response = redirect("/mypage/password/done")
        response.set_cookie(
            RESULT_COOKIE,
            state.issue_result_token(),
            httponly=True,
            samesite="lax",
            path="/mypage/password",
        )
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @api.get("/mypage/password/done", response_class=HTMLResponse)
    async def done(request: Request) -> Response:
        response: Response
        if state.consume_result_token(request.cookies.get(RESULT_COOKIE)):
            response = render(
                "password_done.html", screen=_RESULT_SCREEN, notices=[messages.PASSWORD_CHANGED]
            )
        else:
            note(request).outcome = "no_session"
            response = redirect(LOGIN_PATH)
        response.delete_cookie(RESULT_COOKIE, path="/mypage/password")
        return response

    return api
