"""koss_rpa.schedule and `koss-rpa schedule`: a temporary crontab and systemd folder on Linux;
the Windows task and the macOS agent are generated and validated as documents only (they were
not run on those systems)."""

from __future__ import annotations

import configparser
import json
import plistlib
import shlex
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import time
from pathlib import Path

import pytest

from koss_rpa import schedule
from koss_rpa.cli import main

SECRET = "cryptfile-master-pw"
TASK_NS = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config, an accounts file, a secrets file (0600), and the test's crontab/unit folder."""
    (tmp_path / "config.toml").write_text(
        f'run_dir = "{tmp_path / "state" / "runs"}"\ndownload_dir = "{tmp_path / "dl"}"\n',
        encoding="utf-8",
    )
    (tmp_path / "accounts.toml").write_text(
        '[[accounts]]\nuser_id = "KNAB1234"\n', encoding="utf-8"
    )
    secrets = tmp_path / "secrets.env"
    secrets.write_text(f"KEYRING_CRYPTFILE_PASSWORD={SECRET}\n", encoding="utf-8")
    secrets.chmod(0o600)
    monkeypatch.setenv(schedule.CRONTAB_VAR, str(tmp_path / "crontab"))
    monkeypatch.setenv(schedule.SYSTEMD_DIR_VAR, str(tmp_path / "units"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.cryptfile.cryptfile.CryptFileKeyring")
    return tmp_path


def koss(home: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--config", str(home / "config.toml"), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def install(home: Path, capsys: pytest.CaptureFixture[str], *more: str) -> tuple[int, str, str]:
    return koss(
        home,
        capsys,
        "schedule",
        "install",
        str(home / "accounts.toml"),
        "--env-file",
        str(home / "secrets.env"),
        *more,
    )


def test_install_should_write_one_cron_line_with_absolute_paths_and_no_secret(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (home / "crontab").write_text("0 1 * * * /usr/bin/backup # someone else's\n")

    code, out, err = install(home, capsys, "--at", "06:15")

    assert code == 0, err
    tab = (home / "crontab").read_text()
    [ours] = [line for line in tab.splitlines() if schedule.MARK in line]
    assert ours.startswith("15 6 * * * ")
    assert f"{sys.executable} -m koss_rpa --config {home / 'config.toml'}" in ours
    assert f"batch {home / 'accounts.toml'} --once-per month" in ours
    assert f". {home / 'secrets.env'};" in ours
    assert "PYTHON_KEYRING_BACKEND=keyrings.cryptfile.cryptfile.CryptFileKeyring" in ours
    assert "/usr/bin/backup" in tab
    assert SECRET not in tab + out + err


def test_install_should_change_nothing_when_installed_unless_replace(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    install(home, capsys, "--at", "06:15")
    before = (home / "crontab").read_text()

    code, out, _ = install(home, capsys, "--at", "07:30")

    assert code == 0
    assert "Already installed" in out
    assert (home / "crontab").read_text() == before

    code, out, _ = install(home, capsys, "--at", "07:30", "--replace")

    assert code == 0
    lines = [ln for ln in (home / "crontab").read_text().splitlines() if schedule.MARK in ln]
    assert len(lines) == 1
    assert lines[0].startswith("30 7 * * * ")


def test_remove_should_undo_exactly_what_install_did(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (home / "crontab").write_text("0 1 * * * /usr/bin/backup\n")
    before = (home / "crontab").read_text()
    install(home, capsys)

    code, out, _ = koss(home, capsys, "schedule", "remove")

    assert code == 0
    assert "Removed (cron)" in out
    assert (home / "crontab").read_text() == before
    code, out, _ = koss(home, capsys, "schedule", "status")
    assert "No daily job is installed (cron)" in out


def test_cron_command_should_run_under_sh_with_the_env_file(home: Path) -> None:
    script = "import os, sys; print(os.environ['KEYRING_CRYPTFILE_PASSWORD'] == sys.argv[1])"
    job = schedule.Job(
        at=time(6, 15),
        args=(SECRET,),
        program=(sys.executable, "-c", script),
        env_file=home / "secrets.env",
        log_file=home / "state" / "schedule.log",
    )
    (home / "state").mkdir()

    done = subprocess.run(
        ["/bin/sh", "-c", schedule.cron_command(job).replace("\\%", "%")],
        env={"PATH": "/usr/bin:/bin", "HOME": str(home)},
        check=False,
    )

    assert done.returncode == 0
    assert (home / "state" / "schedule.log").read_text().strip() == "True"


def test_install_should_refuse_a_secrets_file_others_can_read(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (home / "secrets.env").chmod(0o644)

    code, _, err = install(home, capsys)

    assert code == 3
    assert "chmod 600" in err
    assert not (home / "crontab").exists()


def test_install_should_exit_6_when_the_crontab_cannot_be_written(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (home / "afile").write_text("")  # under a regular file: not even root can write there
    monkeypatch.setenv(schedule.CRONTAB_VAR, str(home / "afile" / "crontab"))

    code, _, err = install(home, capsys)

    assert code == 6
    assert "Cannot write the crontab" in err


def test_install_should_refuse_a_bad_time(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = install(home, capsys, "--at", "25:99")

    assert code == 3
    assert "--at" in err


def test_systemd_install_should_write_a_timer_and_service_and_remove_them(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = install(home, capsys, "--systemd", "--at", "05:45", "--json")

    assert code == 0, err
    units = home / "units"
    service = configparser.ConfigParser(interpolation=None)
    timer = configparser.ConfigParser(interpolation=None)
    service.optionxform = timer.optionxform = str  # type: ignore[assignment,method-assign]
    service.read_string((units / "koss-rpa.service").read_text(encoding="utf-8"))
    timer.read_string((units / "koss-rpa.timer").read_text(encoding="utf-8"))
    assert service["Service"]["Type"] == "oneshot"
    assert service["Service"]["EnvironmentFile"] == str(home / "secrets.env")
    exec_start = shlex.split(service["Service"]["ExecStart"])
    assert exec_start[:3] == [sys.executable, "-m", "koss_rpa"]
    assert exec_start[-4:] == ["batch", str(home / "accounts.toml"), "--once-per", "month"]
    assert timer["Timer"]["OnCalendar"] == "*-*-* 05:45:00"
    assert timer["Timer"]["Persistent"] == "true"
    assert timer["Install"]["WantedBy"] == "timers.target"
    assert SECRET not in "".join(p.read_text() for p in units.iterdir())
    assert json.loads(out.splitlines()[-1])["result"]["changed"] is True

    code, _, _ = koss(home, capsys, "schedule", "remove", "--systemd")

    assert code == 0
    assert list(units.iterdir()) == []


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze absent")
def test_systemd_units_should_pass_systemd_analyze_verify(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    install(home, capsys, "--systemd")
    units = home / "units"

    done = subprocess.run(
        [
            "systemd-analyze",
            "verify",
            str(units / "koss-rpa.service"),
            str(units / "koss-rpa.timer"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert "koss-rpa" not in done.stderr, done.stderr  # no complaint about our units


def test_task_xml_should_define_a_daily_task_run_whether_logged_on_or_not() -> None:
    job = schedule.Job(
        at=time(6, 15),
        args=("batch", r"C:\Users\事務\koss-rpa\accounts.toml", "--once-per", "month"),
        program=(r"C:\Program Files\Python311\python.exe", "-m", "koss_rpa"),
    )

    text = schedule.task_xml(job, r"OFFICE\事務")
    root = ET.fromstring(text.replace('encoding="UTF-16"', ""))

    assert root.tag == f"{{{TASK_NS['t']}}}Task"
    assert root.findtext("t:Triggers/t:CalendarTrigger/t:StartBoundary", namespaces=TASK_NS) == (
        "2026-01-01T06:15:00"
    )
    interval = "t:Triggers/t:CalendarTrigger/t:ScheduleByDay/t:DaysInterval"
    assert root.findtext(interval, namespaces=TASK_NS) == "1"
    principal = "t:Principals/t:Principal"
    assert root.findtext(f"{principal}/t:UserId", namespaces=TASK_NS) == r"OFFICE\事務"
    assert root.findtext(f"{principal}/t:LogonType", namespaces=TASK_NS) == "Password"
    command = root.findtext("t:Actions/t:Exec/t:Command", namespaces=TASK_NS)
    arguments = root.findtext("t:Actions/t:Exec/t:Arguments", namespaces=TASK_NS)
    assert command == r"C:\Program Files\Python311\python.exe"
    assert arguments == r"-m koss_rpa batch C:\Users\事務\koss-rpa\accounts.toml --once-per month"
    assert text.encode("utf-16")  # schtasks reads the definition as UTF-16


def test_agent_plist_should_run_daily_with_the_env_file_sourced(tmp_path: Path) -> None:
    job = schedule.Job(
        at=time(6, 15),
        args=("batch", "/Users/office/accounts.toml", "--once-per", "month"),
        program=("/usr/local/bin/python3", "-m", "koss_rpa"),
        environment=(("PYTHON_KEYRING_BACKEND", "keyring.backends.macOS.Keyring"),),
        env_file=tmp_path / "secrets.env",
        log_file=tmp_path / "schedule.log",
    )

    agent = plistlib.loads(schedule.agent_plist(job))

    assert agent["Label"] == schedule.AGENT_LABEL
    assert agent["StartCalendarInterval"] == {"Hour": 6, "Minute": 15}
    assert agent["EnvironmentVariables"] == {
        "PYTHON_KEYRING_BACKEND": "keyring.backends.macOS.Keyring"
    }
    program = agent["ProgramArguments"]
    assert program[:2] == ["/bin/sh", "-c"]
    assert f". {tmp_path / 'secrets.env'}" in program[2]
    assert program[2].endswith(
        "exec /usr/local/bin/python3 -m koss_rpa batch /Users/office/accounts.toml --once-per month"
    )
    assert agent["StandardOutPath"] == str(tmp_path / "schedule.log")


def test_scheduler_for_should_pick_this_platforms(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "win32")
    assert isinstance(schedule.scheduler_for(False), schedule.TaskScheduler)
    monkeypatch.setattr(sys, "platform", "darwin")
    assert isinstance(schedule.scheduler_for(False), schedule.Launchd)
    monkeypatch.setattr(sys, "platform", "linux")
    assert isinstance(schedule.scheduler_for(False), schedule.Cron)
    assert isinstance(schedule.scheduler_for(True), schedule.Systemd)


def test_install_for_one_account_should_run_download_once_a_month(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = koss(
        home, capsys, "schedule", "install", "--user-id", "knab1234", "--at", "6:05"
    )

    assert code == 0, err
    [line] = (home / "crontab").read_text().splitlines()
    assert line.startswith("5 6 * * * ")
    assert "-m koss_rpa --config" in line
    assert "download --user-id KNAB1234 --once-per month" in line


def test_systemd_units_should_quote_spaces_and_percent_signs() -> None:
    job = schedule.Job(
        at=time(6, 15),
        args=("batch", "/home/office/まとめ 100%/accounts.toml", "--once-per", "month"),
        program=("/opt/py 3/bin/python", "-m", "koss_rpa"),
    )

    service = schedule.systemd_units(job)["koss-rpa.service"]
    [exec_start] = [ln for ln in service.splitlines() if ln.startswith("ExecStart=")]

    words = shlex.split(exec_start.removeprefix("ExecStart=").replace("%%", "%"))
    assert words == list(job.argv)


def test_cron_without_a_crontab_program_should_show_nothing_and_refuse_to_install(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import crontab  # type: ignore[import-untyped]

    monkeypatch.delenv(schedule.CRONTAB_VAR)
    monkeypatch.setattr(crontab, "CRON_COMMAND", str(home / "no-such-crontab"))

    status_code, status_out, _ = koss(home, capsys, "schedule", "status")
    code, _, err = install(home, capsys)

    assert status_code == 0
    assert "No daily job is installed (cron)" in status_out
    assert code == 6
    assert "--systemd" in err
