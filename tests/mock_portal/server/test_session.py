"""Sessions: protected screens, idle time-out by the mock clock, 終了."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest

from mock_portal.testing import ControlClient
from tests.mock_portal.server.support import KNOWN_ID, KNOWN_PASSWORD, login, page

PROTECTED = [
    "/mypage",
    "/mypage/download",
    "/mypage/menu/user-info",
    "/mypage/menu/local-direct-account",
    "/mypage/password/expired",
]


@pytest.mark.parametrize("path", PROTECTED)
def test_protected_screen_should_redirect_to_login_without_a_session(
    http: httpx.Client, portal: ControlClient, path: str
) -> None:
    response = http.get(path)
    assert response.status_code == 303
    assert response.headers["location"] == "/mypage/login"
    assert portal.journal(path=path)[0]["outcome"] == "no_session"


def test_protected_screen_should_reject_a_forged_cookie(http: httpx.Client) -> None:
    http.cookies.set("KOSS_MYPAGE_SESSION", "forged")
    assert http.get("/mypage").headers["location"] == "/mypage/login"


def test_session_should_survive_thirty_idle_minutes(
    http: httpx.Client, portal: ControlClient, frozen: datetime
) -> None:
    login(http, KNOWN_ID, KNOWN_PASSWORD)
    for _ in range(3):
        portal.advance_clock(seconds=30 * 60)
        assert http.get("/mypage").status_code == 200


def test_session_should_expire_after_thirty_idle_minutes(
    http: httpx.Client, portal: ControlClient, frozen: datetime
) -> None:
    login(http, KNOWN_ID, KNOWN_PASSWORD)
    portal.advance_clock(seconds=30 * 60 + 1)
    response = http.get("/mypage")
    assert response.headers["location"] == "/mypage/login?timeout=1"
    shown = page(http.get(response.headers["location"]))
    assert shown.statuses == ["一定時間操作がなかったため、ログアウトしました。"]
    assert portal.journal(outcome="session_expired")[0]["account"] is None
    assert http.get("/mypage").headers["location"] == "/mypage/login"


def test_session_should_follow_the_configured_idle_time(
    http: httpx.Client, portal: ControlClient, frozen: datetime
) -> None:
    portal.update_config(session_idle_minutes=5)
    login(http, KNOWN_ID, KNOWN_PASSWORD)
    portal.advance_clock(seconds=timedelta(minutes=5, seconds=1).total_seconds())
    assert http.get("/mypage").headers["location"] == "/mypage/login?timeout=1"


def test_logout_should_end_the_session_and_ask_to_close(
    http: httpx.Client, portal: ControlClient
) -> None:
    login(http, KNOWN_ID, KNOWN_PASSWORD)
    response = http.post("/mypage/logout")
    assert response.status_code == 200
    shown = page(response)
    assert shown.h1 == ["終了"]
    assert "window.close()" in shown.html
    assert http.get("/mypage").status_code == 303
    assert portal.journal(outcome="logout")[0]["account"] == KNOWN_ID


def test_sessions_should_be_per_client(http: httpx.Client) -> None:
    login(http, KNOWN_ID, KNOWN_PASSWORD)
    with httpx.Client(base_url=str(http.base_url)) as other:
        assert other.get("/mypage", follow_redirects=False).status_code == 303
    assert http.get("/mypage").status_code == 200


def test_reset_of_the_mock_should_end_every_session(
    http: httpx.Client, portal: ControlClient
) -> None:
    login(http, KNOWN_ID, KNOWN_PASSWORD)
    portal.reset()
    assert http.get("/mypage").status_code == 303
