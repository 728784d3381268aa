"""パスワード変更結果通知: the portal confirms the change."""

from __future__ import annotations

from typing import TYPE_CHECKING

from playwright.async_api import Page

from koss_rpa.pages.base import Screen

if TYPE_CHECKING:
    from koss_rpa.pages.login import LoginPage

SUCCESS_MESSAGE = "納付利用者パスワードは正常に変更されました。"


class PasswordResultPage(Screen):
    """パスワード変更結果通知."""

    heading = "パスワード変更結果通知"

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.success = page.get_by_text(SUCCESS_MESSAGE)
        self.back_link = page.get_by_role("link", name="ログインへ戻る")

    async def confirms_change(self) -> bool:
        """Whether the screen says 「納付利用者パスワードは正常に変更されました。」."""
        return await self.success.count() > 0

    async def back_to_login(self) -> LoginPage:
        """« ログインへ戻る."""
        from koss_rpa.pages.login import LoginPage

        await self.require("ログインへ戻る", self.back_link)
        await self.back_link.click()
        return LoginPage(self.page)
