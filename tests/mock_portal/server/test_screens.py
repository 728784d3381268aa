"""Every screen shows the manual's labels, in the structure a robot locates by role and label."""

from __future__ import annotations

import httpx
import pytest

from mock_portal.testing import ControlClient
from tests.mock_portal.server.support import (
    COPYRIGHT,
    EXPIRED_ID,
    EXPIRED_PASSWORD,
    KNOWN_ID,
    KNOWN_PASSWORD,
    SERVICE,
    PortalPage,
    login,
    page,
)

SCREEN_ITEMS = [
    "申請を行う",
    "申請状況の照会を行う",
    "個別納付を行う",
    "まとめ納付を行う",
    "申請した内容の補正を行う",
]


def assert_frame(shown: PortalPage, screen: str) -> None:
    assert shown.lang == "ja"
    assert shown.title == f"{screen} | {SERVICE}"
    assert shown.h1 == [screen]
    assert shown.footer == COPYRIGHT


def test_top_should_show_title_header_links_paths_and_menu(http: httpx.Client) -> None:
    shown = page(http.get("/"))
    assert shown.title == SERVICE
    assert shown.h1 == [SERVICE]
    assert shown.footer == COPYRIGHT
    for name in ("お問い合わせ", "よくあるご質問", "サイトマップ", "軽自動車OSS申請", "一括申請"):
        assert shown.link(name).href.startswith("/info/")
    assert '<nav aria-label="メニュー"' in shown.html
    buttons = {button["text"]: button for button in shown.buttons}
    for name in ("はじめての方", "事前の準備が整った方", "画面申請の方"):
        assert buttons[name]["aria-expanded"] == "false"
        assert f'id="{buttons[name]["aria-controls"]}" class="panel' in shown.html


def test_top_should_open_the_mypage_login_in_a_new_window(http: httpx.Client) -> None:
    shown = page(http.get("/"))
    link = shown.link("利用者情報の確認・変更を行う")
    assert (link.href, link.target) == ("/mypage/login", "_blank")
    for name in SCREEN_ITEMS:
        assert shown.link(name).target is None


def test_top_should_keep_menu_panels_hidden_until_opened(http: httpx.Client) -> None:
    html = http.get("/").text
    for panel in ("menu-first", "menu-ready", "menu-screen"):
        assert f'id="{panel}" class="panel' in html
        start = html.index(f'id="{panel}"')
        assert "hidden" in html[start : html.index(">", start)]


@pytest.mark.parametrize(
    "name", ["お問い合わせ", "よくあるご質問", "サイトマップ", "軽自動車OSS申請", *SCREEN_ITEMS]
)
def test_info_page_should_be_titled_by_its_menu_item(http: httpx.Client, name: str) -> None:
    href = page(http.get("/")).link(name).href
    assert_frame(page(http.get(href)), name)


def test_login_should_show_every_label_of_the_manual(http: httpx.Client) -> None:
    shown = page(http.get("/mypage/login"))
    assert_frame(shown, "マイページログイン")
    assert "納付利用者IDと納付利用者パスワードを入力し、「ログイン」ボタンを押してください。" in (
        shown.paragraphs
    )
    assert shown.label_of("user_id") == "納付利用者ID 必須"
    assert shown.label_of("password") == "納付利用者パスワード 必須"
    assert shown.inputs["password"]["type"] == "password"
    assert shown.inputs["user_id"]["name"] == "user_id"
    assert shown.label_of("show_password") == "パスワード表示"
    assert shown.inputs["show_password"]["type"] == "checkbox"
    assert shown.link("パスワード変更").href == "/mypage/password"
    assert shown.link("パスワード初期化").href == "/mypage/reset"
    kinds = {button["text"]: button["type"] for button in shown.buttons}
    assert kinds == {"ログイン": "submit", "終了": "button"}
    assert '<span class="required">必須</span>' in shown.html


def test_mypage_should_show_menu_download_and_both_tables(http: httpx.Client) -> None:
    login(http, KNOWN_ID, KNOWN_PASSWORD)
    shown = page(http.get("/mypage"))
    assert_frame(shown, "マイページ")
    assert shown.h2 == ["メニュー", "ダウンロード", "利用者情報", "国庫金ダイレクト納付口座情報"]
    for name in (
        "利用者情報変更",
        "一括利用者パスワード初期化",
        "国庫金ダイレクト納付口座新規作成",
        "地方税ダイレクト納付口座新規作成",
    ):
        assert_frame(page(http.get(shown.link(name).href)), name)
    assert shown.link("まとめ納付管理ファイル").href == "/mypage/download"
    info = shown.table("利用者情報")
    assert [[cell[1:] for cell in row] for row in info.rows] == [
        [("納付利用者ID", "row"), ("KNAB1234", None)],
        [("一括利用者ID", "row"), ("KIAB1234", None)],
        [("氏名（フリガナ）", "row"), ("ケイジ タロウ", None)],
        [("氏名", "row"), ("軽自 太郎", None)],
        [("利用者管理用メールアドレス", "row"), ("tsukiji@kyoubashi-car.co.jp", None)],
        [("申請状況通知用メールアドレス", "row"), ("tsukiji@kyoubashi-car.co.jp", None)],
        [("利用者情報更新日時", "row"), ("2019年 02月 24日 09時 30分", None)],
    ]
    direct = shown.table("国庫金ダイレクト納付口座情報")
    assert direct.rows[0] == [
        ("th", name, "col")
        for name in ("口座ID", "口座名義（フリガナ）", "金融機関名", "本支店名", "口座情報")
    ]
    assert [cell[1] for cell in direct.rows[1]] == [
        "KKAA0001",
        "ケイジギョウセイシヨシジ",
        "東京三葉銀",
        "中央支店",
        "詳細",
    ]
    assert http.get(shown.link("詳細").href).status_code == 200
    assert set(shown.button_names()) == {"最新の情報に更新", "終了"}
    assert {"method": "post", "action": "/mypage/logout"} in shown.forms


def test_mypage_refresh_should_reread_the_state(http: httpx.Client, portal: ControlClient) -> None:
    login(http, KNOWN_ID, KNOWN_PASSWORD)
    portal.update_account(KNOWN_ID, name="軽自 次郎")
    info = page(http.get("/mypage")).table("利用者情報")
    assert ("td", "軽自 次郎", None) in info.rows[3]


def test_password_change_should_show_every_label_of_the_manual(http: httpx.Client) -> None:
    shown = page(http.get("/mypage/password"))
    assert_frame(shown, "パスワード変更")
    assert "パスワードを変更してください。" in shown.paragraphs
    assert shown.label_of("user_id") == "納付利用者ID"
    assert shown.label_of("current_password") == "現在のパスワード"
    assert shown.label_of("new_password") == "新しいパスワード"
    assert shown.label_of("new_password_confirm") == "新しいパスワード（確認用）"
    assert shown.label_of("show_passwords") == "パスワード表示"
    for field in ("current_password", "new_password", "new_password_confirm"):
        assert shown.inputs[field]["type"] == "password"
    assert shown.inputs["show_passwords"]["data-reveal"].split() == [
        "current_password",
        "new_password",
        "new_password_confirm",
    ]
    assert shown.button_names() == ["変更"]
    assert shown.forms[0]["action"] == "/mypage/password"


def test_forced_password_change_should_be_the_same_screen_prefilled(http: httpx.Client) -> None:
    response = login(http, EXPIRED_ID, EXPIRED_PASSWORD)
    assert response.headers["location"] == "/mypage/password/expired"
    shown = page(http.get("/mypage/password/expired"))
    assert_frame(shown, "パスワード変更")
    assert shown.inputs["user_id"]["value"] == EXPIRED_ID
    assert shown.statuses == [
        "納付利用者パスワードの有効期限が切れています。新しいパスワードを設定してください。"
    ]
    assert shown.button_names() == ["変更"]


def test_reset_should_show_its_form(http: httpx.Client) -> None:
    shown = page(http.get("/mypage/reset"))
    assert_frame(shown, "パスワード初期化")
    assert shown.label_of("user_id") == "納付利用者ID 必須"
    assert shown.label_of("admin_email") == "利用者管理用メールアドレス 必須"
    assert shown.button_names() == ["初期化"]


def test_closed_page_should_ask_to_close_the_window(http: httpx.Client) -> None:
    shown = page(http.get("/mypage/closed"))
    assert_frame(shown, "終了")
    assert "このウィンドウを閉じてください。" in shown.paragraphs
    assert "window.close()" in shown.html


def test_unknown_page_should_be_a_portal_styled_404(http: httpx.Client) -> None:
    response = http.get("/no/such/page")
    assert response.status_code == 404
    assert_frame(page(response), "ページが見つかりません")
    assert http.get("/info/nothing").status_code == 404


def test_static_assets_should_be_served(http: httpx.Client) -> None:
    assert http.get("/static/portal.css").status_code == 200
    script = http.get("/static/portal.js")
    assert script.status_code == 200
    assert "aria-expanded" in script.text
