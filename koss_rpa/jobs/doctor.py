"""`koss-rpa doctor`: each part of the set-up with a ✓/✗ line and what to do."""

from __future__ import annotations

import getpass
import os
import platform
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from koss_rpa import asyncrun, storage
from koss_rpa.account.preflight import check_state_dirs, checked_backend
from koss_rpa.account.store import CredentialStore
from koss_rpa.errors import KossError, PortalUnreachable, SettingsInvalid
from koss_rpa.flows.browser import browser_for
from koss_rpa.i18n import _
from koss_rpa.settings import Settings, load_settings


@dataclass
class Check:
    name: str
    ok_text: str
    error: KossError | None = None
    remedy: str = ""


def check_portal(url: str, timeout: float) -> int:
    """The HTTP status of the portal's top page.

    Raises:
        PortalUnreachable: no answer at all.
    """
    request = urllib.request.Request(url, headers={"User-Agent": "koss-rpa doctor"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise PortalUnreachable(
            _("The portal {url} does not answer: {reason}").format(url=url, reason=reason)
        ) from exc


def _user_id(settings: Settings) -> Check:
    user_id = settings.validated_user_id()
    return Check("user_id", _("納付利用者ID {user_id}").format(user_id=user_id))


def _download_dir(settings: Settings) -> Check:
    storage.check_writable(settings.download_dir)
    return Check(
        "download_dir",
        _("download folder {path}").format(path=settings.download_dir),
        remedy=_("choose another download_dir, or fix its permissions"),
    )


def _run_dir(settings: Settings) -> Check:
    check_state_dirs(settings)
    return Check(
        "run_dir",
        _("state folder {state}, run folders {path}").format(
            state=settings.state_dir, path=settings.run_dir
        ),
        remedy=_("choose another run_dir, or fix its permissions"),
    )


def _keyring(settings: Settings) -> Check:
    name = checked_backend()
    return Check("keyring", _("keyring backend {name}").format(name=name))


def _credentials(settings: Settings) -> Check:
    user_id = settings.validated_user_id()
    check = Check(
        "credentials",
        _("password of {user_id} stored").format(user_id=user_id),
        remedy=_("koss-rpa credentials set {user_id}").format(user_id=user_id),
    )
    checked_backend()
    if not CredentialStore(settings.keyring_service).status(user_id).has_current:
        check.error = SettingsInvalid(_("no password stored for {user_id}").format(user_id=user_id))
    return check


def _browser(settings: Settings) -> Check:
    async def launch() -> None:
        async with browser_for(settings) as browser:
            await browser.new_context()

    asyncrun.run(launch())
    return Check("browser", _("browser starts ({spec})").format(spec=settings.browser))


def _portal(settings: Settings) -> Check:
    url = str(settings.portal_url)
    check = Check(
        "portal",
        _("portal answers ({url})").format(url=url),
        remedy=_("check the network, a proxy (HTTPS_PROXY) or portal_url"),
    )
    status = check_portal(url, settings.timeouts.navigation_seconds)
    if status >= 400:
        check.error = PortalUnreachable(
            _("The portal {url} answered HTTP {status}.").format(url=url, status=status)
        )
    return check


def session_context() -> str:
    """What a scheduled job differs in: a terminal, and on Linux a desktop session (D-Bus)."""
    terminal = _("terminal") if sys.stdin.isatty() else _("no terminal (as under a scheduler)")
    parts = [terminal, f"HOME={os.environ.get('HOME') or os.environ.get('USERPROFILE', '?')}"]
    if sys.platform.startswith("linux"):
        bus = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
        parts.append(
            _("D-Bus session: yes") if bus else _("D-Bus session: none (no GNOME Keyring/KWallet)")
        )
    return " · ".join(parts)


def run_doctor(config: Path | None, user_id: str | None, out: Any) -> int:
    """Runs every check; returns 0, or the exit code of the first failed one."""
    out.line(
        _("user {user} on {system}, Python {python}").format(
            user=getpass.getuser(), system=platform.platform(), python=sys.version.split()[0]
        )
    )
    out.line(session_context())
    checks: list[Check] = []
    try:
        settings = load_settings(config, **({"user_id": user_id} if user_id else {}))
        checks.append(
            Check(
                "settings",
                _("settings read ({source})").format(
                    source=settings.config_path or _("no config file")
                ),
            )
        )
    except SettingsInvalid as exc:
        checks.append(Check("settings", "", exc))
    else:
        steps: list[Callable[[Settings], Check]] = [
            _download_dir,
            _run_dir,
            _keyring,
            _browser,
            _portal,
        ]
        if settings.user_id:
            steps[2:2] = [_user_id]
            steps.insert(4, _credentials)
        for step in steps:
            try:
                checks.append(step(settings))
            except KossError as exc:
                checks.append(Check(step.__name__.strip("_"), "", exc))
    for check in checks:
        text = check.ok_text if check.error is None else f"{check.name}: {check.error}"
        out.check(check.error is None, text, check.remedy)
    if os.environ.get("PYTHON_KEYRING_BACKEND"):
        out.line(f"PYTHON_KEYRING_BACKEND={os.environ['PYTHON_KEYRING_BACKEND']}")
    out.result(
        "doctor",
        {c.name: {"ok": c.error is None, "detail": str(c.error or c.ok_text)} for c in checks},
    )
    return next((c.error.exit_code for c in checks if c.error is not None), 0)
