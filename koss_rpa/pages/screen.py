"""`Screen`: a screen of the portal, known by its name as the manual gives it, and its parts
(`Field`, `Control`, `Sentence`) declared on its class in the manual's words.

A screen's content may stand in the main document or in any frame: a screen finds the frame
that shows it (`Screen.wait_displayed`) and makes its lookups there. A lookup not found in time,
or found twice, raises the error that names the screen, the words and what is on display.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import ClassVar, Self, TypeVar, overload

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Locator, Page

from koss_rpa.errors import ControlMissing, KossError, ScreenNotReached
from koss_rpa.i18n import _
from koss_rpa.pages import dialogs
from koss_rpa.pages.dialogs import Dialogs
from koss_rpa.pages.lookups import Lookup, Root, any_of, control, counted, field, screen_name, text
from koss_rpa.pages.waiting import cancel, error_marks, unexpected_screen, wait_for_screen
from koss_rpa.portal_errors import ambiguous, said, timed_out, translated

T = TypeVar("T")
log = logging.getLogger("koss_rpa.pages")


class Part:
    """A field, control or sentence of a screen, declared on its class in the manual's words
    (`login_button = Control("ログイン")`); read on a screen, it is that screen's `Lookup`, made
    against the frame the screen was found in (with the user's override for it, if any)."""

    def __init__(self, words: str) -> None:
        self.words = words
        self.screen = ""

    def __set_name__(self, owner: type[Screen], name: str) -> None:
        self.screen = getattr(owner, "name", "")

    def build(self, root: Root) -> Lookup:
        raise NotImplementedError

    def lookup(self, root: Root) -> Lookup:
        return self.build(root).overridden(root, self.screen)

    @overload
    def __get__(self, screen: None, owner: type[Screen]) -> Self: ...

    @overload
    def __get__(self, screen: Screen, owner: type[Screen]) -> Lookup: ...

    def __get__(self, screen: Screen | None, owner: type[Screen]) -> Self | Lookup:
        return self if screen is None else self.lookup(screen.root)


class Field(Part):
    """A field, by its label (`field`)."""

    def build(self, root: Root) -> Lookup:
        return field(root, self.words)


class Control(Part):
    """A button, link or the like, by its name (`control`)."""

    def build(self, root: Root) -> Lookup:
        return control(root, self.words)


class Sentence(Part):
    """A sentence the screen shows (`text`)."""

    def build(self, root: Root) -> Lookup:
        return text(root, self.words)


class Screen:
    """A screen of the portal, known by its name as the manual gives it.

    Its lookups are made against `root`: the page's main frame, or the frame that shows the
    screen once `wait_displayed` has found it.
    """

    name: ClassVar[str]

    def __init__(self, page: Page, root: Root | None = None) -> None:
        self.page = page
        self.root: Root = root or page
        #: The window's dialogs, answered as a person would (`koss_rpa.pages.dialogs`).
        self.dialogs: Dialogs = dialogs.of(page)
        #: Found by `wait_displayed(checked_with_next_step=True)`, error pages not yet ruled out.
        self._unchecked = False
        #: The lines on display before the latest submission (`new_lines` tells the answer).
        self.before: list[str] = []

    def name_lookup(self) -> Lookup:
        return screen_name(self.root, self.name)

    def presence(self, root: Root) -> Locator:
        """What shows that this screen is on display in `root` (its name, by default)."""
        lookup = screen_name(root, self.name)
        visible = [loc.filter(visible=True) for how, loc in lookup.ways if how != "title"]
        if lookup.override is not None:
            visible.insert(0, lookup.override[1].filter(visible=True))
        return any_of(*visible, dict(lookup.ways)["title"])

    def lookups(self) -> list[Lookup]:
        """The screen's name, then every field and control the job uses on it."""
        return [self.name_lookup()]

    async def is_displayed(self) -> bool:
        """Whether this screen is the one on display now (in the frame it was found in)."""
        return await counted(self.presence(self.root)) > 0

    async def wait_displayed(
        self, timeout_ms: float | None = None, *, checked_with_next_step: bool = False
    ) -> Self:
        """Wait until this screen is on display (in any frame), or raise the error that says
        what is instead.

        `checked_with_next_step`: whether an error page shows instead (a maintenance page that
        also bears the screen's name) is asked while the screen's next `act` or `require`
        goes on, not before it — for a caller whose next step is one of those.
        """
        self.root = await wait_for_screen(
            self.page,
            self.name,
            self.presence,
            timeout_ms=timeout_ms,
            check_errors=not checked_with_next_step,
        )
        self._unchecked = checked_with_next_step
        return self

    async def _checked(self, step: Awaitable[T]) -> T:
        """`step`, asked meanwhile whether an error page is on display, if that is still open
        (`wait_displayed`): an error page ends the step at once."""
        if not self._unchecked:
            return await step
        self._unchecked = False
        errors = asyncio.ensure_future(counted(error_marks(self.root)))
        work = asyncio.ensure_future(step)
        try:
            if not await errors:  # one round trip: the step goes on meanwhile
                return await work
        finally:
            await cancel({errors, work})
        raise await unexpected_screen(self.page, self.name)

    def overridden(self, lookup: Lookup) -> Lookup:
        """`lookup` with the user's override for its words on this screen, if any."""
        return lookup.overridden(self.root, self.name)

    async def chosen(self, lookup: Lookup) -> Lookup:
        """`lookup` as it is used now: a user's override if it matches once anything of
        `lookup` is on display, else the manual's words (and the log says the override matched
        nothing). Without an override, `lookup` itself."""
        if lookup.override is None:
            return lookup
        selector, chosen = lookup.override
        words = dataclasses.replace(lookup, override=None)
        async with translated(functools.partial(self.unusable, words)):
            await lookup.visible.first.wait_for(state="visible")
        if await counted(chosen.filter(visible=True)):
            log.info("「%s」 on %s: found by locators: %s", lookup.words, self.name, selector)
            return Lookup(lookup.what, lookup.words, (("locators", chosen),), lookup.unique)
        log.warning(
            "「%s」 on %s: locators: %s matched nothing; found by the manual's words",
            lookup.words,
            self.name,
            selector,
        )
        return words

    def target(self, lookup: Lookup) -> Locator:
        """The locator of `lookup`'s single visible element (its first one, when two may be)."""
        return lookup.visible if lookup.unique else lookup.visible.first

    async def unusable(self, lookup: Lookup, exc: PlaywrightError) -> KossError:
        """The error for `lookup` not found in time, or found twice: the screen and the words
        it lacks and what is on display, or the error page that is on display instead."""
        if ambiguous(exc):
            return ControlMissing(
                self.name,
                lookup.words,
                _("more than one match: {matches}").format(matches=await lookup.describe_matches()),
                ambiguous=True,
            )
        shown = await unexpected_screen(self.page, f"{self.name}: {lookup.words}")
        if isinstance(shown, ScreenNotReached) and await self.is_displayed():
            return ControlMissing(self.name, lookup.words, shown.seen)
        return shown

    async def one(self, lookup: Lookup) -> Locator:
        """The single visible element of `lookup`, once it is there. A screen without it (cut
        short, or changed) raises the error that names the screen, the words and what is on
        display; two matches raise an error naming both.

        One round trip: Playwright's strict mode refuses a locator that resolves to two
        elements, so the wait itself tells "two" from "there".
        """
        lookup = await self.chosen(lookup)
        target = self.target(lookup)
        async with translated(functools.partial(self.unusable, lookup)):
            await target.wait_for(state="visible")
        return target

    async def act(self, lookup: Lookup, action: Callable[[Locator], Awaitable[None]]) -> None:
        """`action` (`Locator.click`, `Locator.hover`) on the single visible element of
        `lookup`, in one round trip: Playwright's action waits for the element itself and
        refuses two (strict mode). Not finding it in time, or finding two, raises what `one`
        raises; any other failure of the action is Playwright's own (an element that is there
        but whose click waited in vain for the portal, too: a time-out, not a changed screen).
        """
        if lookup.override is not None:
            lookup = await self._checked(self.chosen(lookup))
        target = self.target(lookup)
        if action is Locator.click:
            self.dialogs.clicked(lookup.words)

        async def missing(exc: PlaywrightError) -> KossError | None:
            if ambiguous(exc) or (timed_out(exc) and not await counted(target)):
                return await self.unusable(lookup, exc)
            return None

        async with translated(missing):
            await self._checked(action(target))

    async def require(
        self, *lookups: Lookup, alongside: Sequence[Awaitable[None]] = ()
    ) -> list[Locator]:
        """`one()` of each lookup, all waited for at once (one round trip's time, not one per
        lookup), and the steps `alongside` meanwhile; once all have ended, a failure is raised:
        the first lookup's in order that failed, else the first step's."""
        found = await self._checked(
            asyncio.gather(
                *(self.one(lookup) for lookup in lookups), *alongside, return_exceptions=True
            )
        )
        for result in found:
            if isinstance(result, BaseException):
                raise result
        return [result for result in found if isinstance(result, Locator)]

    async def texts(self) -> list[str]:
        """The lines of text on display in this screen's frame, for messages of any markup."""
        body = await said(self.root.locator("body").inner_text(), None)
        if body is None:
            return []
        return [" ".join(line.split()) for line in body.splitlines() if line.strip()]
