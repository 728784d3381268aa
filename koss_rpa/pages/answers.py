"""The portal's answer to a submission: waiting until the form's document has been replaced or
an alert answered (`answer_of`), which of the expected screens answered (`answer_to`), and the
words of a refusal on a form shown again (`refusal`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from playwright.async_api import Frame, Locator, Page

from koss_rpa.errors import AccountLocked, AnswerUnrecognised, KossError, ScreenNotReached
from koss_rpa.i18n import _
from koss_rpa.pages import dialogs
from koss_rpa.pages.lookups import Root, any_of, counted
from koss_rpa.pages.screen import Screen
from koss_rpa.pages.waiting import (
    cancel,
    describe,
    error_marks,
    shows_error_page,
    unexpected_screen,
    wait_for_screen,
)
from koss_rpa.portal_errors import tolerated

#: How long a new document is still awaited after an alert answered a submission (a page may
#: alert and then go on: `alert(…); form.submit()`).
AFTER_ALERT_MS = 2000


@asynccontextmanager
async def answer_of(
    page: Page, root: Root, timeout_ms: float | None = None, *, words: str = ""
) -> AsyncIterator[None]:
    """Around a click that submits (the control named `words`): wait until the document of the
    window or of the frame that holds the form has been replaced, so that the screen before is
    never taken for the answer (a form in a frame may answer in the frame or in the whole
    window) — or until an alert answered instead, and no new document followed it.

    A confirm() the click raises is accepted, and the alerts from the click on are the answer's
    lines (`koss_rpa.pages.dialogs`)."""
    frames = {page.main_frame, root if isinstance(root, Frame) else page.main_frame}
    watched = dialogs.of(page)
    watched.submitting(words)
    alerted = watched.next_alert()
    navigated = asyncio.ensure_future(
        page.wait_for_event("framenavigated", lambda f: f in frames, timeout=timeout_ms)
    )
    try:
        yield
        await asyncio.wait({navigated, alerted}, return_when=asyncio.FIRST_COMPLETED)
        if not navigated.done():  # an alert, and no new document yet: one may follow it
            await asyncio.wait({navigated}, timeout=AFTER_ALERT_MS / 1000)
        if navigated.done():
            frame: Frame = navigated.result()
            # The new document parsed before the caller looks for the answer in it: asked
            # earlier, Playwright's look retries only after a pause, which the answer waits out.
            with tolerated():  # a frame gone meanwhile: the caller's wait says what is shown
                await frame.wait_for_load_state("domcontentloaded")
    finally:
        alerted.cancel()
        await cancel({navigated})


async def new_lines(screen: Screen, before: Sequence[str]) -> str:
    """The lines on display now that were not there before: the portal's answer, whatever
    element holds it (kept verbatim)."""
    known = set(before)
    return " ".join(line for line in await screen.texts() if line not in known)


#: A refusal that says the account is locked.
LOCKED_WORD = "ロック"


async def refusal(screen: Screen, before: Sequence[str]) -> str:
    """The portal's message on a form shown again after a submission (kept verbatim): the
    alerts it raised, then the lines new on the screen.

    Raises:
        AccountLocked: the message says ロック.
    """
    # An alert of the page's own scripts comes by the end of its loading (what is on display
    # is read all the same if the page cannot say).
    with tolerated():
        await screen.page.wait_for_load_state("load")
    lines = [" ".join(text.split()) for text in screen.dialogs.alerts]
    message = " ".join([*lines, await new_lines(screen, before)]).strip() or _("(no message)")
    if LOCKED_WORD in message:
        raise AccountLocked(message)
    return message


def _unrecognised(what: str, seen: str) -> AnswerUnrecognised:
    return AnswerUnrecognised(
        _("The portal's answer to {what} is no screen koss-rpa knows: {seen}").format(
            what=what, seen=seen
        )
    )


async def answer_to(
    page: Page,
    what: str,
    expected: str,
    screens: Sequence[Screen],
    timeout_ms: float | None,
    *,
    likely: int,
) -> list[Screen]:
    """After a password was submitted (`what`: 「ログイン」, 「変更」): wait until one of
    `screens` is on display, in any frame, and return those of them that are, made anew in
    that frame, in the order given (the caller takes the most telling first). `expected` names
    the screens that would be success, for the messages; `screens[likely]` is the answer
    mostly (the success), which lets the answer be read in two questions (`_shown_in`).

    Raises:
        Maintenance, PortalUnavailable, ScreenNotReached: an error page of the portal's
            (retried; the login budget bounds what retrying submits).
        AnswerUnrecognised: anything else (never retried: it may be a refusal in words
            koss-rpa does not know, and a retry would walk a wrong password into the lock-out).
    """

    def answers(root: Root) -> Locator:
        return any_of(*(screen.presence(root) for screen in screens))

    try:
        # The answer's document is parsed (`answer_of`): asked at once, it is there already,
        # mostly; only when it is not is it waited for. Each ask weighs on the browser (every
        # screen's every way of showing itself).
        for frame in page.frames:  # the main frame first, as `wait_for_screen` watches them
            made, errors, shown = await _shown_in(page, frame, screens, likely)
            if errors or any(shown):
                break
        else:
            frame = await wait_for_screen(
                page, expected, answers, timeout_ms=timeout_ms, check_errors=False
            )
            made, errors, shown = await _shown_in(page, frame, screens, likely)
        if errors:
            raise await unexpected_screen(page, expected)
    except ScreenNotReached as exc:
        if await shows_error_page(page):
            raise
        raise _unrecognised(what, exc.seen) from exc
    return [screen for screen, on_display in zip(made, shown, strict=True) if on_display]


async def _shown_in(
    page: Page, frame: Frame, screens: Sequence[Screen], likely: int
) -> tuple[list[Screen], int, list[bool]]:
    """`screens` made anew in `frame`, whether an error page shows there, and which of them
    are on display.

    Two questions at once (one round trip's time): whether `screens[likely]` is on display, and
    whether an error page or any other of them is. Only when the second says yes is each of
    those asked on its own, again at once: the usual answer costs two questions, not one for
    each screen and one for an error page."""
    made = [type(s)(page, frame) for s in screens]
    rest = [n for n in range(len(made)) if n != likely]
    anything_else, on_display = await asyncio.gather(
        counted(any_of(error_marks(frame), *(made[n].presence(frame) for n in rest))),
        made[likely].is_displayed(),
    )
    shown = [False] * len(made)
    shown[likely] = on_display
    errors = 0
    if anything_else:
        errors, *others = await asyncio.gather(
            counted(error_marks(frame)), *(made[n].is_displayed() for n in rest)
        )
        for n, other in zip(rest, others, strict=True):
            shown[n] = bool(other)
    return made, errors, shown


async def unknown_answer(page: Page, what: str, expected: str) -> KossError:
    """The error for an answer that matched a screen's presence but none of its checks."""
    shown = await unexpected_screen(page, expected)
    if not isinstance(shown, ScreenNotReached):
        return shown
    return _unrecognised(what, await describe(page))
