"""The manual, walked through in Chromium against the mock portal (no robot code involved)."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect

from mock_portal.testing import ControlClient

pytestmark = pytest.mark.e2e

USER_ID = "KNAB1234"
PASSWORD = "Keiji2019"
NEW_PASSWORD = "Keiji2024b"
FILE_NAME = "まとめ納付管理ファイル_軽自動車OSS用.xlsm"


def heading(page: Page) -> Locator:
    return page.get_by_role("heading", level=1)


def log_in(page: Page, user_id: str, password: str) -> None:
    expect(heading(page)).to_have_text("マイページログイン")
    page.get_by_label("納付利用者ID").fill(user_id)
    page.get_by_label("納付利用者パスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()


def open_mypage_window(page: Page, context: BrowserContext) -> Page:
    """Manual step 1: 事前の準備が整った方 → 画面申請の方 → 利用者情報の確認・変更を行う."""
    page.goto("/")
    expect(page).to_have_title("軽自動車保有関係手続のワンストップサービス")
    menu = page.get_by_role("navigation", name="メニュー")
    menu.get_by_role("button", name="事前の準備が整った方").click()
    menu.get_by_role("button", name="画面申請の方").click()
    with context.expect_page() as opened:
        menu.get_by_role("link", name="利用者情報の確認・変更を行う").click()
    window = opened.value
    window.wait_for_load_state()
    return window


def user_info(page: Page, label: str) -> Locator:
    table = page.get_by_role("table", name="利用者情報")
    row = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name=label, exact=True))
    return row.get_by_role("cell")


def test_walkthrough_should_follow_the_manual_from_menu_to_download(
    page: Page, context: BrowserContext, portal: ControlClient, base_url: str, tmp_path: Path
) -> None:
    portal.update_account(USER_ID, password_age_days=60)
    window = open_mypage_window(page, context)
    assert window is not page
    assert window.url == f"{base_url}/mypage/login"
    expect(window.get_by_text("納付利用者IDと納付利用者パスワードを入力し")).to_be_visible()

    # An expired password leads to パスワード変更 by itself (manual, 補足).
    log_in(window, USER_ID, PASSWORD)
    expect(heading(window)).to_have_text("パスワード変更")
    expect(window.get_by_role("status")).to_contain_text("有効期限が切れています")
    expect(window.get_by_label("納付利用者ID")).to_have_value(USER_ID)
    window.get_by_label("現在のパスワード").fill(PASSWORD)
    window.get_by_label("新しいパスワード", exact=True).fill(NEW_PASSWORD)
    window.get_by_label("新しいパスワード（確認用）").fill(NEW_PASSWORD)
    window.get_by_role("button", name="変更").click()

    expect(heading(window)).to_have_text("パスワード変更結果通知")
    expect(window.get_by_role("status")).to_have_text(
        "納付利用者パスワードは正常に変更されました。"
    )
    window.get_by_role("link", name="« ログインへ戻る").click()

    log_in(window, USER_ID, NEW_PASSWORD)
    expect(heading(window)).to_have_text("マイページ")
    expect(user_info(window, "納付利用者ID")).to_have_text(USER_ID)
    expect(user_info(window, "一括利用者ID")).to_have_text("KIAB1234")
    expect(user_info(window, "氏名（フリガナ）")).to_have_text("ケイジ タロウ")
    expect(user_info(window, "氏名")).to_have_text("軽自 太郎")
    expect(user_info(window, "利用者情報更新日時")).to_have_text("2019年 02月 24日 09時 30分")
    accounts = window.get_by_role("table", name="国庫金ダイレクト納付口座情報")
    expect(accounts.get_by_role("row").nth(1)).to_contain_text("KKAA0001")
    expect(accounts.get_by_role("link", name="詳細")).to_be_visible()
    window.get_by_role("button", name="最新の情報に更新").click()
    expect(heading(window)).to_have_text("マイページ")

    with window.expect_download() as started:
        window.get_by_role("link", name="まとめ納付管理ファイル").click()
    download = started.value
    assert download.suggested_filename == FILE_NAME
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    workbook = openpyxl.load_workbook(saved, keep_vba=True)
    assert workbook.vba_archive is not None
    workbook.vba_archive.close()  # else the GC may finalise it after its buffer (see openpyxl)
    sheet = workbook.active
    assert sheet is not None
    assert USER_ID in [cell for row in sheet.iter_rows(values_only=True) for cell in row]

    with window.expect_event("close"):
        window.get_by_role("button", name="終了").click()
    assert window.is_closed()
    assert portal.get_account(USER_ID)["password"] == NEW_PASSWORD
    outcomes = [entry["outcome"] for entry in portal.journal(method="POST")]
    assert outcomes == ["login_expired", "password_changed", "login_ok", "logout"]


def test_menu_should_open_on_hover_and_close_when_left(page: Page) -> None:
    page.goto("/")
    ready = page.get_by_role("button", name="事前の準備が整った方")
    screen = page.get_by_role("button", name="画面申請の方")
    link = page.get_by_role("link", name="利用者情報の確認・変更を行う")
    expect(screen).to_be_hidden()
    expect(link).to_be_hidden()
    ready.hover()
    expect(ready).to_have_attribute("aria-expanded", "true")
    screen.hover()
    expect(screen).to_have_attribute("aria-expanded", "true")
    expect(link).to_be_visible()
    page.get_by_role("heading", level=1).hover()
    expect(link).to_be_hidden()
    expect(ready).to_have_attribute("aria-expanded", "false")


def test_menu_should_open_with_the_keyboard(page: Page) -> None:
    page.goto("/")
    ready = page.get_by_role("button", name="事前の準備が整った方")
    ready.focus()
    page.keyboard.press("Enter")
    expect(ready).to_have_attribute("aria-expanded", "true")
    screen = page.get_by_role("button", name="画面申請の方")
    screen.focus()
    page.keyboard.press(" ")
    expect(page.get_by_role("link", name="まとめ納付を行う")).to_be_visible()
    page.keyboard.press(" ")
    expect(page.get_by_role("link", name="まとめ納付を行う")).to_be_hidden()


def test_menu_click_should_keep_the_panel_open_after_the_mouse_leaves(page: Page) -> None:
    page.goto("/")
    ready = page.get_by_role("button", name="事前の準備が整った方")
    ready.click()
    page.get_by_role("heading", level=1).hover()
    expect(ready).to_have_attribute("aria-expanded", "true")
    ready.click()
    expect(ready).to_have_attribute("aria-expanded", "false")


def test_password_display_should_toggle_the_input_type(page: Page) -> None:
    page.goto("/mypage/login")
    field = page.get_by_label("納付利用者パスワード")
    expect(field).to_have_attribute("type", "password")
    page.get_by_label("パスワード表示").check()
    expect(field).to_have_attribute("type", "text")
    page.get_by_label("パスワード表示").uncheck()
    expect(field).to_have_attribute("type", "password")

    page.goto("/mypage/password")
    fields = [
        page.get_by_label("現在のパスワード"),
        page.get_by_label("新しいパスワード", exact=True),
        page.get_by_label("新しいパスワード（確認用）"),
    ]
    page.get_by_label("パスワード表示").check()
    for each in fields:
        expect(each).to_have_attribute("type", "text")


def test_login_end_button_should_leave_a_page_that_cannot_close(page: Page) -> None:
    page.goto("/")
    page.goto("/mypage/login")
    page.get_by_role("button", name="終了").click()
    expect(page).to_have_url(re.compile(r"/mypage/closed$"))
    expect(heading(page)).to_have_text("終了")
    expect(page.get_by_text("このウィンドウを閉じてください。")).to_be_visible()
