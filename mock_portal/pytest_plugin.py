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
    mock_portal_scenario(name_or_path)          a file beside the test file, or in the rootdir
    mock_portal_expired_password(*user_ids)     default KNAB1234
    mock_portal_locked_account(*user_ids)       default KNAB1234
    mock_portal_maintenance(*targets)           default every screen
    mock_portal_slow(*targets, seconds=1.0)     default every screen
    mock_portal_screens(folder)                 serve a capture (koss-rpa capture): a folder
                                                beside the test file, or in the rootdir

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
        "mock_portal_slow(*targets, seconds=1.0): every answer of these screens or paths "
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


def _testing() -> ModuleType:
    """`mock_portal.testing`, or a one-line failure naming the extra when it is not installed."""
    from mock_portal.extra import is_extra_module, missing_message

    try:
        import mock_portal.testing as testing
    except ModuleNotFoundError as exc:
        if not is_extra_module(exc.name):
            raise
        pytest.fail(
            missing_message("a test using the mock_portal fixtures", [str(exc.name)]), pytrace=False
        )
    return testing


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
    serve_in_thread = _testing().serve_in_thread

    with serve_in_thread(
        config=mock_portal_config, accounts_file=mock_portal_accounts_file
    ) as server:
        server.app.state.plugin_start_up = (mock_portal_config, mock_portal_accounts_file)
        yield server


def _start_up_as_asked(server: PortalServer, request: pytest.FixtureRequest) -> None:
    """The one server of the session is started by the first test that needs it; a later test
    whose (sub-folder's) `mock_portal_config` or `mock_portal_accounts_file` differs gets
    them too, from its reset on, instead of having its override silently ignored."""
    wanted = (
        request.getfixturevalue("mock_portal_config"),
        request.getfixturevalue("mock_portal_accounts_file"),
    )
    app_state = getattr(server.app, "state", None)
    if app_state is None or getattr(app_state, "plugin_start_up", wanted) == wanted:
        return  # a server of the tester's own making, or already as asked
    from mock_portal.accounts import load_seeds

    config, accounts_file = wanted
    app_state.portal.start_up_as(config, load_seeds(accounts_file))
    app_state.plugin_start_up = wanted


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
    _start_up_as_asked(mock_portal_server, request)
    with _testing().ControlClient(mock_portal_server.url) as client:
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


class MarkerError(ValueError):
    """A marker given arguments it does not take; the message says what it takes."""


def _user_ids(user_ids: tuple[object, ...]) -> tuple[str, ...]:
    for user_id in user_ids:
        if not isinstance(user_id, str) or not user_id:
            raise MarkerError(f"user IDs are texts such as 'KNAB1234', not {user_id!r}")
    return tuple(user_ids) or (DEFAULT_USER_ID,)  # type: ignore[arg-type]


def _screen_targets(targets: tuple[object, ...]) -> tuple[str, ...]:
    from mock_portal.faults import SCREEN_PATHS  # no third-party import

    for target in targets:
        if not isinstance(target, str) or not (target in SCREEN_PATHS or target.startswith("/")):
            names = ", ".join(SCREEN_PATHS)
            raise MarkerError(f"targets are screen names ({names}) or paths, not {target!r}")
    return targets  # type: ignore[return-value]


def _expired(client: ControlClient, *user_ids: str) -> None:
    for user_id in _user_ids(user_ids):
        client.expire_password(user_id)


def _locked(client: ControlClient, *user_ids: str) -> None:
    for user_id in _user_ids(user_ids):
        client.lock_account(user_id)


def _maintenance(client: ControlClient, *targets: str) -> None:
    client.start_maintenance(*_screen_targets(targets))


def _slow(client: ControlClient, *targets: str, seconds: float = 1.0) -> None:
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not 0 <= seconds <= 120:
        raise MarkerError(f"seconds= is a number of seconds from 0 to 120, not {seconds!r}")
    if targets and isinstance(targets[0], int | float):
        raise MarkerError(f"give the delay as seconds={targets[0]!r}, after the targets")
    client.slow_down(float(seconds), *_screen_targets(targets))


def _screens(client: ControlClient, folder: str | Path) -> None:
    client.use_screens(folder)


def _beside_the_test(given: str | Path, node: pytest.Item, what: str, kind: str) -> Path:
    """A relative path looked up beside the test file, then in the rootdir (whatever the
    working folder); an absolute one as given."""
    if Path(given).is_absolute():
        return Path(given)
    places = [Path(node.path).parent / given, Path(node.config.rootpath) / given]

    def exists(place: Path) -> bool:
        try:
            return place.is_file() if kind == "file" else place.is_dir()
        except (OSError, ValueError):  # a name too long for the file system, a NUL
            return False

    found = next((place for place in places if exists(place)), None)
    if found is None:
        tried = " or ".join(str(place) for place in places)
        raise MarkerError(f"no {what} {str(given)!r}: looked for {tried}")
    return found


def _screens_of(mark: pytest.Mark, node: pytest.Item) -> Path:
    """The screens marker's one folder, found as `_beside_the_test` says."""
    if len(mark.args) != 1 or mark.kwargs or not isinstance(mark.args[0], str | Path):
        raise MarkerError("takes one folder, e.g. mock_portal_screens('captures/2026-11')")
    return _beside_the_test(mark.args[0], node, "capture folder", "folder")


_STATE_MARKERS: dict[str, Callable[..., None]] = {
    "mock_portal_expired_password": _expired,
    "mock_portal_locked_account": _locked,
    "mock_portal_maintenance": _maintenance,
    "mock_portal_slow": _slow,
    "mock_portal_screens": _screens,
}


def _scenario_of(mark: pytest.Mark, node: pytest.Item) -> str | Path:
    """The scenario marker's one argument; a relative file is looked up beside the test
    file, then in the rootdir."""
    from mock_portal.scenario import is_scenario_file  # no third-party import

    if len(mark.args) != 1 or mark.kwargs or not isinstance(mark.args[0], str | Path):
        raise MarkerError("takes one name or path, e.g. mock_portal_scenario('expired-password')")
    given = mark.args[0]
    if not is_scenario_file(given):
        return given
    return _beside_the_test(given, node, "scenario file", "file")


def _prepare(client: ControlClient, node: pytest.Item) -> None:
    """Reset, or apply the closest scenario marker; then every state marker, outermost
    (module) first. A bad argument fails the test with the marker named, not a traceback."""
    from mock_portal.scenario import ScenarioError
    from mock_portal.testing import ControlError

    scenario = node.get_closest_marker("mock_portal_scenario")
    marks = [m for m in reversed(list(node.iter_markers())) if m.name in _STATE_MARKERS]
    if scenario is None:
        client.reset()
    for mark in ([scenario] if scenario is not None else []) + marks:
        try:
            if mark is scenario:
                client.use_scenario(_scenario_of(mark, node))
            elif mark.name == "mock_portal_screens":
                _screens(client, _screens_of(mark, node))
            else:
                _STATE_MARKERS[mark.name](client, *mark.args, **mark.kwargs)
        except ControlError as exc:
            message = f"the mock portal answered {exc.status_code}: {exc.detail}"
            pytest.fail(f"@pytest.mark.{mark.name}: {message}", pytrace=False)
        except (MarkerError, ScenarioError) as exc:
            pytest.fail(f"@pytest.mark.{mark.name}: {exc}", pytrace=False)
        except TypeError as exc:
            # Python's own complaint about the call, e.g. an unknown keyword.
            message = str(exc).split("() ", 1)[-1]
            pytest.fail(f"@pytest.mark.{mark.name}: {message}", pytrace=False)
