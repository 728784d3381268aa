"""How koss-rpa starts Chromium: Playwright's own switches kept, Chrome's address-bar pop-up off.

Read from the running browser itself (its command line through /proc, its targets through CDP).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, async_playwright

from koss_rpa import asyncrun
from koss_rpa.errors import BrowserNotFound
from koss_rpa.flows.browser import (
    CLOSED_NETWORK_ARGS,
    QUIET_FEATURES,
    launched,
    playwright_disabled_features,
    resolve_browser,
)

pytestmark = pytest.mark.e2e

OMNIBOX_POPUP = "chrome://omnibox-popup"


async def _command_line(browser: Browser) -> list[str]:
    cdp = await browser.new_browser_cdp_session()
    info = await cdp.send("SystemInfo.getProcessInfo")
    pid = next(p["id"] for p in info["processInfo"] if p["type"] == "browser")
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")


def _disabled(command_line: list[str]) -> list[list[str]]:
    prefix = "--disable-features="
    return [a.removeprefix(prefix).split(",") for a in command_line if a.startswith(prefix)]


async def _targets_after_a_context(browser: Browser) -> list[str]:
    """URLs of every target once a fresh context has shown a page."""
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto("about:blank")
    cdp = await browser.new_browser_cdp_session()
    infos: dict[str, Any] = await cdp.send("Target.getTargets")
    await context.close()
    return [str(t["url"]) for t in infos["targetInfos"]]


def _spec(headless: bool = True) -> str:
    """The browser `auto` takes for a run with (`headless=False`) or without a window: here
    Debian's whole Chromium, or for a headless run its headless shell where installed."""
    return str(resolve_browser("auto", headless=headless).executable_path or "auto")


#: The whole browser, run headless: where Chrome's own window parts (the pop-up) exist at all
#: (a channel's Chrome or Edge, or Chromium without its headless shell).
WHOLE_CHROMIUM = _spec(headless=False)


def test_playwrights_own_disabled_features_should_be_read_as_it_passes_them() -> None:
    async def plain() -> list[list[str]]:
        async with async_playwright() as pw:
            choice = resolve_browser("auto", pw)
            browser = await pw.chromium.launch(
                args=list(CLOSED_NETWORK_ARGS), **choice.launch_kwargs()
            )
            try:
                return _disabled(await _command_line(browser))
            finally:
                await browser.close()

    [passed] = asyncrun.run(plain())

    assert playwright_disabled_features() == tuple(passed)


def test_launched_should_end_with_disable_features_of_playwright_the_user_and_koss_rpa() -> None:
    """Playwright's own switch comes first; Chromium obeys the last one, which must hold all."""

    async def ours() -> list[list[str]]:
        args = (*CLOSED_NETWORK_ARGS, "--disable-features=Translate")
        async with launched(_spec(), args=args) as browser:
            return _disabled(await _command_line(browser))

    *_, features = asyncrun.run(ours())

    defaults = playwright_disabled_features()
    assert defaults is not None
    assert set(features) >= {*defaults, "Translate", *QUIET_FEATURES}


def test_a_context_should_get_no_address_bar_popup_with_koss_rpas_switches() -> None:
    async def both() -> tuple[list[str], list[str]]:
        async with launched(WHOLE_CHROMIUM, args=CLOSED_NETWORK_ARGS) as browser:
            ours = await _targets_after_a_context(browser)
        async with async_playwright() as pw:
            choice = resolve_browser(WHOLE_CHROMIUM, pw)
            plain = await pw.chromium.launch(
                args=list(CLOSED_NETWORK_ARGS), **choice.launch_kwargs()
            )
            try:
                theirs = await _targets_after_a_context(plain)
            finally:
                await plain.close()
        return ours, theirs

    ours, theirs = asyncrun.run(both())

    assert not [url for url in ours if url.startswith(OMNIBOX_POPUP)], ours
    # Without them this Chromium builds the pop-up for every new window (what they save).
    assert [url for url in theirs if url.startswith(OMNIBOX_POPUP)], theirs


def test_a_window_without_a_display_should_say_so_and_how_to_fix_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)

    async def start() -> None:
        # `auto` for a run with a window: the whole Chromium, never the headless shell.
        async with launched("auto", headless=False, args=CLOSED_NETWORK_ARGS):
            pass

    with pytest.raises(BrowserNotFound) as caught:
        asyncrun.run(start())

    assert caught.value.exit_code == 4
    assert "headless = true" in str(caught.value)
    assert "\n" not in str(caught.value)
