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

One module per platform (`cron`, `systemd`, `windows`, `launchd`) and what they share (`job`);
the names below are the package's interface.
"""

from __future__ import annotations

import sys

from koss_rpa.schedule.cron import Cron, cron_command
from koss_rpa.schedule.job import (
    AGENT_LABEL,
    CRONTAB_VAR,
    JOB_SETTINGS,
    LOG_MAX_BYTES,
    MARK,
    PASSED_ENV,
    SHOWN,
    SYSTEMD_DIR_VAR,
    TASK_NAME,
    UNFROZEN,
    UNIT,
    WINDOWS_WRAPPER,
    Job,
    _flat,
    _jsonable,
    _not_writable,
    _sh,
    _toml_value,
    all_or_nothing,
    append_output_to,
    check_env_file,
    differences,
    frozen_settings,
    parse_at,
    passed_environment,
    remove_files,
    shell_script,
    shown_settings,
    toml_text,
    write_private_file,
)
from koss_rpa.schedule.launchd import Launchd, agent_plist
from koss_rpa.schedule.systemd import Systemd, systemd_units
from koss_rpa.schedule.windows import TaskScheduler, task_xml, windows_wrapper

Scheduler = Cron | Systemd | TaskScheduler | Launchd


def scheduler_for(use_systemd: bool) -> Scheduler:
    """The scheduler of this platform."""
    if sys.platform == "win32":
        return TaskScheduler()
    if sys.platform == "darwin":
        return Launchd()
    return Systemd() if use_systemd else Cron()


__all__ = [
    "AGENT_LABEL",
    "CRONTAB_VAR",
    "JOB_SETTINGS",
    "LOG_MAX_BYTES",
    "MARK",
    "PASSED_ENV",
    "SHOWN",
    "SYSTEMD_DIR_VAR",
    "TASK_NAME",
    "UNFROZEN",
    "UNIT",
    "WINDOWS_WRAPPER",
    "Cron",
    "Job",
    "Launchd",
    "Scheduler",
    "Systemd",
    "TaskScheduler",
    "_flat",
    "_jsonable",
    "_not_writable",
    "_sh",
    "_toml_value",
    "agent_plist",
    "all_or_nothing",
    "append_output_to",
    "check_env_file",
    "cron_command",
    "differences",
    "frozen_settings",
    "parse_at",
    "passed_environment",
    "remove_files",
    "scheduler_for",
    "shell_script",
    "shown_settings",
    "systemd_units",
    "task_xml",
    "toml_text",
    "windows_wrapper",
    "write_private_file",
]
