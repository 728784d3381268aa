"""What every flow runs with: settings, keyring, browser, run folder, progress (`Runtime`), and
what one account's job learns across its attempts (`AccountRun`). `open_runtime()` sets up a run.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from playwright.async_api import Browser, BrowserContext

from koss_rpa.account.protocol import Account
from koss_rpa.account.store import CredentialStore
from koss_rpa.evidence.runs import RunFolder, run_folder
from koss_rpa.flows.browser import Driver, browser_for
from koss_rpa.settings import Settings

log = logging.getLogger("koss_rpa.flows")


@dataclass(frozen=True)
class Step:
    """A step of a flow, for the person watching (`message` is in their language)."""

    user_id: str | None
    key: str
    message: str


Progress = Callable[[Step], None]


def _silent(step: Step) -> None:
    del step


@dataclass
class Runtime:
    """One run of the tool: what the flows need, and nothing that prints."""

    settings: Settings
    store: CredentialStore
    browser: Browser
    folder: RunFolder
    progress: Progress = _silent
    #: Called with every browser context an account's attempt opens (e.g. `--capture`).
    context_hooks: list[Callable[[BrowserContext], Awaitable[None]]] = field(default_factory=list)

    def step(self, user_id: str | None, key: str, message: str) -> None:
        log.info("%s: %s", user_id or "-", message)
        self.progress(Step(user_id, key, message))

    @property
    def timeout_ms(self) -> float:
        return self.settings.timeouts.action_seconds * 1000

    @property
    def navigation_timeout_ms(self) -> float:
        return self.settings.timeouts.navigation_seconds * 1000

    def account(self, user_id: str) -> Account:
        """The account's passwords and login budget (`koss_rpa.account.protocol`)."""
        return Account(self.store, user_id, self.settings)


@dataclass
class AccountRun:
    """What one account's job learns across its retry attempts."""

    user_id: str
    #: Whether the portal accepted a password of this account in this run.
    confirmed: bool = False
    rotated: bool = False
    attempts: int = 0
    retry_reasons: list[str] = field(default_factory=list)
    #: What went wrong after the work was done (a 終了 that failed), in the user's language.
    warnings: list[str] = field(default_factory=list)


@asynccontextmanager
async def open_runtime(
    settings: Settings,
    command: str,
    label: str = "",
    progress: Progress = _silent,
    driver: Driver | None = None,
) -> AsyncIterator[Runtime]:
    """One run: its folder and log, the keyring, the browser; a run that succeeded keeps only
    its log."""
    store = CredentialStore(settings.keyring_service, cache=True)
    with run_folder(settings.run_dir, command, label, settings.keep_runs) as folder:
        async with browser_for(settings, driver) as browser:
            yield Runtime(settings, store, browser, folder, progress)
        if not settings.keep_success_artifacts:
            folder.drop_evidence()
