"""The in-memory keyring for tests (README: How passwords are kept safe), from the package."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from koss_rpa.account.store import MemoryKeyring, use_keyring

__all__ = ["MemoryKeyring", "use_memory_keyring"]


@contextmanager
def use_memory_keyring() -> Iterator[MemoryKeyring]:
    backend = MemoryKeyring()
    with use_keyring(backend):
        yield backend
