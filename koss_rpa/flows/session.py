"""Evidence of one attempt: a fresh browser context per attempt, tracing paused around
credentials and scrubbed of secrets, a screenshot and masked HTML on failure."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from pathlib import Path

from playwright.async_api import BrowserContext, Page
from playwright.async_api import Error as PlaywrightError

from koss_rpa.evidence import scratch
from koss_rpa.evidence.runs import UNSCRUBBED_SUFFIX
from koss_rpa.flows.runtime import AccountRun, Runtime
from koss_rpa.pages import dialogs, overrides
from koss_rpa.portal_errors import first_line, portal_errors, tolerated

log = logging.getLogger("koss_rpa.flows")

#: Password inputs, and inputs a page may have switched to text with パスワード表示.
SECRET_INPUTS = "input[type=password], input[name*=password i], input[autocomplete*=password i]"
_MASKED_HTML_JS = """(selector) => {
    const clone = document.documentElement.cloneNode(true);
    for (const input of clone.querySelectorAll(selector)) {
        input.removeAttribute('value');
    }
    return '<!DOCTYPE html>\\n' + clone.outerHTML;
}"""


class AccountSession:
    """A fresh, isolated browser context for one attempt of one account's job.

    Tracing runs in chunks and is paused while credentials are typed; the chunks wait in the
    run's private scratch folder, and only when the attempt's evidence is kept are they scrubbed
    of the run's secrets into the run folder, so that no trace there holds a password. On
    failure the evidence (screenshot, HTML, trace) is written to the run folder.
    """

    def __init__(self, rt: Runtime, run: AccountRun, context: BrowserContext) -> None:
        self.rt = rt
        self.run = run
        self.context = context
        self._tracing = False
        #: Chunks saved unscrubbed, each with the name it gets once scrubbed: only an attempt
        #: whose evidence is kept pays for scrubbing them (`finish`).
        self._unscrubbed: list[tuple[Path, Path]] = []
        #: The current chunk's start, when `secret_entry` asked for it without waiting.
        self._chunk_started: asyncio.Future[None] | None = None

    def step(self, key: str, message: str) -> None:
        """A step of this account's job, for the person watching."""
        self.rt.step(self.run.user_id, key, message)

    async def new_page(self) -> Page:
        """A new window; the user's `[locators]` read by Playwright on it first (blank).

        Opened while the trace starts (`start_tracing`), and returned once it records: the
        window's first step is in the trace."""
        page, _traced = await asyncio.gather(self.context.new_page(), self.traced())
        if self.rt.settings.locators:
            await overrides.check_selectors(page, self.rt.settings.locators)
        return page

    @property
    def current_page(self) -> Page | None:
        pages = [p for p in self.context.pages if not p.is_closed()]
        return pages[-1] if pages else None

    async def _save_chunk(self) -> None:
        """End the trace chunk and save it unscrubbed; `finish` scrubs it into its name if the
        attempt's evidence is kept, and removes it otherwise."""
        await self.traced()
        label = f"{self.run.user_id}-{self.run.attempts}-{len(self._unscrubbed) + 1}"
        path = self.rt.folder.evidence_path("trace.zip", label)
        # Unscrubbed, the chunk stays in the run's private scratch folder, which a later run
        # removes should this one be killed before it is scrubbed.
        raw = (scratch.current() or path.parent) / (path.name + UNSCRUBBED_SUFFIX)
        self._unscrubbed.append((raw, path))
        await self.context.tracing.stop_chunk(path=raw)

    def start_tracing(self) -> None:
        """Trace the attempt: its steps, their timings and its requests always; the DOM at every
        step and the pages' bodies (Playwright's snapshots, about 3% of a run's time) from the
        account's first retry on, unless `trace_snapshots = "always"` (as Playwright's own
        "on-first-retry"). A failed first attempt keeps a screenshot and the page's HTML
        besides. No screencast: it would cost a third of the run time. `start` begins the first
        chunk.

        Asked for, not waited for (three round trips to the driver): whatever uses the trace
        awaits `traced()` first, as after a `secret_entry`; `new_page` does meanwhile."""
        snapshots = self.rt.settings.trace_snapshots == "always" or self.run.attempts > 1
        self._chunk_started = asyncio.ensure_future(self._start(snapshots))
        self._tracing = True

    async def _start(self, snapshots: bool) -> None:
        await self.context.tracing.start(screenshots=False, snapshots=snapshots, sources=False)

    @asynccontextmanager
    async def secret_entry(self) -> AsyncIterator[Awaitable[None]]:
        """Typing credentials and submitting them: nothing of it goes into a trace.

        Yields what to await before the first secret is typed: the trace's chunk is saved
        meanwhile, while the form is looked up (its lookups are no secret). At its end the
        next chunk is asked for but not waited for: the caller reads the answer meanwhile and
        then awaits `traced()`, before its next step.
        """
        loop = asyncio.get_running_loop()
        untraced: asyncio.Future[None] = loop.create_future()
        untraced.set_result(None)
        was_tracing = self._tracing
        if was_tracing:
            self._tracing = False
            untraced = asyncio.ensure_future(self._save_chunk())
        try:
            yield untraced
        finally:
            # Saved before tracing starts again, also when the entry ended before awaiting it.
            (error,) = await asyncio.gather(untraced, return_exceptions=True)
            if isinstance(error, Exception):
                log.warning("could not save the trace: %s", first_line(error))
            if was_tracing and any(not p.is_closed() for p in self.context.pages):
                self._chunk_started = asyncio.ensure_future(self._start_chunk())
                self._tracing = True

    async def _start_chunk(self) -> None:
        await self.context.tracing.start_chunk()

    async def traced(self) -> None:
        """Wait until the trace records, once started or again after a `secret_entry` (at once
        if it does): the next step would not be in it otherwise."""
        if self._chunk_started is not None:
            started, self._chunk_started = self._chunk_started, None
            await started

    async def finish(self, failed: bool) -> None:
        keep = failed or self.rt.settings.keep_success_artifacts
        try:
            with tolerated(lambda error: log.warning("could not save the trace: %s", error)):
                if self._tracing and keep:
                    await self._save_chunk()
                else:
                    await self.traced()
                self._tracing = False
                await self.context.tracing.stop()  # a chunk not saved is dropped
        finally:
            await self._scrubbed_or_removed(keep)

    async def _scrubbed_or_removed(self, keep: bool) -> None:
        """The attempt's trace chunks scrubbed into the run folder if its evidence is kept,
        else removed unread (a success keeps only its log)."""
        chunks, self._unscrubbed = self._unscrubbed, []
        if not keep or not self.rt.folder.alive():  # never into a folder made again
            for raw, _path in chunks:
                raw.unlink(missing_ok=True)
            return
        scrub = self.rt.folder.redactor.scrub_archive
        # Each in a worker thread, all at once; shielded: an interrupted run still leaves no
        # unscrubbed chunk behind (`scrub_archive` removes its source whatever happens).
        scrubbed = asyncio.gather(
            *(asyncio.to_thread(scrub, raw, path) for raw, path in chunks if raw.exists()),
            return_exceptions=True,
        )
        for error in await asyncio.shield(scrubbed):
            if isinstance(error, Exception):
                log.warning("could not scrub a trace: %s", first_line(error))

    async def capture_evidence(self) -> None:
        """Screenshot and HTML of what is on display, password fields masked."""
        page = self.current_page
        if page is None or not self.rt.folder.alive():
            return
        await _stop_loading(page)
        label = f"{self.run.user_id}-{self.run.attempts}"
        with tolerated(lambda error: log.warning("could not take a screenshot: %s", error)):
            await page.screenshot(
                path=self.rt.folder.evidence_path("screenshot.png", label),
                full_page=True,
                mask=[page.locator(SECRET_INPUTS)],
                timeout=self.rt.timeout_ms,
            )
        try:
            # `evaluate` has no time-out of its own; a page that hangs must not hang the run.
            html = await asyncio.wait_for(
                page.evaluate(_MASKED_HTML_JS, SECRET_INPUTS),
                timeout=self.rt.settings.timeouts.action_seconds,
            )
            self.rt.folder.evidence_path("page.html", label).write_text(
                self.rt.folder.redactor.redact(str(html)), encoding="utf-8"
            )
        except (PlaywrightError, TimeoutError) as exc:
            log.warning("could not save the page's HTML: %s", first_line(exc))


async def _stop_loading(page: Page) -> None:
    """Stop a navigation the robot has given up on (Chromium's `Page.stopLoading`).

    Otherwise the browser goes on waiting for it while the evidence is taken: the screenshot
    and the HTML wait for the page too, and an answer that comes meanwhile (a 変更 the portal
    took late) changes the page under the evidence, or lands while the next attempt runs.
    """
    # Not Chromium, or the page is gone: nothing to stop.
    with tolerated(lambda error: log.info("could not stop the page's loading: %s", error)):
        cdp = await page.context.new_cdp_session(page)
        await cdp.send("Page.stopLoading")
        await cdp.detach()


@asynccontextmanager
async def account_session(rt: Runtime, run: AccountRun) -> AsyncIterator[AccountSession]:
    """One attempt: a new context, closed afterwards; evidence kept if the attempt fails."""
    run.attempts += 1
    locators = overrides.checked(rt.settings.locators)  # (checked before the attempts)
    context = await rt.browser.new_context(accept_downloads=True, locale="ja-JP")
    context.set_default_timeout(rt.timeout_ms)
    context.set_default_navigation_timeout(rt.settings.timeouts.navigation_seconds * 1000)
    dialogs.watch(context)  # from the first page on: an alert on arrival is logged, not fatal
    overrides.use(context, locators)
    session = AccountSession(rt, run, context)
    failed = True
    try:
        for hook in rt.context_hooks:
            await hook(context)
        session.start_tracing()
        with portal_errors():
            yield session
        failed = False
    except BaseException as exc:
        log.warning("%s: %s: %s", run.user_id, getattr(exc, "code", type(exc).__name__), exc)
        await session.capture_evidence()
        raise
    finally:
        await session.finish(failed)
        await context.close()
