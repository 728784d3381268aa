"""Flows: screens composed into jobs, with retries, error translation and evidence.

`open_runtime()` sets up one run (run folder and log, keyring, browser); a job runs per account
(`download`, `change_password`, `read_info`, `run_batch` in the submodules). The account's lock
(`account.locks`) and the browser (`flows.browser`) are named here too, for the CLI.
"""

from __future__ import annotations

from koss_rpa.account.locks import account_lock_file, acquire_account_lock
from koss_rpa.flows.browser import browser_for
from koss_rpa.flows.runtime import AccountRun, Progress, Runtime, Step, open_runtime

__all__ = [
    "AccountRun",
    "Progress",
    "Runtime",
    "Step",
    "account_lock_file",
    "acquire_account_lock",
    "browser_for",
    "open_runtime",
]
