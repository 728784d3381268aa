"""Signing in to the マイページ, and every password change: forced after an expired login, asked
for by the user (`change-password`), or due (proactive rotation).

A login opens the マイページログイン (from the portal's top, or the configured URL) and tries the
account's candidates; a change goes the manual's way: パスワード変更 → 変更 →
パスワード変更結果通知 → « ログインへ戻る → ログイン with the new password, which proves the
keyring is right. Which password to try, what each answer of the portal means, the login budget
every submission spends and the keyring steps (pending before 変更, current once confirmed,
discarded once refused) are the account protocol's (`koss_rpa.account.protocol.Account`); this
module fills the screens and calls its steps.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr

from koss_rpa.account.protocol import Account, Candidate
from koss_rpa.errors import LoginRejected, PasswordExpired, ScreenNotReached
from koss_rpa.flows.closing import close_quietly
from koss_rpa.flows.retry import attempts
from koss_rpa.flows.runtime import AccountRun, Runtime
from koss_rpa.flows.session import AccountSession
from koss_rpa.i18n import _
from koss_rpa.notify.delivery import notify_rotation
from koss_rpa.pages import LoginPage, MyPage, PasswordChangePage, PasswordResultPage, PortalTopPage
from koss_rpa.pages.password_result import SUCCESS_MESSAGE
from koss_rpa.pages.waiting import describe


@dataclass
class SignedIn:
    mypage: MyPage
    rotated: bool


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


# --- logging in ------------------------------------------------------------------------------


async def open_login(rt: Runtime, session: AccountSession) -> LoginPage:
    """The portal's top → 事前の準備が整った方 → 画面申請の方 → 利用者情報の確認・変更を行う,
    which opens the マイページログイン (in a new window or this one); or the configured URL.

    Whether an error page shows instead is asked while each screen's next step goes on (the
    menu pointed at, the login form looked up): those steps cost nothing on an error page."""
    page = await session.new_page()
    if rt.settings.login_url:
        session.step("open", _("Opening the マイページログイン screen…"))
        await page.goto(rt.settings.login_url)
        return await LoginPage(page).wait_displayed(checked_with_next_step=True)
    session.step("open", _("Opening the portal and its menu…"))
    await page.goto(str(rt.settings.portal_url))
    top = await PortalTopPage(page).wait_displayed(checked_with_next_step=True)
    login = await top.open_user_info()
    return await login.wait_displayed(checked_with_next_step=True)


async def submit_login(
    rt: Runtime,
    session: AccountSession,
    account: Account,
    login: LoginPage,
    candidate: Candidate,
) -> MyPage | PasswordChangePage:
    """One login: the budget is spent (durably) before the click, whatever comes back; what
    became of the answer is recorded for the budget when it is not the マイページ."""
    rt.folder.redactor.add(candidate.password)
    spent = False
    try:
        async with session.secret_entry() as untraced:

            async def before() -> None:
                nonlocal spent
                await untraced  # nothing typed from here on goes into the trace
                account.submitting("login")
                spent = True

            await login.submit_credentials(
                account.user_id, candidate.password, rt.navigation_timeout_ms, before=before
            )
        # The answer is read while the trace starts again: the typing is over (and a password
        # a page might show again is scrubbed from every trace all the same).
        outcome, _traced = await asyncio.gather(login.outcome(rt.timeout_ms), session.traced())
    except BaseException as exc:
        if spent:
            account.answer_failed(exc)
        raise
    return outcome


async def sign_in(rt: Runtime, session: AccountSession) -> SignedIn:
    """Log in to the マイページ, rotating the password if the portal demands it."""
    login = await open_login(rt, session)
    account = rt.account(session.run)
    candidates = account.candidates()
    outcome: MyPage | PasswordChangePage | None = None
    used = candidates[-1]
    for index, candidate in enumerate(candidates):
        session.step("login", _("Logging in…"))
        try:
            outcome = await submit_login(rt, session, account, login, candidate)
        except LoginRejected as exc:
            error = account.login_rejected(candidate, exc.message)
            if index + 1 < len(candidates):
                login = await LoginPage(login.page).wait_displayed()
                continue  # the pending password is not (or not yet) in force: try current
            raise error from exc
        used = candidate
        will_change = isinstance(outcome, PasswordChangePage) and rt.settings.on_expired == "rotate"
        account.login_accepted(candidate, change_follows=will_change)
        break
    if outcome is None:  # pragma: no cover - the loop either breaks or raises
        raise ScreenNotReached(MyPage.name, login.page.url)

    if isinstance(outcome, MyPage):
        return SignedIn(outcome, rotated=False)

    notice = await outcome.notice_text()
    if rt.settings.on_expired == "fail":
        raise PasswordExpired(
            _("The portal asks for a new password ({notice}) and on_expired is 'fail'.").format(
                notice=notice or PasswordChangePage.name
            )
        )
    session.step("forced_change", _("The password has expired; setting a new one…"))
    mypage = await change_and_log_in(session, account, outcome, used.password)
    return SignedIn(mypage, rotated=True)


# --- changing the password -------------------------------------------------------------------


async def change_password_on(
    session: AccountSession, account: Account, screen: PasswordChangePage, current: SecretStr
) -> PasswordResultPage:
    """Fill the パスワード変更 screen with a new password, never losing either one."""
    rt = session.rt
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
                spent = account.submitting_change()
                return new

            await screen.submit_change(account.user_id, current, begin, rt.navigation_timeout_ms)
        # The answer is read while the trace starts again (as after a login).
        result, _traced = await asyncio.gather(screen.outcome(rt.timeout_ms), session.traced())
    except BaseException as exc:
        if spent:
            account.answer_failed(exc)
        if account.change_failed(exc):  # an answer lost, not a wrong password
            raise ScreenNotReached(
                PasswordResultPage.name, f"{await describe(screen.page)}: {exc}"
            ) from exc
        raise
    if not await result.confirms_change():
        raise ScreenNotReached(
            f"{PasswordResultPage.name}: {SUCCESS_MESSAGE}", await describe(result.page)
        )
    account.change_accepted()
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
    account = rt.account(session.run)
    current = account.current()
    login = await open_login(rt, session)
    change = await (await login.open_password_change()).wait_displayed()
    session.step("change", _("Changing the password…"))
    try:
        return await change_and_log_in(session, account, change, current)
    except LoginRejected as exc:
        if account.logged_in:
            raise
        raise account.login_rejected(Candidate("current", current), exc.message) from exc


async def change_password(rt: Runtime, user_id: str) -> ChangeResult:
    """The voluntary change. An interrupted earlier change is sorted out first, by logging in
    with the pending password and then the current one."""
    run = AccountRun(user_id)
    async for attempt in attempts(rt, run):
        async with attempt as session:
            if rt.account(run).change_interrupted():
                # Sort out the interrupted change first; if it did happen, it is the change.
                signed = await sign_in(rt, session)
                await close_quietly(signed.mypage, run)  # the password is settled already
            if not run.rotated:
                mypage = await change_via_link(rt, session)
                await close_quietly(mypage, run)
    if run.rotated:
        await asyncio.to_thread(notify_rotation, rt.settings.notify_config(), user_id)
    return ChangeResult(user_id, run.rotated, run.attempts, run.retry_reasons, run.warnings)


async def rotate_if_due(rt: Runtime, session: AccountSession, signed: SignedIn) -> None:
    """Proactive rotation: change the password before the portal forces it."""
    run = session.run
    limit = rt.settings.rotate_after_days
    if limit is None or run.rotated:
        return
    age = rt.account(run).password_age_days()
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
