"""ポータルサイト: the top page of 軽自動車OSS with its drop-down menu."""

from __future__ import annotations

from playwright.async_api import Locator, Page

from koss_rpa.pages.base import Screen
from koss_rpa.pages.login import LoginPage


class PortalTopPage(Screen):
    """軽自動車保有関係手続のワンストップサービス — the portal's top page."""

    heading = "軽自動車保有関係手続のワンストップサービス"

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        menu = page.get_by_role("navigation", name="メニュー")
        self.ready_menu = menu.get_by_role("button", name="事前の準備が整った方")
        self.screen_application_menu = menu.get_by_role("button", name="画面申請の方")
        self.user_info_link = menu.get_by_role("link", name="利用者情報の確認・変更を行う")

    def heading_locator(self) -> Locator:
        # The top page's name is the site title; it may stand in the header at any level.
        return self.page.get_by_role("heading", name=self.heading, exact=True).first

    @staticmethod
    async def _expand(button: Locator) -> None:
        """Open a drop-down as a person does: point at it, and click if that did not open it."""
        await button.hover()
        if await button.get_attribute("aria-expanded") != "true":
            await button.click()

    async def open_user_info(self) -> LoginPage:
        """事前の準備が整った方 → 画面申請の方 → 利用者情報の確認・変更を行う (a new window)."""
        await self.require("事前の準備が整った方", self.ready_menu)
        await self._expand(self.ready_menu)
        await self.require("画面申請の方", self.screen_application_menu)
        await self._expand(self.screen_application_menu)
        await self.require("利用者情報の確認・変更を行う", self.user_info_link)
        async with self.page.context.expect_page() as new_window:
            await self.user_info_link.click()
        login = await new_window.value
        await login.wait_for_load_state("domcontentloaded")
        return LoginPage(login)
