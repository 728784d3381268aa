"""パスワード変更: reached by the link on the login screen, or forced after an expired login."""

from __future__ import annotations

from playwright.async_api import Page
from pydantic import SecretStr

from koss_rpa.errors import AccountLocked, LoginRejected, PasswordRejected
from koss_rpa.pages.base import Screen, wait_for_any
from koss_rpa.pages.password_result import PasswordResultPage

#: A refusal of the ID or current password names 現在のパスワード and says 正しくありません.
CURRENT_PASSWORD_WRONG = ("現在のパスワード", "正しくありません")
LOCKED = "ロック"


class PasswordChangePage(Screen):
    """パスワード変更."""

    heading = "パスワード変更"

    def __init__(self, page: Page) -> None:
        super().__init__(page)
        self.user_id = page.get_by_label("納付利用者ID")
        self.current_password = page.get_by_label("現在のパスワード")
        self.new_password = page.get_by_label("新しいパスワード", exact=True)
        self.new_password_confirm = page.get_by_label("新しいパスワード（確認用）")
        self.change_button = page.get_by_role("button", name="変更", exact=True)
        self.alert = page.get_by_role("alert")
        self.notice = page.get_by_role("status")

    async def notice_text(self) -> str:
        """The portal's notice (e.g. that the password has expired), or ''."""
        return " ".join(t.strip() for t in await self.notice.all_inner_texts())

    async def wait_form(self) -> None:
        """Wait until the four fields and 変更 are on display (or say what is instead)."""
        await self.require(
            "変更",
            self.user_id,
            self.current_password,
            self.new_password,
            self.new_password_confirm,
            self.change_button,
        )

    async def submit_change(self, user_id: str, current: SecretStr, new: SecretStr) -> None:
        """Fill the four fields and press 変更."""
        await self.wait_form()
        if await self.user_id.is_editable():
            await self.user_id.fill(user_id)
        await self.current_password.fill(current.get_secret_value())
        await self.new_password.fill(new.get_secret_value())
        await self.new_password_confirm.fill(new.get_secret_value())
        async with self.page.expect_navigation():
            await self.change_button.click()

    async def outcome(self, timeout_ms: float | None = None) -> PasswordResultPage:
        """The パスワード変更結果通知, or the portal's refusal as an error.

        Raises:
            PasswordRejected: the new password was refused (policy, reuse, mismatch).
            LoginRejected: the ID or the current password was wrong.
            AccountLocked: the account is locked.
        """
        result = PasswordResultPage(self.page)
        await wait_for_any(
            self.page,
            PasswordResultPage.heading,
            result.heading_locator(),
            self.alert,
            timeout_ms=timeout_ms,
        )
        if await result.is_displayed():
            return result
        message = " ".join(t.strip() for t in await self.alert.all_inner_texts())
        if LOCKED in message:
            raise AccountLocked(message)
        if all(word in message for word in CURRENT_PASSWORD_WRONG):
            raise LoginRejected(message)
        raise PasswordRejected(message)
