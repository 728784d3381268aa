"""The page between まとめ納付管理ファイル and the file, in the variants that have one
(`Variant.download_page`: `interstitial`, `clickthrough`).

A browser that navigates its window to the file's URL (`Sec-Fetch-Dest: document`) gets a page
that starts the file (a meta refresh, or only a link or button) at the same URL with `?dl=1`;
that request, and every client that sends no `Sec-Fetch-Dest` (httpx, curl), gets the file. Like
the iframe variant's frame page, the page between is markup, not a screen: neither journaled nor
faulted, so the journal is the same in every variant.
"""

from __future__ import annotations

from starlette.responses import HTMLResponse
from starlette.types import Scope

from mock_portal.rendering import render

DOWNLOAD_PATH = "/mypage/download"
#: The query that asks for the file itself (what the page between links to).
FILE_QUERY = "dl=1"
FILE_URL = f"{DOWNLOAD_PATH}?{FILE_QUERY}"
TITLE = "まとめ納付管理ファイルのダウンロード"


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return ""


def wants_download_page(scope: Scope) -> bool:
    """Whether this request is a window's navigation to the file, not yet through the page."""
    query = scope.get("query_string", b"").decode("latin-1")
    return (
        scope.get("method") == "GET"
        and scope.get("path", "").rstrip("/") == DOWNLOAD_PATH
        and FILE_QUERY not in query.split("&")
        and _header(scope, b"sec-fetch-dest") == "document"
    )


def download_page() -> HTMLResponse:
    """The page between (the variant's `download_start.html`)."""
    return render("download_start.html", screen=TITLE, file_url=FILE_URL)
