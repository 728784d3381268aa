"""The plugin from a separate, minimal test project: the files of docs/mock-portal.md's quick
start, run by pytest in a subprocess (the plugin comes from the installed entry point)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[3] / "docs" / "mock-portal.md"

#: Two xdist workers change KNAB1234's password at the same time: they meet at a named pipe
#: (opening one end blocks until the other end is opened) between the change and the login, so
#: both changes happen before either login. Sharing a portal, one of them would fail.
WORKERS_TEST = """
import os
import signal
from pathlib import Path

import httpx

from mock_portal.testing import ControlClient

PIPE = Path(os.environ["MOCK_PORTAL_RENDEZVOUS"])
NEW = {"gw0": "Worker0pass", "gw1": "Worker1pass"}


def meet(worker_id: str) -> None:
    def give_up(signum: int, frame: object) -> None:
        raise TimeoutError("the other worker never came")

    signal.signal(signal.SIGALRM, give_up)
    signal.alarm(60)
    try:
        with PIPE.open("rb" if worker_id == "gw0" else "wb"):
            pass
    finally:
        signal.alarm(0)


def test_each_worker_should_have_its_own_portal(
    mock_portal: ControlClient, mock_portal_url: str, worker_id: str
) -> None:
    (PIPE.parent / f"{worker_id}.url").write_text(mock_portal_url)
    new = NEW[worker_id]
    form = {"user_id": "KNAB1234", "current_password": "Keiji2019"}
    form |= {"new_password": new, "new_password_confirm": new}
    with httpx.Client(base_url=mock_portal_url) as web:
        assert web.post("/mypage/password", data=form).status_code == 303
        meet(worker_id)
        answer = web.post("/mypage/login", data={"user_id": "KNAB1234", "password": new})
        assert answer.headers["location"] == "/mypage"
    mock_portal.requests(outcome="password_changed").exactly(1)
    assert mock_portal.password_of("KNAB1234") == new
"""


def documented_files() -> dict[str, str]:
    """The quick start's files: fenced blocks whose first line is `# <file name>`."""
    text = DOC.read_text("utf-8")
    found = re.findall(r"```(?:python|ini)\n(# (\S+)\n.*?)```", text, re.S)
    return {name: body for body, name in found}


def run_pytest(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
    env["MOCK_PORTAL_RENDEZVOUS"] = str(project / "rendezvous")
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-W", "error", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A folder with only the documented files (no pyproject.toml, no package)."""
    folder = tmp_path / "project"
    folder.mkdir()
    for name, body in documented_files().items():
        (folder / name).write_text(body, encoding="utf-8")
    return folder


def test_docs_should_give_the_three_files_of_the_quick_start() -> None:
    assert sorted(documented_files()) == ["conftest.py", "pytest.ini", "test_quickstart.py"]


@pytest.mark.e2e
def test_example_project_should_pass_with_the_documented_fixtures(project: Path) -> None:
    done = run_pytest(project, "-q", "test_quickstart.py")
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"^5 passed", done.stdout, re.M), done.stdout


def test_example_project_should_get_one_portal_per_xdist_worker(project: Path) -> None:
    # Long by design: a pytest of its own with two xdist workers, each starting a portal.
    (project / "test_workers.py").write_text(WORKERS_TEST, encoding="utf-8")
    os.mkfifo(project / "rendezvous")
    # --dist each: both workers run the test, at the same time.
    done = run_pytest(project, "-q", "-n", "2", "--dist", "each", "test_workers.py")
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"^2 passed", done.stdout, re.M), done.stdout
    urls = {path.read_text() for path in project.glob("gw*.url")}
    assert len(urls) == 2, urls
