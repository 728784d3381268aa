"""マイページ: the menu, the まとめ納付管理ファイル download and the 利用者情報 tables."""

from __future__ import annotations

import asyncio
from asyncio import FIRST_COMPLETED
from typing import Any

from playwright.async_api import Download, Locator

from koss_rpa.errors import DownloadIncomplete, ScreenNotReached
from koss_rpa.i18n import _
from koss_rpa.pages.base import (
    DECORATION_CHARS,
    DECORATION_WORDS,
    Control,
    Lookup,
    Root,
    Screen,
    unexpected_screen,
)

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
# a header row found by its first column's name. Texts are compared as `base.normalize` does.
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

        Raises:
            DownloadIncomplete: the portal showed a page instead of sending the file.
        """
        frames = {self.page.main_frame, self.root if self.root is not self.page else None}
        download = asyncio.ensure_future(self.page.wait_for_event("download", timeout=timeout_ms))
        navigated = asyncio.ensure_future(
            self.page.wait_for_event("framenavigated", lambda f: f in frames, timeout=timeout_ms)
        )
        try:
            await self.act(self.summary_file_link, Locator.click)
            done, _pending = await asyncio.wait({download, navigated}, return_when=FIRST_COMPLETED)
        finally:
            for task in (download, navigated):
                if not task.done():
                    task.cancel()
            await asyncio.gather(download, navigated, return_exceptions=True)
        if download in done and not download.cancelled() and download.exception() is None:
            result: Download = download.result()
            return result
        if navigated in done and navigated.exception() is None:
            await self.page.wait_for_load_state()
            # A maintenance or error page says more than "not the file": keep its own error.
            shown = await unexpected_screen(self.page, SUMMARY_FILE)
            if isinstance(shown, ScreenNotReached):
                raise DownloadIncomplete(
                    _("The portal showed a page instead of the file: {seen}").format(
                        seen=shown.seen
                    )
                )
            raise shown
        error = (download if download in done else navigated).exception()
        raise error if error else DownloadIncomplete(_("The download did not start."))

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

    async def close(self) -> None:
        """終了: ends the session; the portal closes the window."""
        await self.act(self.close_button, Locator.click)
