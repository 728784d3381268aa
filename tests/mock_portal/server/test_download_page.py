"""The page between まとめ納付管理ファイル and the file (variants interstitial, clickthrough): a
window's navigation gets it, the file is one step further, and neither the journal nor the
faults see the page."""

from __future__ import annotations

import httpx
import pytest

from mock_portal.downloadpage import FILE_URL
from mock_portal.testing import ControlClient, PortalServer
from tests.mock_portal.server.support import KNOWN_ID, KNOWN_PASSWORD, login

WINDOW = {"sec-fetch-dest": "document"}


@pytest.mark.parametrize(("variant", "refresh"), [("interstitial", True), ("clickthrough", False)])
def test_a_window_should_get_the_page_between_and_the_file_behind_it(
    portal: ControlClient, portal_server: PortalServer, variant: str, refresh: bool
) -> None:
    portal.set_variant(variant)
    with httpx.Client(base_url=portal_server.url, follow_redirects=True) as web:
        login(web, KNOWN_ID, KNOWN_PASSWORD)
        portal.clear_journal()
        page = web.get("/mypage/download", headers=WINDOW)
        assert page.headers["content-type"].startswith("text/html")
        assert ('http-equiv="refresh"' in page.text) is refresh
        assert FILE_URL in page.text or 'name="dl" value="1"' in page.text
        assert "終了" not in page.text
        assert portal.journal() == []
        portal.add_fault("download", "http_500")
        assert web.get(FILE_URL, headers=WINDOW).status_code == 500  # the fault hits the file
        assert web.get(FILE_URL, headers=WINDOW).headers["content-type"].startswith("application/")
        assert web.get("/mypage/download").headers["content-type"].startswith("application/")


def test_no_other_variant_should_have_a_page_between(
    portal: ControlClient, portal_server: PortalServer
) -> None:
    with httpx.Client(base_url=portal_server.url, follow_redirects=True) as web:
        login(web, KNOWN_ID, KNOWN_PASSWORD)
        answer = web.get("/mypage/download", headers=WINDOW)
        assert answer.headers["content-type"].startswith("application/")
