"""What every flow runs with: settings, keyring, browser, run folder, progress (`Runtime`), and
what one account's job learns across its attempts (`AccountRun`). `open_runtime()` sets up a run.

The keyring is handed to the account protocol only (`Runtime.account`): no flow reads it.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from playwright.async_api import Browser, BrowserContext

from koss_rpa.account.protocol import Account, AccountSettings
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

    def account(self, run: AccountRun) -> Account:
        """The account of `run` (`koss_rpa.account.protocol`): its passwords, its login budget
        and what the portal said of them; one for all the job's attempts."""
        if run.account is None:
            run.account = Account(self.store, run.user_id, AccountSettings.of(self.settings))
        return run.account


@dataclass
class AccountRun:
    """What one account's job learns across its retry attempts."""

    user_id: str
    attempts: int = 0
    retry_reasons: list[str] = field(default_factory=list)
    #: What went wrong after the work was done (a 終了 that failed), in the user's language.
    warnings: list[str] = field(default_factory=list)
    #: The account's protocol, with what the portal said in this job (`Runtime.account` makes
    #: it the first time a flow asks).
    account: Account | None = field(default=None, repr=False)

    @property
    def rotated(self) -> bool:
        """Whether the password changed on the portal in this job."""
        return self.account is not None and self.account.rotated


def runtime_for(
    settings: Settings, browser: Browser, folder: RunFolder, progress: Progress = _silent
) -> Runtime:
    """A run's runtime around a browser and a run folder: the keyring opened (its reads cached
    for the run)."""
    return Runtime(
        settings, CredentialStore(settings.keyring_service, cache=True), browser, folder, progress
    )


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
    with run_folder(settings.run_dir, command, label, settings.keep_runs) as folder:
        async with browser_for(settings, driver) as browser:
            yield runtime_for(settings, browser, folder, progress)
        if not settings.keep_success_artifacts:
            folder.drop_evidence()
