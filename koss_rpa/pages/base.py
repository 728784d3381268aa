"""The words every screen object speaks: a screen by its name, a field by its label, a control
by its name — in the manual's words, whatever element carries them.

The manual shows words, never markup: heading levels, `<label for>` or `<th>`, button or link
or image, alert regions, frames — all unknown for the real portal. So each lookup joins every
plausible markup of the same words with `.or_()` (one wait, not a cascade of time-outs), and
matching ignores character width (NFKC), spacing and the decorations a form puts beside a label
(必須, ※, ＊, ？, a colon). Fields and controls must be unique among the visible elements: two
matches are an error naming both. Content may stand in the main document or in any frame: a
screen finds the frame that shows it (`wait_for_screen`).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import logging
import re
import unicodedata
from asyncio import Future
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Self, TypeVar, overload

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Frame, Locator, Page
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from koss_rpa.errors import (
    AccountLocked,
    AnswerUnrecognised,
    ControlMissing,
    KossError,
    Maintenance,
    PortalUnavailable,
    ScreenNotReached,
)
from koss_rpa.i18n import _
from koss_rpa.pages import dialogs, overrides
from koss_rpa.pages.dialogs import Dialogs

T = TypeVar("T")
log = logging.getLogger("koss_rpa.pages")

# --- matching words ------------------------------------------------------------------------

#: Marks a form puts beside a label or a control's name, never part of the manual's words.
DECORATION_CHARS = "※*?:«»<>▶►▸・[]【】〔〕"
DECORATION_WORDS = ("必須", "任意")
_SPACES = " \t\r\n\u3000\u00a0"

#: Full-width ASCII and the ideographic space, for XPath's translate() (its quotes left out:
#: they could not stand in an XPath literal).
_WIDE = "".join(chr(c) for c in range(0xFF01, 0xFF5F) if chr(c) not in "＂＇")
_NARROW = "".join(unicodedata.normalize("NFKC", c) for c in _WIDE)
#: Half-width katakana that NFKC maps to one full-width character.
_HALF_KANA = "".join(
    chr(c) for c in range(0xFF61, 0xFFA0) if len(unicodedata.normalize("NFKC", chr(c))) == 1
)
_FULL_KANA = "".join(unicodedata.normalize("NFKC", c) for c in _HALF_KANA)
_XPATH_FROM = _WIDE + _HALF_KANA
_XPATH_TO = _NARROW + _FULL_KANA
_XPATH_DROP = _SPACES + DECORATION_CHARS + "".join(DECORATION_WORDS)


def normalize(text: str) -> str:
    """The form of a text that matching compares: NFKC, no spaces, no decorations.

    Both sides of every comparison go through the same steps as `xpath_normalized` (so that
    Python and the browser agree on what matches).
    """
    folded = unicodedata.normalize("NFKC", text)
    # A decoration in brackets, （必須）, leaves an empty pair behind.
    return "".join(c for c in folded if c not in _XPATH_DROP).replace("()", "")


def xpath_literal(text: str) -> str:
    """`text` as an XPath 1.0 string literal."""
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    parts = text.split("'")
    return "concat(" + ', "\'", '.join(f"'{p}'" for p in parts) + ")"


@functools.cache  # the manual's words are few; each screen asks for them anew
def xpath_normalized(expr: str) -> str:
    """An XPath expression for `normalize(expr)` (as far as XPath 1.0's translate() can)."""
    mapped = f"translate({expr}, {xpath_literal(_XPATH_FROM)}, {xpath_literal(_XPATH_TO)})"
    return f"translate({mapped}, {xpath_literal(_XPATH_DROP)}, '')"


def _char_class(char: str) -> str:
    variants = {char}
    variants.update(w for w, n in zip(_WIDE, _NARROW, strict=True) if n == char)
    variants.update(h for h, f in zip(_HALF_KANA, _FULL_KANA, strict=True) if f == char)
    if len(variants) == 1:
        return re.escape(char)
    return "[" + "".join(re.escape(v) for v in sorted(variants)) + "]"


_DECORATION_RE = (
    r"(?:[\s"
    + re.escape(DECORATION_CHARS + "＊？：＜＞［］")
    + "]|"
    + "|".join(DECORATION_WORDS)
    + r"|[(（](?:"
    + "|".join(DECORATION_WORDS)
    + r")[)）])*"
)


@functools.cache  # the manual's words are few; each screen asks for them anew
def words_pattern(words: str) -> re.Pattern[str]:
    """A regular expression for an accessible name that is `words` and nothing else, whatever
    the width of its characters, its spacing and the decorations around it."""
    core = normalize(words)
    body = r"\s*".join(_char_class(c) for c in core)
    return re.compile(rf"^{_DECORATION_RE}{body}{_DECORATION_RE}$")


@functools.cache  # the manual's words are few; each screen asks for them anew
def _equals(expr: str, words: str) -> str:
    """XPath: `expr` is `words` (as `normalize` compares; an emptied （必須） may follow)."""
    folded, wanted = xpath_normalized(expr), xpath_literal(normalize(words))
    return f"({folded} = {wanted} or {folded} = concat({wanted}, '()'))"


# --- lookups ---------------------------------------------------------------------------------

Root = Page | Frame
What = Literal["screen", "field", "control", "menu", "text"]


def _lower(expr: str) -> str:
    return f"translate({expr}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"


#: Inputs a person types into (not buttons, boxes or hidden ones).
_TYPABLE = (
    "(self::input and not(contains(' hidden submit button image reset checkbox radio file ', "
    f"concat(' ', {_lower('@type')}, ' ')))) or self::textarea or self::select"
)
#: What a person can click: links, buttons, and anything a script or a class makes clickable.
_CLICKABLE = (
    "self::a or self::button or self::area or @onclick or @role='button' or @role='link' "
    f"or @role='menuitem' or contains({_lower('@class')}, 'button') "
    f"or contains({_lower('@class')}, 'btn')"
)
#: What is a control by its very markup (a link, a button, an input that submits), not only
#: by a script or a class: inside one, no other element so named is a control of its own.
_CONTROL = (
    "self::a or self::button or self::area or @role='button' or @role='link' "
    "or @role='menuitem' or self::input"
)
_NOT_TEXT = "not(self::script or self::style or self::option or self::noscript)"


@functools.cache  # the manual's words are few; each screen asks for them anew
def _text_carriers(words: str) -> str:
    """Elements whose whole text is `words` (a label cell, a span, a label without `for`)."""
    return f"//body//*[{_NOT_TEXT}][{_equals('string(.)', words)}]"


@functools.cache  # the manual's words are few; each screen asks for them anew
def _named(words: str) -> str:
    """An element is named `words` by its text, an image's alt, its aria-label or title."""
    return (
        f"{_equals('string(.)', words)} or descendant::img[{_equals('@alt', words)}] "
        f"or {_equals('@aria-label', words)} or {_equals('@title', words)}"
    )


@dataclass(frozen=True)
class Probe:
    """What a lookup found on the screen now: for `koss-rpa check` and error messages."""

    what: str
    words: str
    state: Literal["found", "ambiguous", "missing"]
    how: tuple[str, ...]
    count: int


@dataclass(frozen=True)
class Lookup:
    """One thing a screen needs, in the manual's words, and the markups it may come in."""

    what: What
    words: str
    ways: tuple[tuple[str, Locator], ...]
    #: Whether two visible matches are an error (fields and controls) or the first will do.
    unique: bool = True
    #: A user's selector for these words (`[locators]`) and its locator, tried first
    #: (`Screen.chosen`).
    override: tuple[str, Locator] | None = None

    @property
    def locator(self) -> Locator:
        """Every way joined with `.or_()` (the override too): one wait covers them all."""
        combined = self.ways[0][1] if self.override is None else self.override[1]
        for _how, locator in self.ways[0 if self.override else 1 :]:
            combined = combined.or_(locator)
        return combined

    def overridden(self, root: Root, screen: str) -> Lookup:
        """This lookup with the selector a user set for its words on `screen`, if any."""
        selector = overrides.selector_for(root, screen, self.words)
        if selector is None:
            return self
        return dataclasses.replace(self, override=(selector, root.locator(selector)))

    @property
    def visible(self) -> Locator:
        return self.locator.filter(visible=True)

    async def probe(self) -> Probe:
        """Count what each way finds (never raises); an override that finds something is
        what counts, one that finds nothing says so."""
        if self.override is not None:
            selector, chosen = self.override
            count = await _counted(chosen.filter(visible=True))
            if count:
                state: Literal["found", "ambiguous", "missing"] = (
                    "ambiguous" if count > 1 and self.unique else "found"
                )
                return Probe(self.what, self.words, state, (f"locators: {selector}",), count)
            words = await dataclasses.replace(self, override=None).probe()
            note = f"locators: {selector} ({_('matched nothing')})"
            return dataclasses.replace(words, how=(note, *words.how))
        how: list[str] = []
        try:
            for name, locator in self.ways:
                if await locator.filter(visible=True).count():
                    how.append(name)
            count = await self.visible.count()
        except PlaywrightError:
            return Probe(self.what, self.words, "missing", (), 0)
        if count == 0:
            state = "missing"
        elif count > 1 and self.unique:
            state = "ambiguous"
        else:
            state = "found"
        return Probe(self.what, self.words, state, tuple(how), count)

    async def describe_matches(self) -> str:
        """The visible matches as short HTML, for an error that names them."""
        try:
            snippets = await self.visible.evaluate_all(
                "els => els.map(e => e.outerHTML.replace(/\\s+/g, ' ').slice(0, 120))"
            )
        except PlaywrightError:
            return "?"
        return " / ".join(str(s) for s in snippets)


def screen_name(root: Root, words: str) -> Lookup:
    """A screen's name: a heading of any level, a title block, a caption, an image's alt text,
    a block whose whole text is the name, or the document's title."""
    carriers = f"{_text_carriers(words)}[not({_CLICKABLE})]"
    title = xpath_normalized("string(.)")
    name = xpath_literal(normalize(words))
    separators = ("|", "-", "/", "–", "—", "｜")
    title_parts = " or ".join(
        [f"{title} = {name}"]
        + [f"starts-with({title}, concat({name}, '{s}'))" for s in separators]
        + [
            f"substring({title}, string-length({title}) - string-length({name})) "
            f"= concat('{s}', {name})"
            for s in separators
        ]
    )
    return Lookup(
        "screen",
        words,
        (
            ("heading", root.get_by_role("heading", name=words_pattern(words))),
            ("text", root.locator(f"xpath={carriers}[not(*[{_equals('string(.)', words)}])]")),
            (
                "image",
                root.locator(
                    f"xpath=//body//img[{_equals('@alt', words)}][not(ancestor::*[{_CLICKABLE}])]"
                ),
            ),
            # The title is never visible: it counts through `is_displayed`, not the waits.
            ("title", root.locator(f"xpath=//head/title[{title_parts}]")),
        ),
        unique=False,
    ).overridden(root, words)


def field(root: Root, words: str) -> Lookup:
    """A field by its label, wherever the label stands: `<label for>` or around the input,
    aria-label(ledby), a `<th>`/`<td>`/`<dt>` beside it, or the text just before it."""
    carriers = _text_carriers(words)
    return Lookup(
        "field",
        words,
        (
            ("label", root.get_by_label(words_pattern(words))),
            (
                "beside",
                root.locator(
                    # Only from a label that holds no input itself (not a whole form row).
                    f"xpath={carriers}[not(descendant::*[{_TYPABLE}])]"
                    f"/following-sibling::*[1]/descendant-or-self::*[{_TYPABLE}]"
                ),
            ),
            (
                "container",
                # The nearest enclosing element with an input, if it holds just the one.
                root.locator(
                    f"xpath={carriers}/ancestor-or-self::*[descendant::*[{_TYPABLE}]][1]"
                    f"[count(descendant::*[{_TYPABLE}]) = 1]/descendant::*[{_TYPABLE}]"
                ),
            ),
        ),
    )


def control(root: Root, words: str, *, unique: bool = True, what: What = "control") -> Lookup:
    """A control by its name, whatever carries it: a button, a link, an input of type
    submit/button/image (value or alt), role=button, an image inside a link, a clickable text."""
    pattern = words_pattern(words)
    clickable = f"//body//*[{_CLICKABLE}][{_named(words)}]"
    inputs = (
        "//body//input[contains(' submit button image reset ', "
        f"concat(' ', {_lower('@type')}, ' '))]"
        f"[{_equals('@value', words)} or {_equals('@alt', words)}]"
    )
    return Lookup(
        what,
        words,
        (
            ("button", root.get_by_role("button", name=pattern)),
            ("link", root.get_by_role("link", name=pattern)),
            # One control, one match: the outermost clickable element so named (a button's
            # inner span of class "btn__label" is that button), unless it holds a control of
            # its own so named (a link inside a clickable cell: the link).
            (
                "clickable",
                root.locator(
                    f"xpath={clickable}[not(ancestor::*[{_CLICKABLE}][{_named(words)}])]"
                    f"[not(descendant::*[{_CONTROL}][{_named(words)}])]"
                ),
            ),
            ("input", root.locator(f"xpath={inputs}")),
        ),
        unique=unique,
    )


def menu_entry(root: Root, words: str) -> Lookup:
    """An entry of a drop-down menu: a control, or the text of a list item that holds the
    next level (a menu opened by hovering, with no button at all)."""
    owner = (
        f"//body//*[{_NOT_TEXT}][{_equals('text()[normalize-space()][1]', words)}]"
        f"[descendant::ul or descendant::ol or following-sibling::ul or following-sibling::ol]"
    )
    entry = control(root, words, unique=False, what="menu")
    # Whatever element bears the words (a <div> a script opens on mouseover, a heading): the
    # innermost one, so that pointing at it points at every element around it too.
    plain = f"{_text_carriers(words)}[not(*[{_equals('string(.)', words)}])]"
    return Lookup(
        "menu",
        words,
        (
            *entry.ways,
            ("list item", root.locator(f"xpath={owner}")),
            ("text", root.locator(f"xpath={plain}")),
        ),
        unique=False,
    )


def text(root: Root, words: str) -> Lookup:
    """A sentence of the manual, wherever it stands (width and spacing ignored)."""
    carriers = _text_carriers(words)
    return Lookup(
        "text",
        words,
        (("text", root.locator(f"xpath={carriers}[not(*[{_equals('string(.)', words)}])]")),),
        unique=False,
    )


# --- what is on display -----------------------------------------------------------------------

#: A maintenance page says メンテナンス.
MAINTENANCE_PATTERN = re.compile("メンテナンス")
#: Chromium's own error page after a dropped connection or a refused one.
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
    # browser's), so that a dropped connection ends the wait at once.
    browser_error = root.locator("#main-frame-error")
    return marks.or_(titled).or_(browser_error)


async def shows_error_page(page: Page) -> bool:
    """Whether the window, or a frame of it, shows a maintenance, server error or error page."""
    for frame in page.frames:
        if await _counted(error_marks(frame)):
            return True
    return False


async def describe(page: Page) -> str:
    """Title, first heading or title block and URL of what is on display, for messages."""
    try:
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
    except PlaywrightError:
        title, heading = "?", ""
    heading = " ".join(heading.split())[:80]
    return f"「{title or '-'}」 / 「{heading or '-'}」 ({page.url})"


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


async def _counted(locator: Locator) -> int:
    """How many elements `locator` finds now (0 when the page cannot say)."""
    try:
        return await locator.count()
    except PlaywrightError:
        return 0


async def _cancel(futures: set[Future[Any]]) -> None:
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
    default time-out, Playwright's own, as the flow set it for the context), or None."""
    loop = asyncio.get_running_loop()
    deadline = None if seconds is None else loop.time() + seconds
    watched: dict[Future[Any], Frame] = {}
    attached: Future[Any] = loop.create_future()
    attached.set_result(None)
    try:
        while deadline is None or deadline > loop.time():
            ms = None if deadline is None else (deadline - loop.time()) * 1000
            _watch(page, target, watched, ms)
            if attached.done():
                attached = asyncio.ensure_future(page.wait_for_event("frameattached", timeout=ms))
            done, _pending = await asyncio.wait(
                {*watched, attached}, return_when=asyncio.FIRST_COMPLETED
            )
            for future in done - {attached}:
                frame = watched.pop(future)
                if future.exception() is None:
                    return frame
                if frame is page.main_frame and isinstance(
                    future.exception(), PlaywrightTimeoutError
                ):
                    return None  # the window's own wait ran out: so does this one
            if not watched and attached.done() and attached.exception():
                return None
        return None
    finally:
        await _cancel({*watched, attached})


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
    try:
        found = await _first_frame(page, target, seconds)
    except PlaywrightError as exc:
        raise await unexpected_screen(page, expected) from exc
    if found is None or (check_errors and await error_marks(found).count()):
        raise await unexpected_screen(page, expected)
    return found


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
            navigated.result()
    finally:
        alerted.cancel()
        await _cancel({navigated})


# --- screens ---------------------------------------------------------------------------------


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


#: Playwright's words for a locator that resolved to more than one element in strict mode.
STRICT_VIOLATION = "strict mode violation"


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
        combined = visible[0]
        for locator in visible[1:]:
            combined = combined.or_(locator)
        return combined.or_(dict(lookup.ways)["title"])

    def lookups(self) -> list[Lookup]:
        """The screen's name, then every field and control the job uses on it."""
        return [self.name_lookup()]

    async def is_displayed(self) -> bool:
        """Whether this screen is the one on display now (in the frame it was found in)."""
        return await _counted(self.presence(self.root)) > 0

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
        errors = asyncio.ensure_future(_counted(error_marks(self.root)))
        work = asyncio.ensure_future(step)
        try:
            if not await errors:  # one round trip: the step goes on meanwhile
                return await work
        finally:
            await _cancel({errors, work})
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
        try:
            await lookup.visible.first.wait_for(state="visible")
        except PlaywrightError as exc:
            raise await self.unusable(words, exc) from exc
        if await _counted(chosen.filter(visible=True)):
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
        if STRICT_VIOLATION in str(exc):
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
        try:
            await target.wait_for(state="visible")
        except PlaywrightError as exc:
            raise await self.unusable(lookup, exc) from exc
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
        try:
            await self._checked(action(target))
        except PlaywrightError as exc:
            if STRICT_VIOLATION in str(exc) or (
                isinstance(exc, PlaywrightTimeoutError) and not await _counted(target)
            ):
                raise await self.unusable(lookup, exc) from exc
            raise

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
        try:
            body = await self.root.locator("body").inner_text()
        except PlaywrightError:
            return []
        return [" ".join(line.split()) for line in body.splitlines() if line.strip()]


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
    with contextlib.suppress(PlaywrightError):
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
    page: Page, what: str, expected: str, screens: Sequence[Screen], timeout_ms: float | None
) -> list[Screen]:
    """After a password was submitted (`what`: 「ログイン」, 「変更」): wait until one of
    `screens` is on display, in any frame, and return those of them that are, made anew in
    that frame, in the order given (the caller takes the most telling first). `expected` names
    the screens that would be success, for the messages.

    Raises:
        Maintenance, PortalUnavailable, ScreenNotReached: an error page of the portal's
            (retried; the login budget bounds what retrying submits).
        AnswerUnrecognised: anything else (never retried: it may be a refusal in words
            koss-rpa does not know, and a retry would walk a wrong password into the lock-out).
    """

    def any_of(root: Root) -> Locator:
        combined = screens[0].presence(root)
        for screen in screens[1:]:
            combined = combined.or_(screen.presence(root))
        return combined

    try:
        frame = await wait_for_screen(
            page, expected, any_of, timeout_ms=timeout_ms, check_errors=False
        )
        made = [type(s)(page, frame) for s in screens]
        # All the questions at once: one round trip's time, not one per screen.
        errors, *shown = await asyncio.gather(
            error_marks(frame).count(), *(screen.is_displayed() for screen in made)
        )
        if errors:
            raise await unexpected_screen(page, expected)
    except ScreenNotReached as exc:
        if await shows_error_page(page):
            raise
        raise _unrecognised(what, exc.seen) from exc
    return [screen for screen, on_display in zip(made, shown, strict=True) if on_display]


async def unknown_answer(page: Page, what: str, expected: str) -> KossError:
    """The error for an answer that matched a screen's presence but none of its checks."""
    shown = await unexpected_screen(page, expected)
    if not isinstance(shown, ScreenNotReached):
        return shown
    return _unrecognised(what, await describe(page))
