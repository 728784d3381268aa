"""Shared fixtures: the system Chromium, the mock portal in a thread, an in-memory keyring."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from koss_rpa.browser import CLOSED_NETWORK_ARGS, chromium_args, resolve_browser
from mock_portal.testing import ControlClient, PortalServer, serve_in_thread
from tests.support.memkeyring import MemoryKeyring, use_memory_keyring


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Drive the same browser the tool would pick (here: Debian's /usr/bin/chromium), with the
    arguments it would add."""
    choice = resolve_browser("auto")
    args = chromium_args([*browser_type_launch_args.get("args", []), *CLOSED_NETWORK_ARGS])
    return {**browser_type_launch_args, **choice.launch_kwargs(), "args": args}


@pytest.fixture(scope="session")
def portal_server() -> Iterator[PortalServer]:
    """One mock portal per test session (per xdist worker), on a free loopback port."""
    with serve_in_thread() as server:
        yield server


@pytest.fixture
def portal(portal_server: PortalServer, mock_portal_variant: str | None) -> Iterator[ControlClient]:
    """The mock's control client; the mock is reset before each test, then switched to the
    markup variant of `@all_variants` or `@pytest.mark.mock_portal_variant(NAME)` if any."""
    with ControlClient(portal_server.url) as client:
        client.reset()
        if mock_portal_variant is not None:
            client.set_variant(mock_portal_variant)
        yield client


@pytest.fixture(scope="session")
def base_url(portal_server: PortalServer) -> str:
    """pytest-playwright's base_url points at the mock portal."""
    return portal_server.url


@pytest.fixture(autouse=True)
def isolated_state(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """Every test (and every process it starts) gets a state folder of its own: the login
    budgets, locks and scratch folders of this machine's user are never touched."""
    home = tmp_path_factory.mktemp("xdg-state")
    monkeypatch.setenv("XDG_STATE_HOME", str(home))
    return home / "koss-rpa"


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    """Every test gets a fresh in-memory keyring; the OS keyring is never touched."""
    with use_memory_keyring() as backend:
        yield backend
