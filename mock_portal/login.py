"""マイページログイン, 終了 (logout) and パスワード初期化."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from mock_portal import messages
from mock_portal.public import closed_page
from mock_portal.rendering import render
from mock_portal.state import LoginOutcome, PortalState
from mock_portal.web import LOGIN_PATH, SESSION_COOKIE, note, read_form, redirect, too_long

_LOGIN_SCREEN = "マイページログイン"
_RESET_SCREEN = "パスワード初期化"
_NEXT = {
    LoginOutcome.OK: "/mypage",
    LoginOutcome.EXPIRED: "/mypage/password/expired",
    LoginOutcome.MUST_CHANGE: "/mypage/password/expired",
}


def _login_page(
    user_id: str = "", alerts: list[str] | None = None, notices: list[str] | None = None
) -> HTMLResponse:
    return render(
        "login.html",
        screen=_LOGIN_SCREEN,
        user_id=user_id,
        alerts=alerts or [],
        notices=notices or [],
    )


def check_user_id(state: PortalState, user_id: str, *, required: str) -> tuple[str, str] | None:
    """(detail, alert) when a typed 納付利用者ID cannot be one; None when it may be."""
    limit = state.config.max_field_length
    if not user_id:
        return "missing", required
    if len(user_id) > limit:
        return "too_long", too_long("納付利用者ID", limit)
    if not state.config.user_id_ok(user_id):
        return "format", messages.ID_FORMAT
    return None


def _problems(
    state: PortalState, user_id: str, other: str, *, label: str, missing: str, limit: int
) -> list[tuple[str, str]]:
    """(detail, alert) for the ID and one more required field, in form order."""
    found = [p for p in (check_user_id(state, user_id, required=messages.ID_REQUIRED),) if p]
    if not other:
        found.append(("missing", missing))
    elif len(other) > limit:
        found.append(("too_long", too_long(label, limit)))
    return found


def router(state: PortalState, api: APIRouter | None = None) -> APIRouter:
    """Routes of the login screen and its neighbours (on `api` if given)."""
    api = api if api is not None else APIRouter()

    async def login_form(request: Request) -> HTMLResponse:
        # `?timeout=1` read by hand: a declared query parameter costs FastAPI a validation
        # on every request of the page a robot fleet hits most.
        if request.query_params.get("timeout") != "1":
            return _login_page()
        return _login_page(notices=[state.config.text("session_timeout", messages.SESSION_TIMEOUT)])

    # The page a robot fleet hits most is a plain Starlette route: it takes nothing FastAPI's
    # handler would give it (parameters, dependencies, a response model), whose machinery
    # cost the page a third of the app's time. Starlette adds HEAD to a GET route; FastAPI's
    # answered HEAD with 405, and still does.
    page = Route(LOGIN_PATH, login_form, methods=["GET"], include_in_schema=False)
    assert page.methods is not None
    page.methods.discard("HEAD")
    api.routes.append(page)

    @api.post("/mypage/login", response_class=HTMLResponse)
    async def login(request: Request) -> Response:
        form = await read_form(request, "user_id", "password")
        user_id, password = form["user_id"], form["password"]
        record = note(request)
        limit = state.config.max_field_length
        problems = _problems(
            state,
            user_id,
            password,
            label="納付利用者パスワード",
            missing=messages.PASSWORD_REQUIRED,
            limit=limit,
        )
        if problems:
            record.outcome, record.detail = "login_invalid", problems[0][0]
            return _login_page(user_id[:limit], alerts=[alert for _, alert in problems])
        result = state.login(user_id, password)
        record.outcome, record.account = result.outcome.value, result.account
        if result.outcome is LoginOutcome.LOCKED:
            return _login_page(user_id, alerts=[state.config.text("locked", messages.LOCKED)])
        if result.outcome is LoginOutcome.FAILED:
            wrong = state.config.text("login_wrong", messages.LOGIN_WRONG)
            return _login_page(user_id, alerts=[wrong])
        response = redirect(_NEXT[result.outcome])
        response.set_cookie(
            SESSION_COOKIE, result.token or "", httponly=True, samesite="lax", path="/"
        )
        return response

    @api.post("/mypage/logout", response_class=HTMLResponse)
    async def logout(request: Request) -> Response:
        record = note(request)
        record.outcome = "logout"
        record.account = state.end_session(request.cookies.get(SESSION_COOKIE))
        response = closed_page()
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @api.get("/mypage/reset", response_class=HTMLResponse)
    async def reset_form() -> HTMLResponse:
        return render("reset.html", screen=_RESET_SCREEN, user_id="", admin_email="")

    @api.post("/mypage/reset", response_class=HTMLResponse)
    async def reset(request: Request) -> Response:
        form = await read_form(request, "user_id", "admin_email")
        user_id, email = form["user_id"], form["admin_email"]
        record = note(request)
        limit = state.config.max_field_length
        problems = _problems(
            state,
            user_id,
            email,
            label="利用者管理用メールアドレス",
            missing=messages.EMAIL_REQUIRED,
            limit=limit * 2,  # addresses may be longer than IDs and passwords
        )
        page: dict[str, Any] = {
            "screen": _RESET_SCREEN,
            "user_id": user_id[:limit],
            "admin_email": email[: limit * 2],
        }
        if problems:
            record.outcome, record.detail = "reset_failed", problems[0][0]
            return render("reset.html", alerts=[alert for _, alert in problems], **page)
        if not state.reset_password(user_id, email):
            record.outcome, record.detail = "reset_failed", "mismatch"
            return render("reset.html", alerts=[messages.RESET_WRONG], **page)
        record.outcome, record.account = "reset_ok", user_id
        return render("reset.html", notices=[messages.RESET_SENT], **{**page, "admin_email": ""})

    return api
