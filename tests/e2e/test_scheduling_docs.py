"""The examples of docs/scheduling.md, run the way the schedulers run them.

The cron line and the systemd unit run literally (paths under a temporary HOME), in cron's
nearly empty environment, with no terminal, against the mock portal and with the
keyrings.cryptfile set-up the document describes. The schtasks line must run the same command.
"""

from __future__ import annotations

import configparser
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from koss_rpa.flows.browser import CLOSED_NETWORK_ARGS
from mock_portal.testing import ControlClient
from testkit.config import write_config
from tests.e2e.conftest import PASSWORD, USER_ID

pytestmark = pytest.mark.e2e

DOC = Path(__file__).resolve().parents[2] / "docs" / "scheduling.md"
MASTER = "office-master-pw"


def blocks(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def cron_command() -> str:
    [block] = blocks("cron")
    [line] = [ln for ln in block.splitlines() if ln.strip() and not ln.startswith("#")]
    return line.split(maxsplit=5)[5]


def koss_args(command: str) -> list[str]:
    """The arguments after the koss-rpa executable in a shell command line."""
    words = shlex.split(command.replace("\\", "/"))
    start = next(i for i, w in enumerate(words) if re.search(r"koss-rpa(\.exe)?$", w))
    rest = words[start + 1 :]
    return rest[: rest.index(">>")] if ">>" in rest else rest


@pytest.fixture
def home(
    tmp_path: Path,
    portal: ControlClient,
    base_url: str,
    browser_type_launch_args: dict[str, object],
) -> Path:
    """A user's HOME laid out as the document says, with koss-rpa pointed at the mock."""
    home = tmp_path / "home"
    config_dir = home / ".config" / "koss-rpa"
    config_dir.mkdir(parents=True)
    (home / ".local" / "state" / "koss-rpa").mkdir(parents=True)
    bin_dir = home / ".local" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "koss-rpa").symlink_to(Path(sys.executable).parent / "koss-rpa")
    write_config(
        config_dir / "config.toml",
        {
            "portal_url": base_url,
            "download_dir": str(home / "downloads"),
            "browser": browser_type_launch_args.get("executable_path", "auto"),
            "browser_args": list(CLOSED_NETWORK_ARGS),
            "retry": {"attempts": 2, "initial_wait_seconds": 0, "jitter_seconds": 0},
        },
    )
    (config_dir / "accounts.toml").write_text(
        f'[[accounts]]\nuser_id = "{USER_ID}"\n', encoding="utf-8"
    )
    [secrets] = [b for b in blocks("sh") if "KEYRING_CRYPTFILE_PASSWORD" in b and "pip" not in b]
    (config_dir / "secrets.env").write_text(secrets.replace("'…'", f"'{MASTER}'"))
    (config_dir / "secrets.systemd").write_text(f"KEYRING_CRYPTFILE_PASSWORD={MASTER}\n")
    return home


def cron_env(home: Path) -> dict[str, str]:
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin", "SHELL": "/bin/sh", "LOGNAME": "office"}
    # Only so that the tool under test imports from this checkout, as an installed copy would.
    env["PYTHONPATH"] = str(DOC.parents[1])
    return env


def run(
    cmd: list[str], env: dict[str, str], stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cmd, env=env, input=stdin, capture_output=True, text=True, timeout=180, check=False
    )


def store_password(home: Path) -> None:
    env = cron_env(home) | {
        "PYTHON_KEYRING_BACKEND": "keyrings.cryptfile.cryptfile.CryptFileKeyring",
        "KEYRING_CRYPTFILE_PASSWORD": MASTER,
    }
    koss = str(home / ".local" / "bin" / "koss-rpa")
    done = run([koss, "credentials", "set", USER_ID, "--stdin"], env, PASSWORD + "\n")
    assert done.returncode == 0, done.stderr


def test_cron_line_should_download_once_a_month_with_the_cryptfile_keyring(
    home: Path, portal: ControlClient
) -> None:
    # Long by design: three processes as cron starts them (credentials set, then the line
    # twice), each unlocking keyrings.cryptfile and the first launching its own Chromium.
    store_password(home)

    first = run(["/bin/sh", "-c", cron_command()], cron_env(home), stdin="")
    requests = len(portal.journal())
    second = run(["/bin/sh", "-c", cron_command()], cron_env(home), stdin="")

    log = home / ".local" / "state" / "koss-rpa" / "cron.log"
    assert first.returncode == 0, log.read_text(encoding="utf-8")
    assert second.returncode == 0, log.read_text(encoding="utf-8")
    files = list((home / "downloads" / USER_ID).rglob("*.xlsm"))
    assert len(files) == 1
    assert len(portal.journal()) == requests  # the second day started no browser
    assert PASSWORD not in log.read_text(encoding="utf-8")


def test_cron_line_should_say_which_variable_is_missing_for_the_cryptfile_keyring(
    home: Path, portal: ControlClient
) -> None:
    store_password(home)
    (home / ".config" / "koss-rpa" / "secrets.env").write_text(
        "export PYTHON_KEYRING_BACKEND=keyrings.cryptfile.cryptfile.CryptFileKeyring\n"
    )

    done = run(["/bin/sh", "-c", cron_command()], cron_env(home), stdin="")

    log = (home / ".local" / "state" / "koss-rpa" / "cron.log").read_text(encoding="utf-8")
    assert done.returncode == 5
    assert "KEYRING_CRYPTFILE_PASSWORD" in log
    assert "Traceback" not in log
    assert portal.journal() == []  # nothing reached the portal


def test_systemd_units_should_run_the_same_job(home: Path, portal: ControlClient) -> None:
    # Long by design: two processes as systemd starts them (credentials set, the unit's
    # ExecStart), each unlocking keyrings.cryptfile, the second launching its own Chromium.
    unit_text, timer_text = blocks("ini")
    unit = configparser.ConfigParser(interpolation=None)
    timer = configparser.ConfigParser(interpolation=None)
    unit.optionxform = timer.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read_string(unit_text)
    timer.read_string(timer_text)
    assert unit["Service"]["Type"] == "oneshot"
    assert timer["Timer"]["Persistent"] == "true"
    assert timer["Install"]["WantedBy"] == "timers.target"
    store_password(home)

    env = cron_env(home)
    name, value = unit["Service"]["Environment"].split("=", 1)
    env[name] = value
    env_file = Path(unit["Service"]["EnvironmentFile"].replace("%h", str(home)))
    for line in env_file.read_text().splitlines():
        key, _, val = line.partition("=")
        env[key] = val
    exec_start = shlex.split(unit["Service"]["ExecStart"].replace("%h", str(home)))
    done = run(exec_start, env, stdin="")

    assert done.returncode == 0, done.stderr
    assert len(list((home / "downloads" / USER_ID).rglob("*.xlsm"))) == 1
    assert koss_args(unit["Service"]["ExecStart"].replace("%h", "$HOME")) == koss_args(
        cron_command()
    )


def test_schtasks_line_should_run_the_same_command() -> None:
    [block] = blocks("bat")
    line = block.strip()
    assert line.startswith("schtasks /Create ")
    task_run = re.search(r'/TR "(.*)"$', line)
    assert task_run is not None
    command = task_run.group(1).replace('\\"', '"')
    assert koss_args(command)[0] == "batch"
    assert koss_args(command)[2:] == koss_args(cron_command())[2:]
    assert "/SC DAILY" in line
    assert '/RU "%USERNAME%"' in line
    assert Path(koss_args(command)[1]).name == "accounts.toml"
