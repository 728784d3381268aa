"""Open the マイページログイン and sign in, changing an expired password on the way.

Which password to try and what the portal's answers mean for the keyring is the account
protocol's (`koss_rpa.account.protocol`); every submission spends the login budget first.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from koss_rpa.account.protocol import Account, Candidate
from koss_rpa.errors import LoginRejected, PasswordExpired, ScreenNotReached
from koss_rpa.flows.runtime import Runtime
from koss_rpa.flows.session import AccountSession
from koss_rpa.i18n import _
from koss_rpa.pages import LoginPage, MyPage, PasswordChangePage, PortalTopPage


@dataclass
class SignedIn:
    mypage: MyPage
    rotated: bool


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
    run = session.run
    login = await open_login(rt, session)
    account = rt.account(run.user_id)
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
        run.confirmed = True
        will_change = isinstance(outcome, PasswordChangePage) and rt.settings.on_expired == "rotate"
        if account.login_accepted(candidate, change_follows=will_change):
            run.rotated = True  # an interrupted change did reach the portal
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
    # Imported here: the password flows sign in themselves (flows/password.py).
    from koss_rpa.flows.password import change_and_log_in

    mypage = await change_and_log_in(session, account, outcome, used.password)
    return SignedIn(mypage, rotated=True)
