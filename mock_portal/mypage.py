"""マイページ, its menu placeholders, and the まとめ納付管理ファイル download."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, Response

from mock_portal import messages
from mock_portal.rendering import portal_datetime, render
from mock_portal.state import PortalState
from mock_portal.web import LOGIN_PATH, note, redirect, require_session
from mock_portal.workbook import ASCII_FILE_NAME, FILE_NAME, MEDIA_TYPE, build_workbook

MENU_ITEMS = {
    "user-info": "利用者情報変更",
    "bulk-password-reset": "一括利用者パスワード初期化",
    "national-direct-account": "国庫金ダイレクト納付口座新規作成",
    "local-direct-account": "地方税ダイレクト納付口座新規作成",
}
#: Where each 詳細 link goes (invented screen name).
_PLACEHOLDERS = {**MENU_ITEMS, "direct-account": "国庫金ダイレクト納付口座詳細"}


def content_disposition(file_name: str, fallback: str) -> str:
    """`attachment` with an ASCII fallback and the real name per RFC 6266 / RFC 5987."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(file_name, safe='')}"


def router(state: PortalState, api: APIRouter | None = None) -> APIRouter:
    """Routes behind the login (on `api` if given)."""
    api = api if api is not None else APIRouter()

    @api.get("/mypage", response_class=HTMLResponse)
    async def mypage(request: Request) -> Response:
        session = require_session(state, request)
        if isinstance(session, Response):
            return session
        with state.lock:
            account = state.account(session.user_id)
            if account is None:  # deleted through the control API a moment ago
                return redirect(LOGIN_PATH)
            user_rows = [
                ("納付利用者ID", account.user_id),
                ("一括利用者ID", account.bulk_user_id),
                ("氏名（フリガナ）", account.name_kana),
                ("氏名", account.name),
                ("利用者管理用メールアドレス", account.admin_email),
                ("申請状況通知用メールアドレス", account.notify_email),
                ("利用者情報更新日時", portal_datetime(account.updated_at)),
            ]
            direct_accounts = list(account.direct_accounts)
        return render(
            "mypage.html",
            screen="マイページ",
            menu_items=list(MENU_ITEMS.items()),
            user_rows=user_rows,
            direct_accounts=direct_accounts,
        )

    @api.get("/mypage/menu/{slug}", response_class=HTMLResponse)
    async def placeholder(request: Request, slug: str) -> Response:
        title = _PLACEHOLDERS.get(slug)
        if title is None:
            raise HTTPException(404)
        session = require_session(state, request)
        if isinstance(session, Response):
            return session
        return render(
            "message.html",
            screen=title,
            paragraphs=[messages.PLACEHOLDER_TEXT],
            back_href="/mypage",
        )

    @api.get("/mypage/download")
    async def download(request: Request) -> Response:
        session = require_session(state, request)
        if isinstance(session, Response):
            return session
        with state.lock:
            account = state.account(session.user_id)
            if account is None:
                return redirect(LOGIN_PATH)
            snapshot = replace(account)
        # Building takes milliseconds of CPU: keep the event loop answering meanwhile.
        body = await run_in_threadpool(build_workbook, snapshot, state.now())
        note(request).outcome = "download"
        return Response(
            body,
            media_type=MEDIA_TYPE,
            headers={"Content-Disposition": content_disposition(FILE_NAME, ASCII_FILE_NAME)},
        )

    return api
