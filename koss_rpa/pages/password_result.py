"""パスワード変更結果通知: the portal confirms the change."""

from __future__ import annotations

from typing import TYPE_CHECKING

from playwright.async_api import Locator

from koss_rpa.pages.answers import answer_of
from koss_rpa.pages.lookups import Lookup, Root
from koss_rpa.pages.screen import Control, Screen, Sentence

if TYPE_CHECKING:
    from koss_rpa.pages.login import LoginPage

SUCCESS_MESSAGE = "納付利用者パスワードは正常に変更されました。"


class PasswordResultPage(Screen):
    """パスワード変更結果通知."""

    name = "パスワード変更結果通知"

    success = Sentence(SUCCESS_MESSAGE)
    back_link = Control("ログインへ戻る")

    def presence(self, root: Root) -> Locator:
        # The name, or the message of success that no other screen shows.
        return super().presence(root).or_(PasswordResultPage.success.lookup(root).visible)

    def lookups(self) -> list[Lookup]:
        return [self.name_lookup(), self.success, self.back_link]

    async def confirms_change(self) -> bool:
        """Whether the screen says 「納付利用者パスワードは正常に変更されました。」."""
        return await self.success.visible.count() > 0

    async def back_to_login(self) -> LoginPage:
        """« ログインへ戻る."""
        from koss_rpa.pages.login import LoginPage

        async with answer_of(self.page, self.root, words=self.back_link.words):
            await self.act(self.back_link, Locator.click)
        return LoginPage(self.page)
