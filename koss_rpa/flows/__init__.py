"""Flows: screens composed into jobs, with retries, error translation and evidence.

`open_runtime()` sets up one run (run folder and log, keyring, browser); an account's lock
(`account_lock_file()`, taken with `acquire_account_lock()`) keeps a second run off an account
that is being worked on.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from filelock import FileLock, Timeout
from playwright.async_api import Browser

from koss_rpa.browser import Driver, launched
from koss_rpa.credentials import CredentialStore
from koss_rpa.errors import RunLocked
from koss_rpa.flows.runtime import Progress, Runtime, _silent
from koss_rpa.i18n import _
from koss_rpa.runs import run_folder
from koss_rpa.settings import Settings


def browser_for(
    settings: Settings, driver: Driver | None = None
) -> AbstractAsyncContextManager[Browser]:
    """The browser the settings name, started with their options."""
    return launched(
        settings.browser, headless=settings.headless, args=settings.browser_args, driver=driver
    )


@asynccontextmanager
async def open_runtime(
    settings: Settings,
    command: str,
    label: str = "",
    progress: Progress = _silent,
    driver: Driver | None = None,
) -> AsyncIterator[Runtime]:
    store = CredentialStore(settings.keyring_service, cache=True)
    with run_folder(settings.run_dir, command, label, settings.keep_runs) as folder:
        async with browser_for(settings, driver) as browser:
            yield Runtime(settings, store, browser, folder, progress)
        if not settings.keep_success_artifacts:
            folder.drop_evidence()  # a run that succeeded keeps only its log


def account_lock_file(settings: Settings, user_id: str) -> FileLock:
    """The lock of one account. The OS drops it when a process dies, so a lock left by a
    killed run never blocks the next one."""
    lock_dir = settings.run_dir.parent / "locks"
    lock_dir.mkdir(parents=True, exist_ok=True)
    return FileLock(lock_dir / f"{user_id}.lock", thread_local=False)


def acquire_account_lock(lock: FileLock, user_id: str, wait_seconds: float) -> None:
    """Take the lock, waiting at most `wait_seconds`; raises `RunLocked` otherwise."""
    try:
        lock.acquire(timeout=wait_seconds)
    except Timeout as exc:
        raise RunLocked(
            _(
                "Another koss-rpa run is working on {user_id}; try again when it has finished."
            ).format(user_id=user_id)
        ) from exc
