"""Shared fixtures: the system Chromium, the mock portal, an in-memory keyring.

The mock portal comes from its pytest plugin (mock_portal.pytest_plugin), exactly as testers get
it: `mock_portal_server`, `mock_portal` (reset, markers, variants), and `base_url` through the
ini value `mock_portal_base_url = true` (pyproject.toml). `portal_server` and `portal` are the
names the project's tests have always used for the first two.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from koss_rpa.flows.browser import CLOSED_NETWORK_ARGS, chromium_args, resolve_browser
from mock_portal.testing import ControlClient, PortalServer
from tests.support.memkeyring import MemoryKeyring, use_memory_keyring


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Drive the same browser the tool would pick (here: Debian's headless shell, or its
    whole Chromium for `--headed`), with the arguments it would add."""
    choice = resolve_browser("auto", headless=browser_type_launch_args.get("headless", True))
    args = chromium_args([*browser_type_launch_args.get("args", []), *CLOSED_NETWORK_ARGS])
    return {**browser_type_launch_args, **choice.launch_kwargs(), "args": args}


@pytest.fixture(scope="session")
def portal_server(mock_portal_server: PortalServer) -> PortalServer:
    """The plugin's portal: one per test session (per xdist worker), on a free loopback port."""
    return mock_portal_server


@pytest.fixture
def portal(mock_portal: ControlClient) -> ControlClient:
    """The plugin's control client: the portal reset (or set up by the markers) before each
    test, in the markup variant of `@all_variants` or `@pytest.mark.mock_portal_variant`."""
    return mock_portal


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


def _in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@pytest.fixture(scope="session", autouse=True)
def ctrl_c_as_a_terminal_has_it() -> None:
    """The tests start with Python's own Ctrl-C, even when pytest did not: a process started as
    a shell's background job (`make test &`, a CI step run so) has SIGINT ignored from its start,
    and Python keeps it so (`SIG_IGN`). Its Ctrl-C would vanish in this process
    (`_thread.interrupt_main` does nothing) and in every process a test starts (an ignored
    signal is inherited: Python then never raises KeyboardInterrupt) — a clean-clone suite hung,
    and its Ctrl-C tests saw a download finish, so."""
    if _in_main_thread() and signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True)
def ctrl_c_left_as_found() -> Iterator[None]:
    """Every test leaves Ctrl-C as it found it, or fails (named) in its teardown: a handler left
    behind would take the next tests' Ctrl-C. The handler is put back either way."""
    if not _in_main_thread():
        yield
        return
    found = signal.getsignal(signal.SIGINT)
    if found is not signal.default_int_handler:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        pytest.fail(f"SIGINT's handler was {found!r} before the test: a wider fixture left it")
    yield
    left = signal.getsignal(signal.SIGINT)
    if left is not signal.default_int_handler:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        pytest.fail(f"the test left SIGINT's handler as {left!r}: put back what you change")


#: Folders whose tests run one after another on one xdist worker (`--dist loadgroup`): the
#: packaging tests share the sdist, wheel and venvs their session fixtures build, which every
#: worker that ran one of them would build again (a minute of CPU each).
TOGETHER = ("tests/packaging/",)


def together(nodeid: str) -> str | None:
    """The `TOGETHER` folder a test belongs to, if any."""
    return next((folder for folder in TOGETHER if nodeid.startswith(folder)), None)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist loadgroup` by `TOGETHER`: each folder there is one unit of work, every other test
    one of its own. xdist's own loadgroup tells its scheduler a test's `xdist_group` by
    rewriting the test's node ID in the worker, which pytest 9.2 ignores (its IDs are
    structured): the groups were silently dropped, and all three workers built the packaging
    venvs (pytest-dev/pytest-xdist#1386). A folder is known from the node ID alone."""
    if config.getoption("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling  # type: ignore[import-untyped]

    class Together(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            return together(nodeid) or nodeid

    return Together(config, log)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests kept together on one xdist worker (`TOGETHER`) go first. They run one after
    another, minutes in all; collected after the browser tests, they started when those were
    nearly done and were the suite's tail, with the other workers idle. The order is otherwise
    kept (a stable sort)."""
    items.sort(key=lambda item: together(item.nodeid) is None)
