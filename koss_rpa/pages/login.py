"""マイページログイン: the 納付利用者ID and password form."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from playwright.async_api import Locator
from pydantic import SecretStr

from koss_rpa.errors import LoginRejected
from koss_rpa.pages.answers import answer_of, answer_to, refusal, unknown_answer
from koss_rpa.pages.lookups import Lookup, Root
from koss_rpa.pages.screen import Control, Field, Screen

if TYPE_CHECKING:
    from koss_rpa.pages.mypage import MyPage
    from koss_rpa.pages.password_change import PasswordChangePage


class LoginPage(Screen):
    """マイページログイン."""

    name = "マイページログイン"

    user_id = Field("納付利用者ID")
    password = Field("納付利用者パスワード")
    login_button = Control("ログイン")
    change_password_link = Control("パスワード変更")

    def presence(self, root: Root) -> Locator:
        # Its name, or its password field: a portal may title the screen differently.
        return super().presence(root).or_(LoginPage.password.lookup(root).visible)

    def lookups(self) -> list[Lookup]:
        return [
            self.name_lookup(),
            self.user_id,
            self.password,
            self.login_button,
            self.change_password_link,
        ]

    async def submit_credentials(
        self,
        user_id: str,
        password: SecretStr,
        timeout_ms: float | None = None,
        before: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """Type the ID and the password and press ログイン (the password only at the fill).

        `before` runs once the form is known to be complete, before the password is typed (the
        flow spends the login budget there: a form without its button costs nothing).
        """

        async def read_lines() -> None:  # the lines before, for the answer (`new_lines`)
            self.before = await self.texts()

        # At once: the ID typed (no secret), the lines read, the rest of the form waited for.
        password_box, button = await self.require(
            self.password,
            self.login_button,
            alongside=[self.act(self.user_id, lambda box: box.fill(user_id)), read_lines()],
        )
        if before is not None:
            await before()
        await password_box.fill(password.get_secret_value())
        # Wait for the answer's document, so that the screen before is never taken for it.
        async with answer_of(self.page, self.root, timeout_ms, words=self.login_button.words):
            await button.click()

    async def outcome(self, timeout_ms: float | None = None) -> MyPage | PasswordChangePage:
        """What the portal showed after ログイン: the マイページ, or the forced パスワード変更.

        Recognised by content, never by markup: the change form's fields, the login form again,
        or the マイページ's name or download.

        Raises:
            LoginRejected: the login screen again (its message is kept, whatever holds it).
            AccountLocked: the same, and the message says ロック.
            AnswerUnrecognised: none of these screens (never retried: a wrong password would
                walk into the lock-out).
        """
        from koss_rpa.pages.mypage import MyPage
        from koss_rpa.pages.password_change import PasswordChangePage

        expected = f"{MyPage.name} / {PasswordChangePage.name}"
        shown = await answer_to(
            self.page,
            "ログイン",
            expected,
            [PasswordChangePage(self.page), LoginPage(self.page), MyPage(self.page)],
            timeout_ms,
            likely=2,
        )
        if not shown:
            raise await unknown_answer(self.page, "ログイン", expected)
        # The change form first: it may name the login ID; then the login form, then マイページ.
        first = shown[0]
        if isinstance(first, PasswordChangePage | MyPage):
            return first
        raise LoginRejected(await refusal(first, self.before))

    async def open_password_change(self) -> PasswordChangePage:
        """The パスワード変更 link (or button), for a change the user asked for."""
        from koss_rpa.pages.password_change import PasswordChangePage

        async with answer_of(self.page, self.root, words=self.change_password_link.words):
            await self.act(self.change_password_link, Locator.click)
        return PasswordChangePage(self.page)
