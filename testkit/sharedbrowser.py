"""One Chromium for many in-process koss-rpa runs: the fault matrix's runs would otherwise spend
a third of their CPU time starting Playwright's driver and a browser (about a second each).

`SharedBrowser.installed()` makes `koss-rpa` (called in-process through `koss_rpa.cli.app.main`)
run its coroutines on one event loop in a thread of its own and take that loop's browser
instead of launching one. Everything else — arguments, settings, preflight, the account's lock,
the run folder, a fresh browser context per attempt, the exit code — is the CLI's own.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Coroutine, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any, TypeVar
from unittest.mock import patch

from playwright.async_api import Browser, Playwright, async_playwright

import koss_rpa.asyncrun
import koss_rpa.flows.browser
from koss_rpa.flows.browser import CLOSED_NETWORK_ARGS, chromium_args, resolve_browser

T = TypeVar("T")


class SharedBrowser:
    def __init__(self, spec: str, *, headless: bool = True, args: tuple[str, ...] = ()) -> None:
        self.spec = spec
        self.headless = headless
        self.args = chromium_args(args)
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self.loop.run_forever, name="shared-browser", daemon=True
        )
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run `coro` on the shared loop and wait for it (what `asyncio.run` does, loop kept)."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    async def browser(self) -> Browser:
        """The shared browser (to be awaited on the shared loop)."""
        return await self._browser_of_the_loop()

    async def _browser_of_the_loop(self) -> Browser:
        if self._browser is None or not self._browser.is_connected():
            if self._playwright is None:
                self._playwright = await async_playwright().start()
            choice = resolve_browser(self.spec, self._playwright, headless=self.headless)
            self._browser = await self._playwright.chromium.launch(
                headless=self.headless, args=self.args, **choice.launch_kwargs()
            )
        return self._browser

    @asynccontextmanager
    async def launched(self, spec: str, **_: Any) -> AsyncIterator[Browser]:
        """Stands in for `koss_rpa.flows.browser.launched`: the shared browser, left open."""
        del spec
        yield await self._browser_of_the_loop()

    @classmethod
    def like(cls, browser_type_launch_args: dict[str, Any]) -> SharedBrowser:
        """The browser pytest-playwright would launch (the `browser_type_launch_args` fixture)."""
        return cls(
            str(browser_type_launch_args.get("executable_path", "auto")),
            headless=bool(browser_type_launch_args.get("headless", True)),
            args=CLOSED_NETWORK_ARGS,
        )

    @contextmanager
    def installed(self) -> Iterator[None]:
        """For the block: coroutines of koss-rpa run on the shared loop, with its browser.

        The driver and the browser start here, outside any run: a run's scratch folder (its
        TMPDIR, `koss_rpa.evidence.scratch`) is removed when the run ends, and they outlive it."""
        self.run(self._browser_of_the_loop())
        with (
            patch.object(koss_rpa.asyncrun, "run", self.run),
            patch.object(koss_rpa.flows.browser, "launched", self.launched),
            # No driver of its own to start ahead: the shared loop has one.
            patch.object(koss_rpa.flows.browser, "start_driver", lambda: None),
        ):
            yield

    def close(self) -> None:
        async def stop() -> None:
            if self._browser is not None:
                await self._browser.close()
            if self._playwright is not None:
                await self._playwright.stop()

        try:
            self.run(stop())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout=30)
            self.loop.close()
