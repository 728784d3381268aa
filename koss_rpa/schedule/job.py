"""What every platform's job shares: the `Job`, the settings frozen for it, its files (written
all or nothing, private), its log, and a POSIX shell's quoting."""

from __future__ import annotations

import contextlib
import json
import os
import stat
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path
from typing import Any

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


# ---------------------------------------------------------------------- shared by the platforms


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


def _not_writable(what: str, exc: BaseException, *, cron: bool = False) -> ScheduleNotWritable:
    message = _(
        "Cannot write {what}: {error}. Run koss-rpa schedule as the user the job is for, "
        "with a home folder it can write (or ask the administrator to allow cron for it)."
    ).format(what=what, error=getattr(exc, "strerror", None) or exc)
    if cron:
        message += " " + _("Without cron on this machine, use --systemd.")
    return ScheduleNotWritable(message)
