"""Unit-test fixtures: an in-memory keyring, and no settings leaking in from this machine.

The keyring fixture repeats the one in `tests/conftest.py` under the same name, so that the unit
tests also run on their own (`--confcutdir=tests/unit`) while the mock portal is being built.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from koss_rpa import settings as settings_module
from koss_rpa.account.store import MemoryKeyring, use_keyring
from koss_rpa.i18n import set_language


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    """Every test gets a fresh in-memory keyring; the OS keyring is never touched."""
    backend = MemoryKeyring()
    with use_keyring(backend):
        yield backend


@pytest.fixture(autouse=True)
def isolated_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """No `KOSS_*` variable, no `.env` and no user config file of this machine reach a test.

    The working directory is `tmp_path` (a `.env` is read from it); messages are in English.
    """
    for name in list(os.environ):
        if name.startswith("KOSS_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(
        settings_module, "default_config_file", lambda: tmp_path / "no-user-config.toml"
    )
    koss_logger = logging.getLogger("koss_rpa")
    propagate, level = koss_logger.propagate, koss_logger.level
    set_language("en")
    yield tmp_path
    set_language("en")
    # `cli.main` and `RunFolder.start_logging` change the package logger; later tests must not
    # inherit that.
    koss_logger.propagate = propagate
    koss_logger.setLevel(level)
