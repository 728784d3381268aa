"""The mock portal as a pytest plugin (entry point `pytest11`: `koss_mock_portal`).

Fixtures:
    mock_portal_server  (session) the portal on a free loopback port, one per xdist worker
    mock_portal_url     (session) its URL, e.g. `http://127.0.0.1:54321`
    mock_portal         a `ControlClient`; the portal is reset (or set up by the markers)
                        before each test that uses any of these fixtures
    mock_portal_config, mock_portal_accounts_file
                        (session) None; override them to start the portal with a
                        `MockConfig` or a seed accounts file

    mock_portal_variant (function) the markup variant the test wants: the parameter of
                        `all_variants` (or of any parametrize of this name), else the
                        `mock_portal_variant` marker's, else None (the start-up one)

Markers (each one but mock_portal_variant also makes the test use the portal):
    mock_portal_variant(name)                   the screens' markup variant (mock_portal.variants)
    mock_portal_scenario(name_or_path)
    mock_portal_expired_password(*user_ids)     default KNAB1234
    mock_portal_locked_account(*user_ids)       default KNAB1234
    mock_portal_maintenance(*targets)           default every screen
    mock_portal_slow(seconds=1.0, *targets)     default every screen
    mock_portal_screens(folder)                 serve a capture (koss-rpa capture)

To run a test once per markup variant, one line:

    from mock_portal.pytest_plugin import all_variants

    @all_variants
    def test_login(mock_portal, page): ...

With the ini value `mock_portal_base_url = true` (or `--mock-portal-base-url`) the plugin
overrides pytest-playwright's `base_url` with `mock_portal_url`.

Nothing heavy is imported until a fixture is used: the plugin loads in every pytest run of an
environment where koss-rpa is installed, with or without its `mock` extra.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import pytest

from mock_portal.variants import VARIANTS

if TYPE_CHECKING:
    from mock_portal.config import MockConfig
    from mock_portal.testing import ControlClient, PortalServer

#: The account the state markers change when they are given none: the manual's example.
DEFAULT_USER_ID = "KNAB1234"

#: Run the decorated test once per markup variant (ids are the variants' names); the
#: `mock_portal` fixture (and `tests/conftest.py`'s `portal`) switch the portal to each.
all_variants = pytest.mark.parametrize("mock_portal_variant", VARIANTS)

MARKERS = {
    "mock_portal_variant": (
        f"mock_portal_variant(name): render the mock portal's screens in this markup variant "
        f"({', '.join(VARIANTS)})"
    ),
    "mock_portal_scenario": (
        "mock_portal_scenario(name_or_path): start the test from a mock portal scenario "
        "(a shipped name such as 'expired-password', or a .toml file)"
    ),
    "mock_portal_expired_password": (
        "mock_portal_expired_password(*user_ids): these accounts' passwords are 60 days old "
        "(default KNAB1234)"
    ),
    "mock_portal_locked_account": (
        "mock_portal_locked_account(*user_ids): these accounts are locked (default KNAB1234)"
    ),
    "mock_portal_maintenance": (
        "mock_portal_maintenance(*targets): the maintenance page (503) on these screens or "
        "paths (default every screen)"
    ),
    "mock_portal_screens": (
        "mock_portal_screens(folder): serve the screens captured in this folder "
        "(koss-rpa capture) in place of the mock's own rendering"
    ),
    "mock_portal_slow": (
        "mock_portal_slow(seconds=1.0, *targets): every answer of these screens or paths "
        "(default every screen) is delayed"
    ),
}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mock_portal", "K-OSS mock portal")
    group.addoption(
        "--mock-portal-base-url",
        action="store_true",
        default=False,
        help="override pytest-playwright's base_url with the mock portal's URL",
    )
    parser.addini(
        "mock_portal_base_url",
        type="bool",
        default=False,
        help="override pytest-playwright's base_url with the mock portal's URL",
    )


def _base_url_plugin() -> ModuleType:
    """A plugin of one fixture, registered only when asked for. Registered after
    pytest-playwright (and pytest-base-url), its `base_url` overrides theirs; a conftest's
    `base_url` still overrides it. (A module, as pytest deprecates session fixtures that are
    methods of a plugin object.)"""

    @pytest.fixture(scope="session", name="base_url")
    def base_url(mock_portal_url: str) -> str:
        """The mock portal's URL, for `page.goto("/mypage/login")`."""
        return mock_portal_url

    plugin = ModuleType("mock_portal.pytest_plugin.base_url")
    plugin.__dict__["base_url"] = base_url
    return plugin


def pytest_configure(config: pytest.Config) -> None:
    for line in MARKERS.values():
        config.addinivalue_line("markers", line)
    if config.getoption("mock_portal_base_url") or config.getini("mock_portal_base_url"):
        config.pluginmanager.register(_base_url_plugin(), "mock_portal_base_url")


def pytest_assertrepr_compare(
    config: pytest.Config, op: str, left: object, right: object
) -> list[str] | None:
    """`assert portal.requests(...) == [expected items]` explains itself with a diff."""
    assertions = sys.modules.get("mock_portal.assertions")
    if op != "==" or assertions is None:
        return None  # no JournalQuery can exist before that module is imported
    query_type = assertions.JournalQuery
    if isinstance(left, query_type) and isinstance(right, (list, tuple)):
        query, expected = left, right
    elif isinstance(right, query_type) and isinstance(left, (list, tuple)):
        query, expected = right, left
    else:
        return None
    lines: list[str] | None = query.explain(expected)
    return [f"{query!r} == the expected requests", *(lines or [])]


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def mock_portal_config() -> MockConfig | None:
    """The portal's rules (`mock_portal.config.MockConfig`); None: the defaults. Override it."""
    return None


@pytest.fixture(scope="session")
def mock_portal_accounts_file() -> Path | None:
    """A TOML file of `[[accounts]]` to seed; None: the demo accounts. Override it."""
    return None


@pytest.fixture(scope="session")
def mock_portal_server(
    mock_portal_config: MockConfig | None, mock_portal_accounts_file: Path | None
) -> Iterator[PortalServer]:
    """The mock portal in a thread, on a free loopback port: one per session (per worker)."""
    from mock_portal.testing import serve_in_thread

    with serve_in_thread(
        config=mock_portal_config, accounts_file=mock_portal_accounts_file
    ) as server:
        yield server


@pytest.fixture(scope="session")
def mock_portal_url(mock_portal_server: PortalServer) -> str:
    """The portal's URL (no trailing slash)."""
    return mock_portal_server.url


@pytest.fixture
def mock_portal_variant(request: pytest.FixtureRequest) -> str | None:
    """The markup variant this test wants (None: the scenario's or the start-up one).
    `all_variants` parametrizes it; the `mock_portal_variant` marker sets it."""
    marker = request.node.get_closest_marker("mock_portal_variant")
    if marker is None:
        return None
    if len(marker.args) != 1 or marker.kwargs or marker.args[0] not in VARIANTS:
        pytest.fail(
            f"@pytest.mark.mock_portal_variant takes one of: {', '.join(VARIANTS)}",
            pytrace=False,
        )
    return str(marker.args[0])


@pytest.fixture
def mock_portal(
    mock_portal_server: PortalServer,
    mock_portal_variant: str | None,
    request: pytest.FixtureRequest,
) -> Iterator[ControlClient]:
    """The portal's control client, after a reset (or the markers' set-up), in the variant
    `mock_portal_variant` names."""
    from mock_portal.testing import ControlClient

    with ControlClient(mock_portal_server.url) as client:
        _prepare(client, request.node)
        if mock_portal_variant is not None:
            client.set_variant(mock_portal_variant)
        yield client


@pytest.fixture(autouse=True)
def _mock_portal_prepared(request: pytest.FixtureRequest) -> None:
    """A test that reaches the portal only through `mock_portal_url` or `base_url`, or only
    carries a marker, is prepared too."""
    if "mock_portal" in request.fixturenames:
        return
    # The variant alone starts nothing: it applies to whichever portal the test uses.
    marked = any(
        request.node.get_closest_marker(name) for name in MARKERS if name != "mock_portal_variant"
    )
    if marked or "mock_portal_server" in request.fixturenames:
        request.getfixturevalue("mock_portal")


# --- markers -----------------------------------------------------------------------------------


def _expired(client: ControlClient, *user_ids: str) -> None:
    for user_id in user_ids or (DEFAULT_USER_ID,):
        client.expire_password(user_id)


def _locked(client: ControlClient, *user_ids: str) -> None:
    for user_id in user_ids or (DEFAULT_USER_ID,):
        client.lock_account(user_id)


def _maintenance(client: ControlClient, *targets: str) -> None:
    client.start_maintenance(*targets)


def _slow(client: ControlClient, seconds: float = 1.0, *targets: str) -> None:
    client.slow_down(float(seconds), *targets)


def _screens(client: ControlClient, folder: str | Path) -> None:
    client.use_screens(folder)


_STATE_MARKERS: dict[str, Callable[..., None]] = {
    "mock_portal_expired_password": _expired,
    "mock_portal_locked_account": _locked,
    "mock_portal_maintenance": _maintenance,
    "mock_portal_slow": _slow,
    "mock_portal_screens": _screens,
}


def _prepare(client: ControlClient, node: pytest.Item) -> None:
    """Reset, or apply the closest scenario marker; then every state marker, outermost
    (module) first."""
    scenario = node.get_closest_marker("mock_portal_scenario")
    if scenario is None:
        client.reset()
    elif len(scenario.args) != 1 or scenario.kwargs:
        pytest.fail("@pytest.mark.mock_portal_scenario takes one name or path", pytrace=False)
    else:
        client.use_scenario(scenario.args[0])
    for marker in reversed(list(node.iter_markers())):
        action = _STATE_MARKERS.get(marker.name)
        if action is None:
            continue
        try:
            action(client, *marker.args, **marker.kwargs)
        except (TypeError, ValueError) as exc:
            pytest.fail(f"@pytest.mark.{marker.name}: {exc}", pytrace=False)
