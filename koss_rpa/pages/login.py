"""マイページログイン: the 納付利用者ID and password form."""

from __future__ import annotations

from typing import TYPE_CHECKING

from playwright.async_api import Page
from pydantic import SecretStr

from koss_rpa.errors import AccountLocked, LoginRejected
from koss_rpa.pages.base import Screen, wait_for_any

if TYPE_CHECKING:
    from koss_rpa.pages.mypage import MyPage
    from koss_rpa.pages.password_change import PasswordChangePage

LOCKED_PATTERN = "ロック"


class LoginPage(Screen):
    """マイページログイン."""

    heading = "マイページログイン"

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.user_id = page.get_by_label("納付利用者ID")
        self.password = page.get_by_label("納付利用者パスワード")
        self.login_button = page.get_by_role("button", name="ログイン", exact=True)
        self.change_password_link = page.get_by_role("link", name="パスワード変更", exact=True)
        self.alert = page.get_by_role("alert")

    async def submit_credentials(self, user_id: str, password: SecretStr) -> None:
        """Type the ID and the password and press ログイン (the password only at the fill)."""
        await self.require("ログイン", self.user_id, self.password, self.login_button)
        await self.user_id.fill(user_id)
        await self.password.fill(password.get_secret_value())
        # Wait for the answer's page, so that an earlier message is never taken for it.
        async with self.page.expect_navigation():
            await self.login_button.click()

    async def outcome(self, timeout_ms: float | None = None) -> MyPage | PasswordChangePage:
        """What the portal showed after ログイン: the マイページ, or the forced パスワード変更.

        Raises:
            LoginRejected: the portal refused the ID or password (its message is kept).
            AccountLocked: the portal says the account is locked.
        """
        from koss_rpa.pages.mypage import MyPage
        from koss_rpa.pages.password_change import PasswordChangePage

        mypage, change = MyPage(self.page), PasswordChangePage(self.page)
        await wait_for_any(
            self.page,
            f"{MyPage.heading} / {PasswordChangePage.heading}",
            mypage.heading_locator(),
            change.heading_locator(),
            self.alert,
            timeout_ms=timeout_ms,
        )
        if await mypage.is_displayed():
            return mypage
        if await change.is_displayed():
            return change
        message = " ".join(t.strip() for t in await self.alert.all_inner_texts())
        if LOCKED_PATTERN in message:
            raise AccountLocked(message)
        raise LoginRejected(message)

    async def open_password_change(self) -> PasswordChangePage:
        """The パスワード変更 link, for a change the user asked for."""
        from koss_rpa.pages.password_change import PasswordChangePage

        await self.require("パスワード変更", self.change_password_link)
        await self.change_password_link.click()
        return PasswordChangePage(self.page)
