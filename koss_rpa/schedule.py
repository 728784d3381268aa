"""`koss-rpa schedule`: the daily job, installed for this platform and removed again exactly.

- Linux: one line in the user's crontab, marked `# koss-rpa-schedule` (python-crontab); or with
  `--systemd`, `koss-rpa.service` + `koss-rpa.timer` in the user's systemd folder, enabled with
  `systemctl --user enable --now koss-rpa.timer`.
- Windows: a Task Scheduler task from an XML definition, as the current user, whether logged on
  or not (`schtasks /Create /XML … /RU user /RP`: schtasks asks for the Windows password).
- macOS: a launchd agent `~/Library/LaunchAgents/koss-rpa.daily.plist`, `launchctl bootstrap`.

The job runs `batch ACCOUNTS.toml --once-per month` (or `download --once-per month` for one
account) with this installation's Python (`sys.executable -m koss_rpa`), absolute paths, and the
non-secret environment the keyring needs (`PYTHON_KEYRING_BACKEND`). A secret such as
`KEYRING_CRYPTFILE_PASSWORD` is never put on a command line or in a definition: it stays in an
environment file (`--env-file`) that only the user can read (mode 0600, checked), which cron
sources and systemd reads as `EnvironmentFile=`.

For tests, `KOSS_SCHEDULE_CRONTAB` names a crontab file and `KOSS_SCHEDULE_SYSTEMD_DIR` a unit
folder to use instead of the user's (then systemctl is not called).
"""

from __future__ import annotations

import os
import plistlib
import shlex
import shutil
import stat
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from koss_rpa.errors import ScheduleNotWritable, SettingsInvalid
from koss_rpa.i18n import _

MARK = "koss-rpa-schedule"
UNIT = "koss-rpa"
TASK_NAME = "koss-rpa まとめ納付管理ファイル"
AGENT_LABEL = "koss-rpa.daily"
#: Non-secret variables the keyring may need, passed on when set.
PASSED_ENV = ("PYTHON_KEYRING_BACKEND", "KOSS_LANG")
CRONTAB_VAR = "KOSS_SCHEDULE_CRONTAB"
SYSTEMD_DIR_VAR = "KOSS_SCHEDULE_SYSTEMD_DIR"


@dataclass(frozen=True)
class Job:
    """What runs every day, and when."""

    at: time
    #: koss-rpa's arguments, e.g. ["--config", "/abs/config.toml", "batch", "/abs/a.toml", …].
    args: tuple[str, ...]
    program: tuple[str, ...] = field(default_factory=lambda: (sys.executable, "-m", "koss_rpa"))
    environment: tuple[tuple[str, str], ...] = ()
    env_file: Path | None = None
    log_file: Path | None = None

    @property
    def argv(self) -> list[str]:
        return [*self.program, *self.args]


def parse_at(value: str) -> time:
    """`06:15` → 06:15; anything else is a one-line error."""
    try:
        hours, minutes = value.split(":")
        return time(int(hours), int(minutes))
    except ValueError as exc:
        raise SettingsInvalid(
            _("--at must be a time like 06:15, not {value!r}.").format(value=value)
        ) from exc


def check_env_file(path: Path) -> Path:
    """The secrets file exists and only its owner can read it (mode 0600 or stricter)."""
    path = path.expanduser().resolve()
    if not path.is_file():
        raise SettingsInvalid(_("The environment file {path} does not exist.").format(path=path))
    if sys.platform != "win32" and stat.S_IMODE(path.stat().st_mode) & 0o077:
        raise SettingsInvalid(
            _(
                "The environment file {path} can be read by others; it holds secrets: "
                "chmod 600 {path}"
            ).format(path=path)
        )
    return path


def passed_environment() -> tuple[tuple[str, str], ...]:
    return tuple((name, os.environ[name]) for name in PASSED_ENV if os.environ.get(name))


# ------------------------------------------------------------------------------------- cron


def cron_command(job: Job) -> str:
    """The shell command of the cron line: sources the env file, runs, appends to the log."""
    parts: list[str] = []
    if job.env_file is not None:
        parts.append(f"set -a; . {shlex.quote(str(job.env_file))}; set +a;")
    parts.extend(f"{name}={shlex.quote(value)}" for name, value in job.environment)
    parts.append(shlex.join(job.argv))
    if job.log_file is not None:
        parts.append(f">> {shlex.quote(str(job.log_file))} 2>&1")
    # cron gives % a meaning of its own.
    return " ".join(parts).replace("%", "\\%")


class Cron:
    """A line in the user's crontab (or in the file KOSS_SCHEDULE_CRONTAB names)."""

    kind = "cron"

    def __init__(self, tabfile: Path | None = None) -> None:
        env_file = os.environ.get(CRONTAB_VAR)
        self.tabfile = tabfile or (Path(env_file) if env_file else None)

    def _tab(self) -> Any:
        from crontab import CronTab  # type: ignore[import-untyped]

        try:
            if self.tabfile is not None:
                if not self.tabfile.exists():
                    self.tabfile.parent.mkdir(parents=True, exist_ok=True)
                    self.tabfile.touch()
                return CronTab(tabfile=str(self.tabfile))
            return CronTab(user=True)
        except OSError as exc:
            raise _not_writable(_("the crontab"), exc, cron=True) from exc

    def installed(self) -> list[str]:
        try:
            tab = self._tab()
        except ScheduleNotWritable:  # no crontab to read (no cron here): nothing is installed
            return []
        return [str(job) for job in tab.find_comment(MARK)]

    def install(self, job: Job) -> list[str]:
        tab = self._tab()
        tab.remove_all(comment=MARK)
        entry = tab.new(command=cron_command(job), comment=MARK)
        entry.setall(f"{job.at.minute} {job.at.hour} * * *")
        self._write(tab)
        return [str(entry)]

    def remove(self) -> list[str]:
        tab = self._tab()
        removed = [str(job) for job in tab.find_comment(MARK)]
        tab.remove_all(comment=MARK)
        self._write(tab)
        return removed

    def _write(self, tab: Any) -> None:
        try:
            tab.write()
        except OSError as exc:
            raise _not_writable(_("the crontab"), exc, cron=True) from exc


def _not_writable(what: str, exc: BaseException, *, cron: bool = False) -> ScheduleNotWritable:
    message = _(
        "Cannot write {what}: {error}. Run koss-rpa schedule as the user the job is for, "
        "with a home folder it can write (or ask the administrator to allow cron for it)."
    ).format(what=what, error=getattr(exc, "strerror", None) or exc)
    if cron:
        message += " " + _("Without cron on this machine, use --systemd.")
    return ScheduleNotWritable(message)


# ---------------------------------------------------------------------------------- systemd


def _systemd_quote(arg: str) -> str:
    arg = arg.replace("%", "%%")
    if not arg or any(c in arg for c in " \t\"'\\;$"):
        return '"' + arg.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return arg


def systemd_units(job: Job) -> dict[str, str]:
    """`koss-rpa.service` and `koss-rpa.timer` for a systemd user instance."""
    environment = "".join(
        f"Environment={_systemd_quote(f'{name}={value}')}\n" for name, value in job.environment
    )
    env_file = f"EnvironmentFile={job.env_file}\n" if job.env_file is not None else ""
    service = (
        "[Unit]\n"
        f"Description=koss-rpa: まとめ納付管理ファイルの取得 ({MARK})\n"
        "\n"
        "[Service]\n"
        "Type=oneshot\n"
        f"{environment}{env_file}"
        f"ExecStart={' '.join(_systemd_quote(a) for a in job.argv)}\n"
    )
    timer = (
        "[Unit]\n"
        f"Description=koss-rpa every day at {job.at:%H:%M} ({MARK})\n"
        "\n"
        "[Timer]\n"
        f"OnCalendar=*-*-* {job.at:%H:%M}:00\n"
        "Persistent=true\n"
        "\n"
        "[Install]\n"
        "WantedBy=timers.target\n"
    )
    return {f"{UNIT}.service": service, f"{UNIT}.timer": timer}


class Systemd:
    """A user timer and its service in `~/.config/systemd/user` (or KOSS_SCHEDULE_SYSTEMD_DIR)."""

    kind = "systemd"

    def __init__(self, unit_dir: Path | None = None) -> None:
        override = os.environ.get(SYSTEMD_DIR_VAR)
        self.managed = unit_dir is None and not override
        config = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
        self.unit_dir = unit_dir or (Path(override) if override else config / "systemd" / "user")

    def _paths(self) -> list[Path]:
        return [self.unit_dir / f"{UNIT}.service", self.unit_dir / f"{UNIT}.timer"]

    def installed(self) -> list[str]:
        return [
            str(p) for p in self._paths() if p.is_file() and MARK in p.read_text(encoding="utf-8")
        ]

    def install(self, job: Job) -> list[str]:
        try:
            self.unit_dir.mkdir(parents=True, exist_ok=True)
            for name, text in systemd_units(job).items():
                partial = self.unit_dir / f".{name}.partial"
                partial.write_text(text, encoding="utf-8")
                partial.replace(self.unit_dir / name)
        except OSError as exc:
            raise _not_writable(str(self.unit_dir), exc) from exc
        self._systemctl("daemon-reload")
        self._systemctl("enable", "--now", f"{UNIT}.timer")
        return [str(p) for p in self._paths()]

    def remove(self) -> list[str]:
        present = self.installed()
        if present:
            self._systemctl("disable", "--now", f"{UNIT}.timer")
        for path in map(Path, present):
            try:
                path.unlink()
            except OSError as exc:
                raise _not_writable(str(path), exc) from exc
        if present:
            self._systemctl("daemon-reload")
        return present

    def _systemctl(self, *args: str) -> None:
        if not self.managed or shutil.which("systemctl") is None:
            return
        done = subprocess.run(
            ["systemctl", "--user", *args], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise ScheduleNotWritable(
                _(
                    "systemctl --user {args} failed: {error}. Is a systemd user instance "
                    "running for this user (loginctl enable-linger {user})?"
                ).format(
                    args=" ".join(args),
                    error=(done.stderr.strip().splitlines() or ["?"])[-1],
                    user=os.environ.get("USER", "$USER"),
                )
            )


# ---------------------------------------------------------------------------------- Windows


def task_xml(job: Job, user: str) -> str:
    """A Task Scheduler definition: daily at `job.at`, as `user`, whether logged on or not
    (LogonType Password: schtasks asks for the Windows password once; Credential Manager
    entries of that user stay reachable)."""
    command, *arguments = job.argv
    args = subprocess.list2cmdline(arguments)
    return f"""<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo>
    <Description>koss-rpa: まとめ納付管理ファイルの取得 ({MARK})</Description>
  </RegistrationInfo>
  <Triggers>
    <CalendarTrigger>
      <StartBoundary>2026-01-01T{job.at:%H:%M}:00</StartBoundary>
      <Enabled>true</Enabled>
      <ScheduleByDay>
        <DaysInterval>1</DaysInterval>
      </ScheduleByDay>
    </CalendarTrigger>
  </Triggers>
  <Principals>
    <Principal id="Author">
      <UserId>{escape(user)}</UserId>
      <LogonType>Password</LogonType>
      <RunLevel>LeastPrivilege</RunLevel>
    </Principal>
  </Principals>
  <Settings>
    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>
    <StartWhenAvailable>true</StartWhenAvailable>
    <RunOnlyIfNetworkAvailable>true</RunOnlyIfNetworkAvailable>
    <ExecutionTimeLimit>PT2H</ExecutionTimeLimit>
    <Enabled>true</Enabled>
  </Settings>
  <Actions Context="Author">
    <Exec>
      <Command>{escape(command)}</Command>
      <Arguments>{escape(args)}</Arguments>
    </Exec>
  </Actions>
</Task>
"""


class TaskScheduler:
    """A task named TASK_NAME, created with `schtasks /Create /XML` as the current user."""

    kind = "schtasks"

    def installed(self) -> list[str]:
        done = subprocess.run(
            ["schtasks", "/Query", "/TN", TASK_NAME], capture_output=True, text=True, check=False
        )
        return [TASK_NAME] if done.returncode == 0 else []

    def install(self, job: Job) -> list[str]:
        import tempfile

        user = os.environ.get("USERDOMAIN", "") + "\\" + os.environ.get("USERNAME", "")
        with tempfile.TemporaryDirectory() as folder:
            definition = Path(folder) / "koss-rpa.xml"
            definition.write_text(task_xml(job, user.strip("\\")), encoding="utf-16")
            # /RP without a value: schtasks asks for the Windows password (never stored here).
            self._schtasks(
                "/Create", "/TN", TASK_NAME, "/XML", str(definition), "/RU", user, "/RP", "/F"
            )
        return [TASK_NAME]

    def remove(self) -> list[str]:
        if not self.installed():
            return []
        self._schtasks("/Delete", "/TN", TASK_NAME, "/F")
        return [TASK_NAME]

    def _schtasks(self, *args: str) -> None:
        done = subprocess.run(["schtasks", *args], text=True, check=False)
        if done.returncode != 0:
            raise ScheduleNotWritable(
                _(
                    "schtasks {verb} failed (exit {code}): run it as the user the job is for, "
                    "with the right Windows password."
                ).format(verb=args[0], code=done.returncode)
            )


# ------------------------------------------------------------------------------------ macOS


def agent_plist(job: Job) -> bytes:
    """A launchd agent running the job daily at `job.at` in the user's session."""
    argv = job.argv
    if job.env_file is not None:
        script = f"set -a; . {shlex.quote(str(job.env_file))}; set +a; exec {shlex.join(argv)}"
        argv = ["/bin/sh", "-c", script]
    definition: dict[str, Any] = {
        "Label": AGENT_LABEL,
        "Comment": MARK,
        "ProgramArguments": argv,
        "StartCalendarInterval": {"Hour": job.at.hour, "Minute": job.at.minute},
        "EnvironmentVariables": dict(job.environment),
        "RunAtLoad": False,
    }
    if job.log_file is not None:
        definition["StandardOutPath"] = definition["StandardErrorPath"] = str(job.log_file)
    return plistlib.dumps(definition)


class Launchd:
    kind = "launchd"

    def __init__(self, agents_dir: Path | None = None) -> None:
        self.path = (agents_dir or Path.home() / "Library" / "LaunchAgents") / (
            f"{AGENT_LABEL}.plist"
        )

    def installed(self) -> list[str]:
        return [str(self.path)] if self.path.is_file() else []

    def install(self, job: Job) -> list[str]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_bytes(agent_plist(job))
        except OSError as exc:
            raise _not_writable(str(self.path), exc) from exc
        subprocess.run(
            ["launchctl", "bootstrap", f"gui/{os.getuid()}", str(self.path)], check=False
        )
        return [str(self.path)]

    def remove(self) -> list[str]:
        if not self.path.is_file():
            return []
        domain = f"gui/{os.getuid()}"
        subprocess.run(["launchctl", "bootout", domain, str(self.path)], check=False)
        self.path.unlink()
        return [str(self.path)]


Scheduler = Cron | Systemd | TaskScheduler | Launchd


def scheduler_for(use_systemd: bool) -> Scheduler:
    """The scheduler of this platform."""
    if sys.platform == "win32":
        return TaskScheduler()
    if sys.platform == "darwin":
        return Launchd()
    return Systemd() if use_systemd else Cron()
