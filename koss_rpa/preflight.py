"""Checks made before any browser starts, so that bad set-up never costs a login attempt."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

from koss_rpa import storage
from koss_rpa.credentials import check_backend
from koss_rpa.errors import PortalUnreachable
from koss_rpa.i18n import _
from koss_rpa.settings import Settings


def check_portal_name(url: str) -> None:
    """The portal's host name resolves. (A refused or slow connection is a transient fault,
    retried later; a name that does not resolve is a set-up error.)"""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        socket.getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80))
    except (OSError, UnicodeError) as exc:
        raise PortalUnreachable(
            _(
                "The portal's host name {host!r} does not resolve; check portal_url and the "
                "network (or the proxy)."
            ).format(host=host)
        ) from exc


def preflight(settings: Settings) -> None:
    """Keyring, download folder, portal name and notification targets, in that order; raises
    the first problem."""
    from koss_rpa.notify import check_targets

    check_backend()
    storage.check_writable(settings.download_dir)
    check_portal_name(settings.login_url or str(settings.portal_url))
    check_targets(settings)
