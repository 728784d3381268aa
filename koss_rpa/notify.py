"""Telling the office that a password changed: a command and/or a webhook. Never the password."""

from __future__ import annotations

import json
import logging
import os
import shlex
import subprocess
import sys
import urllib.request
from datetime import datetime

from koss_rpa.settings import Settings
from koss_rpa.storage import JST

log = logging.getLogger("koss_rpa.notify")
EVENT = "password_rotated"


def notify_rotation(settings: Settings, user_id: str, when: datetime | None = None) -> list[str]:
    """Runs the configured notifications; returns what failed (logged, never raised)."""
    changed_at = (when or datetime.now(JST)).isoformat(timespec="seconds")
    failures: list[str] = []
    if settings.notify_command:
        env = {
            **os.environ,
            "KOSS_EVENT": EVENT,
            "KOSS_USER_ID": user_id,
            "KOSS_CHANGED_AT": changed_at,
        }
        try:
            args = shlex.split(settings.notify_command, posix=sys.platform != "win32")
            completed = subprocess.run(args, env=env, timeout=60, check=False, capture_output=True)
            if completed.returncode != 0:
                failures.append(f"notify_command exited {completed.returncode}")
        except (OSError, subprocess.TimeoutExpired, ValueError) as exc:
            failures.append(f"notify_command: {exc}")
    if settings.notify_webhook:
        body = json.dumps({"event": EVENT, "user_id": user_id, "changed_at": changed_at})
        request = urllib.request.Request(
            str(settings.notify_webhook),
            data=body.encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                if response.status >= 400:
                    failures.append(f"notify_webhook answered {response.status}")
        except OSError as exc:
            failures.append(f"notify_webhook: {exc}")
    for failure in failures:
        log.warning("%s: notification failed: %s", user_id, failure)
    return failures
