"""Sending a message: to every target, if its event is wanted, a problem once a day; and what
flows and jobs call after a run (`notify_download`, `notify_problem`, `notify_rotation`)."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from koss_rpa.errors import KossError
from koss_rpa.notify.command import run_command
from koss_rpa.notify.messages import (
    Message,
    close_warning_message,
    drift_message,
    problem_message,
    rotated_message,
    saved_message,
)
from koss_rpa.notify.sent import sent_log
from koss_rpa.notify.targets import quiet_apprise, send_url, target_urls
from koss_rpa.settings import NotifyConfig
from koss_rpa.storage import JST

log = logging.getLogger("koss_rpa.notify")

Redact = Callable[[str], str]


def _same(text: str) -> str:
    return text


def send(
    config: NotifyConfig,
    message: Message,
    *,
    redact: Redact = _same,
    extra_env: dict[str, str] | None = None,
    now: datetime | None = None,
) -> list[str]:
    """Send `message` to every target if its event is wanted; returns what failed (never raises).

    A problem already told today (to at least one target) is not sent again.
    """
    if message.event not in config.on and message.event != "test":
        return []
    message = Message(
        message.event,
        redact(message.title),
        redact(message.body),
        message.user_id,
        message.problem,
        message.failure,
        message.warning,
    )
    today = (now or datetime.now(JST)).astimezone(JST).date().isoformat()
    key = f"{message.user_id or '-'}:{message.problem}" if message.problem else None
    sent = sent_log(config.state_dir)
    if key is not None and sent.sent_today(key, today):
        log.info("%s: already told today, not again", key)
        return []
    quiet_apprise()
    failures: list[str] = []
    delivered = 0
    for index, url in enumerate(target_urls(config)):
        failure = send_url(index, url, message)
        if failure is None:
            delivered += 1
        else:
            failures.append(failure)
    if config.command:
        failure = run_command(config.command, message, extra_env or {})
        if failure is None:
            delivered += 1
        else:
            failures.append(failure)
    if key is not None and delivered:
        try:
            sent.mark(key, today)
        except OSError as exc:
            log.warning("could not remember the notification: %s", exc)
    for failure in failures:
        log.warning("%s: notification failed: %s", message.user_id or "-", failure)
    return failures


# ------------------------------------------------------------------------- what flows call


def notify_rotation(config: NotifyConfig, user_id: str, when: datetime | None = None) -> list[str]:
    """The password of `user_id` was changed; returns what failed (logged, never raised)."""
    changed_at = (when or datetime.now(JST)).isoformat(timespec="seconds")
    return send(
        config,
        rotated_message(user_id, when=when),
        extra_env={"KOSS_CHANGED_AT": changed_at},
    )


def notify_problem(
    config: NotifyConfig,
    user_id: str,
    label: str,
    exc: KossError,
    run_folder: Path | None,
    redact: Redact = _same,
    occurrence: str = "",
) -> list[str]:
    """Tell a problem, once a day; `occurrence` names one occurrence of a lasting problem (a
    lock, a spent budget, told once while it lasts): a new one is told the same day too."""
    message = problem_message(user_id, label, exc.code, exc.exit_code, str(exc), run_folder)
    if message is None:
        return []
    if occurrence and message.problem:
        message = dataclasses.replace(message, problem=f"{message.problem}@{occurrence}")
    return send(config, message, redact=redact)


def notify_download(
    config: NotifyConfig,
    user_id: str,
    label: str,
    result: Any,
    run_folder: Path | None,
    redact: Redact = _same,
) -> list[str]:
    """After a download: `rotated` if the password was changed, `saved` for the file."""
    failures: list[str] = []
    if result.rotated:
        failures += send(
            config,
            rotated_message(user_id, label, run_folder),
            redact=redact,
            extra_env={"KOSS_CHANGED_AT": datetime.now(JST).isoformat(timespec="seconds")},
        )
    if result.outcome == "downloaded" and result.path is not None:
        message = saved_message(user_id, label, result.path, result.unchanged, run_folder)
        failures += send(config, message, redact=redact)
    if getattr(result, "warnings", None):
        warning = close_warning_message(user_id, label, result.warnings, run_folder)
        failures += send(config, warning, redact=redact)
    return failures


def send_drift(
    config: NotifyConfig, what: str, user_id: str | None = None, run_folder: Path | None = None
) -> list[str]:
    """For a command that finds the portal changed (a future `koss-rpa check`)."""
    return send(config, drift_message(user_id, "", what, run_folder))
