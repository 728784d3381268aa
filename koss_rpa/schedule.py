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

import contextlib
import dataclasses
import json
import os
import plistlib
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from koss_rpa.errors import ScheduleNotWritable, SettingsInvalid
from koss_rpa.i18n import _

MARK = "koss-rpa-schedule"
UNIT = "koss-rpa"
TASK_NAME = "koss-rpa まとめ納付管理ファイル"
AGENT_LABEL = "koss-rpa.daily"
#: Non-secret variables the keyring may need, passed on when set (an env file overrides them).
PASSED_ENV = ("PYTHON_KEYRING_BACKEND",)
CRONTAB_VAR = "KOSS_SCHEDULE_CRONTAB"
SYSTEMD_DIR_VAR = "KOSS_SCHEDULE_SYSTEMD_DIR"
#: The job's settings, frozen at install (in the config folder), and the Windows wrapper.
JOB_SETTINGS = "job-settings.toml"
WINDOWS_WRAPPER = "koss-rpa-job.ps1"
#: Settings that may hold tokens: never frozen (they stay in the keyring or the env file).
UNFROZEN = frozenset({"notify_urls"})
#: schedule.log is rotated past this size (one older generation is kept: at most twice this).
LOG_MAX_BYTES = 1 << 20


@dataclass(frozen=True)
class Job:
    """What runs every day, and when."""

    at: time
    #: koss-rpa's arguments, e.g. ["--config", "/abs/job-settings.toml", "batch", "/abs/a.toml"].
    args: tuple[str, ...]
    program: tuple[str, ...] = field(default_factory=lambda: (sys.executable, "-m", "koss_rpa"))
    environment: tuple[tuple[str, str], ...] = ()
    env_file: Path | None = None
    log_file: Path | None = None
    #: The job's working folder (where a `.env` would be read): the config folder.
    workdir: Path | None = None
    #: Where the Windows wrapper is written (Task Scheduler runs it).
    wrapper: Path | None = None

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


# --------------------------------------------------------------------------- frozen settings


def frozen_settings(settings: Any, lang: str) -> dict[str, Any]:
    """The effective settings as plain TOML-able data: every value the job is to use, the
    language included; those that may hold tokens (`UNFROZEN`) left out."""
    data: dict[str, Any] = settings.model_dump(mode="json", exclude_none=True, exclude=UNFROZEN)
    data["lang"] = lang
    return data


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    # A JSON string is a TOML basic string, but for DEL, which TOML wants escaped.
    return json.dumps(str(value), ensure_ascii=False).replace("\x7f", "\\u007F")


def toml_text(data: dict[str, Any]) -> str:
    """`data` (scalars, lists, one level of tables) as a TOML document."""
    lines = [
        "# koss-rpa: the settings of the scheduled job, frozen by `koss-rpa schedule install`.",
        "# Install again (--replace) to change them; secrets are not here.",
    ]
    tables = {k: v for k, v in data.items() if isinstance(v, dict)}
    lines += [f"{k} = {_toml_value(v)}" for k, v in data.items() if k not in tables]
    for name, table in tables.items():
        lines += ["", f"[{name}]", *(f"{k} = {_toml_value(v)}" for k, v in table.items())]
    return "\n".join(lines) + "\n"


#: Always shown by install; the other settings only when they are not the default.
SHOWN = ("portal_url", "download_dir", "state_dir", "run_dir", "keyring_service", "lang")


def shown_settings(settings: Any, frozen: dict[str, Any]) -> dict[str, Any]:
    """What install says the job will use: SHOWN, and every other setting not at its default
    (all of them are in the job's file)."""
    defaults: dict[str, Any] = {}
    for name, info in type(settings).model_fields.items():
        if info.default_factory is None:
            defaults[name] = info.default
    plain = json.loads(json.dumps(_jsonable(defaults), default=str))
    return {
        name: value
        for name, value in _flat(frozen).items()
        if name in SHOWN or name.split(".")[0] not in plain or _flat(plain).get(name) != value
    }


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (v.model_dump(mode="json") if hasattr(v, "model_dump") else v)
        for k, v in data.items()
        if v is not None
    }


def differences(job: dict[str, Any], here: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(setting, the job's value, the value here) for every setting that differs."""
    flat_job, flat_here = _flat(job), _flat(here)
    return [
        (name, flat_job.get(name), flat_here.get(name))
        for name in sorted(flat_job.keys() | flat_here.keys())
        if flat_job.get(name) != flat_here.get(name)
    ]


def _flat(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            flat |= _flat(value, f"{prefix}{key}.")
        else:
            flat[f"{prefix}{key}"] = list(value) if isinstance(value, tuple) else value
    return flat


def write_private_file(path: Path, text: str, encoding: str = "utf-8") -> None:
    """`text` into `path`, whole or not at all, readable by the user alone (0600)."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding=encoding, newline="\n") as fh:
            fh.write(text)
        partial.replace(path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise _not_writable(str(path), exc) from exc


@contextlib.contextmanager
def all_or_nothing(files: dict[Path, tuple[str, str]]) -> Iterator[None]:
    """Write `files` ({path: (text, encoding)}); if the block fails, every one of them is put
    back as it was (removed if it was not there)."""
    before: dict[Path, bytes | None] = {p: p.read_bytes() if p.is_file() else None for p in files}
    try:
        for path, (text, encoding) in files.items():
            write_private_file(path, text, encoding)
        yield
    except BaseException:
        for path, content in before.items():
            with contextlib.suppress(OSError):
                if content is None:
                    path.unlink(missing_ok=True)
                else:
                    path.write_bytes(content)
        raise


def remove_files(paths: list[Path]) -> list[str]:
    """Remove the files install wrote beside the scheduler's own; the ones removed."""
    removed = []
    for path in paths:
        if path.is_file():
            try:
                path.unlink()
            except OSError as exc:
                raise _not_writable(str(path), exc) from exc
            removed.append(str(path))
    return removed


# ------------------------------------------------------------------------------- the log file


def append_output_to(log_file: Path, header: str) -> None:
    """Send this process's stdout and stderr to the end of `log_file` (the job's log),
    rotating it first when it has grown past LOG_MAX_BYTES (one older generation kept as
    `<name>.1`), so that the log of a job that runs every day stays bounded."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(OSError):
        if log_file.stat().st_size > LOG_MAX_BYTES:
            log_file.replace(log_file.with_name(log_file.name + ".1"))
    fd = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(encoding="utf-8", errors="replace")
    sys.stdout.write(f"=== {datetime.now().astimezone():%Y-%m-%d %H:%M:%S%z} {header}\n")
    sys.stdout.flush()


# ------------------------------------------------------------------------------------- cron


def _sh(value: str, *, cron: bool = False) -> str:
    """`value` as one word of a POSIX shell, in single quotes. For a crontab line (`cron`),
    no `%` is left: cron would cut the line there (and `\\%` cannot stand for a backslash
    before a `%`), so each is `$pct`, set by `cron_command` to a `%`."""
    quoted = "'" + value.replace("'", "'\"'\"'") + "'"
    return quoted.replace("%", "'\"$pct\"'") if cron else quoted


def shell_script(job: Job, *, cron: bool = False) -> str:
    """The job as one `/bin/sh` command: the passed environment, then the env file over it,
    the working folder, and the program (its output appended to the log)."""
    parts: list[str] = []
    for name, value in job.environment:
        parts.append(f"{name}={_sh(value, cron=cron)}; export {name};")
    if job.env_file is not None:
        parts.append(f"set -a; . {_sh(str(job.env_file), cron=cron)}; set +a;")
    if job.workdir is not None:
        parts.append(f"cd {_sh(str(job.workdir), cron=cron)} &&")
    parts.append("exec " + " ".join(_sh(a, cron=cron) for a in job.argv))
    if job.log_file is not None:
        parts.append(f">> {_sh(str(job.log_file), cron=cron)} 2>&1")
    return " ".join(parts)


def cron_command(job: Job) -> str:
    """The command of the cron line: no `%` in it (see `_sh`), so that cron passes it to
    `/bin/sh` exactly as written."""
    script = shell_script(job, cron=True)
    if "$pct" in script:
        script = "pct=$(printf '\\045'); " + script
    return script


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
    """One word of ExecStart=/Environment=: `%` doubled (a specifier otherwise), `$` doubled
    (a variable otherwise), in double quotes with C escapes when it needs them."""
    arg = arg.replace("%", "%%").replace("$", "$$")
    if not arg or any(c in arg for c in " \t\"'\\;"):
        return '"' + arg.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return arg


def systemd_units(job: Job) -> dict[str, str]:
    """`koss-rpa.service` and `koss-rpa.timer` for a systemd user instance. The env file
    comes after the environment: systemd lets it override (as cron, launchd and Windows)."""
    environment = "".join(
        f"Environment={_systemd_quote(f'{name}={value}')}\n" for name, value in job.environment
    )
    env_file = (
        f"EnvironmentFile={str(job.env_file).replace('%', '%%')}\n"
        if job.env_file is not None
        else ""
    )
    workdir = (
        f"WorkingDirectory={str(job.workdir).replace('%', '%%')}\n"
        if job.workdir is not None
        else ""
    )
    service = (
        "[Unit]\n"
        f"Description=koss-rpa: まとめ納付管理ファイルの取得 ({MARK})\n"
        "\n"
        "[Service]\n"
        "Type=oneshot\n"
        f"{environment}{env_file}{workdir}"
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
    """A user timer and its service in `~/.config/systemd/user` (or KOSS_SCHEDULE_SYSTEMD_DIR).

    All or nothing: when `systemctl` fails half-way, the unit files written are removed again
    (the ones of an earlier install put back), so `status` and a new `install` see what is
    really there."""

    kind = "systemd"

    def __init__(self, unit_dir: Path | None = None) -> None:
        override = os.environ.get(SYSTEMD_DIR_VAR)
        self.managed = unit_dir is None and not override
        config = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
        self.unit_dir = unit_dir or (Path(override) if override else config / "systemd" / "user")

    def _paths(self) -> list[Path]:
        return [self.unit_dir / f"{UNIT}.service", self.unit_dir / f"{UNIT}.timer"]

    def _wants(self) -> Path:
        return self.unit_dir / "timers.target.wants" / f"{UNIT}.timer"

    def installed(self) -> list[str]:
        return [
            str(p) for p in self._paths() if p.is_file() and MARK in p.read_text(encoding="utf-8")
        ]

    def install(self, job: Job) -> list[str]:
        try:
            self.unit_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _not_writable(str(self.unit_dir), exc) from exc
        files = {self.unit_dir / name: (text, "utf-8") for name, text in systemd_units(job).items()}
        with all_or_nothing(files):
            self._systemctl("daemon-reload")
            self._systemctl("enable", "--now", f"{UNIT}.timer")
        return [str(p) for p in self._paths()]

    def remove(self) -> list[str]:
        """Disables the timer if systemd can be reached, and removes the unit files (and the
        timer's link in timers.target.wants) whether or not it could."""
        present = self.installed()
        if present:
            with contextlib.suppress(ScheduleNotWritable):
                self._systemctl("disable", "--now", f"{UNIT}.timer")
        wants = self._wants()
        if wants.is_symlink():
            with contextlib.suppress(OSError):
                wants.unlink()
        for path in map(Path, present):
            try:
                path.unlink()
            except OSError as exc:
                raise _not_writable(str(path), exc) from exc
        if present:
            with contextlib.suppress(ScheduleNotWritable):
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
                    "running for this user (loginctl enable-linger {user})? Nothing was "
                    "left installed."
                ).format(
                    args=" ".join(args),
                    error=(done.stderr.strip().splitlines() or ["?"])[-1],
                    user=os.environ.get("USER", "$USER"),
                )
            )


# ---------------------------------------------------------------------------------- Windows


def _ps(value: str) -> str:
    """`value` as a PowerShell single-quoted string (PowerShell also ends one at the
    typographic quotes ‘ ’ ‚ ‛, so each quote of any kind is doubled)."""
    for quote in "'\u2018\u2019\u201a\u201b":
        value = value.replace(quote, quote * 2)
    return f"'{value}'"


def windows_wrapper(job: Job) -> str:
    """The PowerShell script the task runs: the passed environment, the env file's `KEY=value`
    lines over it (as cron and systemd do), the working folder, then the program, whose
    output koss-rpa itself appends to the log (its `--log-file` argument). Saved as UTF-8
    with a BOM, which Windows PowerShell 5.1 needs to read 日本語 paths."""
    lines = [
        f"# {MARK}: written by `koss-rpa schedule install`; install again to change it.",
        "$ErrorActionPreference = 'Stop'",
    ]
    lines += [
        f"[Environment]::SetEnvironmentVariable({_ps(name)}, {_ps(value)})"
        for name, value in job.environment
    ]
    if job.env_file is not None:
        lines += [
            f"foreach ($line in Get-Content -LiteralPath {_ps(str(job.env_file))} "
            "-Encoding UTF8) {",
            "  if ($line -match '^\\s*(?:export\\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$') {",
            "    $value = $Matches[2].Trim()",
            "    if ($value.Length -ge 2 -and $value[0] -eq $value[-1] -and "
            "($value[0] -eq [char]34 -or $value[0] -eq [char]39)) {",
            "      $value = $value.Substring(1, $value.Length - 2)",
            "    }",
            "    [Environment]::SetEnvironmentVariable($Matches[1], $value)",
            "  }",
            "}",
        ]
    if job.workdir is not None:
        lines.append(f"Set-Location -LiteralPath {_ps(str(job.workdir))}")
    lines.append("& " + " ".join(_ps(a) for a in job.argv))
    lines.append("exit $LASTEXITCODE")
    return "\r\n".join(lines) + "\r\n"


def task_xml(job: Job, user: str) -> str:
    """A Task Scheduler definition: daily at `job.at`, as `user`, whether logged on or not
    (LogonType Password: schtasks asks for the Windows password once; Credential Manager
    entries of that user stay reachable). With a wrapper (`windows_wrapper`), the task runs
    it through PowerShell; otherwise the program directly."""
    if job.wrapper is not None:
        command = "powershell.exe"
        flags = ["-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-File"]
        args = subprocess.list2cmdline([*flags, str(job.wrapper)])
    else:
        command, *arguments = job.argv
        args = subprocess.list2cmdline(arguments)
    workdir = (
        f"      <WorkingDirectory>{escape(str(job.workdir))}</WorkingDirectory>\n"
        if job.workdir is not None
        else ""
    )
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
{workdir}    </Exec>
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
    """A launchd agent running the job daily at `job.at` in the user's session; with an env
    file, through `/bin/sh` (the same script as cron's: the env file over the environment)."""
    argv = job.argv
    if job.env_file is not None:
        script = shell_script(dataclasses.replace(job, environment=(), log_file=None))
        argv = ["/bin/sh", "-c", script]
    definition: dict[str, Any] = {
        "Label": AGENT_LABEL,
        "Comment": MARK,
        "ProgramArguments": argv,
        "StartCalendarInterval": {"Hour": job.at.hour, "Minute": job.at.minute},
        "EnvironmentVariables": dict(job.environment),
        "RunAtLoad": False,
    }
    if job.workdir is not None:
        definition["WorkingDirectory"] = str(job.workdir)
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
        domain = f"gui/{os.getuid()}"
        # An agent loaded before (--replace) is unloaded first, or bootstrap refuses it.
        subprocess.run(
            ["launchctl", "bootout", domain, str(self.path)], capture_output=True, check=False
        )
        done = subprocess.run(
            ["launchctl", "bootstrap", domain, str(self.path)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:  # all or nothing: no agent file that launchd does not run
            self.path.unlink(missing_ok=True)
            raise ScheduleNotWritable(
                _("launchctl bootstrap failed: {error}. Nothing was left installed.").format(
                    error=(done.stderr.strip().splitlines() or ["?"])[-1]
                )
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
