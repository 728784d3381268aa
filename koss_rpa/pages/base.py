"""What every screen object shares: knowing whether it is the screen on display."""

from __future__ import annotations

import re
from typing import ClassVar, Self

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator, Page

from koss_rpa.errors import KossError, Maintenance, PortalUnavailable, ScreenNotReached
from koss_rpa.i18n import _

#: The mock's wording, and the real portal's likely one: a maintenance page says メンテナンス.
MAINTENANCE_PATTERN = re.compile("メンテナンス")
#: Chromium's own error page after a dropped connection or a refused one.
BROWSER_ERROR_URL = "chrome-error://"
SERVER_ERROR_PATTERN = re.compile(
    r"Internal Server Error|Service Unavailable|Bad Gateway|Gateway Time-?out|\b50[0-4]\b"
)
#: An error page of the portal's own (システムエラー, エラー): no screen of the job is named so.
ERROR_PAGE_PATTERN = re.compile("エラー")


class Screen:
    """A screen of the portal, named by its heading as the manual names it."""

    heading: ClassVar[str]

    def __init__(self, page: Page) -> None:
        self.page = page

    def heading_locator(self) -> Locator:
        return self.page.get_by_role("heading", level=1, name=self.heading, exact=True)

    async def is_displayed(self) -> bool:
        """Whether this screen is the one on display now."""
        try:
            return await self.heading_locator().count() > 0
        except PlaywrightError:
            return False

    async def wait_displayed(self, timeout_ms: float | None = None) -> Self:
        """Wait until this screen is on display, or raise the error that says what is instead."""
        await wait_for_any(self.page, self.heading, self.heading_locator(), timeout_ms=timeout_ms)
        return self

    async def require(self, what: str, *controls: Locator) -> None:
        """Wait until `controls` are on display before using them. A screen without them (cut
        short, or changed) raises the error that names what was expected and what is on
        display, instead of a bare time-out of the click or fill that would follow."""
        try:
            for control in controls:
                await control.wait_for(state="visible")
        except PlaywrightError as exc:
            raise await unexpected_screen(self.page, f"{self.heading}: {what}") from exc


async def describe(page: Page) -> str:
    """Title, heading and URL of what is on display, for error messages."""
    try:
        title = await page.title()
        headings = await page.locator("h1").all_inner_texts()
    except PlaywrightError:
        title, headings = "?", []
    heading = headings[0].strip() if headings else "-"
    return f"「{title or '-'}」 / 「{heading}」 ({page.url})"


async def unexpected_screen(page: Page, expected: str) -> KossError:
    """A maintenance page, a browser error page or a server error become transient errors."""
    seen = await describe(page)
    if page.url.startswith(BROWSER_ERROR_URL):
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


def error_headings(page: Page) -> Locator:
    """The heading of a page that is certainly none of the job's screens: the maintenance page,
    a server error, an error page. Seeing one ends a wait at once, not after its time-out."""
    headings = [
        page.get_by_role("heading", name=pattern)
        for pattern in (MAINTENANCE_PATTERN, SERVER_ERROR_PATTERN, ERROR_PAGE_PATTERN)
    ]
    return headings[0].or_(headings[1]).or_(headings[2])


async def wait_for_any(
    page: Page, expected: str, *locators: Locator, timeout_ms: float | None
) -> None:
    """Wait until one of `locators` is visible; otherwise say what is on display instead."""
    errors = error_headings(page)
    combined = errors
    for locator in locators:
        combined = combined.or_(locator)
    try:
        await combined.first.wait_for(state="visible", timeout=timeout_ms)
    except PlaywrightError as exc:
        raise await unexpected_screen(page, expected) from exc
    if await errors.count():
        raise await unexpected_screen(page, expected)
