"""Password changes a user asks for (`change-password`) or that are due (proactive rotation).

Both go the manual's way: マイページログイン → パスワード変更 → 変更 → パスワード変更結果通知 →
« ログインへ戻る → ログイン with the new password, which proves the keyring is right.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from koss_rpa.errors import CredentialsMissing, LoginRejected, ScreenNotReached
from koss_rpa.flows.login import _submit_login, change_password_on, open_login, sign_in
from koss_rpa.flows.runtime import AccountRun, AccountSession, Runtime, account_session, retrying
from koss_rpa.i18n import _
from koss_rpa.notify import notify_rotation
from koss_rpa.pages import MyPage

if TYPE_CHECKING:
    from koss_rpa.flows.login import SignedIn


@dataclass
class ChangeResult:
    user_id: str
    changed: bool
    attempts: int = 0
    retries: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "changed": self.changed,
            "attempts": self.attempts,
            "retries": self.retries,
        }


async def change_via_link(rt: Runtime, session: AccountSession, account: AccountRun) -> MyPage:
    """Open the login screen, follow パスワード変更, change, and log in with the new password."""
    user_id = account.user_id
    current = rt.store.current(user_id)
    if current is None:
        raise CredentialsMissing(
            _(
                "No password is stored for {user_id}: run 'koss-rpa credentials set {user_id}'."
            ).format(user_id=user_id)
        )
    login = await open_login(rt, session, user_id)
    change = await (await login.open_password_change()).wait_displayed()
    rt.step(user_id, "change", _("Changing the password…"))
    if not account.confirmed:
        account.unconfirmed_logins += 1  # the change form checks the current password too
    try:
        result = await change_password_on(rt, session, account, change, current)
    except LoginRejected:
        rt.store.mark_rejected(user_id)
        raise
    account.confirmed = True
    login = await (await result.back_to_login()).wait_displayed()
    new = rt.store.current(user_id)
    if new is None:
        raise CredentialsMissing(_("The new password vanished from the keyring."))
    rt.step(user_id, "login", _("Logging in with the new password…"))
    final = await _submit_login(rt, session, account, login, new)
    if not isinstance(final, MyPage):
        raise ScreenNotReached(MyPage.heading, final.heading)
    return final


async def change_password(rt: Runtime, user_id: str) -> ChangeResult:
    """The voluntary change. An interrupted earlier change is sorted out first, by logging in
    with the pending password and then the current one."""
    account = AccountRun(user_id)
    async for attempt in retrying(rt, account):
        with attempt:
            async with account_session(rt, account) as session:
                if rt.store.pending(user_id) is not None:
                    # Sort out the interrupted change first; if it did happen, it is the change.
                    signed = await sign_in(rt, session, account)
                    await signed.mypage.close()
                if not account.rotated:
                    mypage = await change_via_link(rt, session, account)
                    await mypage.close()
    if account.rotated:
        await asyncio.to_thread(notify_rotation, rt.settings, user_id)
    return ChangeResult(user_id, account.rotated, account.attempts, account.retry_reasons)


async def rotate_if_due(
    rt: Runtime, session: AccountSession, account: AccountRun, signed: SignedIn
) -> None:
    """Proactive rotation: change the password before the portal forces it."""
    limit = rt.settings.rotate_after_days
    if limit is None or account.rotated:
        return
    age = rt.store.status(account.user_id).age_days()
    if age is None or age < limit:
        return
    rt.step(
        account.user_id,
        "rotate_due",
        _("The password is {age:.0f} days old (limit {limit}); changing it now.").format(
            age=age, limit=limit
        ),
    )
    await signed.mypage.close()
    signed.mypage = await change_via_link(rt, session, account)
