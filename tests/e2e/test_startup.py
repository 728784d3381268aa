"""`koss-rpa` as a real process: Playwright's driver started before the CLI is imported for a
browser command (and only then), and Ctrl-C in the middle of a run still said as such.

Which Node.js processes a run starts is seen through `PLAYWRIGHT_NODEJS_PATH`: a wrapper that
notes each start, then runs Playwright's own Node.js.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import playwright
import pytest

from mock_portal.testing import ControlClient, PortalServer
from testkit import crash, filekeyring
from testkit.config import write_config
from testkit.crash import KOSS_RPA, kill_hard, process_env, wait_until
from testkit.faultmatrix import wait_until_idle
from tests.e2e.conftest import PASSWORD, USER_ID, KossEnv

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(sys.platform == "win32", reason="the Node.js wrapper is a shell script"),
]

EARLY = "Playwright's driver started early, taken"


def _node() -> str:
    bundled = Path(playwright.__file__).parent / "driver" / "node"
    return os.environ.get("PLAYWRIGHT_NODEJS_PATH") or str(bundled)


@pytest.fixture
def node_log(tmp_path: Path) -> Path:
    """A file with one line per Node.js process koss-rpa starts (see `run`)."""
    return tmp_path / "node-starts.log"


@dataclass(frozen=True)
class Koss:
    """`python -m koss_rpa` with the file keyring and the Node.js wrapper."""

    environment: dict[str, str]
    cwd: Path

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*KOSS_RPA, *args],
            env=self.environment,
            cwd=self.cwd,
            capture_output=True,
            text=True,
            timeout=crash.DEADLINE_SECONDS,
            check=False,
        )


@pytest.fixture
def run(tmp_path: Path, node_log: Path) -> Koss:
    wrapper = tmp_path / "node"
    wrapper.write_text(f'#!/bin/sh\necho "$$" >> "{node_log}"\nexec "{_node()}" "$@"\n')
    wrapper.chmod(0o755)
    keyring_file = tmp_path / "keyring.json"
    filekeyring.write(keyring_file, {USER_ID: PASSWORD})
    environment = process_env(
        keyring_file,
        PLAYWRIGHT_NODEJS_PATH=str(wrapper),
        XDG_CACHE_HOME=str(tmp_path / "cache"),  # where the driver's compiled code is kept
    )
    environment.pop("NODE_COMPILE_CACHE", None)
    return Koss(environment, tmp_path)


def _starts(node_log: Path) -> int:
    return len(node_log.read_text().splitlines()) if node_log.exists() else 0


def test_download_should_take_the_driver_started_before_the_cli(
    portal: ControlClient, env: KossEnv, run: Koss, node_log: Path, tmp_path: Path
) -> None:
    done = run("--debug", "--config", str(env.config), "download", "--json")

    assert done.returncode == 0, done.stderr
    assert EARLY in done.stderr
    assert _starts(node_log) == 1  # the early driver, and no other
    cache = tmp_path / "cache" / "koss-rpa" / "node-compile-cache"
    assert any(p.is_file() for p in cache.rglob("*")), "no compiled code kept for the driver"
    assert json.loads(done.stdout.splitlines()[-1])["ok"] is True
    assert len(env.workbooks()) == 1
    assert portal.journal(outcome="download")


@pytest.mark.parametrize(
    "args", [("--help",), ("version",), ("download", "--help"), ("--debug", "version")]
)
def test_a_command_without_a_browser_should_start_no_driver(
    env: KossEnv, run: Koss, node_log: Path, args: tuple[str, ...]
) -> None:
    done = run("--config", str(env.config), *args)

    assert done.returncode == 0, done.stderr
    assert _starts(node_log) == 0
    assert EARLY not in done.stderr


#: How long the mock holds the file back: the signal is sent as soon as the request is seen,
#: and the process takes it at once; the hold ends as the stopped run's browser goes away (8 s:
#: with 5, a loaded machine once let the file through before the signal was acted on).
HELD_SECONDS = 8


@pytest.mark.parametrize("whole_group", [False, True], ids=["process", "process-group"])
def test_ctrl_c_in_the_middle_of_a_download_should_exit_as_interrupted(
    portal: ControlClient,
    portal_server: PortalServer,
    env: KossEnv,
    run: Koss,
    tmp_path: Path,
    node_log: Path,
    whole_group: bool,
) -> None:
    """Ctrl-C while the portal is sending the file: the run's cleanup, then exit 130, said in
    one line (and the JSON object), no traceback, no file. With `whole_group`, as a terminal
    sends it: to Playwright's driver too."""
    # Held long enough for the signal to land while the file is on its way; the mock drops the
    # held request when the stopped run's browser goes away.
    write_config(env.config, {**_config(env.config), "timeouts": {"download_seconds": 30}})
    portal.slow_down(HELD_SECONDS, "download")
    log = tmp_path / "run.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*KOSS_RPA, "--lang", "en", "--config", str(env.config), "download", "--json"],
            env=run.environment,
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until(
            lambda: bool(portal.journal(screen="download")) or process.poll() is not None,
            "the download's request",
        )
        assert process.poll() is None, log.read_text()
        if whole_group:
            os.killpg(process.pid, signal.SIGINT)
        else:
            process.send_signal(signal.SIGINT)
        process.wait(timeout=crash.DEADLINE_SECONDS)
    finally:
        kill_hard(process)
        wait_until_idle(portal_server)
    printed = log.read_text()
    assert process.returncode == 130, printed
    assert "Traceback" not in printed
    assert "Interrupted. Nothing was lost" in printed
    error = json.loads(printed.splitlines()[-1])["error"]
    assert error["code"] == "interrupted"
    assert env.files() == []
    drivers = [int(pid) for pid in node_log.read_text().split()]
    assert len(drivers) == 1
    wait_until(lambda: not _running(drivers[0]), "Playwright's driver to stop", timeout=10)


def _running(pid: int) -> bool:
    """Whether `pid` is a live process (not gone, not a zombie nobody reaped yet)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _config(path: Path) -> dict[str, object]:
    return tomllib.loads(path.read_text(encoding="utf-8"))
