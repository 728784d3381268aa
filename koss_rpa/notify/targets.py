"""Where messages go: apprise URLs, and sending one message to one of them.

Targets are apprise URLs (`notify_urls`: e-mail `mailto://`, Teams, Slack, LINE, ntfy, a JSON
webhook `json://`…; ~100 services through one syntax), and the keyring entry `notify_urls` of the
service (one URL a line, `koss-rpa notify set-urls`) for URLs that carry tokens. A target is named
in messages by its position and service only (`notify_urls[2] (Slack)`), never by its URL.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
from collections.abc import Sequence
from typing import Any

from koss_rpa.errors import SettingsInvalid
from koss_rpa.i18n import _
from koss_rpa.notify.messages import Message
from koss_rpa.settings import NotifyConfig

#: The keyring entry (under `keyring_service`) holding more apprise URLs, one a line.
KEYRING_ENTRY = "notify_urls"


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


def target_urls(config: NotifyConfig) -> list[str]:
    """Every configured apprise URL: the settings' (and KOSS_NOTIFY_URLS), the keyring's, and
    `notify_webhook` as apprise's JSON target."""
    urls = [*config.urls, *keyring_urls(config.keyring_service)]
    if config.webhook is not None:
        urls.append(
            config.webhook.replace("https://", "jsons://", 1).replace("http://", "json://", 1)
        )
    return urls


def scheme(url: str) -> str:
    """The scheme of `url` (`?` if it has none): what may be shown of a URL that holds a token."""
    head, sep, _rest = url.partition("://")
    return head.lower() if sep and head.isascii() and head.isalnum() else "?"


def describe(index: int, url: str) -> str:
    """How a target is named to people: its position and service, never its URL or token."""
    import apprise

    quiet_apprise()
    instance = apprise.Apprise.instantiate(url)
    service = getattr(instance, "service_name", None) if instance is not None else None
    return f"notify_urls[{index + 1}] ({service or scheme(url) + '://…'})"


def check_targets(config: NotifyConfig) -> list[str]:
    """Every target URL must parse; returns the URLs. Called before any browser starts.

    Raises:
        SettingsInvalid: names the first URL that cannot be parsed (by position and scheme).
    """
    urls = target_urls(config)
    if not urls:
        return []
    import apprise

    quiet_apprise()
    for index, url in enumerate(urls):
        if apprise.Apprise.instantiate(url) is None:
            raise SettingsInvalid(
                _(
                    "The notification target notify_urls[{n}] ({scheme}://…) is not a URL "
                    "apprise understands; see https://github.com/caronc/apprise/wiki."
                ).format(n=index + 1, scheme=scheme(url))
            )
    return urls


# ------------------------------------------------------------------------------------ sending


def quiet_apprise() -> None:
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


def send_url(index: int, url: str, message: Message) -> str | None:
    """Send `message` to the target `url` (the `index`th); returns why it failed, or None."""
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
