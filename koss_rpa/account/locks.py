"""An account's lock, in the state folder beside its safety record (`account.budget`): it keeps
a second run off an account that is being worked on, whatever the second run's `run_dir`,
working folder or configuration."""

from __future__ import annotations

from pathlib import Path

from filelock import FileLock, Timeout

from koss_rpa.account.budget import account_key
from koss_rpa.errors import RunLocked
from koss_rpa.i18n import _
from koss_rpa.private import FILE_MODE, private_dir


def account_lock_file(state_dir: Path, user_id: str, *, service: str) -> FileLock:
    """The lock of one account (of the keyring `service`) in the state folder `state_dir`.
    The OS drops it when a process dies, so a lock left by a killed run never blocks the next
    one."""
    lock_dir = private_dir(state_dir / "locks")
    name = account_key(service, user_id)
    return FileLock(lock_dir / f"{name}.lock", thread_local=False, mode=FILE_MODE)


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
