"""マイページ: the menu, the まとめ納付管理ファイル download and the 利用者情報 tables."""

from __future__ import annotations

import asyncio
import logging
from asyncio import FIRST_COMPLETED
from typing import Any

from playwright.async_api import Download, Frame, Locator

from koss_rpa.errors import DownloadIncomplete, ScreenNotReached
from koss_rpa.i18n import _
from koss_rpa.pages import between
from koss_rpa.pages.lookups import Lookup, Root, counted
from koss_rpa.pages.screen import Control, Screen
from koss_rpa.pages.waiting import cancel, describe, shows_error_page, unexpected_screen
from koss_rpa.pages.words import DECORATION_CHARS, DECORATION_WORDS
from koss_rpa.portal_errors import tolerated

log = logging.getLogger("koss_rpa.pages")

#: How long a file is awaited on a page between before its control is activated (after the
#: delay of its meta refresh, if it has one).
AUTO_START_SECONDS = 3.0

#: The rows of the 利用者情報 table, as the manual names them.
USER_INFO_LABELS = (
    "納付利用者ID",
    "一括利用者ID",
    "氏名（フリガナ）",
    "氏名",
    "利用者管理用メールアドレス",
    "申請状況通知用メールアドレス",
    "利用者情報更新日時",
)
#: The columns of the 国庫金ダイレクト納付口座情報 table.
DIRECT_ACCOUNT_COLUMNS = ("口座ID", "口座名義（フリガナ）", "金融機関名", "本支店名", "口座情報")
SUMMARY_FILE = "まとめ納付管理ファイル"

# Tables read by their words, whatever their markup: a label cell and the cell after it, and
# a header row found by its first column's name. Texts are compared as `words.normalize` does.
_READ_TABLES_JS = """([labels, columns, drop]) => {
  const norm = (s) => [...(s || '').normalize('NFKC')].filter((c) => !drop.includes(c)).join('');
  const cells = [...document.querySelectorAll('th, td, dt, dd')];
  const info = {};
  for (const label of labels) {
    const cell = cells.find((c) => norm(c.innerText) === norm(label));
    const next = cell && cell.nextElementSibling;
    if (next && !(label in info)) info[label] = next.innerText.trim();
  }
  const rows = [];
  const head = cells.find((c) => norm(c.innerText) === norm(columns[0]));
  const headRow = head && head.closest('tr');
  if (headRow) {
    const names = [...headRow.children].map((c) => c.innerText.trim());
    let row = headRow.nextElementSibling || null;
    if (!row && headRow.parentElement.nextElementSibling) {
      row = headRow.parentElement.nextElementSibling.querySelector('tr');
    }
    for (; row; row = row.nextElementSibling) {
      const values = [...row.children].map((c) => c.innerText.trim());
      if (values.some((v) => v)) {
        const entry = {};
        names.forEach((n, i) => { entry[n] = values[i] === undefined ? '' : values[i]; });
        rows.push(entry);
      }
    }
  }
  return [info, rows];
}"""


class MyPage(Screen):
    """マイページ."""

    name = "マイページ"

    summary_file_link = Control(SUMMARY_FILE)
    refresh_button = Control("最新の情報に更新")
    close_button = Control("終了")

    def presence(self, root: Root) -> Locator:
        # The name, or the download that only the マイページ offers.
        return super().presence(root).or_(MyPage.summary_file_link.lookup(root).visible)

    def lookups(self) -> list[Lookup]:
        return [self.name_lookup(), self.summary_file_link, self.refresh_button, self.close_button]

    async def download_summary_file(self, timeout_ms: float | None = None) -> Download:
        """Click まとめ納付管理ファイル and return the browser's download (not yet saved).

        The file may come through a page between (「ダウンロードを開始します…」): it is awaited
        across that page (a meta refresh, a script), and if none starts within
        `AUTO_START_SECONDS` (after the refresh's own delay), the page's one control of its own
        is activated (`koss_rpa.pages.between`).

        Raises:
            DownloadIncomplete: the portal showed a page instead of sending the file.
        """
        loop = asyncio.get_running_loop()
        deadline = None if timeout_ms is None else loop.time() + timeout_ms / 1000
        before = await between.controls(self.root)
        frames = {self.page.main_frame, self.root if self.root is not self.page else None}
        download = asyncio.ensure_future(self.page.wait_for_event("download", timeout=timeout_ms))
        navigated = asyncio.ensure_future(
            self.page.wait_for_event("framenavigated", lambda f: f in frames, timeout=timeout_ms)
        )
        try:
            await self.act(self.summary_file_link, Locator.click)
            done, _pending = await asyncio.wait({download, navigated}, return_when=FIRST_COMPLETED)
            if download not in done and navigated in done and navigated.exception() is None:
                frame: Frame = navigated.result()
                await self._page_between(frame)
                refresh = (await between.controls(frame)).refresh
                wait = AUTO_START_SECONDS + (min(refresh[0], 30.0) if refresh else 0.0)
                if deadline is not None:
                    wait = min(wait, max(deadline - loop.time(), 0.0))
                done, _pending = await asyncio.wait({download}, timeout=wait)
                if not done:
                    await self._start_from(frame, before)
                    left = None if deadline is None else max(deadline - loop.time(), 0.0)
                    done, _pending = await asyncio.wait({download}, timeout=left)
        finally:
            await cancel({download, navigated})
        if download in done and not download.cancelled() and download.exception() is None:
            result: Download = download.result()
            return result
        if navigated in done and navigated.exception() is not None:
            raise navigated.exception()  # type: ignore[misc]
        error = download.exception() if download.done() and not download.cancelled() else None
        raise error if error else DownloadIncomplete(_("The download did not start."))

    async def _page_between(self, frame: Frame) -> None:
        """What showed after the click: an error page or a screen of the job raises what it
        means; any other page may be a page between."""
        with tolerated():
            await frame.wait_for_load_state()
        shown = await unexpected_screen(self.page, SUMMARY_FILE)
        if not isinstance(shown, ScreenNotReached):
            raise shown
        if await shows_error_page(self.page) or await self._known_screen(frame):
            raise DownloadIncomplete(
                _("The portal showed a page instead of the file: {seen}").format(seen=shown.seen)
            )
        log.info("a page between まとめ納付管理ファイル and the file: %s", shown.seen)

    async def _known_screen(self, frame: Frame) -> bool:
        from koss_rpa.pages.login import LoginPage  # no cycle at import time

        for screen in (MyPage(self.page, frame), LoginPage(self.page, frame)):
            if await screen.is_displayed():
                return True
        return False

    async def _start_from(self, frame: Frame, before: between.Controls) -> None:
        """No file came by itself: activate the page's one control of its own."""
        candidates = between.file_control(await between.controls(frame), before)
        if len(candidates) != 1:
            seen = " / ".join(c.html for c in candidates) or await describe(self.page)
            raise DownloadIncomplete(
                _("The portal showed a page instead of the file: {seen}").format(seen=seen)
            )
        control = candidates[0]
        log.info("no download started by itself: activating 「%s」", control.words)
        self.dialogs.clicked(control.words)
        await between.locate(frame, control).click()

    async def _tables(self) -> tuple[dict[str, str], list[dict[str, str]]]:
        drop = " \t\r\n\u3000\u00a0" + DECORATION_CHARS + "".join(DECORATION_WORDS)
        result: Any = await self.root.evaluate(
            _READ_TABLES_JS, [list(USER_INFO_LABELS), list(DIRECT_ACCOUNT_COLUMNS), drop]
        )
        info, rows = result
        return dict(info), [dict(r) for r in rows]

    async def user_info(self) -> dict[str, str]:
        """The 利用者情報 table as {label: value}, labels as the manual names them."""
        info, _rows = await self._tables()
        return info

    async def direct_payment_accounts(self) -> list[dict[str, str]]:
        """The 国庫金ダイレクト納付口座情報 rows as {column: value}."""
        _info, rows = await self._tables()
        return rows

    async def close(self, timeout_ms: float | None = None) -> None:
        """終了: ends the session; the portal closes the window or shows its 終了 page.

        終了 is clicked where the robot is; on a page without it (the page a download left the
        window on), after returning to the マイページ by the page's link back (マイページ,
        戻る) or by the history. The portal's answer is awaited.

        Raises:
            KossError: an error page answered 終了, or no マイページ could be returned to.
            PlaywrightError: nothing answered in time.
        """
        here = await counted(self.close_button.visible)
        if not here and not await self.is_displayed():
            await self._return(timeout_ms)
        frames = {self.page.main_frame, self.root if self.root is not self.page else None}
        navigated = asyncio.ensure_future(
            self.page.wait_for_event("framenavigated", lambda f: f in frames, timeout=timeout_ms)
        )
        closed = asyncio.ensure_future(self.page.wait_for_event("close", timeout=timeout_ms))
        try:
            await self.act(self.close_button, Locator.click)
            done, _pending = await asyncio.wait({navigated, closed}, return_when=FIRST_COMPLETED)
        finally:
            await cancel({navigated, closed})
        if closed in done and closed.exception() is None:
            return
        error = navigated.exception()
        if error is not None:
            raise error
        with tolerated():
            await self.page.wait_for_load_state()
        if not self.page.is_closed() and await shows_error_page(self.page):
            raise await unexpected_screen(self.page, "終了")

    async def _return(self, timeout_ms: float | None) -> None:
        """Back to the マイページ: by the page's link back, else by the history."""
        back = between.back_control(await between.controls(self.page))
        if back is not None:
            log.info("no 終了 here: back to the マイページ by 「%s」", back.words)
            self.dialogs.clicked(back.words)
            await between.locate(self.page, back).click()
        else:
            log.info("no 終了 here: back to the マイページ by the history")
            await self.page.go_back(timeout=timeout_ms)
        await self.wait_displayed(timeout_ms)
