"""Overrides a user sets on site (`[locators]` in the settings): a screen, field or control, in
the manual's words, pointed at by a Playwright selector that is tried before the vocabulary.

A key is the words (`"ログイン"`: that control on every screen that has it), or a screen's name,
a slash and the words (`"マイページログイン/パスワード変更"`: only on that screen; the screen's own
name after the slash names the screen). Words that name both a screen and a part of another
screen (パスワード変更) must be written with their screen. The names are those the page objects
declare (`manual_words`): the one list, read from the code.

One mapping per browser context (`use`), found by any page or frame of it (`selector_for`).
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Mapping

from playwright.async_api import BrowserContext, Frame, Page
from playwright.async_api import Error as PlaywrightError

from koss_rpa.errors import SettingsInvalid
from koss_rpa.i18n import _
from koss_rpa.pages.words import normalize
from koss_rpa.portal_errors import translated

#: Between a screen's name and the words of one of its parts, in a key.
SEPARATOR = "/"

Key = tuple[str | None, str]

_USED: weakref.WeakKeyDictionary[BrowserContext, dict[Key, str]] = weakref.WeakKeyDictionary()
#: Selectors Playwright has read already (in this process): each is parsed once.
_READABLE: set[str] = set()


def manual_words() -> dict[str, set[str]]:
    """Every screen's name and the words of each part the robot looks up on it:
    {screen name: {words}} (the screen's own name among them)."""
    import koss_rpa.pages  # noqa: F401  (every screen class defined)
    from koss_rpa.pages.portal_top import MENU_PATH, PortalTopPage
    from koss_rpa.pages.screen import Part, Screen

    found: dict[str, set[str]] = {}
    pending: list[type[Screen]] = list(Screen.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if not cls.__module__.startswith("koss_rpa.pages.") or "name" not in vars(cls):
            continue
        words = found.setdefault(cls.name, {cls.name})
        for klass in cls.__mro__:
            words.update(v.words for v in vars(klass).values() if isinstance(v, Part))
    found[PortalTopPage.name].update(MENU_PATH)
    return found


def _names_line(words: dict[str, set[str]]) -> str:
    every = sorted({w for screen in words.values() for w in screen})
    return "、".join(f"「{w}」" for w in every)


def checked(locators: Mapping[str, str]) -> dict[Key, str]:
    """The `[locators]` setting as (screen or None, words) → selector.

    Raises:
        SettingsInvalid: a key that is none of the manual's words the robot uses, or that
            names a screen and a part at once (one line naming it).
    """
    words = manual_words()
    screens = {normalize(s): s for s in words}
    parts = {normalize(w): w for screen, ws in words.items() for w in ws if w != screen}
    result: dict[Key, str] = {}
    for key, selector in locators.items():
        screen_part, _sep, rest = key.rpartition(SEPARATOR)
        if screen_part:
            screen = screens.get(normalize(screen_part))
            wanted = {normalize(w): w for w in words.get(screen or "", set())}
            if screen is None or normalize(rest) not in wanted:
                raise _unknown(key, words)
            result[(screen, wanted[normalize(rest)])] = selector
            continue
        name = normalize(key)
        if name in screens and name in parts:
            owners = [s for s, ws in words.items() if s != screens[name] and parts[name] in ws]
            raise SettingsInvalid(
                _(
                    "Setting 'locators': 「{key}」 names a screen and a control: write "
                    "「{screen}」 for the screen, 「{part}」 for the control."
                ).format(
                    key=key,
                    screen=f"{screens[name]}{SEPARATOR}{screens[name]}",
                    part=f"{owners[0]}{SEPARATOR}{parts[name]}",
                )
            )
        if name not in screens and name not in parts:
            raise _unknown(key, words)
        result[(None, screens.get(name) or parts[name])] = selector
    return result


def _unknown(key: str, words: dict[str, set[str]]) -> SettingsInvalid:
    return SettingsInvalid(
        _(
            "Setting 'locators': 「{key}」 is none of the manual's words the robot uses ({names})."
        ).format(key=key, names=_names_line(words))
    )


def use(context: BrowserContext, locators: dict[Key, str]) -> None:
    """The overrides of every page of `context` (none when `locators` is empty)."""
    if locators:
        _USED[context] = locators


def selector_for(root: Page | Frame, screen: str, words: str) -> str | None:
    """The selector a user set for `words` on `screen`, or None."""
    if not _USED:
        return None
    context = root.context if isinstance(root, Page) else root.page.context
    chosen = _USED.get(context)
    if not chosen:
        return None
    return chosen.get((screen, words)) or chosen.get((None, words))


async def check_selectors(page: Page, locators: Mapping[str, str]) -> None:
    """Each selector read by Playwright on `page` (a blank one: nothing is looked for, only
    the selector parsed), once per process.

    Raises:
        SettingsInvalid: a selector Playwright cannot read (one line naming it).
    """
    for key, selector in locators.items():
        if selector in _READABLE:
            continue
        async with translated(functools.partial(_unreadable, key, selector)):
            await page.locator(selector).count()
        _READABLE.add(selector)


async def _unreadable(key: str, selector: str, exc: PlaywrightError) -> SettingsInvalid:
    reason = str(exc).splitlines()[0].removeprefix("Locator.count: ")
    return SettingsInvalid(
        _(
            "Setting 'locators': the selector of 「{key}」 ({selector}) is not one "
            "Playwright can read: {reason}"
        ).format(key=key, selector=selector, reason=reason)
    )


def key_for(screen: str, words: str) -> str:
    """The `[locators]` key for `words` on `screen`: the words alone, unless they also name
    another screen or a part of one (then with the screen's name)."""
    every = manual_words()
    screens = {normalize(s) for s in every}
    parts = {normalize(w) for s, ws in every.items() for w in ws if w != s}
    name = normalize(words)
    if name in screens and name in parts:
        return f"{screen}{SEPARATOR}{words}"
    return words


def toml_string(text: str) -> str:
    """`text` as a TOML string: a literal one when it can be, else a basic one."""
    if "'" not in text and not any(ord(c) < 0x20 or c == "\x7f" for c in text):
        return f"'{text}'"
    import json

    return json.dumps(text, ensure_ascii=False)


def toml_line(screen: str, words: str, selector: str) -> str:
    """The line of `[locators]` that points `words` on `screen` at `selector`."""
    return f"{toml_string(key_for(screen, words))} = {toml_string(selector)}"
