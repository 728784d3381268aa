"""パスワード変更: reached by the link on the login screen, or forced after an expired login."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from playwright.async_api import Locator
from pydantic import SecretStr

from koss_rpa.errors import (
    LoginRejected,
    PasswordRejected,
)
from koss_rpa.pages.answers import answer_of, answer_to, refusal, unknown_answer
from koss_rpa.pages.lookups import Lookup, Root
from koss_rpa.pages.password_result import PasswordResultPage
from koss_rpa.pages.screen import Control, Field, Screen

#: A refusal of the ID or current password names 現在のパスワード and says 正しくありません.
CURRENT_PASSWORD_WRONG = ("現在のパスワード", "正しくありません")
#: The manual's own words on this screen: the figure writes the brackets half-width.
CONFIRM_LABEL = "新しいパスワード (確認用)"
#: Words of a notice that a password has expired or was a temporary one (inferred).
NOTICE_WORDS = ("期限", "仮パスワード")


class PasswordChangePage(Screen):
    """パスワード変更."""

    name = "パスワード変更"

    user_id = Field("納付利用者ID")
    current_password = Field("現在のパスワード")
    new_password = Field("新しいパスワード")
    new_password_confirm = Field(CONFIRM_LABEL)
    change_button = Control("変更")

    def presence(self, root: Root) -> Locator:
        # The name, or the confirmation field that no other screen has.
        return (
            super().presence(root).or_(PasswordChangePage.new_password_confirm.lookup(root).visible)
        )

    def lookups(self) -> list[Lookup]:
        return [
            self.name_lookup(),
            self.current_password,
            self.new_password,
            self.new_password_confirm,
            self.change_button,
        ]

    async def notice_text(self) -> str:
        """What the screen says of why a new password is wanted (it has expired, or a temporary
        one was used), or ''."""
        lines = await self.texts()
        return " ".join(line for line in lines if any(w in line for w in NOTICE_WORDS))

    async def wait_form(self) -> list[Locator]:
        """Wait until the three password fields and 変更 are on display (or say what is
        instead); the ID field too when the screen has one to type into."""
        return await self.require(
            self.current_password, self.new_password, self.new_password_confirm, self.change_button
        )

    async def submit_change(
        self,
        user_id: str,
        current: SecretStr,
        new_password: Callable[[], Awaitable[SecretStr]],
        timeout_ms: float | None = None,
    ) -> None:
        """Fill the fields and press 変更.

        `new_password` is asked once the form is known to be complete, before anything is typed
        (the flow stores it as pending there: a form without its button costs no password).
        """
        current_box, new_box, confirm_box, button = await self.wait_form()
        new = await new_password()
        # The forced screen may show the ID as text, or in a read-only field.
        id_boxes = self.user_id.visible
        if await id_boxes.count() == 1 and await id_boxes.first.is_editable():
            await id_boxes.first.fill(user_id)
        # The lines before, read while the current password is typed (a fill adds none).
        self.before, _filled = await asyncio.gather(
            self.texts(), current_box.fill(current.get_secret_value())
        )
        await new_box.fill(new.get_secret_value())
        await confirm_box.fill(new.get_secret_value())
        async with answer_of(self.page, self.root, timeout_ms, words=self.change_button.words):
            await button.click()

    async def outcome(self, timeout_ms: float | None = None) -> PasswordResultPage:
        """The パスワード変更結果通知, or the portal's refusal as an error.

        Raises:
            PasswordRejected: the form again: the new password was refused (policy, reuse,
                mismatch, or words koss-rpa does not know).
            LoginRejected: the form again, saying the ID or the current password is wrong.
            AccountLocked: the form again, saying ロック.
            AnswerUnrecognised: none of these screens.
        """
        expected = PasswordResultPage.name
        shown = await answer_to(
            self.page, "変更", expected, [PasswordResultPage(self.page), self], timeout_ms, likely=0
        )
        results = [screen for screen in shown if isinstance(screen, PasswordResultPage)]
        if results:
            return results[0]
        if shown:  # the form again, and no result
            message = await refusal(shown[0], self.before)
            if all(word in message for word in CURRENT_PASSWORD_WRONG):
                raise LoginRejected(message)
            raise PasswordRejected(message)
        raise await unknown_answer(self.page, "変更", expected)
