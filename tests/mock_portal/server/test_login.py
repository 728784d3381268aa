"""マイページログイン: credentials, lock-out, password expiry, bad input."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest

from mock_portal.testing import ControlClient
from tests.mock_portal.server.support import (
    EXPIRED_ID,
    EXPIRED_PASSWORD,
    KNOWN_ID,
    KNOWN_PASSWORD,
    LOCKED_ID,
    LOCKED_PASSWORD,
    TEMPORARY_ID,
    TEMPORARY_PASSWORD,
    login,
    page,
)

WRONG = "納付利用者IDまたは納付利用者パスワードが正しくありません。"
LOCKED = "納付利用者IDがロックされています。パスワード初期化を行ってください。"


def test_login_should_open_the_mypage_with_a_session_cookie(
    http: httpx.Client, portal: ControlClient
) -> None:
    response = login(http, KNOWN_ID, KNOWN_PASSWORD)
    assert response.status_code == 303
    assert response.headers["location"] == "/mypage"
    assert "httponly" in response.headers["set-cookie"].lower()
    assert http.get("/mypage").status_code == 200
    assert portal.journal(outcome="login_ok")[0]["account"] == KNOWN_ID


def test_login_should_reject_a_wrong_password_and_count_it(
    http: httpx.Client, portal: ControlClient
) -> None:
    response = login(http, KNOWN_ID, "Wrong1234")
    assert response.status_code == 200
    shown = page(response)
    assert shown.alerts == [WRONG]
    assert shown.h1 == ["マイページログイン"]
    assert shown.inputs["user_id"]["value"] == KNOWN_ID
    assert "value" not in shown.inputs["password"]
    assert portal.get_account(KNOWN_ID)["failed_logins"] == 1
    assert http.get("/mypage").status_code == 303


def test_login_should_reject_an_unknown_id_with_the_same_message(http: httpx.Client) -> None:
    assert page(login(http, "KNZZ9999", "Whatever1")).alerts == [WRONG]


def test_login_should_lock_after_five_failures(http: httpx.Client, portal: ControlClient) -> None:
    for _ in range(4):
        assert page(login(http, KNOWN_ID, "Wrong1234")).alerts == [WRONG]
    assert not portal.get_account(KNOWN_ID)["locked"]
    assert page(login(http, KNOWN_ID, "Wrong1234")).alerts == [WRONG]
    account = portal.get_account(KNOWN_ID)
    assert (account["locked"], account["failed_logins"]) == (True, 5)
    response = login(http, KNOWN_ID, KNOWN_PASSWORD)
    assert response.status_code == 200
    assert page(response).alerts == [LOCKED]
    assert portal.journal(outcome="login_locked")[0]["account"] == KNOWN_ID


def test_login_should_reset_the_failure_count_on_success(
    http: httpx.Client, portal: ControlClient
) -> None:
    for _ in range(4):
        login(http, KNOWN_ID, "Wrong1234")
    assert login(http, KNOWN_ID, KNOWN_PASSWORD).status_code == 303
    assert portal.get_account(KNOWN_ID)["failed_logins"] == 0
    for _ in range(4):
        login(http, KNOWN_ID, "Wrong1234")
    assert not portal.get_account(KNOWN_ID)["locked"]


def test_login_should_follow_the_configured_lockout_threshold(
    http: httpx.Client, portal: ControlClient
) -> None:
    portal.update_config(lockout_threshold=2)
    login(http, KNOWN_ID, "Wrong1234")
    login(http, KNOWN_ID, "Wrong1234")
    assert page(login(http, KNOWN_ID, KNOWN_PASSWORD)).alerts == [LOCKED]


def test_login_should_refuse_the_seeded_locked_account(http: httpx.Client) -> None:
    assert page(login(http, LOCKED_ID, LOCKED_PASSWORD)).alerts == [LOCKED]


@pytest.mark.parametrize(
    ("age", "target", "outcome"),
    [
        (timedelta(days=59, hours=23, minutes=59, seconds=59), "/mypage", "login_ok"),
        (timedelta(days=60), "/mypage/password/expired", "login_expired"),
        (timedelta(days=61), "/mypage/password/expired", "login_expired"),
    ],
)
def test_login_should_expire_the_password_at_exactly_sixty_days(
    http: httpx.Client,
    portal: ControlClient,
    frozen: datetime,
    age: timedelta,
    target: str,
    outcome: str,
) -> None:
    portal.update_account(KNOWN_ID, password_changed_at=(frozen - age).isoformat())
    response = login(http, KNOWN_ID, KNOWN_PASSWORD)
    assert response.headers["location"] == target
    assert portal.journal(screen="login", method="POST")[-1]["outcome"] == outcome


def test_login_should_expire_a_password_when_the_clock_advances(
    http: httpx.Client, portal: ControlClient, frozen: datetime
) -> None:
    portal.update_account(KNOWN_ID, password_age_days=0)
    portal.advance_clock(days=59)
    assert login(http, KNOWN_ID, KNOWN_PASSWORD).headers["location"] == "/mypage"
    portal.advance_clock(days=1)
    assert login(http, KNOWN_ID, KNOWN_PASSWORD).headers["location"] == ("/mypage/password/expired")


def test_login_with_an_expired_password_should_not_open_the_mypage(http: httpx.Client) -> None:
    login(http, EXPIRED_ID, EXPIRED_PASSWORD)
    assert http.get("/mypage").headers["location"] == "/mypage/password/expired"
    assert http.get("/mypage/download").status_code == 303


def test_login_with_a_temporary_password_should_force_a_change(http: httpx.Client) -> None:
    response = login(http, TEMPORARY_ID, TEMPORARY_PASSWORD)
    assert response.headers["location"] == "/mypage/password/expired"
    shown = page(http.get("/mypage/password/expired"))
    assert shown.statuses == [
        "仮パスワードでログインしました。新しいパスワードを設定してください。"
    ]


@pytest.mark.parametrize(
    ("user_id", "password", "alert"),
    [
        ("", KNOWN_PASSWORD, "納付利用者IDを入力してください。"),
        (KNOWN_ID, "", "納付利用者パスワードを入力してください。"),
        ("K" * 65, KNOWN_PASSWORD, "納付利用者IDは64文字以内で入力してください。"),
        (KNOWN_ID, "x" * 65, "納付利用者パスワードは64文字以内で入力してください。"),
        (
            "ＫＮＡＢ１２３４",
            KNOWN_PASSWORD,
            "納付利用者IDは半角英数字8文字（例：KNAB1234）で入力してください。",
        ),
        (
            "軽自動車",
            KNOWN_PASSWORD,
            "納付利用者IDは半角英数字8文字（例：KNAB1234）で入力してください。",
        ),
        (
            "knab1234",
            KNOWN_PASSWORD,
            "納付利用者IDは半角英数字8文字（例：KNAB1234）で入力してください。",
        ),
        (
            "KNAB1234'--",
            KNOWN_PASSWORD,
            "納付利用者IDは半角英数字8文字（例：KNAB1234）で入力してください。",
        ),
    ],
)
def test_login_should_answer_bad_input_with_an_alert(
    http: httpx.Client, portal: ControlClient, user_id: str, password: str, alert: str
) -> None:
    response = login(http, user_id, password)
    assert response.status_code == 200
    assert alert in page(response).alerts[0]
    assert portal.journal(outcome="login_invalid")
    assert portal.get_account(KNOWN_ID)["failed_logins"] == 0


def test_login_should_survive_an_empty_or_foreign_body(http: httpx.Client) -> None:
    for response in (
        http.post("/mypage/login"),
        http.post("/mypage/login", content=b"\xff\xfe\x00garbage"),
        http.post(
            "/mypage/login",
            content=b"--x\r\nbroken",
            headers={"content-type": "multipart/form-data; boundary=x"},
        ),
        http.post("/mypage/login", json={"user_id": KNOWN_ID}),
    ):
        assert response.status_code == 200
        assert page(response).alerts


def test_login_page_should_escape_what_was_typed(http: httpx.Client) -> None:
    html = login(http, '"><script>x</script>', "pw").text
    assert "<script>x</script>" not in html


@pytest.mark.parametrize("method", ["HEAD", "PUT", "DELETE"])
def test_login_page_should_answer_other_methods_than_get_and_post_with_405(
    http: httpx.Client, method: str
) -> None:
    # The page is a plain Starlette route (mock_portal/login.py), which would answer HEAD.
    answer = http.request(method, "/mypage/login")
    assert answer.status_code == 405
    assert answer.headers["allow"] == "GET"
