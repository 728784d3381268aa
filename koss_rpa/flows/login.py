"""Open the マイページログイン and log in, changing an expired password on the way.

Never more than two logins with a password the portal has not yet accepted in this run
(pending first, then current); a password the portal rejected is never tried again by a later
run until a person sets it (`koss-rpa credentials set`).
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import SecretStr

from koss_rpa.credentials import generate_password
from koss_rpa.errors import (
    CredentialsMissing,
    LoginRejected,
    PasswordExpired,
    PasswordRejected,
    PortalUnavailable,
    ScreenNotReached,
)
from koss_rpa.flows.runtime import AccountRun, AccountSession, Runtime
from koss_rpa.i18n import _
from koss_rpa.pages import LoginPage, MyPage, PasswordChangePage, PasswordResultPage, PortalTopPage
from koss_rpa.pages.base import describe
from koss_rpa.pages.password_result import SUCCESS_MESSAGE

#: A locked account is never our doing: at most this many guesses a run (DESIGN.md §3).
MAX_UNCONFIRMED_LOGINS = 2


@dataclass
class SignedIn:
    mypage: MyPage
    rotated: bool


async def open_login(rt: Runtime, session: AccountSession, user_id: str) -> LoginPage:
    """The portal's top → 事前の準備が整った方 → 画面申請の方 → 利用者情報の確認・変更を行う,
    which opens the マイページログイン in a new window; or the configured direct URL."""
    page = await session.new_page()
    if rt.settings.login_url:
        rt.step(user_id, "open", _("Opening the マイページログイン screen…"))
        await page.goto(rt.settings.login_url)
        return await LoginPage(page).wait_displayed()
    rt.step(user_id, "open", _("Opening the portal and its menu…"))
    await page.goto(str(rt.settings.portal_url))
    top = await PortalTopPage(page).wait_displayed()
    login = await top.open_user_info()
    return await login.wait_displayed()


def _candidates(rt: Runtime, user_id: str) -> list[tuple[str, SecretStr]]:
    store = rt.store
    pending, current = store.pending(user_id), store.current(user_id)
    found = [(slot, pw) for slot, pw in (("pending", pending), ("current", current)) if pw]
    if not found:
        raise CredentialsMissing(
            _(
                "No password is stored for {user_id}: run 'koss-rpa credentials set {user_id}'."
            ).format(user_id=user_id)
        )
    if pending is None and store.status(user_id).rejected_at is not None:
        raise LoginRejected(
            _(
                "The portal rejected the stored password of {user_id} in an earlier run; it is not "
                "tried again (to avoid locking the account). Set the right one with "
                "'koss-rpa credentials set {user_id}'."
            ).format(user_id=user_id)
        )
    return found


async def _submit_login(
    rt: Runtime,
    session: AccountSession,
    account: AccountRun,
    login: LoginPage,
    password: SecretStr,
) -> MyPage | PasswordChangePage:
    if not account.confirmed:
        if account.unconfirmed_logins >= MAX_UNCONFIRMED_LOGINS:
            raise PortalUnavailable(
                _(
                    "Stopped after {n} unanswered login attempts, so as not to lock the account."
                ).format(n=account.unconfirmed_logins)
            )
        account.unconfirmed_logins += 1
    rt.folder.redactor.add(password)
    async with session.secret_entry():
        await login.submit_credentials(account.user_id, password)
        return await login.outcome(rt.timeout_ms)


def _will_rotate(rt: Runtime, outcome: MyPage | PasswordChangePage) -> bool:
    """Whether the portal asks for a new password and the settings let koss-rpa set one.

    A pending password that did not log in is then kept for the change: the interrupted
    submission may still reach the portal late, so the change is made again with the very
    same password and the keyring holds whatever the portal ends up with.
    """
    return isinstance(outcome, PasswordChangePage) and rt.settings.on_expired == "rotate"


async def sign_in(rt: Runtime, session: AccountSession, account: AccountRun) -> SignedIn:
    """Log in to the マイページ, rotating the password if the portal demands it."""
    user_id = account.user_id
    login = await open_login(rt, session, user_id)
    candidates = _candidates(rt, user_id)
    outcome: MyPage | PasswordChangePage | None = None
    used = candidates[-1][1]
    for index, (slot, password) in enumerate(candidates):
        rt.step(user_id, "login", _("Logging in…"))
        try:
            outcome = await _submit_login(rt, session, account, login, password)
        except LoginRejected:
            if index + 1 < len(candidates):
                continue  # the pending password never reached the portal: try the current one
            rt.store.mark_rejected(user_id)
            raise
        used = password
        account.confirmed = True
        if slot == "pending":
            rt.store.promote_pending(user_id)  # an interrupted change did reach the portal
            account.rotated = True
        elif len(candidates) > 1 and not _will_rotate(rt, outcome):
            rt.store.discard_pending(user_id)
        rt.store.mark_confirmed(user_id)
        break
    if outcome is None:  # pragma: no cover - the loop either breaks or raises
        raise ScreenNotReached(MyPage.heading, login.page.url)

    if isinstance(outcome, MyPage):
        return SignedIn(outcome, rotated=False)

    notice = await outcome.notice_text()
    if rt.settings.on_expired == "fail":
        raise PasswordExpired(
            _("The portal asks for a new password ({notice}) and on_expired is 'fail'.").format(
                notice=notice or PasswordChangePage.heading
            )
        )
    rt.step(user_id, "forced_change", _("The password has expired; setting a new one…"))
    result = await change_password_on(rt, session, account, outcome, used)
    login = await (await result.back_to_login()).wait_displayed()
    new_password = rt.store.current(user_id)
    if new_password is None:  # promoted a moment ago; gone only if someone deleted it
        raise CredentialsMissing(_("The new password vanished from the keyring."))
    rt.step(user_id, "login", _("Logging in with the new password…"))
    final = await _submit_login(rt, session, account, login, new_password)
    if not isinstance(final, MyPage):
        raise ScreenNotReached(MyPage.heading, PasswordChangePage.heading)
    return SignedIn(final, rotated=True)


async def change_password_on(
    rt: Runtime,
    session: AccountSession,
    account: AccountRun,
    screen: PasswordChangePage,
    current: SecretStr,
) -> PasswordResultPage:
    """Fill the パスワード変更 screen with a new password, never losing either one.

    The new password is in the keyring as *pending* before 変更 is pressed, and becomes
    *current* only when 「納付利用者パスワードは正常に変更されました。」 is on display. A pending
    password left by an unanswered 変更 (that did not log in) is submitted again, not replaced:
    should that earlier submission reach the portal after all, the keyring holds its password.
    """
    user_id = account.user_id
    # Nothing is stored before the form is there: a pending password costs a failed login.
    await screen.wait_form()
    new = rt.store.pending(user_id)  # an earlier submission whose outcome is unknown
    if new is None:
        previous = rt.store.previous(user_id)
        avoid = [p.get_secret_value() for p in (current, previous) if p]
        new = generate_password(rt.settings.password_policy, avoid=avoid)
        rt.store.begin_rotation(user_id, new)
    rt.folder.redactor.add(current, new)
    try:
        async with session.secret_entry():
            await screen.submit_change(user_id, current, new)
            result = await screen.outcome(rt.timeout_ms)
    except PasswordRejected:
        rt.store.discard_pending(user_id)  # the portal said no: the old password stands
        raise
    except LoginRejected as exc:
        if not account.confirmed:
            raise
        # The portal refuses the current password it accepted at the login a moment ago: it
        # has changed meanwhile — a submission was taken whose answer was lost, and the
        # browser sent it again. Not a wrong password: the next attempt finds out which one
        # is in force, the pending one first.
        raise ScreenNotReached(
            PasswordResultPage.heading, f"{await describe(screen.page)}: {exc}"
        ) from exc
    if not await result.confirms_change():
        raise ScreenNotReached(
            f"{PasswordResultPage.heading}: {SUCCESS_MESSAGE}", await describe(result.page)
        )
    rt.store.promote_pending(user_id)
    account.rotated = True
    rt.step(user_id, "changed", _("The portal confirmed the new password; it is in the keyring."))
    return result
