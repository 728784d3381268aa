"""What `schedule install` sets up runs with the settings the folder showed: a `.env` naming the
mock portal and a download folder, install from that folder, and the installed crontab line run
the way cron runs it (`/bin/sh -c`, cron's few variables, `/` as working folder, cron's `%`
rule) fetches the file from that portal into that folder."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

from koss_rpa import schedule
from koss_rpa import settings as settings_module
from koss_rpa.cli.app import main
from koss_rpa.flows.browser import CLOSED_NETWORK_ARGS
from mock_portal.testing import ControlClient
from tests.e2e.conftest import PASSWORD, USER_ID
from tests.support.cron import run_as_cron

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
BACKEND = "testkit.filekeyring.FileKeyring"


def test_installed_cron_line_should_run_with_the_settings_of_the_folder_it_was_installed_in(
    tmp_path: Path,
    portal: ControlClient,
    base_url: str,
    browser_type_launch_args: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
) -> None:
    for name in [n for n in os.environ if n.startswith("KOSS_")]:
        monkeypatch.delenv(name)
    office = tmp_path / "事務所 100% 'a'"
    office.mkdir()
    config_dir = tmp_path / "config"
    # A short HOME: the browser's sockets live in the run's scratch folder under it, and a
    # socket's path has at most 107 bytes.
    home = Path(tempfile.mkdtemp(prefix="h", dir="/tmp"))
    request.addfinalizer(lambda: shutil.rmtree(home, ignore_errors=True))
    (office / ".env").write_text(
        f"KOSS_PORTAL_URL={base_url}\n"
        "KOSS_DOWNLOAD_DIR=./受信 files\n"
        f"KOSS_STATE_DIR={tmp_path / 'state'}\n"
        f"KOSS_BROWSER={browser_type_launch_args.get('executable_path', 'auto')}\n"
        f"KOSS_BROWSER_ARGS={json.dumps(list(CLOSED_NETWORK_ARGS))}\n"
        'KOSS_RETRY={"attempts": 2, "initial_wait_seconds": 0, "jitter_seconds": 0}\n',
        encoding="utf-8",
    )
    secrets = config_dir / "secrets.env"
    config_dir.mkdir()
    secrets.write_text(f"KOSS_TEST_KEYRING_FILE={tmp_path / 'keyring.json'}\nPYTHONPATH={ROOT}\n")
    secrets.chmod(0o600)
    monkeypatch.chdir(office)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", BACKEND)
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    monkeypatch.setenv(schedule.CRONTAB_VAR, str(tmp_path / "crontab"))
    monkeypatch.setattr(settings_module, "default_config_file", lambda: config_dir / "config.toml")
    stored = subprocess.run(
        [sys.executable, "-m", "koss_rpa", "credentials", "set", USER_ID, "--stdin"],
        input=PASSWORD + "\n",
        env={
            "PATH": "/usr/bin:/bin",
            "HOME": str(home),
            "PYTHON_KEYRING_BACKEND": BACKEND,
            "KOSS_TEST_KEYRING_FILE": str(tmp_path / "keyring.json"),
            "KOSS_STATE_DIR": str(tmp_path / "state"),
            "PYTHONPATH": str(ROOT),
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert stored.returncode == 0, stored.stderr

    code = main(["schedule", "install", "--user-id", USER_ID, "--env-file", str(secrets)])

    assert code == 0, capsys.readouterr().err
    [line] = (tmp_path / "crontab").read_text(encoding="utf-8").splitlines()
    done = run_as_cron(line, home)
    log = (tmp_path / "state" / "schedule.log").read_text(encoding="utf-8")
    assert done.returncode == 0, log
    files = list((office / "受信 files" / USER_ID).rglob("*.xlsm"))
    assert len(files) == 1, log
    assert portal.journal()  # the .env's portal was the one asked
    assert "保存しました" in log  # the job spoke the language of the shell it was installed from
    assert PASSWORD not in log
