"""マイページ: the menu, the まとめ納付管理ファイル download and the 利用者情報 tables."""

from __future__ import annotations

import asyncio
from asyncio import FIRST_COMPLETED

from playwright.async_api import Download, Page

from koss_rpa.errors import DownloadIncomplete, ScreenNotReached
from koss_rpa.i18n import _
from koss_rpa.pages.base import Screen, unexpected_screen


class MyPage(Screen):
    """マイページ."""

    heading = "マイページ"

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.summary_file_link = page.get_by_role("link", name="まとめ納付管理ファイル", exact=True)
        self.user_info_table = page.get_by_role("table", name="利用者情報", exact=True)
        self.direct_accounts_table = page.get_by_role(
            "table", name="国庫金ダイレクト納付口座情報", exact=True
        )
        self.refresh_button = page.get_by_role("button", name="最新の情報に更新")
        self.close_button = page.get_by_role("button", name="終了", exact=True)

    async def download_summary_file(self, timeout_ms: float | None = None) -> Download:
        """Click まとめ納付管理ファイル and return the browser's download (not yet saved).

        Raises:
            DownloadIncomplete: the portal showed a page instead of sending the file.
        """
        await self.require("まとめ納付管理ファイル", self.summary_file_link)
        download = asyncio.ensure_future(self.page.wait_for_event("download", timeout=timeout_ms))
        navigated = asyncio.ensure_future(
            self.page.wait_for_event(
                "framenavigated", lambda f: f == self.page.main_frame, timeout=timeout_ms
            )
        )
        try:
            await self.summary_file_link.click()
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
            shown = await unexpected_screen(self.page, "まとめ納付管理ファイル")
            if isinstance(shown, ScreenNotReached):
                raise DownloadIncomplete(
                    _("The portal showed a page instead of the file: {seen}").format(
                        seen=shown.seen
                    )
                )
            raise shown
        error = (download if download in done else navigated).exception()
        raise error if error else DownloadIncomplete(_("The download did not start."))

    async def user_info(self) -> dict[str, str]:
        """The 利用者情報 table as {label: value}, labels as the portal shows them."""
        info: dict[str, str] = {}
        for row in await self.user_info_table.get_by_role("row").all():
            header = row.get_by_role("rowheader")
            cell = row.get_by_role("cell")
            if await header.count() and await cell.count():
                label = (await header.first.inner_text()).strip()
                info[label] = (await cell.first.inner_text()).strip()
        return info

    async def direct_payment_accounts(self) -> list[dict[str, str]]:
        """The 国庫金ダイレクト納付口座情報 rows as {column: value}."""
        headers = self.direct_accounts_table.get_by_role("columnheader")
        columns = [c.strip() for c in await headers.all_inner_texts()]
        rows: list[dict[str, str]] = []
        for row in await self.direct_accounts_table.get_by_role("row").all():
            cells = [c.strip() for c in await row.get_by_role("cell").all_inner_texts()]
            if cells:
                rows.append(dict(zip(columns, cells, strict=False)))
        return rows

    async def refresh(self) -> MyPage:
        """最新の情報に更新."""
        await self.refresh_button.click()
        return await MyPage(self.page).wait_displayed()

    async def close(self) -> None:
        """終了: ends the session; the portal closes the window."""
        await self.close_button.click()
