"""Telling people what needs them: apprise targets and an optional command. Never a password.

Targets are apprise URLs (`notify_urls`: e-mail `mailto://`, Teams, Slack, LINE, ntfy, a JSON
webhook `json://`…; ~100 services through one syntax), and the keyring entry `notify_urls` of the
service (one URL a line, `koss-rpa notify set-urls`) for URLs that carry tokens. A target is named
in messages by its position and service only (`notify_urls[2] (Slack)`), never by its URL.

Events (`notify_on`):

| event          | when                                                                  |
|----------------|-----------------------------------------------------------------------|
| `needs_person` | exit 10–15: wrong password, locked, refused new password, no password, |
|                | expired with `on_expired = "fail"`, a run lock / spent login budget   |
| `failed`       | exit 20–23 after every retry (and internal errors)                    |
| `drift`        | the portal's screens changed (`send_drift`, for a check command)      |
| `rotated`      | the password was changed                                              |
| `saved`        | a file was saved (off by default)                                     |
| `batch`        | a batch's summary                                                     |

A problem (`needs_person`, `failed`, `drift`, and a batch summary with the same failures) is told
once per account, problem and day (JST):
`<state>/notify/sent.json` remembers, under a file lock, what reached at least one target on which
day, so a daily schedule does not flood anyone. A target that fails is reported back to the caller
(stderr, the batch report), never raised.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import re
import shlex
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from filelock import FileLock

from koss_rpa.errors import KossError, SettingsInvalid
from koss_rpa.i18n import _
from koss_rpa.settings import Settings
from koss_rpa.storage import JST

log = logging.getLogger("koss_rpa.notify")

EVENTS = ("needs_person", "failed", "drift", "rotated", "saved", "batch")
DEFAULT_EVENTS = ("needs_person", "failed", "drift", "rotated", "batch")
#: The keyring entry (under `keyring_service`) holding more apprise URLs, one a line.
KEYRING_ENTRY = "notify_urls"
#: `KOSS_EVENT` of a rotation for `notify_command`, as before apprise.
ROTATION_EVENT = "password_rotated"

Redact = Callable[[str], str]


def _same(text: str) -> str:
    return text


@dataclass(frozen=True)
class Message:
    """One notification, already in the user's language."""

    event: str
    title: str
    body: str
    user_id: str | None = None
    #: The problem, for once-a-day; None: always sent.
    problem: str | None = None
    failure: bool = False
    #: A warning: the job succeeded, something after its work did not (apprise's warning type).
    warning: bool = False


# ---------------------------------------------------------------------------------------- targets


def keyring_urls(service: str) -> list[str]:
    """The URLs kept in the keyring (none when there is no keyring or no entry)."""
    try:
        import keyring

        from koss_rpa.account.store import check_backend

        check_backend()
        raw = keyring.get_password(service, KEYRING_ENTRY)
    except Exception:  # no keyring here (KossError or the backend's): the settings' URLs work
        return []
    return [line.strip() for line in (raw or "").splitlines() if line.strip()]


def store_keyring_urls(service: str, urls: Sequence[str]) -> None:
    """Keep `urls` in the keyring (an empty list removes the entry)."""
    import keyring
    import keyring.errors

    from koss_rpa.account.store import check_backend

    check_backend()
    if urls:
        keyring.set_password(service, KEYRING_ENTRY, "\n".join(urls))
    else:
        with contextlib.suppress(keyring.errors.PasswordDeleteError):
            keyring.delete_password(service, KEYRING_ENTRY)


def target_urls(settings: Settings) -> list[str]:
    """Every configured apprise URL: the settings' (and KOSS_NOTIFY_URLS), the keyring's, and
    `notify_webhook` as apprise's JSON target."""
    urls = [*settings.notify_urls, *keyring_urls(settings.keyring_service)]
    if settings.notify_webhook is not None:
        webhook = str(settings.notify_webhook)
        urls.append(webhook.replace("https://", "jsons://", 1).replace("http://", "json://", 1))
    return urls


def _scheme(url: str) -> str:
    head, sep, _rest = url.partition("://")
    return head.lower() if sep and head.isascii() and head.isalnum() else "?"


def describe(index: int, url: str) -> str:
    """How a target is named to people: its position and service, never its URL or token."""
    import apprise

    _quiet_apprise()
    instance = apprise.Apprise.instantiate(url)
    service = getattr(instance, "service_name", None) if instance is not None else None
    return f"notify_urls[{index + 1}] ({service or _scheme(url) + '://…'})"


def check_targets(settings: Settings) -> list[str]:
    """Every target URL must parse; returns the URLs. Called before any browser starts.

    Raises:
        SettingsInvalid: names the first URL that cannot be parsed (by position and scheme).
    """
    urls = target_urls(settings)
    if not urls:
        return []
    import apprise

    _quiet_apprise()
    for index, url in enumerate(urls):
        if apprise.Apprise.instantiate(url) is None:
            raise SettingsInvalid(
                _(
                    "The notification target notify_urls[{n}] ({scheme}://…) is not a URL "
                    "apprise understands; see https://github.com/caronc/apprise/wiki."
                ).format(n=index + 1, scheme=_scheme(url))
            )
    return urls


# ------------------------------------------------------------------------------------ sending


def _quiet_apprise() -> None:
    """apprise logs URLs (tokens included) and hosts; koss-rpa's own warnings name the target
    safely, so apprise's log never reaches a handler."""
    logger = logging.getLogger("apprise")
    if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
        logger.addHandler(logging.NullHandler())
    logger.propagate = False


#: One target is sent to at a time, so that what apprise logs (from threads of its own) is
#: that target's.
_SENDING = threading.Lock()


class _Heard(logging.Handler):
    """apprise's log records during one send, kept to say why a target failed (never shown:
    they may hold the URL and its token)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        with contextlib.suppress(Exception):
            self.messages.append(record.getMessage())


def failure_reason(messages: Sequence[str]) -> str:
    """Why a target failed, in words, from what apprise logged: refused, a time-out, a name
    that does not resolve, an HTTP status, TLS, authentication; never the log's own text."""
    text = "\n".join(messages)
    status = re.search(r"error=(\d{3})\b|HTTP(?: status)? (\d{3})\b|\b(\d{3}) Client Error", text)
    if status:
        return _("HTTP status {status}").format(status=next(g for g in status.groups() if g))
    checks = (
        (r"Connection refused|ECONNREFUSED|actively refused", _("the connection was refused")),
        (r"timed out|Timeout", _("no answer in time (time-out)")),
        (
            r"Failed to resolve|Name or service not known|getaddrinfo|NameResolution",
            _("the host name does not resolve"),
        ),
        (r"SSL|certificate", _("a TLS / certificate error")),
        (r"[Aa]uthenticat|535|Unauthorized|login", _("the login to the service was refused")),
        (r"Connection error|ConnectionError|Socket Exception", _("no connection")),
    )
    for pattern, reason in checks:
        if re.search(pattern, text):
            return reason
    return _("the service gave no reason")


def _send_url(index: int, url: str, message: Message) -> str | None:
    import apprise

    target = describe(index, url)
    logger = logging.getLogger("apprise")
    heard = _Heard()
    with _SENDING:
        level = logger.level
        logger.addHandler(heard)
        logger.setLevel(logging.DEBUG)
        try:
            return _send_heard(apprise, url, message, target, heard)
        finally:
            logger.removeHandler(heard)
            logger.setLevel(level)


def _send_heard(apprise: Any, url: str, message: Message, target: str, heard: _Heard) -> str | None:
    try:
        sender = apprise.Apprise()
        if not sender.add(url):
            return _("{target}: not a URL apprise understands").format(target=target)
        kind = (
            apprise.NotifyType.FAILURE
            if message.failure
            else apprise.NotifyType.WARNING
            if message.warning
            else apprise.NotifyType.INFO
        )
        ok = sender.notify(title=message.title, body=message.body, notify_type=kind)
    except Exception as exc:  # a plugin's bug must not stop a run
        return _("{target}: {error}").format(target=target, error=type(exc).__name__)
    if ok:
        return None
    return _("{target}: the notification was not delivered ({reason})").format(
        target=target, reason=failure_reason(heard.messages)
    )


def _run_command(command: str, message: Message, extra_env: dict[str, str]) -> str | None:
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


class SentLog:
    """What problem was told on which day, per account: `<state>/notify/sent.json`."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "sent.json"
        self.lock = FileLock(folder / "sent.json.lock", thread_local=False)

    def _read(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def sent_today(self, key: str, today: str) -> bool:
        return self._read().get(key) == today

    def mark(self, key: str, today: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.lock:
            data = {k: v for k, v in self._read().items() if v == today}  # older days are moot
            data[key] = today
            partial = self.path.with_name(self.path.name + ".partial")
            partial.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
            partial.replace(self.path)


def sent_log(settings: Settings) -> SentLog:
    return SentLog(settings.state_dir / "notify")


def send(
    settings: Settings,
    message: Message,
    *,
    redact: Redact = _same,
    extra_env: dict[str, str] | None = None,
    now: datetime | None = None,
) -> list[str]:
    """Send `message` to every target if its event is wanted; returns what failed (never raises).

    A problem already told today (to at least one target) is not sent again.
    """
    if message.event not in settings.notify_on and message.event != "test":
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
    sent = sent_log(settings)
    if key is not None and sent.sent_today(key, today):
        log.info("%s: already told today, not again", key)
        return []
    _quiet_apprise()
    failures: list[str] = []
    delivered = 0
    for index, url in enumerate(target_urls(settings)):
        failure = _send_url(index, url, message)
        if failure is None:
            delivered += 1
        else:
            failures.append(failure)
    if settings.notify_command:
        failure = _run_command(settings.notify_command, message, extra_env or {})
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


# ----------------------------------------------------------------------------------- messages


def who(user_id: str, label: str = "") -> str:
    return f"{user_id} {label}".strip()


def _body(account: str | None, what: str, todo: str, run_folder: Path | None) -> str:
    lines = []
    if account:
        lines.append(_("Account: {account}").format(account=account))
    lines.append(_("What happened: {what}").format(what=what))
    lines.append(_("What to do: {todo}").format(todo=todo))
    if run_folder is not None:
        lines.append(_("Run folder: {path}").format(path=run_folder))
    return "\n".join(lines)


def remedy(exit_code: int, user_id: str) -> str:
    """What a person does about an error with this exit code."""
    remedies = {
        10: _("Store the right password: koss-rpa credentials set {user_id}"),
        11: _(
            "Unlock the account with パスワード初期化 on the portal, then store the new "
            "password: koss-rpa credentials set {user_id}"
        ),
        12: _("Check the password_policy setting against the portal's password rules."),
        13: _("Store the password: koss-rpa credentials set {user_id}"),
        14: _(
            "Change the password on the portal and store it (koss-rpa credentials set "
            '{user_id}), or set on_expired = "rotate".'
        ),
        15: _("Make sure no other koss-rpa run is working on the account, then run again."),
        16: _(
            "The portal answered the password with a screen koss-rpa does not know: look at "
            "the run folder, and run koss-rpa check. Nothing is retried until then."
        ),
        17: _(
            "Earlier password submissions were not confirmed by the portal. Check the password "
            "on the portal, then store it: koss-rpa credentials set {user_id}"
        ),
        22: _(
            "The portal may have changed: look at the screenshot in the run folder. The next "
            "scheduled run tries again."
        ),
    }
    default = (
        _(
            "Nothing if it passes: the next scheduled run tries again. If it keeps failing, "
            "see the run folder."
        )
        if 20 <= exit_code <= 29
        else _("See run.log in the run folder; run again with --debug and report it.")
    )
    return remedies.get(exit_code, default).format(user_id=user_id)


def event_of(exit_code: int) -> str | None:
    """`needs_person` for 10–17, `failed` for 20–29 and internal errors, else None."""
    if 10 <= exit_code <= 19:
        return "needs_person"
    if 20 <= exit_code <= 29 or exit_code == 1:
        return "failed"
    return None


def problem_message(
    user_id: str, label: str, code: str, exit_code: int, error: str, run_folder: Path | None
) -> Message | None:
    """The notification of a failed account, or None when nobody needs to hear of it."""
    event = event_of(exit_code)
    if event is None:
        return None
    account = who(user_id, label)
    # The title in words only; the code, for whoever looks it up, is in the body.
    title = (
        _("koss-rpa: {account} needs you")
        if event == "needs_person"
        else _("koss-rpa: {account}: the download failed")
    ).format(account=account)
    what = f"{error} ({code}, {_('exit code {code}').format(code=exit_code)})"
    body = _body(account, what, remedy(exit_code, user_id), run_folder)
    return Message(event, title, body, user_id, f"{event}:{code}", failure=True)


def rotated_message(
    user_id: str, label: str = "", run_folder: Path | None = None, when: datetime | None = None
) -> Message:
    account = who(user_id, label)
    changed = (when or datetime.now(JST)).astimezone(JST).strftime("%Y-%m-%d %H:%M")
    return Message(
        "rotated",
        _("koss-rpa: {account}: password changed").format(account=account),
        _body(
            account,
            _(
                "The 納付利用者パスワード was changed at {when} (JST); the new one is in the "
                "keyring."
            ).format(when=changed),
            _("Nothing. The previous password is kept in the keyring too."),
            run_folder,
        ),
        user_id,
    )


def saved_message(
    user_id: str, label: str, path: Path, unchanged: bool, run_folder: Path | None
) -> Message:
    account = who(user_id, label)
    what = (
        _("The file was downloaded again and is unchanged: {path}")
        if unchanged
        else _("Saved {path}")
    ).format(path=path)
    return Message(
        "saved",
        _("koss-rpa: {account}: file saved").format(account=account),
        _body(account, what, _("Nothing."), run_folder),
        user_id,
    )


def close_warning_message(
    user_id: str, label: str, warnings: Sequence[str], run_folder: Path | None
) -> Message:
    """The file is saved, but 終了 could not be done: a warning, told under `drift` (once per
    account and day), since a 終了 that keeps failing means the portal's screens changed."""
    account = who(user_id, label)
    return Message(
        "drift",
        _("koss-rpa: {account}: file saved, 終了 not done").format(account=account),
        _body(
            account,
            " ".join(warnings),
            _(
                "Nothing for this run: the file is saved and the run succeeded. If it happens "
                "on every run, run koss-rpa check: the portal may have changed."
            ),
            run_folder,
        ),
        user_id,
        "close",
        warning=True,
    )


def drift_message(user_id: str | None, label: str, what: str, run_folder: Path | None) -> Message:
    """The portal's screens no longer match what koss-rpa knows (for a check command)."""
    account = who(user_id, label) if user_id else None
    return Message(
        "drift",
        _("koss-rpa: the portal has changed"),
        _body(
            account,
            what,
            _("Scheduled runs may fail until koss-rpa is updated: tell whoever looks after it."),
            run_folder,
        ),
        user_id,
        "drift",
        failure=True,
    )


def batch_message(report: dict[str, Any], run_folder: Path | None) -> Message:
    """A batch's summary from its JSON report."""
    counts = report["counts"]
    lines = [
        _("{downloaded} downloaded, {skipped} already saved, {failed} failed").format(**counts)
    ]
    for account in report["accounts"]:
        name = who(account["user_id"], account.get("label", ""))
        if account["outcome"] == "failed":
            lines.append(
                f"✗ {name}: {account['error_code']} ({account['exit_code']}) — "
                + remedy(int(account["exit_code"]), account["user_id"])
            )
        else:
            state = _("downloaded") if account["outcome"] == "downloaded" else _("already saved")
            lines.append(f"✓ {name}: {state}")
    if run_folder is not None:
        lines.append(_("Run folder: {path}").format(path=run_folder))
    title = _("koss-rpa: batch {month}: {failed} of {total} failed").format(
        month=report["month"], failed=counts["failed"], total=len(report["accounts"])
    )
    # Once a day per problem, as for an account: the same failures again the same day are
    # not told again; a summary without failures (new files) always is.
    failed = sorted(
        f"{a['user_id']}={a['error_code']}" for a in report["accounts"] if a["outcome"] == "failed"
    )
    problem = "batch:" + ",".join(failed) if failed else None
    return Message("batch", title, "\n".join(lines), None, problem, failure=bool(counts["failed"]))


def test_message() -> Message:
    return Message(
        "test",
        _("koss-rpa: test notification"),
        _("If you can read this, koss-rpa's notifications reach you."),
    )


# ------------------------------------------------------------------------- what flows call


def notify_rotation(settings: Settings, user_id: str, when: datetime | None = None) -> list[str]:
    """The password of `user_id` was changed; returns what failed (logged, never raised)."""
    changed_at = (when or datetime.now(JST)).isoformat(timespec="seconds")
    return send(
        settings,
        rotated_message(user_id, when=when),
        extra_env={"KOSS_CHANGED_AT": changed_at},
    )


def notify_problem(
    settings: Settings,
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
    return send(settings, message, redact=redact)


def notify_download(
    settings: Settings,
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
            settings,
            rotated_message(user_id, label, run_folder),
            redact=redact,
            extra_env={"KOSS_CHANGED_AT": datetime.now(JST).isoformat(timespec="seconds")},
        )
    if result.outcome == "downloaded" and result.path is not None:
        message = saved_message(user_id, label, result.path, result.unchanged, run_folder)
        failures += send(settings, message, redact=redact)
    if getattr(result, "warnings", None):
        warning = close_warning_message(user_id, label, result.warnings, run_folder)
        failures += send(settings, warning, redact=redact)
    return failures


def send_drift(
    settings: Settings, what: str, user_id: str | None = None, run_folder: Path | None = None
) -> list[str]:
    """For a command that finds the portal changed (a future `koss-rpa check`)."""
    return send(settings, drift_message(user_id, "", what, run_folder))
