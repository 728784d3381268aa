"""The hardest markup variants, walked through by a person in Chromium (no robot code involved):
every step clicks what a person sees — a word, or an image's alt text — never markup only the
mock has. Proves the variants work in a browser, not only over HTTP."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import BrowserContext, FrameLocator, Page, expect

from mock_portal import messages
from mock_portal.testing import ControlClient

pytestmark = pytest.mark.e2e

USER_ID = "KNAB1234"
PASSWORD = "Keiji2019"
FILE_NAME = "まとめ納付管理ファイル_軽自動車OSS用.xlsm"


def _open_login_window(page: Page, context: BrowserContext) -> Page:
    """事前の準備が整った方 → 画面申請の方 → 利用者情報の確認・変更を行う, by the words, in a menu
    that opens by click (the login screen opens in a window of its own)."""
    page.goto("/")
    page.get_by_text("事前の準備が整った方", exact=True).click()
    page.get_by_text("画面申請の方", exact=True).click()
    with context.expect_page() as opened:
        page.get_by_text("利用者情報の確認・変更を行う", exact=True).click()
    window = opened.value
    window.wait_for_load_state()
    return window


@pytest.mark.mock_portal_variant("samewindow")
def test_samewindow_should_open_the_login_by_hover_in_the_same_window(
    page: Page, context: BrowserContext, portal: ControlClient, base_url: str
) -> None:
    page.goto("/")
    target = page.get_by_text("利用者情報の確認・変更を行う", exact=True)
    expect(target).to_be_hidden()
    page.get_by_text("事前の準備が整った方", exact=True).hover()
    page.get_by_text("画面申請の方", exact=True).hover()
    expect(target).to_be_visible()
    target.click()
    expect(page).to_have_url(f"{base_url}/mypage/login")
    assert context.pages == [page]
    page.get_by_label("納付利用者ID").fill(USER_ID)
    page.get_by_label("納付利用者パスワード").fill("Wrong2024")
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_text(messages.LOGIN_WRONG)).to_be_visible()
    page.get_by_label("納付利用者パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("heading", name="マイページ", exact=True)).to_be_visible()
    with page.expect_download() as download:
        page.get_by_text("まとめ納付管理ファイル", exact=True).click()
    assert download.value.suggested_filename == FILE_NAME
    page.get_by_role("button", name="終了").click()
    expect(page.get_by_text(messages.CLOSE_WINDOW)).to_be_visible()


@pytest.mark.mock_portal_variant("imagebuttons")
def test_imagebuttons_should_be_usable_by_their_alt_texts(
    page: Page, context: BrowserContext, portal: ControlClient
) -> None:
    portal.expire_password(USER_ID)
    window = _open_login_window(page, context)
    expect(window.get_by_alt_text("マイページログイン")).to_be_visible()
    window.get_by_label("納付利用者ID").fill(USER_ID)
    window.get_by_label("納付利用者パスワード").fill(PASSWORD)
    window.get_by_alt_text("ログイン", exact=True).click()
    expect(window.get_by_alt_text("パスワード変更", exact=True)).to_be_visible()
    window.get_by_label("現在のパスワード").fill(PASSWORD)
    window.get_by_label("新しいパスワード", exact=True).fill("Keiji2024b")
    window.get_by_label("新しいパスワード（確認用）").fill("Keiji2024b")
    window.get_by_alt_text("変更", exact=True).click()
    expect(window.get_by_text(messages.PASSWORD_CHANGED)).to_be_visible()
    window.get_by_text("ログインへ戻る").click()
    window.get_by_label("納付利用者ID").fill(USER_ID)
    window.get_by_label("納付利用者パスワード").fill("Keiji2024b")
    window.get_by_alt_text("ログイン", exact=True).click()
    expect(window.get_by_alt_text("マイページ", exact=True)).to_be_visible()
    with window.expect_download() as download:
        window.get_by_alt_text("まとめ納付管理ファイル", exact=True).click()
    assert download.value.suggested_filename == FILE_NAME
    window.get_by_alt_text("最新の情報に更新", exact=True).click()
    expect(window.get_by_alt_text("マイページ", exact=True)).to_be_visible()
    with window.expect_event("close"):  # the 終了 page closes the window the menu opened
        window.get_by_alt_text("終了", exact=True).click()
    portal.requests(method="POST", screen="logout", outcome="logout").exactly(1)


def _frame(window: Page) -> FrameLocator:
    return window.frame_locator("iframe")


@pytest.mark.mock_portal_variant("iframe")
def test_iframe_should_hold_the_screens_in_a_frame_of_the_window(
    page: Page, context: BrowserContext, portal: ControlClient
) -> None:
    window = _open_login_window(page, context)
    screen = _frame(window)
    expect(window.get_by_label("納付利用者ID")).to_have_count(0)  # not in the window itself
    screen.get_by_label("納付利用者ID").fill(USER_ID)
    screen.get_by_label("納付利用者パスワード").fill("Wrong2024")
    screen.get_by_role("button", name="ログイン").click()
    expect(screen.get_by_text(messages.LOGIN_WRONG)).to_be_visible()
    screen.get_by_label("納付利用者パスワード").fill(PASSWORD)
    screen.get_by_role("button", name="ログイン").click()
    expect(screen.get_by_role("heading", name="マイページ", exact=True)).to_be_visible()
    expect(window).to_have_url(re.compile(r"/mypage/login$"))  # the window stays on its frame page
    with window.expect_download() as download:
        screen.get_by_role("link", name="まとめ納付管理ファイル").click()
    assert download.value.suggested_filename == FILE_NAME
    with window.expect_event("close"):  # 終了 leaves the frame and closes the whole window
        screen.get_by_role("button", name="終了").click()
    outcomes = [entry.outcome for entry in portal.entries(method="POST")]
    assert outcomes == ["login_failed", "login_ok", "logout"]


@pytest.mark.mock_portal_variant("jslinks")
def test_jslinks_should_open_a_popup_and_submit_hidden_forms(
    page: Page, context: BrowserContext, portal: ControlClient
) -> None:
    window = _open_login_window(page, context)
    assert window.opener() == page  # window.open: a pop-up of the portal's page
    window.get_by_label("納付利用者ID").fill(USER_ID)
    window.get_by_label("納付利用者パスワード").fill(PASSWORD)
    window.get_by_role("link", name="ログイン").click()
    expect(window.get_by_role("heading", name="マイページ", exact=True)).to_be_visible()
    with window.expect_download() as download:
        window.get_by_role("link", name="まとめ納付管理ファイル").click()
    assert download.value.suggested_filename == FILE_NAME
    with window.expect_event("close"):
        window.get_by_role("link", name="終了").click()  # a pop-up a script opened may close


@pytest.mark.mock_portal_variant("sjis")
def test_sjis_should_take_a_password_typed_in_a_browser(page: Page, portal: ControlClient) -> None:
    portal.update_account(USER_ID, password="軽自動車2024")
    page.goto("/mypage/login")
    # The labels are <dt> text just before their inputs.
    after = "xpath=following::input[1]"
    page.get_by_text(re.compile(r"^納付利用者ID\s*必須$")).locator(after).fill(USER_ID)
    password = page.get_by_text(re.compile(r"^納付利用者パスワード\s*必須$"))
    password.locator(after).fill("軽自動車2024")
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_text("利用者情報更新日時")).to_be_visible()
    assert [entry.outcome for entry in portal.entries(method="POST")] == ["login_ok"]
