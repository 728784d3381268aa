"""Checks made before any browser starts, so that bad set-up never costs a login attempt."""

from __future__ import annotations

import os
import socket
from urllib.parse import urlsplit

from koss_rpa import storage
from koss_rpa.account.protocol import Account, AccountSettings, missing, rejected_before
from koss_rpa.account.store import CredentialStore, check_backend, keyring_remedy
from koss_rpa.errors import (
    FolderNotWritable,
    KeyringUnavailable,
    PortalUnreachable,
)
from koss_rpa.i18n import _
from koss_rpa.private import private_dir
from koss_rpa.settings import Settings, default_state_dir


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


def checked_backend() -> str:
    """`check_backend`, with a `PYTHON_KEYRING_BACKEND` that names a module or class that
    cannot be loaded turned into `KeyringUnavailable` with the remedies."""
    try:
        return check_backend()
    except (ImportError, AttributeError, ValueError, TypeError) as exc:
        name = os.environ.get("PYTHON_KEYRING_BACKEND", "")
        raise KeyringUnavailable(
            _(
                "PYTHON_KEYRING_BACKEND={name} names a keyring backend that cannot be loaded "
                "({error}): install the package that provides it, or unset the variable. "
                "{remedy}"
            ).format(name=name, error=f"{type(exc).__name__}: {exc}", remedy=keyring_remedy())
        ) from exc


def check_state_dirs(settings: Settings) -> None:
    """The state folder (the accounts' safety records and locks) and the run folders' folder
    can be written, and are private to the user: the state folder when koss-rpa made it (or
    it is the default one; a folder the user named may be shared with other things), its
    own sub-folders and `run_dir` always."""
    state = settings.state_dir
    made = not state.exists()
    for folder in (state, state / "budget", state / "locks", settings.run_dir):
        storage.check_writable(folder, FolderNotWritable)
    try:
        if made or state.absolute() == default_state_dir():
            private_dir(state)
        for folder in (state / "budget", state / "locks", settings.run_dir):
            private_dir(folder)
    except OSError as exc:
        raise FolderNotWritable(
            _(
                "The state folder {path} cannot be written ({error}): fix its permissions or "
                "choose another state_dir."
            ).format(path=state, error=exc.strerror or exc)
        ) from exc


def check_account_ready(settings: Settings, user_id: str) -> None:
    """Everything that would stop a login, asked before any browser starts: a password
    stored; the account's safety state in this state folder; no lock announced by the portal,
    no spent login budget; a password the portal has not rejected already (or a pending one
    that has its try).

    The checks share one store that reads each keyring entry once: keyrings.cryptfile, the
    backend docs/scheduling.md gives a scheduled job, spends most of a second of CPU on every
    read of a stored entry. The run reads them afresh once it holds the account's lock."""
    store = CredentialStore(settings.keyring_service, cache=True)
    status = store.status(user_id)
    # A password (current, or pending from an interrupted change): no browser starts for an
    # account that cannot log in.
    if not (status.has_current or status.has_pending):
        raise missing(user_id)
    account = Account(store, user_id, AccountSettings.of(settings))
    account.check_state_home()
    refused = account.refusal()
    if refused is not None:
        refused.error.told_key = refused.told_key
        raise refused.error
    pending_has_try = status.has_pending and status.pending_tried_at is None
    if status.rejected_at is not None and not pending_has_try:
        raise rejected_before(user_id)


def preflight(settings: Settings, user_id: str | None = None, month: str | None = None) -> None:
    """Keyring, state and download folders, the account's password and folders, the portal
    name and the notification targets, in that order; raises the first problem. All before
    any browser starts."""
    from koss_rpa.notify.targets import check_targets

    checked_backend()
    check_state_dirs(settings)
    storage.check_writable(settings.download_dir)
    if user_id is not None:
        check_account_ready(settings, user_id)
        if month is not None:
            storage.check_account_folders(settings.download_dir, user_id, month)
    check_portal_name(settings.login_url or str(settings.portal_url))
    check_targets(settings.notify_config())
