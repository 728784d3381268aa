"""Windows: a Task Scheduler task from an XML definition, running a PowerShell wrapper."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from xml.sax.saxutils import escape

from koss_rpa.errors import ScheduleNotWritable
from koss_rpa.i18n import _
from koss_rpa.schedule.job import (
    MARK,
    TASK_NAME,
    Job,
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
