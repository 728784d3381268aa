"""ポータルサイト top, its placeholder pages, and the 終了 page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse

from mock_portal import messages
from mock_portal.rendering import render

#: はじめての方 (invented: the manual shows the item but not its contents).
FIRST_ITEMS = {
    "about": "軽自動車OSSとは",
    "flow": "ご利用の流れ",
    "user-id": "利用者IDの発行",
    "environment": "ご利用環境",
}
#: 画面申請の方, after 利用者情報の確認・変更を行う (which opens the マイページ instead).
SCREEN_ITEMS = {
    "apply": "申請を行う",
    "status": "申請状況の照会を行う",
    "individual-payment": "個別納付を行う",
    "matome-payment": "まとめ納付を行う",
    "correction": "申請した内容の補正を行う",
}
OTHER_ITEMS = {
    "contact": "お問い合わせ",
    "faq": "よくあるご質問",
    "sitemap": "サイトマップ",
    "oss": "軽自動車OSS申請",
    "bulk": "一括申請",
}
INFO_PAGES = {**FIRST_ITEMS, **SCREEN_ITEMS, **OTHER_ITEMS}


def router(api: APIRouter | None = None) -> APIRouter:
    """Routes that need no session (on `api` if given)."""
    api = api if api is not None else APIRouter()

    @api.get("/", response_class=HTMLResponse)
    async def top() -> HTMLResponse:
        return render(
            "top.html",
            first_items=list(FIRST_ITEMS.items()),
            screen_items=list(SCREEN_ITEMS.items()),
        )

    @api.get("/info/{slug}", response_class=HTMLResponse)
    async def info(slug: str) -> HTMLResponse:
        title = INFO_PAGES.get(slug)
        if title is None:
            raise HTTPException(404)
        return render(
            "message.html", screen=title, paragraphs=[messages.PLACEHOLDER_TEXT], back_href="/"
        )

    @api.get("/mypage/closed", response_class=HTMLResponse)
    async def closed(request: Request) -> HTMLResponse:
        return closed_page()

    return api


def closed_page() -> HTMLResponse:
    """The page that asks to close the window (and tries to close it itself)."""
    return render("closed.html", screen="終了")
