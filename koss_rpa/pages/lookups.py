"""Lookups: one thing a screen needs (its name, a field, a control, a menu entry, a sentence),
in the manual's words, and every plausible markup of those words.

The manual shows words, never markup: heading levels, `<label for>` or `<th>`, button or link
or image, alert regions — all unknown for the real portal. So each lookup joins its ways with
`.or_()` (`any_of`: one wait, not a cascade of time-outs). Fields and controls must be unique
among the visible elements: two matches are an error naming both (`Screen.one`).
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from typing import Literal

from playwright.async_api import Frame, Locator, Page

from koss_rpa.i18n import _
from koss_rpa.pages import overrides
from koss_rpa.pages.words import (
    normalize,
    words_pattern,
    xpath_equals,
    xpath_literal,
    xpath_normalized,
)
from koss_rpa.portal_errors import said

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
    return f"//body//*[{_NOT_TEXT}][{xpath_equals('string(.)', words)}]"


@functools.cache  # the manual's words are few; each screen asks for them anew
def _named(words: str) -> str:
    """An element is named `words` by its text, an image's alt, its aria-label or title."""
    return (
        f"{xpath_equals('string(.)', words)} or descendant::img[{xpath_equals('@alt', words)}] "
        f"or {xpath_equals('@aria-label', words)} or {xpath_equals('@title', words)}"
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
        chosen = () if self.override is None else (self.override[1],)
        return any_of(*chosen, *(locator for _how, locator in self.ways))

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
            count = await counted(chosen.filter(visible=True))
            if count:
                state: Literal["found", "ambiguous", "missing"] = (
                    "ambiguous" if count > 1 and self.unique else "found"
                )
                return Probe(self.what, self.words, state, (f"locators: {selector}",), count)
            words = await dataclasses.replace(self, override=None).probe()
            note = f"locators: {selector} ({_('matched nothing')})"
            return dataclasses.replace(words, how=(note, *words.how))
        found = await said(self._found(), None)
        if found is None:
            return Probe(self.what, self.words, "missing", (), 0)
        how, count = found
        if count == 0:
            state = "missing"
        elif count > 1 and self.unique:
            state = "ambiguous"
        else:
            state = "found"
        return Probe(self.what, self.words, state, how, count)

    async def _found(self) -> tuple[tuple[str, ...], int]:
        """The ways that find something visible, and how many visible elements all find."""
        how: list[str] = []
        for name, locator in self.ways:
            if await locator.filter(visible=True).count():
                how.append(name)
        return tuple(how), await self.visible.count()

    async def describe_matches(self) -> str:
        """The visible matches as short HTML, for an error that names them."""
        snippets = await said(
            self.visible.evaluate_all(
                "els => els.map(e => e.outerHTML.replace(/\\s+/g, ' ').slice(0, 120))"
            ),
            None,
        )
        if snippets is None:
            return "?"
        return " / ".join(str(s) for s in snippets)


#: What stands between a screen's name and the site's in a document's title.
TITLE_SEPARATORS = "|-/–—｜"


@functools.cache  # the manual's words are few; each screen asks for them anew
def title_is(words: str) -> str:
    """XPath: the text (`string(.)`) is the name `words`, alone or before or after a
    separator (「マイページ | 軽自動車…」), as `normalize` compares."""
    name = normalize(words)
    title = xpath_normalized("string(.)", name + TITLE_SEPARATORS)
    n, literal, separators = len(name), xpath_literal(name), xpath_literal(TITLE_SEPARATORS)
    # The separator is the character just after the name, or just before it.
    first = (
        f"starts-with({title}, {literal}) "
        f"and contains({separators}, substring({title}, {n + 1}, 1))"
    )
    last = (
        f"substring({title}, string-length({title}) - {n - 1}) = {literal} "
        f"and contains({separators}, substring({title}, string-length({title}) - {n}, 1))"
    )
    return f"{title} = {literal} or (string-length({title}) > {n} and ({first} or {last}))"


def screen_name(root: Root, words: str) -> Lookup:
    """A screen's name: a heading of any level, a title block, a caption, an image's alt text,
    a block whose whole text is the name, or the document's title."""
    carriers = f"{_text_carriers(words)}[not({_CLICKABLE})]"
    image = f"//body//img[{xpath_equals('@alt', words)}][not(ancestor::*[{_CLICKABLE}])]"
    return Lookup(
        "screen",
        words,
        (
            ("heading", root.get_by_role("heading", name=words_pattern(words))),
            ("text", root.locator(f"xpath={carriers}[not(*[{xpath_equals('string(.)', words)}])]")),
            ("image", root.locator(f"xpath={image}")),
            # The title is never visible: it counts through `is_displayed`, not the waits.
            ("title", root.locator(f"xpath=//head/title[{title_is(words)}]")),
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
        f"[{xpath_equals('@value', words)} or {xpath_equals('@alt', words)}]"
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
        f"//body//*[{_NOT_TEXT}][{xpath_equals('text()[normalize-space()][1]', words)}]"
        f"[descendant::ul or descendant::ol or following-sibling::ul or following-sibling::ol]"
    )
    entry = control(root, words, unique=False, what="menu")
    # Whatever element bears the words (a <div> a script opens on mouseover, a heading): the
    # innermost one, so that pointing at it points at every element around it too.
    plain = f"{_text_carriers(words)}[not(*[{xpath_equals('string(.)', words)}])]"
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
        (("text", root.locator(f"xpath={carriers}[not(*[{xpath_equals('string(.)', words)}])]")),),
        unique=False,
    )


def any_of(first: Locator, *rest: Locator) -> Locator:
    """The locators joined with `.or_()`, in order: one wait covers them all."""
    combined = first
    for locator in rest:
        combined = combined.or_(locator)
    return combined


async def counted(locator: Locator) -> int:
    """How many elements `locator` finds now (0 when the page cannot say)."""
    return await said(locator.count(), 0)
