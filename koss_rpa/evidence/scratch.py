"""A private scratch folder for one run: what Playwright and the browser write while it goes on.

While an attempt is traced, Playwright keeps its raw trace (the network log, the bodies of
requests: a login's form holds the password) in the system's temporary folder, and so does
Chromium its profile. A run that ends cleans them up; a run that is killed (a scheduler's
time-out, the OOM killer, `kill -9` of its process group) cannot. So for the duration of a
run, `TMPDIR`, `TEMP` and `TMP` point into a folder of koss-rpa's own, private to the user
(`<user state folder>/tmp/<run>`, 0700), which the driver and the browser inherit; the run
holds a lock on it, and every later run removes the folders whose lock nobody holds.

The folder is the user's default state folder's (platformdirs), not the `state_dir` setting's:
Playwright's driver is started before the settings are read (`koss_rpa.cli.entry`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import platformdirs
from filelock import FileLock, Timeout

from koss_rpa.private import FILE_MODE, private_dir

log = logging.getLogger("koss_rpa")

#: The variables a process's temporary folder is taken from (POSIX, Windows).
TEMP_VARIABLES = ("TMPDIR", "TEMP", "TMP")
#: Names this run's folder for anything it starts (and for `current()` in this process).
SCRATCH_VARIABLE = "KOSS_RPA_SCRATCH"
#: A lock file whose run is gone, and whose folder is gone too, is removed after this long.
_STALE_LOCK_SECONDS = 24 * 3600

_active: list[Path] = []
#: The temporary-folder variables as they were before the outermost scratch folder.
_outside: dict[str, str | None] = {}


def scratch_root() -> Path:
    """Where the scratch folders of all runs are: the user's state folder, or (when it cannot
    be written) a private folder of the user's in the system's temporary folder."""
    # `settings.default_state_dir()`, without importing pydantic: the driver starts first.
    root = platformdirs.user_state_path("koss-rpa", appauthor=False) / "tmp"
    try:
        return private_dir(root)
    except OSError:
        fallback = Path(tempfile.gettempdir()) / f"koss-rpa-{_user_tag()}"
        private_dir(fallback)
        return fallback


def _user_tag() -> str:
    getuid = getattr(os, "getuid", None)
    return str(getuid()) if getuid is not None else os.environ.get("USERNAME", "user")


def browser_env() -> dict[str, str | float | bool] | None:
    """The environment for the browser's own process while a scratch folder is active: the
    temporary-folder variables as they were outside it. Chromium puts its singleton socket in
    its temporary folder, and a socket's path may not be longer than 107 bytes, which a deep
    state folder exceeds; the profile and Playwright's raw traces (the driver's) stay in the
    scratch folder. None outside a scratch folder (the browser inherits the driver's)."""
    if not _active:
        return None
    env: dict[str, str | float | bool] = dict(os.environ)
    for name in TEMP_VARIABLES:
        value = _outside.get(name)
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    env.pop(SCRATCH_VARIABLE, None)
    return env


def current() -> Path | None:
    """This process's scratch folder, while a run holds one."""
    return _active[-1] if _active else None


def remove_leftovers(root: Path) -> list[Path]:
    """Remove the scratch folders of runs that are gone (their lock is free); returns them."""
    removed: list[Path] = []
    for lock_path in sorted(root.glob("*.lock")):
        folder = lock_path.with_suffix("")
        if folder in _active:
            continue
        lock = FileLock(lock_path, thread_local=False, mode=FILE_MODE)
        try:
            lock.acquire(timeout=0)
        except (Timeout, OSError):
            continue  # a live run's
        try:
            if folder.is_dir() and not folder.is_symlink():
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
            elif time.time() - lock_path.stat().st_mtime > _STALE_LOCK_SECONDS:
                lock_path.unlink(missing_ok=True)
        except OSError:
            pass
        finally:
            lock.release()
    return removed


@contextlib.contextmanager
def private_tmp() -> Iterator[Path]:
    """The run's scratch folder, with the temporary-folder variables pointing into it for the
    duration of the block; removed at its end. Nested blocks share the outer one's folder."""
    outer = current()
    if outer is not None:
        yield outer
        return
    root = scratch_root()
    remove_leftovers(root)
    folder = root / f"{os.getpid()}-{secrets.token_hex(4)}"
    # The lock before the folder: a folder whose lock is free is a dead run's.
    lock = FileLock(folder.with_name(folder.name + ".lock"), thread_local=False, mode=FILE_MODE)
    lock.acquire(timeout=0)
    saved = {name: os.environ.get(name) for name in (*TEMP_VARIABLES, SCRATCH_VARIABLE)}
    try:
        private_dir(folder)
        for name in TEMP_VARIABLES:
            os.environ[name] = str(folder)
        os.environ[SCRATCH_VARIABLE] = str(folder)
        _outside.clear()
        _outside.update(saved)
        _active.append(folder)
        yield folder
    finally:
        if _active and _active[-1] == folder:
            _active.pop()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        shutil.rmtree(folder, ignore_errors=True)
        lock.release()
        with contextlib.suppress(OSError):
            Path(lock.lock_file).unlink()
