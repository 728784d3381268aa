"""ポータルサイト: the top page of 軽自動車OSS with its drop-down menu."""

from __future__ import annotations

import asyncio
import itertools

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator, Page

from koss_rpa.pages.base import (
    Control,
    Lookup,
    Screen,
    menu_entry,
)
from koss_rpa.pages.login import LoginPage

#: The manual's path through the menu to the マイページログイン.
MENU_PATH = ("事前の準備が整った方", "画面申請の方")
USER_INFO_ITEM = "利用者情報の確認・変更を行う"


class PortalTopPage(Screen):
    """軽自動車保有関係手続のワンストップサービス — the portal's top page."""

    name = "軽自動車保有関係手続のワンストップサービス"

    @property
    def menu(self) -> list[Lookup]:
        return [menu_entry(self.root, words) for words in MENU_PATH]

    user_info_link = Control(USER_INFO_ITEM)

    def lookups(self) -> list[Lookup]:
        return [self.name_lookup(), *self.menu, self.user_info_link]

    async def open_user_info(self) -> LoginPage:
        """事前の準備が整った方 → 画面申請の方 → 利用者情報の確認・変更を行う, which opens the
        マイページログイン in a new window, or in this one.

        Each drop-down is opened as a person does: point at it, and click if that did not show
        the next level (a menu that opens by click, not by hover). A menu entry's words may also
        stand elsewhere on a top page (a tile, a list), so the first visible one is taken; the
        final item is required to be unique. Each pointing and clicking waits for its entry
        itself: no separate wait for it."""
        path = [*self.menu, self.user_info_link]
        for entry, below in itertools.pairwise(path):
            await self.act(entry, Locator.hover)
            if not await below.visible.count():
                await self.act(entry, Locator.click)
        context = self.page.context
        opened = asyncio.ensure_future(context.wait_for_event("page"))
        navigated = asyncio.ensure_future(
            self.page.wait_for_event("framenavigated", lambda f: f == self.page.main_frame)
        )
        try:
            await self.act(self.user_info_link, Locator.click)
            done, _pending = await asyncio.wait(
                {opened, navigated}, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            for task in (opened, navigated):
                if not task.done():
                    task.cancel()
            await asyncio.gather(opened, navigated, return_exceptions=True)
        window: Page = self.page
        if opened in done and opened.exception() is None:
            window = opened.result()
        elif navigated not in done or navigated.exception() is not None:
            error = opened.exception() or navigated.exception()
            raise error if isinstance(error, BaseException) else PlaywrightError("no window")
        await window.wait_for_load_state("domcontentloaded")
        return LoginPage(window)
