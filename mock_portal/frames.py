"""The outermost layer: the request's markup variant, and the frame page of framed variants.

Every request first gets its variant (`variants.CURRENT`) from the live config. In a framed
variant (`iframe`) a browser that navigates its window (`Sec-Fetch-Dest: document`) to a
マイページ screen gets a frame page whose `<iframe>` loads the same URL; the iframe's own request
(`Sec-Fetch-Dest: iframe`), every POST and every client that sends no `Sec-Fetch-Dest` (httpx,
curl, a browser on a non-secure origin) get the screen itself, so frames never nest. The frame
page is markup, not a screen: it is neither journaled nor faulted, so the journal is the same in
every variant.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from mock_portal import variants
from mock_portal.downloadpage import download_page, wants_download_page
from mock_portal.rendering import render
from mock_portal.state import PortalState

#: Screens a framed variant shows inside its frame page (exact paths, and one prefix).
FRAMED_PATHS = frozenset(
    {
        "/mypage/login",
        "/mypage",
        "/mypage/password",
        "/mypage/password/expired",
        "/mypage/password/done",
        "/mypage/reset",
    }
)
FRAMED_PREFIX = "/mypage/menu/"
FRAME_TITLE = "利用者情報マイページ"


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return ""


def wants_frame_page(scope: Scope) -> bool:
    """Whether this request is a window's navigation to a screen a framed variant frames."""
    path: str = scope.get("path", "")
    framed = path.rstrip("/") in FRAMED_PATHS or path.startswith(FRAMED_PREFIX)
    return (
        framed and scope.get("method") == "GET" and _header(scope, b"sec-fetch-dest") == "document"
    )


class VariantLayer:
    """Set the request's variant; answer a framed variant's window navigations with the frame
    page."""

    def __init__(self, app: ASGIApp, state: PortalState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        variant = variants.get(self.state.config.variant)
        token = variants.CURRENT.set(variant)
        try:
            if variant.framed and wants_frame_page(scope):
                query = scope.get("query_string", b"").decode("latin-1")
                source = scope["path"] + (f"?{query}" if query else "")
                page = render("frame.html", screen=FRAME_TITLE, source=source)
                await page(scope, receive, send)
                return
            if variant.download_page and wants_download_page(scope):
                await download_page()(scope, receive, send)
                return
            await self.app(scope, receive, send)
        finally:
            variants.CURRENT.reset(token)
