"""Linux with `--systemd`: `koss-rpa.service` and `koss-rpa.timer` in the user's systemd folder."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from pathlib import Path

from koss_rpa.errors import ScheduleNotWritable
from koss_rpa.i18n import _
from koss_rpa.schedule.job import (
    MARK,
    SYSTEMD_DIR_VAR,
    UNIT,
    Job,
    _not_writable,
    all_or_nothing,
)

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
