"""`notify_command`: a program of the user's run for every message, which it finds in its
environment (`KOSS_EVENT`, `KOSS_USER_ID`, `KOSS_TITLE`, `KOSS_MESSAGE`, and `KOSS_CHANGED_AT`
for a rotation; never a password)."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys

from koss_rpa.i18n import _
from koss_rpa.notify.messages import Message

#: `KOSS_EVENT` of a rotation for `notify_command`, as before apprise.
ROTATION_EVENT = "password_rotated"


def run_command(command: str, message: Message, extra_env: dict[str, str]) -> str | None:
    """Run `command` for `message`; returns why it failed, or None."""
    env = {
        **os.environ,
        "KOSS_EVENT": ROTATION_EVENT if message.event == "rotated" else message.event,
        "KOSS_USER_ID": message.user_id or "",
        "KOSS_TITLE": message.title,
        "KOSS_MESSAGE": message.body,
        **extra_env,
    }
    try:
        args = shlex.split(command, posix=sys.platform != "win32")
        completed = subprocess.run(args, env=env, timeout=60, check=False, capture_output=True)
    except (OSError, subprocess.TimeoutExpired, ValueError) as exc:
        return f"notify_command: {type(exc).__name__}"
    if completed.returncode != 0:
        return _("notify_command exited {code}").format(code=completed.returncode)
    return None
