"""Crontab lines run the way cron runs them (cronie / vixie cron), without a cron daemon."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path


def cron_field(line: str) -> tuple[str, str]:
    """The command of a crontab line as cron hands it to /bin/sh, and its standard input:
    cron's rule (cronie, vixie): an unescaped `%` ends the command (the rest, with `%` as new
    lines, is the input); `\\%` is a `%`; any other backslash stays."""
    field = line.split(None, 5)[5]
    command: list[str] = []
    escaped = False
    for index, ch in enumerate(field):
        if escaped:
            if ch == "%":
                command[-1] = "%"
            else:
                command.append(ch)
            escaped = False
            continue
        if ch == "%":
            return "".join(command), field[index + 1 :].replace("%", "\n")
        escaped = ch == "\\"
        command.append(ch)
    return "".join(command), ""


def run_as_cron(
    line: str, home: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`line` (a crontab line) run as cron runs it: `/bin/sh -c`, cron's few variables,
    `/` as the working folder."""
    command, stdin = cron_field(line)
    base = {"HOME": str(home), "LOGNAME": "office", "SHELL": "/bin/sh", "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        ["/bin/sh", "-c", command],
        env=base | (env or {}),
        cwd="/",
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def cron_words(line: str) -> list[str]:
    """The shell words of a crontab line's command, `$pct` standing for `%`."""
    command, _ = cron_field(line)
    text = command.replace("pct=$(printf '\\045'); ", "").replace('"$pct"', "%")
    return shlex.split(text, comments=True)
