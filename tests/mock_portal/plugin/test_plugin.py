"""The pytest plugin in this project's own runs: entry point, markers, fixtures, lazy imports."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

from mock_portal import messages, pytest_plugin
from mock_portal.extra import install_command
from mock_portal.testing import ControlClient
from tests.mock_portal.server.support import KNOWN_ID, KNOWN_PASSWORD, login, page

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]


def test_entry_point_should_name_the_plugin_module() -> None:
    [found] = [ep for ep in entry_points(group="pytest11") if ep.name == "koss_mock_portal"]
    assert found.value == "mock_portal.pytest_plugin"


def test_plugin_should_load_without_the_mock_extra() -> None:
    # The plugin loads in every pytest run where koss-rpa is installed, even without fastapi.
    code = (
        "import sys; sys.modules['fastapi'] = None; sys.modules['uvicorn'] = None\n"
        "import mock_portal.pytest_plugin\n"
        "print(sorted(m for m in ('httpx', 'jinja2', 'pydantic') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.mark.mock_portal_expired_password
def test_expired_password_marker_should_age_knab1234_to_the_validity(
    mock_portal: ControlClient,
) -> None:
    ages = {a["user_id"]: a["password_age_days"] for a in mock_portal.accounts()}
    assert ages[KNOWN_ID] == pytest.approx(60, abs=0.001)
    assert ages["KNLK0005"] == pytest.approx(5, abs=0.001)


@pytest.mark.mock_portal_expired_password("KNLK0005", "KNTM0007")
def test_expired_password_marker_should_take_user_ids(mock_portal: ControlClient) -> None:
    ages = {a["user_id"]: round(a["password_age_days"]) for a in mock_portal.accounts()}
    assert ages == {KNOWN_ID: 10, "KNCA6288": 75, "KNLK0005": 60, "KNTM0007": 60}


@pytest.mark.mock_portal_locked_account
def test_markers_should_apply_when_the_test_uses_only_the_url(mock_portal_url: str) -> None:
    with httpx.Client(base_url=mock_portal_url) as web:
        assert page(login(web, KNOWN_ID, KNOWN_PASSWORD)).alerts == [messages.LOCKED]


@pytest.mark.mock_portal_maintenance("login")
def test_maintenance_marker_should_close_the_named_screens(web: httpx.Client) -> None:
    assert [web.get("/mypage/login").status_code for _ in range(2)] == [503, 503]
    assert web.get("/").status_code == 200


@pytest.mark.mock_portal_maintenance
def test_maintenance_marker_should_close_every_screen_by_default(web: httpx.Client) -> None:
    assert {web.get(path).status_code for path in ("/", "/mypage/login", "/mypage")} == {503}


@pytest.mark.mock_portal_slow("top", seconds=0.2)
def test_slow_marker_should_delay_the_named_screens(
    web: httpx.Client, mock_portal: ControlClient
) -> None:
    [fault] = mock_portal.faults()
    assert (fault["target"], fault["kind"], fault["delay_seconds"], fault["times"]) == (
        "top",
        "delay",
        0.2,
        None,
    )
    answer = web.get("/")
    assert answer.status_code == 200
    assert answer.elapsed.total_seconds() >= 0.2
    mock_portal.requests(outcome="fault:delay", path="/").exactly(1)


@pytest.mark.mock_portal_scenario("maintenance-month-end")
class TestMarkersTogether:
    @pytest.mark.mock_portal_locked_account
    def test_state_markers_should_apply_on_top_of_the_scenario(
        self, mock_portal: ControlClient
    ) -> None:
        assert mock_portal.now().isoformat() == "2024-03-31T22:50:00+09:00"
        assert mock_portal.get_account(KNOWN_ID)["locked"] is True


class _Node:
    def __init__(self, *marks: pytest.MarkDecorator, path: Path = HERE / "test_x.py") -> None:
        self.marks = [mark.mark for mark in marks]
        self.path = path
        self.config = SimpleNamespace(rootpath=ROOT)

    def get_closest_marker(self, name: str) -> pytest.Mark | None:
        return next((mark for mark in self.marks if mark.name == name), None)

    def iter_markers(self) -> list[pytest.Mark]:
        return self.marks


@pytest.mark.parametrize(
    ("mark", "message"),
    [
        (pytest.mark.mock_portal_scenario("a", "b"), "mock_portal_scenario: takes one name"),
        (pytest.mark.mock_portal_scenario(3), "mock_portal_scenario: takes one name"),
        (pytest.mark.mock_portal_scenario("nope"), "mock_portal_scenario: .*unknown scenario"),
        (pytest.mark.mock_portal_scenario("no/such.toml"), "mock_portal_scenario: no scenario"),
        (pytest.mark.mock_portal_slow(1, seconds=2), "mock_portal_slow: give the delay as"),
        (pytest.mark.mock_portal_slow(0.5, "login"), "mock_portal_slow: give the delay as"),
        (pytest.mark.mock_portal_slow("login", seconds="2"), "mock_portal_slow: seconds= is"),
        (pytest.mark.mock_portal_slow("login", seconds=-1), "mock_portal_slow: seconds= is"),
        (pytest.mark.mock_portal_slow("nowhere"), "mock_portal_slow: targets are screen"),
        (pytest.mark.mock_portal_slow(delay=1), "mock_portal_slow: got an unexpected keyword"),
        (pytest.mark.mock_portal_maintenance(7), "mock_portal_maintenance: targets are"),
        (pytest.mark.mock_portal_locked_account(1234), "mock_portal_locked_account: user IDs"),
        (pytest.mark.mock_portal_expired_password("KNZZ0000"), "expired_password: .* 404"),
    ],
)
def test_bad_marker_arguments_should_fail_the_test_with_the_marker_named(
    mock_portal: ControlClient, mark: pytest.MarkDecorator, message: str
) -> None:
    with pytest.raises(pytest.fail.Exception, match=message) as failed:
        pytest_plugin._prepare(mock_portal, _Node(mark))  # type: ignore[arg-type]
    assert "\n" not in str(failed.value)  # one line


@pytest.mark.mock_portal_slow("login", "/", seconds=0.25)
def test_slow_marker_should_take_targets_then_seconds(mock_portal: ControlClient) -> None:
    faults = mock_portal.faults()
    assert [(f["target"], f["delay_seconds"]) for f in faults] == [("login", 0.25), ("/", 0.25)]


@pytest.mark.mock_portal_scenario("plugin-scenario.toml")
def test_scenario_file_should_be_found_beside_the_test_file(mock_portal: ControlClient) -> None:
    # pytest runs from the project's root, where no plugin-scenario.toml is.
    assert not Path("plugin-scenario.toml").exists()
    assert mock_portal.get_account(KNOWN_ID)["locked"] is True


def test_scenario_file_should_be_found_in_the_rootdir_next(
    mock_portal: ControlClient, tmp_path: Path
) -> None:
    relative = (HERE / "plugin-scenario.toml").relative_to(ROOT)
    node = _Node(pytest.mark.mock_portal_scenario(str(relative)), path=tmp_path / "test_y.py")
    pytest_plugin._prepare(mock_portal, node)  # type: ignore[arg-type]
    assert mock_portal.get_account(KNOWN_ID)["locked"] is True


def test_fixtures_without_the_mock_extra_should_fail_in_one_line_naming_it(
    tmp_path: Path,
) -> None:
    # As in `pip install koss-rpa pytest`: the plugin loads, httpx (of the extra) is missing.
    (tmp_path / "conftest.py").write_text("import sys\nsys.modules['httpx'] = None\n")
    (tmp_path / "test_uses_portal.py").write_text(
        "def test_portal(mock_portal):\n    pass\n", encoding="utf-8"
    )
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    expected = (
        "a test using the mock_portal fixtures needs the mock extra (missing: httpx): "
        + install_command()
    )
    assert expected in done.stdout
    assert "Traceback" not in done.stdout


OLDER_LOGIN = Path(__file__).resolve().parents[2] / "data" / "captures" / "older-login"


@pytest.mark.mock_portal_screens(OLDER_LOGIN)
def test_screens_marker_should_serve_the_captured_screens(web: httpx.Client) -> None:
    served = web.get("/mypage/login").text
    assert 'name="user_id"' in served
    assert "loginId" not in served
    assert 'formaction="/mypage/login"' in served
    assert "事前の準備が整った方" in web.get("/").text  # not captured: the mock's own
