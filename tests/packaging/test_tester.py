"""The pytest plugin as an E2E tester meets it: `pip install 'koss-rpa[mock]' pytest` in a fresh
venv, a test project of their own with tests in a sub-folder, pytest run from its root."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.packaging.conftest import ROOT, Venv

CAPTURE = ROOT / "tests" / "data" / "captures" / "older-login"

#: Sorted first: starts the session's one portal with the default config.
FIRST = """
def test_default_rules(mock_portal):
    assert mock_portal.config()["lockout_threshold"] == 5
"""

#: The docs' way of serving a capture: a folder beside the test file.
CAPTURED = """
import httpx
import pytest


@pytest.mark.mock_portal_screens("captures/older-login")
def test_capture_beside_the_test(mock_portal_url):
    served = httpx.get(mock_portal_url + "/mypage/login").text
    assert "loginId" not in served
    assert 'name="user_id"' in served
"""

#: A sub-folder's own rules, session-scoped as the plugin's docstring says to override them.
SUB_CONFTEST = """
import pytest

from mock_portal.config import MockConfig


@pytest.fixture(scope="session")
def mock_portal_config():
    return MockConfig(lockout_threshold=2)
"""

SUB_TEST = """
def test_sub_folder_rules(mock_portal):
    assert mock_portal.config()["lockout_threshold"] == 2
    mock_portal.reset()
    assert mock_portal.config()["lockout_threshold"] == 2
"""

LAST = """
def test_default_rules_again(mock_portal):
    assert mock_portal.config()["lockout_threshold"] == 5
"""


def test_plugin_should_work_from_a_tester_project_root(tester_venv: Venv, tmp_path: Path) -> None:
    project = tmp_path / "project"
    tests = project / "tests"
    (tests / "sub").mkdir(parents=True)
    (project / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    (tests / "test_a_first.py").write_text(FIRST, encoding="utf-8")
    (tests / "test_b_captured.py").write_text(CAPTURED, encoding="utf-8")
    shutil.copytree(CAPTURE, tests / "captures" / "older-login")
    (tests / "sub" / "conftest.py").write_text(SUB_CONFTEST, encoding="utf-8")
    (tests / "sub" / "test_sub.py").write_text(SUB_TEST, encoding="utf-8")
    (tests / "test_z_last.py").write_text(LAST, encoding="utf-8")

    # From the project's root, as `pytest tests/...` is usually run: the capture folder is
    # found beside the test file, and the sub-folder's config is the one its test sees.
    order = [
        "tests/test_a_first.py",
        "tests/test_b_captured.py",
        "tests/sub",
        "tests/test_z_last.py",
    ]
    done = tester_venv.run(
        "python", "-m", "pytest", "-p", "no:cacheprovider", "-v", *order, cwd=project
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count(" PASSED") == 4, done.stdout
    ran = [line.split("::")[0] for line in done.stdout.splitlines() if " PASSED" in line]
    assert ran[0] == order[0], ran  # the default portal was started first
