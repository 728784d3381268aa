"""ポータルサイト: the top page of 軽自動車OSS with its drop-down menu."""

from __future__ import annotations

import asyncio
import itertools
import logging

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator, Page

from koss_rpa.pages.login import LoginPage
from koss_rpa.pages.lookups import Lookup, Root, menu_entry
from koss_rpa.pages.screen import Control, Screen
from koss_rpa.pages.waiting import cancel

log = logging.getLogger("koss_rpa.pages")

#: How long the final menu item is awaited after the last level was opened, before it is
#: activated as the page's own script would (a link that no pointing shows).
HIDDEN_LINK_WAIT_MS = 2000

#: The manual's path through the menu to the マイページログイン.
MENU_PATH = ("事前の準備が整った方", "画面申請の方")
USER_INFO_ITEM = "利用者情報の確認・変更を行う"


class PortalTopPage(Screen):
    """軽自動車保有関係手続のワンストップサービス — the portal's top page."""

    name = "軽自動車保有関係手続のワンストップサービス"

    @property
    def menu(self) -> list[Lookup]:
        return [self.overridden(menu_entry(self.root, words)) for words in MENU_PATH]

    user_info_link = Control(USER_INFO_ITEM)

    def __init__(self, page: Page, root: Root | None = None) -> None:
        super().__init__(page, root)
        #: How each level of the menu was passed by the latest walk, by its words.
        self.walked: dict[str, str] = {}

    def lookups(self) -> list[Lookup]:
        return [self.name_lookup(), *self.menu, self.user_info_link]

    async def walk_menu(self) -> tuple[Locator, bool]:
        """事前の準備が整った方 → 画面申請の方 → 利用者情報の確認・変更を行う, each level reached
        by what it reveals, whatever element bears its words: a level whose next one is on
        display already is passed (a heading inside an open panel leads nowhere); otherwise it
        is pointed at, and clicked if that did not show the next level (a menu that opens by
        click, not by hover). A menu entry's words may also stand elsewhere on a top page (a
        tile, a list), so the first visible one is taken; the final item is required to be
        unique. How each level was passed is logged and kept in `walked` (for `check`).

        Returns the final item and whether it is hidden: in the page, but no pointing showed
        it (`open_user_info` then activates it as the page's own script would)."""
        path = [*self.menu, self.user_info_link]
        self.walked = {}
        shown = False  # whether the level below the latest one passed was seen on display
        ahead: bool | None = None  # whether the level after that was, seen at the same time
        for n, (entry, below) in enumerate(itertools.pairwise(path)):
            shown = bool(await below.visible.count()) if ahead is None else ahead
            ahead = None
            if shown:
                how = "passed: the next level was on display"
            else:
                await self.act(entry, Locator.hover)
                how = "pointed at"
                # The level below and the one after it asked at once: the next level's own
                # question (is its next level on display already?) is then answered too.
                shown, ahead = await _on_display(below, *path[n + 2 : n + 3])
                if not shown:
                    await self.act(entry, Locator.click)
                    how = "clicked"
                    ahead = None  # asked anew: the click may have shown it
            self.walked[entry.words] = how
            log.info("menu 「%s」: %s", entry.words, how)
        link = self.user_info_link
        if shown or await link.visible.count():  # the last level below is the final item
            return self.target(link), False
        try:  # a menu that opens a moment after the click
            await self.target(link).wait_for(state="visible", timeout=HIDDEN_LINK_WAIT_MS)
        except PlaywrightError as exc:
            # Caught to decide, not to translate (the one catch that
            # tests/unit/foundation/test_portal_errors.py allows a page): the link in the page,
            # once, that no pointing showed is hidden, and activated by script; anything else
            # is the screen's error, as `Screen.one` raises.
            if await link.locator.count() != 1:
                raise await self.unusable(link, exc) from exc
            self.walked[link.words] = "activated by script: no pointing showed it"
            log.info("menu 「%s」: %s", link.words, self.walked[link.words])
            return link.locator, True
        return self.target(link), False

    async def open_user_info(self) -> LoginPage:
        """The menu walked (`walk_menu`) and 利用者情報の確認・変更を行う followed, which opens the
        マイページログイン in a new window, or in this one."""
        link, hidden = await self.walk_menu()
        context = self.page.context
        opened = asyncio.ensure_future(context.wait_for_event("page"))
        navigated = asyncio.ensure_future(
            self.page.wait_for_event("framenavigated", lambda f: f == self.page.main_frame)
        )
        try:
            if hidden:  # as the page's own script would: element.click()
                self.dialogs.clicked(USER_INFO_ITEM)
                await link.evaluate("element => element.click()")
            else:
                await self.act(self.user_info_link, Locator.click)
            done, _pending = await asyncio.wait(
                {opened, navigated}, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            await cancel({opened, navigated})
        window: Page = self.page
        if opened in done and opened.exception() is None:
            window = opened.result()
        elif navigated not in done or navigated.exception() is not None:
            error = opened.exception() or navigated.exception()
            raise error if isinstance(error, BaseException) else PlaywrightError("no window")
        await window.wait_for_load_state("domcontentloaded")
        return LoginPage(window)


async def _on_display(below: Lookup, *after: Lookup) -> tuple[bool, bool | None]:
    """Whether `below` is on display, and the lookup `after` it (None without one): one round
    trip's time."""
    counts = await asyncio.gather(*(lookup.visible.count() for lookup in (below, *after)))
    return bool(counts[0]), (bool(counts[1]) if after else None)
