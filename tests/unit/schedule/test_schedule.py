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
from koss_rpa.cli.app import main
from koss_rpa.errors import ScheduleNotWritable
from tests.support.cron import cron_words, run_as_cron

SECRET = "cryptfile-master-pw"
TASK_NS = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config, an accounts file, a secrets file (0600), and the test's crontab/unit folder."""
    (tmp_path / "config.toml").write_text(
        f'state_dir = "{tmp_path / "state"}"\nrun_dir = "{tmp_path / "state" / "runs"}"\n'
        f'download_dir = "{tmp_path / "dl"}"\n',
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
    words = cron_words(ours)
    job_settings = home / schedule.JOB_SETTINGS
    start = words.index(sys.executable)
    assert words[start : start + 7] == [
        sys.executable,
        "-m",
        "koss_rpa",
        "--log-file",
        str(home / "state" / "schedule.log"),
        "--config",
        str(job_settings),
    ]
    assert words[start + 7 : start + 11] == [
        "batch",
        str(home / "accounts.toml"),
        "--once-per",
        "month",
    ]
    assert ["set", "-a;", ".", f"{home / 'secrets.env'};"] == words[3:7]
    assert words[:3] == [
        "PYTHON_KEYRING_BACKEND=keyrings.cryptfile.cryptfile.CryptFileKeyring;",
        "export",
        "PYTHON_KEYRING_BACKEND;",
    ]
    assert "/usr/bin/backup" in tab
    assert SECRET not in tab + out + err + job_settings.read_text(encoding="utf-8")
    assert job_settings.stat().st_mode & 0o777 == 0o600
    assert f"download_dir = {home / 'dl'}" in out  # install says what the job will use


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

    done = run_as_cron(f"15 6 * * * {schedule.cron_command(job)}", home)

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
    words = shlex.split(program[2])
    assert words[:4] == ["set", "-a;", ".", f"{tmp_path / 'secrets.env'};"]
    assert words[-8:] == [
        "exec",
        "/usr/local/bin/python3",
        "-m",
        "koss_rpa",
        "batch",
        "/Users/office/accounts.toml",
        "--once-per",
        "month",
    ]
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
    words = cron_words(line)
    assert words[-8:-3] == ["download", "--user-id", "KNAB1234", "--once-per", "month"]


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


#: A folder name with every kind of character an office has put in a path.
ODD = "まとめ 100% 'q' \"dq\" a\\%b $HOME ;#"

RECORDER = (
    "import json, os, sys; "
    "print(json.dumps({'argv': sys.argv[1:], 'cwd': os.getcwd(), "
    "'secret': os.environ.get('KEYRING_CRYPTFILE_PASSWORD'), "
    "'backend': os.environ.get('PYTHON_KEYRING_BACKEND')}))"
)


def odd_job(home: Path) -> schedule.Job:
    """A job whose every path holds ODD, which prints what it was given."""
    folder = home / ODD
    folder.mkdir()
    env_file = folder / "secrets.env"
    env_file.write_text(
        f"KEYRING_CRYPTFILE_PASSWORD={SECRET}\nPYTHON_KEYRING_BACKEND=from.the.env.file\n"
    )
    env_file.chmod(0o600)
    return schedule.Job(
        at=time(6, 15),
        args=("--config", str(folder / "job-settings.toml"), "batch", str(folder / "a.toml")),
        program=(sys.executable, "-c", RECORDER),
        environment=(("PYTHON_KEYRING_BACKEND", "from.the.install.shell"),),
        env_file=env_file,
        log_file=folder / "schedule.log",
        workdir=folder,
    )


def test_cron_line_should_pass_paths_of_any_characters_as_cron_runs_it(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    job = odd_job(home)
    schedule.Cron(home / "odd-crontab").install(job)
    [line] = (home / "odd-crontab").read_text(encoding="utf-8").splitlines()

    done = run_as_cron(line, home)

    assert done.returncode == 0, done.stderr
    seen = json.loads((home / ODD / "schedule.log").read_text(encoding="utf-8"))
    assert seen["argv"] == list(job.args)
    assert seen["cwd"] == str(home / ODD)
    assert seen["secret"] == SECRET
    assert seen["backend"] == "from.the.env.file"  # the env file wins, as on every platform


def test_launchd_agent_should_pass_paths_of_any_characters(home: Path) -> None:
    job = odd_job(home)
    agent = plistlib.loads(schedule.agent_plist(job))

    done = subprocess.run(
        agent["ProgramArguments"],
        env={"PATH": "/usr/bin:/bin", **agent["EnvironmentVariables"]},
        cwd=agent["WorkingDirectory"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["argv"] == list(job.args)
    assert seen["cwd"] == str(home / ODD)
    assert (seen["secret"], seen["backend"]) == (SECRET, "from.the.env.file")


def systemd_words(value: str) -> list[str]:
    """ExecStart= split as systemd does: words, double quotes with C escapes, `%%` and `$$`."""
    words: list[str] = []
    i = 0
    while i < len(value):
        if value[i] == " ":
            i += 1
            continue
        word = []
        if value[i] == '"':
            i += 1
            while value[i] != '"':
                if value[i] == "\\":
                    i += 1
                word.append(value[i])
                i += 1
            i += 1
        else:
            while i < len(value) and value[i] != " ":
                assert value[i] not in "\\\"'", value  # unquoted: no escapes
                word.append(value[i])
                i += 1
        text = "".join(word)
        assert "%" not in text.replace("%%", ""), text  # no specifier left
        assert "$" not in text.replace("$$", ""), text  # no variable left
        words.append(text.replace("%%", "%").replace("$$", "$"))
    return words


def test_systemd_units_should_pass_paths_of_any_characters(home: Path) -> None:
    job = odd_job(home)

    service = configparser.ConfigParser(interpolation=None)
    service.optionxform = str  # type: ignore[assignment,method-assign]
    service.read_string(schedule.systemd_units(job)["koss-rpa.service"])

    assert systemd_words(service["Service"]["ExecStart"]) == job.argv
    assert service["Service"]["EnvironmentFile"].replace("%%", "%") == str(job.env_file)
    assert service["Service"]["WorkingDirectory"].replace("%%", "%") == str(job.workdir)
    [environment] = systemd_words(service["Service"]["Environment"])
    assert environment == "PYTHON_KEYRING_BACKEND=from.the.install.shell"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze absent")
def test_systemd_units_with_odd_paths_should_pass_systemd_analyze_verify(home: Path) -> None:
    job = odd_job(home)
    units = home / "odd-units"
    units.mkdir()
    for name, text in schedule.systemd_units(job).items():
        (units / name).write_text(text, encoding="utf-8")

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
    assert "koss-rpa" not in done.stderr, done.stderr


def powershell_strings(line: str) -> list[str]:
    """The single-quoted strings of a PowerShell line, quotes of every kind undoubled."""
    quotes = "'\u2018\u2019\u201a\u201b"
    found: list[str] = []
    i = 0
    while i < len(line):
        if line[i] in quotes:
            word = []
            i += 1
            while True:
                if line[i] in quotes:
                    if i + 1 < len(line) and line[i + 1] in quotes:
                        word.append(line[i])
                        i += 2
                        continue
                    break
                word.append(line[i])
                i += 1
            found.append("".join(word))
        i += 1
    return found


def test_windows_task_should_run_a_wrapper_that_reads_the_env_file_and_logs() -> None:
    folder = "C:\\Users\\事務\\まとめ 100% ‘q’ it's"
    job = schedule.Job(
        at=time(6, 15),
        args=(
            "--log-file",
            f"{folder}\\schedule.log",
            "--config",
            f"{folder}\\job-settings.toml",
            "batch",
            f"{folder}\\accounts.toml",
        ),
        program=("C:\\Program Files\\Python311\\python.exe", "-m", "koss_rpa"),
        environment=(("PYTHON_KEYRING_BACKEND", "keyring.backends.Windows.WinVaultKeyring"),),
        env_file=Path(f"{folder}\\secrets.env"),
        workdir=Path(folder),
        wrapper=Path(f"{folder}\\koss-rpa-job.ps1"),
    )

    wrapper = schedule.windows_wrapper(job).split("\r\n")
    starts = ("[Environment]::", "foreach ($line in Get-Content", "Set-Location", "& ", "exit")
    root = ET.fromstring(schedule.task_xml(job, "OFFICE\\事務").replace('encoding="UTF-16"', ""))

    exec_ = "t:Actions/t:Exec"
    assert root.findtext(f"{exec_}/t:Command", namespaces=TASK_NS) == "powershell.exe"
    arguments = root.findtext(f"{exec_}/t:Arguments", namespaces=TASK_NS) or ""
    assert arguments.endswith(f'-File "{folder}\\koss-rpa-job.ps1"')
    assert root.findtext(f"{exec_}/t:WorkingDirectory", namespaces=TASK_NS) == folder
    [run] = [ln for ln in wrapper if ln.startswith("& ")]
    assert powershell_strings(run) == job.argv
    first = {k: next(i for i, ln in enumerate(wrapper) if ln.startswith(k)) for k in starts}
    # the environment first, the env file over it, then the folder and the program
    assert list(first.values()) == sorted(first.values())
    [reads] = [ln for ln in wrapper if ln.startswith("foreach")]
    assert powershell_strings(reads.split("-LiteralPath ")[1]) == [f"{folder}\\secrets.env"]
    [cd] = [ln for ln in wrapper if ln.startswith("Set-Location")]
    assert powershell_strings(cd) == [folder]
    assert wrapper[-2] == "exit $LASTEXITCODE"


def test_systemd_install_failing_half_way_should_leave_nothing(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_bus(self: schedule.Systemd, *args: str) -> None:
        if "enable" in args:
            raise ScheduleNotWritable("systemctl --user enable failed: no bus")

    monkeypatch.setattr(schedule.Systemd, "_systemctl", no_bus)

    code, _, err = install(home, capsys, "--systemd")

    assert code == 6
    assert "no bus" in err
    assert list((home / "units").iterdir()) == []
    assert not (home / schedule.JOB_SETTINGS).exists()
    code, out, _ = koss(home, capsys, "schedule", "status", "--systemd")
    assert "No daily job is installed (systemd)" in out
    monkeypatch.undo()
    monkeypatch.setenv(schedule.SYSTEMD_DIR_VAR, str(home / "units"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.cryptfile.cryptfile.CryptFileKeyring")
    code, out, _ = install(home, capsys, "--systemd")
    assert code == 0
    assert "Installed the daily job" in out


def test_systemd_remove_should_remove_the_files_when_systemd_cannot_be_reached(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    install(home, capsys, "--systemd")
    wants = home / "units" / "timers.target.wants"
    wants.mkdir()
    (wants / "koss-rpa.timer").symlink_to(home / "units" / "koss-rpa.timer")

    def no_bus(self: schedule.Systemd, *args: str) -> None:
        raise ScheduleNotWritable("no bus")

    monkeypatch.setattr(schedule.Systemd, "_systemctl", no_bus)

    code, out, _ = koss(home, capsys, "schedule", "remove", "--systemd")

    assert code == 0
    assert [p.name for p in (home / "units").rglob("*")] == ["timers.target.wants"]
    assert not (home / schedule.JOB_SETTINGS).exists()
    code, out, _ = koss(home, capsys, "schedule", "status", "--systemd")
    assert "No daily job is installed (systemd)" in out


def test_job_settings_should_read_back_as_the_settings_install_saw(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from koss_rpa.settings import load_settings

    (home / ".env").write_text(
        "KOSS_PORTAL_URL=http://127.0.0.1:9/\nKOSS_DOWNLOAD_DIR=./office files\n"
    )
    monkeypatch.setenv("KOSS_CONCURRENCY", "3")
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    seen = load_settings(home / "config.toml")

    code, _, err = install(home, capsys)

    assert code == 0, err
    monkeypatch.delenv("KOSS_CONCURRENCY")
    monkeypatch.delenv("LANG")
    monkeypatch.chdir("/")
    job = load_settings(home / schedule.JOB_SETTINGS)
    assert job.model_dump(exclude={"lang"}) == seen.model_dump(exclude={"lang"})
    assert job.download_dir == home / "office files"
    assert job.concurrency == 3
    assert job.lang == "ja"


def test_status_should_name_the_settings_that_differ_from_the_jobs(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    install(home, capsys)
    monkeypatch.setenv("KOSS_CONCURRENCY", "5")

    code, out, _ = koss(home, capsys, "schedule", "status")

    assert code == 0
    assert "differ from those in effect here" in out
    assert "concurrency: job 2, here 5" in out
    code, out, _ = koss(home, capsys, "schedule", "status", "--json")
    assert json.loads(out)["result"]["settings_differ"] == [
        {"setting": "concurrency", "job": 2, "here": 5}
    ]


def test_log_file_should_be_appended_to_and_rotated_by_size(tmp_path: Path) -> None:
    log = tmp_path / "state" / "schedule.log"
    log.parent.mkdir()
    log.write_text("x" * (schedule.LOG_MAX_BYTES + 1))
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "KOSS_LANG": "en"}

    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-m", "koss_rpa", "--log-file", str(log), "version"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0
        assert done.stdout == done.stderr == ""

    assert (tmp_path / "state" / "schedule.log.1").stat().st_size == schedule.LOG_MAX_BYTES + 1
    lines = log.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 4  # two runs: a header line and the version each
    assert lines[0].startswith("=== ")
