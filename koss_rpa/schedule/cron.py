"""Linux: one line in the user's crontab, marked `# koss-rpa-schedule` (python-crontab)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from koss_rpa.errors import ScheduleNotWritable
from koss_rpa.i18n import _
from koss_rpa.schedule.job import (
    CRONTAB_VAR,
    MARK,
    Job,
    _not_writable,
    shell_script,
)

# ------------------------------------------------------------------------------------- cron


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
