"""macOS: a launchd agent in ~/Library/LaunchAgents."""

from __future__ import annotations

import dataclasses
import os
import plistlib
import subprocess
from pathlib import Path
from typing import Any

from koss_rpa.errors import ScheduleNotWritable
from koss_rpa.i18n import _
from koss_rpa.schedule.job import (
    AGENT_LABEL,
    MARK,
    Job,
    _not_writable,
    shell_script,
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
