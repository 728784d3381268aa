"""Waiting for a screen, and telling what is on display instead: error pages (maintenance, a
server's or the browser's own), the description a message quotes, and the frames a screen may
stand in (the main document or any frame, one added meanwhile too).
"""

from __future__ import annotations

import asyncio
import re
from asyncio import Future
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from playwright.async_api import Frame, Locator, Page

from koss_rpa.errors import KossError, Maintenance, PortalUnavailable, ScreenNotReached
from koss_rpa.i18n import _
from koss_rpa.pages.lookups import Root, counted
from koss_rpa.portal_errors import said, timed_out, translated

#: A maintenance page says メンテナンス.
MAINTENANCE_PATTERN = re.compile("メンテナンス")
#: The address of Chromium's own error page after a dropped connection or a refused one, in
#: every Chromium (Chrome, Edge, the headless shell, whose page is empty).
BROWSER_ERROR_URL = "chrome-error://"
SERVER_ERROR_PATTERN = re.compile(
    r"Internal Server Error|Service Unavailable|Bad Gateway|Gateway Time-?out|\b50[0-4]\b"
)
#: An error page of the portal's own (システムエラー, エラー): no screen of the job is named so.
ERROR_PAGE_PATTERN = re.compile("エラー")
_ERROR_NAMES = re.compile(
    "|".join(p.pattern for p in (MAINTENANCE_PATTERN, SERVER_ERROR_PATTERN, ERROR_PAGE_PATTERN))
)


def error_marks(root: Root) -> Locator:
    """What certainly none of the job's screens shows: the name of a maintenance page, a server
    error or an error page, as a heading or the document's title. Seeing one ends a wait."""
    # One role query for all of them: each one costs a pass over the page's headings.
    marks = root.get_by_role("heading", name=_ERROR_NAMES).filter(visible=True)
    titled = root.locator(
        "xpath=//head/title[contains(., 'メンテナンス') or contains(., 'エラー') "
        "or contains(., 'Service Unavailable') or contains(., 'Internal Server Error') "
        "or contains(., 'Bad Gateway') or contains(., 'Gateway Time')]"
    )
    # Chromium's own page for a connection that failed (not the portal's markup: the
    # browser's), so that a dropped connection ends the wait at once. The headless shell's is
    # empty: `shows_browser_error` knows it by its address.
    browser_error = root.locator("#main-frame-error")
    return marks.or_(titled).or_(browser_error)


def _is_browser_error(frame: Frame) -> bool:
    """Whether `frame` shows the browser's own error page (a connection dropped or refused):
    known by its address, whatever it holds."""
    return frame.url.startswith(BROWSER_ERROR_URL)


def shows_browser_error(page: Page) -> bool:
    """Whether the window, or a frame of it, shows the browser's own error page."""
    return any(_is_browser_error(frame) for frame in page.frames)


@contextmanager
def _browser_error_shown(page: Page) -> Iterator[Future[None]]:
    """Done once the window, or a frame of it, shows the browser's own error page: at once if
    it does already.

    Listened for in this process, not waited for through the driver (a waiter is two more
    messages to it, each time)."""
    shown: Future[None] = asyncio.get_running_loop().create_future()
    if shows_browser_error(page):
        shown.set_result(None)

    def navigated(frame: Frame) -> None:
        if _is_browser_error(frame) and not shown.done():
            shown.set_result(None)

    page.on("framenavigated", navigated)
    try:
        yield shown
    finally:
        page.remove_listener("framenavigated", navigated)
        shown.cancel()


async def shows_error_page(page: Page) -> bool:
    """Whether the window, or a frame of it, shows a maintenance, server error or error page."""
    if shows_browser_error(page):
        return True
    for frame in page.frames:
        if await counted(error_marks(frame)):
            return True
    return False


async def describe(page: Page) -> str:
    """Title, first heading or title block and URL of what is on display, for messages."""
    title, heading = await said(_title_and_heading(page), ("?", ""))
    heading = " ".join(heading.split())[:80]
    return f"「{title or '-'}」 / 「{heading or '-'}」 ({page.url})"


async def _title_and_heading(page: Page) -> tuple[str, str]:
    title = await page.title()
    frames = [page.main_frame, *page.main_frame.child_frames]
    heading = ""
    for frame in frames:
        texts = await frame.locator(
            "xpath=//body//*[self::h1 or self::h2 or self::h3 or @role='heading' "
            "or contains(translate(@class, 'TITLE', 'title'), 'title')]"
        ).all_inner_texts()
        heading = next((t.strip() for t in texts if t.strip()), "")
        if heading:
            break
    return title, heading


async def unexpected_screen(page: Page, expected: str) -> KossError:
    """A maintenance page, a browser error page or a server error become transient errors."""
    seen = await describe(page)
    if shows_browser_error(page):
        return PortalUnavailable(
            _("The portal did not answer ({seen}); it will be tried again later.").format(seen=seen)
        )
    if MAINTENANCE_PATTERN.search(seen):
        return Maintenance(
            _("The portal is under maintenance ({seen}); try again later.").format(seen=seen)
        )
    if SERVER_ERROR_PATTERN.search(seen):
        return PortalUnavailable(
            _("The portal answered with an error page ({seen}).").format(seen=seen)
        )
    return ScreenNotReached(expected, seen)


async def cancel(futures: set[Future[Any]]) -> None:
    """Cancel `futures` (those not done yet) and wait until they have ended."""
    for future in futures:
        future.cancel()
    await asyncio.gather(*futures, return_exceptions=True)


def _watch(
    page: Page,
    target: Callable[[Frame], Locator],
    watched: dict[Future[Any], Frame],
    ms: float | None,
) -> None:
    """Start waiting in every frame of the page not yet watched."""
    for frame in page.frames:
        if frame not in watched.values() and not frame.is_detached():
            wait = target(frame).first.wait_for(state="attached", timeout=ms)
            watched[asyncio.ensure_future(wait)] = frame


async def _first_frame(
    page: Page, target: Callable[[Frame], Locator], seconds: float | None
) -> Frame | None:
    """The first frame of the page where `target` matches within `seconds` (None: the page's
    default time-out, Playwright's own, as the flow set it for the context), or None; None at
    once when the browser shows its own error page (`shows_browser_error`), in any browser."""
    loop = asyncio.get_running_loop()
    deadline = None if seconds is None else loop.time() + seconds
    watched: dict[Future[Any], Frame] = {}
    attached: Future[Any] = loop.create_future()
    attached.set_result(None)
    with _browser_error_shown(page) as failed:
        try:
            while deadline is None or deadline > loop.time():
                ms = None if deadline is None else (deadline - loop.time()) * 1000
                _watch(page, target, watched, ms)
                if attached.done():
                    attached = asyncio.ensure_future(
                        page.wait_for_event("frameattached", timeout=ms)
                    )
                done, _pending = await asyncio.wait(
                    {*watched, attached, failed}, return_when=asyncio.FIRST_COMPLETED
                )
                if failed in done:
                    return None
                for future in done - {attached}:
                    frame = watched.pop(future)
                    if future.exception() is None:
                        return frame
                    if frame is page.main_frame and timed_out(future.exception()):
                        return None  # the window's own wait ran out: so does this one
                if not watched and attached.done() and attached.exception():
                    return None
            return None
        finally:
            await cancel({*watched, attached})


async def wait_for_screen(
    page: Page,
    expected: str,
    build: Callable[[Root], Locator],
    *,
    timeout_ms: float | None = None,
    check_errors: bool = True,
) -> Frame:
    """Wait until `build(frame)` (joined with the error pages' marks) is there in the page's
    main frame or in any of its frames, and return that frame; otherwise raise the error that
    says what is on display instead. A frame added meanwhile is watched too.

    `check_errors=False` leaves it to the caller to ask `error_marks(frame)` whether what was
    found is an error page (so that it can ask at once with its other questions)."""

    def target(frame: Frame) -> Locator:
        return build(frame).or_(error_marks(frame))

    seconds = timeout_ms / 1000 if timeout_ms is not None else None
    async with translated(lambda _exc: unexpected_screen(page, expected)):
        found = await _first_frame(page, target, seconds)
    if found is None or (check_errors and await error_marks(found).count()):
        raise await unexpected_screen(page, expected)
    return found
