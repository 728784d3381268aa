"""パスワード変更, パスワード変更結果通知 and パスワード初期化."""

from __future__ import annotations

import itertools

import httpx
import pytest

from mock_portal.testing import ControlClient
from tests.mock_portal.server.support import (
    EXPIRED_ID,
    EXPIRED_PASSWORD,
    KNOWN_ID,
    KNOWN_PASSWORD,
    LOCKED_ID,
    change_password,
    login,
    page,
)

DONE = "納付利用者パスワードは正常に変更されました。"
WRONG_CURRENT = "納付利用者IDまたは現在のパスワードが正しくありません。"
LOCKED = "納付利用者IDがロックされています。パスワード初期化を行ってください。"


def test_password_change_should_store_the_new_password_and_show_the_result(
    http: httpx.Client, portal: ControlClient
) -> None:
    before = portal.get_account(KNOWN_ID)
    response = change_password(http, KNOWN_ID, KNOWN_PASSWORD, "NewPass42")
    assert response.status_code == 303
    assert response.headers["location"] == "/mypage/password/done"
    shown = page(http.get("/mypage/password/done"))
    assert shown.h1 == ["パスワード変更結果通知"]
    assert shown.statuses == [DONE]
    assert shown.link("« ログインへ戻る").href == "/mypage/login"
    after = portal.get_account(KNOWN_ID)
    assert after["password"] == "NewPass42"
    assert after["password_age_days"] < before["password_age_days"]
    assert login(http, KNOWN_ID, KNOWN_PASSWORD).status_code == 200
    assert login(http, KNOWN_ID, "NewPass42").headers["location"] == "/mypage"


def test_password_result_should_be_shown_only_once(http: httpx.Client) -> None:
    assert http.get("/mypage/password/done").headers["location"] == "/mypage/login"
    change_password(http, KNOWN_ID, KNOWN_PASSWORD, "NewPass42")
    assert http.get("/mypage/password/done").status_code == 200
    assert http.get("/mypage/password/done").headers["location"] == "/mypage/login"


def test_forced_change_should_end_with_a_login_to_the_mypage(
    http: httpx.Client, portal: ControlClient
) -> None:
    login(http, EXPIRED_ID, EXPIRED_PASSWORD)
    response = change_password(
        http, EXPIRED_ID, EXPIRED_PASSWORD, "Minato2024", path="/mypage/password/expired"
    )
    assert response.headers["location"] == "/mypage/password/done"
    assert http.get("/mypage/password/expired").headers["location"] == "/mypage/login"
    assert login(http, EXPIRED_ID, "Minato2024").headers["location"] == "/mypage"
    assert portal.journal(outcome="password_changed")[0]["account"] == EXPIRED_ID


def test_forced_change_should_keep_its_notice_on_a_rejection(http: httpx.Client) -> None:
    login(http, EXPIRED_ID, EXPIRED_PASSWORD)
    response = change_password(
        http, EXPIRED_ID, EXPIRED_PASSWORD, "short1", path="/mypage/password/expired"
    )
    shown = page(response)
    assert shown.alerts == ["新しいパスワードは8文字以上16文字以下で入力してください。"]
    assert shown.statuses
    assert shown.forms[0]["action"] == "/mypage/password/expired"


@pytest.mark.parametrize(
    ("new", "confirm", "alert", "detail"),
    [
        (
            "NewPass42",
            "NewPass43",
            "新しいパスワードと新しいパスワード（確認用）が一致しません。",
            "mismatch",
        ),
        ("Abc1234", None, "新しいパスワードは8文字以上16文字以下で入力してください。", "length"),
        (
            "Abcdefgh123456789",
            None,
            "新しいパスワードは8文字以上16文字以下で入力してください。",
            "length",
        ),
        ("Abcd_1234", None, "新しいパスワードは半角英数字のみで入力してください。", "charset"),
        (
            "Ａｂｃｄ１２３４",
            None,
            "新しいパスワードは半角英数字のみで入力してください。",
            "charset",
        ),
        (
            "abcdefghij",
            None,
            "新しいパスワードは英字と数字をそれぞれ1文字以上含めてください。",
            "composition",
        ),
        (
            "1234567890",
            None,
            "新しいパスワードは英字と数字をそれぞれ1文字以上含めてください。",
            "composition",
        ),
        (
            KNOWN_PASSWORD,
            None,
            "新しいパスワードは現在のパスワードと異なるものを入力してください。",
            "same_as_current",
        ),
    ],
)
def test_password_change_should_explain_each_policy_rejection(
    http: httpx.Client,
    portal: ControlClient,
    new: str,
    confirm: str | None,
    alert: str,
    detail: str,
) -> None:
    response = change_password(http, KNOWN_ID, KNOWN_PASSWORD, new, confirm)
    assert response.status_code == 200
    shown = page(response)
    assert shown.alerts == [alert]
    assert shown.h1 == ["パスワード変更"]
    assert portal.get_account(KNOWN_ID)["password"] == KNOWN_PASSWORD
    entry = portal.journal(outcome="password_rejected")[0]
    assert (entry["detail"], entry["account"]) == (detail, KNOWN_ID)


def test_password_change_should_refuse_the_last_three_passwords(
    http: httpx.Client, portal: ControlClient
) -> None:
    history = [KNOWN_PASSWORD, "Second222", "Third333", "Fourth444", "Fifth555"]
    for current, new in itertools.pairwise(history):
        assert change_password(http, KNOWN_ID, current, new).status_code == 303
    reused = "新しいパスワードは過去に使用したパスワードと異なるものを入力してください。"
    for old in ("Second222", "Third333", "Fourth444"):
        assert page(change_password(http, KNOWN_ID, "Fifth555", old)).alerts == [reused]
    # The history holds the three passwords before the current one; the fourth is free again.
    assert change_password(http, KNOWN_ID, "Fifth555", KNOWN_PASSWORD).status_code == 303


def test_password_change_should_count_a_wrong_current_password_as_a_failed_login(
    http: httpx.Client, portal: ControlClient
) -> None:
    for _ in range(5):
        shown = page(change_password(http, KNOWN_ID, "Wrong1234", "NewPass42"))
        assert shown.alerts == [WRONG_CURRENT]
    assert portal.get_account(KNOWN_ID)["locked"]
    assert page(change_password(http, KNOWN_ID, KNOWN_PASSWORD, "NewPass42")).alerts == [LOCKED]
    assert page(login(http, KNOWN_ID, KNOWN_PASSWORD)).alerts == [LOCKED]


def test_password_change_should_refuse_an_unknown_id(http: httpx.Client) -> None:
    assert page(change_password(http, "KNZZ0000", "Whatever1", "NewPass42")).alerts == [
        WRONG_CURRENT
    ]


@pytest.mark.parametrize(
    ("field", "alert"),
    [
        ("user_id", "納付利用者IDを入力してください。"),
        ("current_password", "現在のパスワードを入力してください。"),
        ("new_password", "新しいパスワードを入力してください。"),
        ("new_password_confirm", "新しいパスワード（確認用）を入力してください。"),
    ],
)
def test_password_change_should_name_each_missing_field(
    http: httpx.Client, field: str, alert: str
) -> None:
    data = {
        "user_id": KNOWN_ID,
        "current_password": KNOWN_PASSWORD,
        "new_password": "NewPass42",
        "new_password_confirm": "NewPass42",
    }
    del data[field]
    response = http.post("/mypage/password", data=data)
    assert response.status_code == 200
    assert page(response).alerts == [alert]


def test_password_change_should_refuse_overlong_and_foreign_values(http: httpx.Client) -> None:
    too_long = page(change_password(http, KNOWN_ID, "x" * 500, "NewPass42")).alerts
    assert too_long == ["現在のパスワードは64文字以内で入力してください。"]
    foreign = page(change_password(http, "軽自動車", KNOWN_PASSWORD, "NewPass42")).alerts
    assert foreign == ["納付利用者IDは半角英数字8文字（例：KNAB1234）で入力してください。"]
    assert http.post("/mypage/password", content=b"\x00\xff").status_code == 200


def test_password_change_should_follow_the_configured_policy(
    http: httpx.Client, portal: ControlClient
) -> None:
    portal.update_config(password_policy={"min_length": 12})
    shown = page(change_password(http, KNOWN_ID, KNOWN_PASSWORD, "NewPass42"))
    assert shown.alerts == ["新しいパスワードは12文字以上16文字以下で入力してください。"]
    assert portal.config()["password_policy"]["max_length"] == 16


def test_password_change_should_end_the_accounts_sessions(
    http: httpx.Client, portal_server: object
) -> None:
    login(http, KNOWN_ID, KNOWN_PASSWORD)
    assert http.get("/mypage").status_code == 200
    with httpx.Client(base_url=str(http.base_url)) as other:
        change_password(other, KNOWN_ID, KNOWN_PASSWORD, "NewPass42")
    assert http.get("/mypage").headers["location"] == "/mypage/login"


def test_reset_should_issue_a_temporary_password_and_unlock(
    http: httpx.Client, portal: ControlClient
) -> None:
    response = http.post(
        "/mypage/reset", data={"user_id": LOCKED_ID, "admin_email": "jiro@lock-auto.example"}
    )
    shown = page(response)
    assert shown.statuses == ["仮パスワードを利用者管理用メールアドレスに送信しました。"]
    account = portal.get_account(LOCKED_ID)
    temporary = account["temporary_password"]
    assert temporary
    assert account["password"] == temporary
    assert (account["locked"], account["failed_logins"], account["must_change"]) == (False, 0, True)
    assert login(http, LOCKED_ID, temporary).headers["location"] == "/mypage/password/expired"
    assert page(http.get("/mypage/password/expired")).statuses == [
        "仮パスワードでログインしました。新しいパスワードを設定してください。"
    ]
    response = change_password(
        http, LOCKED_ID, temporary, "Unlocked99", path="/mypage/password/expired"
    )
    assert response.headers["location"] == "/mypage/password/done"
    account = portal.get_account(LOCKED_ID)
    assert (account["must_change"], account["temporary_password"]) == (False, None)
    assert login(http, LOCKED_ID, "Unlocked99").headers["location"] == "/mypage"


@pytest.mark.parametrize(
    ("user_id", "email"),
    [
        (KNOWN_ID, "someone@else.example"),
        ("KNZZ0000", "tsukiji@kyoubashi-car.co.jp"),
    ],
)
def test_reset_should_refuse_a_mismatch(
    http: httpx.Client, portal: ControlClient, user_id: str, email: str
) -> None:
    shown = page(http.post("/mypage/reset", data={"user_id": user_id, "admin_email": email}))
    assert shown.alerts == ["納付利用者IDまたは利用者管理用メールアドレスが正しくありません。"]
    assert portal.get_account(KNOWN_ID)["temporary_password"] is None
    assert portal.journal(outcome="reset_failed")


def test_reset_should_answer_missing_fields_with_alerts(http: httpx.Client) -> None:
    response = http.post("/mypage/reset", data={})
    assert response.status_code == 200
    assert page(response).alerts == [
        "納付利用者IDを入力してください。 利用者管理用メールアドレスを入力してください。"
    ]
