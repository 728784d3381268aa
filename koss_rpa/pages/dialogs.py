"""JavaScript dialogs, answered as a person would answer them.

A `confirm()` or a `beforeunload` prompt raised within `OWN_CLICK_SECONDS` of the robot's own
click on a control of the manual's steps (ログイン, 変更, 終了, まとめ納付管理ファイル…) asks
about that click: it is accepted. Any other confirm, and every `prompt()`, is dismissed (the
robot agrees to nothing it did not ask for and types nothing it was not told). An `alert()`
has only OK: it is accepted, and its text kept as a line of the portal's answer to the latest
submission (`Dialogs.alerts`), so that a refusal shown only in an alert is read like one shown
in the page. Every dialog's text goes to the run log (whose handler redacts secrets), and every
dialog is answered at once: none ever stalls a run.

One `Dialogs` per browser context (`watch`), found by any of its pages (`of`).
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from asyncio import Future

from playwright.async_api import BrowserContext, Dialog, Page

from koss_rpa.portal_errors import tolerated

log = logging.getLogger("koss_rpa.pages")

#: How long after the robot's own click a confirm() or beforeunload is taken as asking about it.
OWN_CLICK_SECONDS = 5.0
#: Dialogs that ask a question the robot may agree to, after its own click.
CONFIRMING = ("confirm", "beforeunload")


class Dialogs:
    """The dialogs of one browser context: the rules above, and the alerts since the latest
    submission."""

    def __init__(self) -> None:
        self._clicked_at: float | None = None
        self._clicked = ""
        #: Texts of the alerts since the latest submission (`submitting`), in order.
        self.alerts: list[str] = []
        #: Every dialog seen, as (type, text, answer): for tests and `check`.
        self.seen: list[tuple[str, str, str]] = []
        self._waiting: list[Future[str]] = []
        self._answering: set[asyncio.Task[None]] = set()

    def clicked(self, words: str) -> None:
        """The robot is about to click the control named `words`."""
        self._clicked_at = asyncio.get_running_loop().time()
        self._clicked = words

    def submitting(self, words: str) -> None:
        """The robot is about to submit with `words` (its click): the alerts from now on are
        the answer's."""
        self.alerts.clear()
        self.clicked(words)

    def next_alert(self) -> Future[str]:
        """A future of the next alert's text."""
        future: Future[str] = asyncio.get_running_loop().create_future()
        self._waiting.append(future)
        return future

    def _own_click_recent(self) -> bool:
        if self._clicked_at is None:
            return False
        return asyncio.get_running_loop().time() - self._clicked_at <= OWN_CLICK_SECONDS

    def answer(self, dialog: Dialog) -> bool:
        """Whether `dialog` is accepted (True) or dismissed, by the rules above."""
        if dialog.type == "alert":
            return True
        if dialog.type in CONFIRMING:
            return self._own_click_recent()
        return False  # prompt(), and any kind to come

    def on_dialog(self, dialog: Dialog) -> None:
        """The context's dialog listener: decides, records and logs at once (so that the text
        is known before anything else the page does next), answers in a task."""
        accept = self.answer(dialog)
        text = dialog.message
        verdict = "accepted" if accept else "dismissed"
        self.seen.append((dialog.type, text, verdict))
        if dialog.type == "alert":
            self.alerts.append(text)
            waiting, self._waiting = self._waiting, []
            for future in waiting:
                if not future.done():
                    future.set_result(text)
            log.info("the portal showed an alert: %s", text)
        else:
            after = f" (after {self._clicked})" if accept and self._clicked else ""
            log.info("the portal asked (%s), %s%s: %s", dialog.type, verdict, after, text)
        task = asyncio.ensure_future(_respond(dialog, accept))
        self._answering.add(task)
        task.add_done_callback(self._answering.discard)


def _unanswered(error: str) -> None:
    log.info("a dialog could not be answered: %s", error)


async def _respond(dialog: Dialog, accept: bool) -> None:
    # A failure: the page went away meanwhile, nothing waits any more.
    with tolerated(_unanswered):
        if accept:
            await dialog.accept()
        else:
            await dialog.dismiss()


_WATCHED: weakref.WeakKeyDictionary[BrowserContext, Dialogs] = weakref.WeakKeyDictionary()


def watch(context: BrowserContext) -> Dialogs:
    """Answer the dialogs of every page of `context` (once; later calls return the same)."""
    dialogs = _WATCHED.get(context)
    if dialogs is None:
        dialogs = _WATCHED[context] = Dialogs()
        context.on("dialog", dialogs.on_dialog)
    return dialogs


def of(page: Page) -> Dialogs:
    """The dialogs of `page`'s context (watched from now on, if they were not)."""
    return watch(page.context)
