"""Flows: screens composed into jobs, with retries, error translation and evidence.

`flows.runtime.open_runtime()` sets up one run (run folder and log, keyring, browser); a job runs
per account (`download`, `change_password`, `read_info`, `run_batch` in the submodules).

Nothing is imported here: `koss_rpa.cli.entry` imports `flows.browser` to start Playwright's
driver before anything else, and importing this package must not load the flows, the account
protocol and the keyring first (the driver would start that much later).
"""
