"""Every password change, top to bottom: forced after an expired login, asked for by the user
(`change-password`), or due (proactive rotation).

Each goes the manual's way: パスワード変更 → 変更 → パスワード変更結果通知 → « ログインへ戻る →
ログイン with the new password, which proves the keyring is right. The keyring steps (pending
before 変更, current once confirmed, discarded once refused) are the account protocol's
(`koss_rpa.account.protocol`).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from koss_rpa.account.protocol import Account, Candidate
from koss_rpa.errors import LoginRejected, PasswordRejected, ScreenNotReached
from koss_rpa.flows.closing import close_quietly
from koss_rpa.flows.login import open_login, sign_in, submit_login
from koss_rpa.flows.retry import attempts
from koss_rpa.flows.runtime import AccountRun, Runtime
from koss_rpa.flows.session import AccountSession
from koss_rpa.i18n import _
from koss_rpa.notify import notify_rotation
from koss_rpa.pages import MyPage, PasswordChangePage, PasswordResultPage
from koss_rpa.pages.password_result import SUCCESS_MESSAGE
from koss_rpa.pages.waiting import describe

if TYPE_CHECKING:
    from koss_rpa.flows.login import SignedIn


@dataclass
class ChangeResult:
    user_id: str
    changed: bool
    attempts: int = 0
    retries: list[str] = field(default_factory=list)
    #: What went wrong after the work was done (a 終了 that failed), as in a download's.
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "changed": self.changed,
            "attempts": self.attempts,
            "retries": self.retries,
            "warnings": self.warnings,
        }


async def change_password_on(
    session: AccountSession, account: Account, screen: PasswordChangePage, current: SecretStr
) -> PasswordResultPage:
    """Fill the パスワード変更 screen with a new password, never losing either one."""
    rt, run = session.rt, session.run
    rt.folder.redactor.add(current)  # before the trace's chunk is saved and scrubbed

    spent = False
    try:
        async with session.secret_entry() as untraced:

            async def begin() -> SecretStr:
                nonlocal spent
                # Called once the form is there: a pending password stored for nothing would
                # cost a failed login.
                await untraced  # nothing typed from here on goes into the trace
                new = account.begin_change(current)
                rt.folder.redactor.add(new)
                if not run.confirmed:
                    # The form checks the current password too. Right after a login that the
                    # portal accepted in this run, that password cannot count as a failure:
                    # nothing is spent.
                    account.submitting("change")
                    spent = True
                return new

            await screen.submit_change(account.user_id, current, begin, rt.navigation_timeout_ms)
        # The answer is read while the trace starts again (as after a login).
        result, _traced = await asyncio.gather(screen.outcome(rt.timeout_ms), session.traced())
    except BaseException as exc:
        if spent:
            account.answer_failed(exc)
        if isinstance(exc, PasswordRejected):
            account.change_refused()
        if isinstance(exc, LoginRejected) and run.confirmed:
            # The portal refuses the current password it accepted at the login a moment ago:
            # it has changed meanwhile — a submission was taken whose answer was lost, and the
            # browser sent it again. Not a wrong password: the next attempt finds out which
            # one is in force, the pending one first.
            raise ScreenNotReached(
                PasswordResultPage.name, f"{await describe(screen.page)}: {exc}"
            ) from exc
        raise
    if not await result.confirms_change():
        raise ScreenNotReached(
            f"{PasswordResultPage.name}: {SUCCESS_MESSAGE}", await describe(result.page)
        )
    account.change_accepted()
    run.rotated = True
    session.step("changed", _("The portal confirmed the new password; it is in the keyring."))
    return result


async def change_and_log_in(
    session: AccountSession, account: Account, screen: PasswordChangePage, current: SecretStr
) -> MyPage:
    """Change the password on `screen`, go back to the login and log in with the new one."""
    result = await change_password_on(session, account, screen, current)
    login = await (await result.back_to_login()).wait_displayed()
    session.step("login", _("Logging in with the new password…"))
    new = Candidate("current", account.current())
    final = await submit_login(session.rt, session, account, login, new)
    if not isinstance(final, MyPage):
        raise ScreenNotReached(MyPage.name, PasswordChangePage.name)
    account.login_accepted(new, change_follows=False)
    return final


async def change_via_link(rt: Runtime, session: AccountSession) -> MyPage:
    """Open the login screen, follow パスワード変更, change, and log in with the new password."""
    account = rt.account(session.run.user_id)
    current = account.current()
    login = await open_login(rt, session)
    change = await (await login.open_password_change()).wait_displayed()
    session.step("change", _("Changing the password…"))
    try:
        return await change_and_log_in(session, account, change, current)
    except LoginRejected as exc:
        if session.run.confirmed:
            raise
        raise account.login_rejected(Candidate("current", current), exc.message) from exc


async def change_password(rt: Runtime, user_id: str) -> ChangeResult:
    """The voluntary change. An interrupted earlier change is sorted out first, by logging in
    with the pending password and then the current one."""
    run = AccountRun(user_id)
    async for attempt in attempts(rt, run):
        async with attempt as session:
            if rt.store.pending(user_id) is not None:
                # Sort out the interrupted change first; if it did happen, it is the change.
                signed = await sign_in(rt, session)
                await close_quietly(signed.mypage, run)  # the password is settled already
            if not run.rotated:
                mypage = await change_via_link(rt, session)
                await close_quietly(mypage, run)
    if run.rotated:
        await asyncio.to_thread(notify_rotation, rt.settings, user_id)
    return ChangeResult(user_id, run.rotated, run.attempts, run.retry_reasons, run.warnings)


async def rotate_if_due(rt: Runtime, session: AccountSession, signed: SignedIn) -> None:
    """Proactive rotation: change the password before the portal forces it."""
    run = session.run
    limit = rt.settings.rotate_after_days
    if limit is None or run.rotated:
        return
    age = rt.store.status(run.user_id).age_days()
    if age is None or age < limit:
        return
    session.step(
        "rotate_due",
        _("The password is {age:.0f} days old (limit {limit}); changing it now.").format(
            age=age, limit=limit
        ),
    )
    # The file is saved already: a 終了 that fails is a warning (a new window logs in anew).
    await close_quietly(signed.mypage, run, rt.navigation_timeout_ms)
    signed.mypage = await change_via_link(rt, session)
