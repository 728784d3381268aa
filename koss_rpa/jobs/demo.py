"""`koss-rpa demo`: the real download flow against the bundled mock portal.

The mock runs in this process on a free loopback port, with an account whose password has
expired; the keyring is a throw-away one in memory. Nothing touches the real portal.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from koss_rpa import asyncrun
from koss_rpa.account.store import CredentialStore, MemoryKeyring, use_keyring
from koss_rpa.errors import ComponentMissing, ConfigError
from koss_rpa.flows.browser import CLOSED_NETWORK_ARGS
from koss_rpa.flows.download import download
from koss_rpa.flows.runtime import open_runtime
from koss_rpa.i18n import _
from koss_rpa.settings import Settings
from mock_portal.extra import fit_hints, is_extra_module

DEMO_USER_ID = "KNAB1234"
DEMO_PASSWORD = "Demo2024pass"


def run_demo(out: Any, *, headed: bool = False, workdir: Path | None = None) -> dict[str, Any]:
    try:
        from mock_portal.testing import ControlClient, serve_in_thread
    except ModuleNotFoundError as exc:
        if not is_extra_module(exc.name):
            raise
        raise ComponentMissing(
            fit_hints(_("The demo needs the bundled mock portal: pip install 'koss-rpa[mock]'."))
        ) from exc

    if workdir is not None:
        return _demo(out, headed, workdir, serve_in_thread, ControlClient)
    # Everything the demo writes (download, run log, safety state) goes in a folder of its
    # own, removed at the end: a demo leaves nothing behind, in the temp folder or elsewhere.
    with tempfile.TemporaryDirectory(prefix="koss-rpa-demo-") as folder:
        return _demo(out, headed, Path(folder), serve_in_thread, ControlClient)


def _demo(out: Any, headed: bool, root: Path, serve_in_thread: Any, client: Any) -> dict[str, Any]:
    with serve_in_thread() as server, client(server.url) as control:
        control.reset()
        control.update_account(DEMO_USER_ID, password=DEMO_PASSWORD, password_age_days=61)
        out.line(_("Mock portal: {url}").format(url=server.url))
        out.line(
            _(
                "Account {user_id}: its password is 61 days old; the portal will demand a new one."
            ).format(user_id=DEMO_USER_ID)
        )
        settings = Settings(
            portal_url=server.url,
            user_id=DEMO_USER_ID,
            download_dir=root / "downloads",
            run_dir=root / "runs",
            state_dir=root / "state",
            headless=not headed,
            browser_args=CLOSED_NETWORK_ARGS,
            retry={"initial_wait_seconds": 0.5, "max_wait_seconds": 2, "jitter_seconds": 0.5},
        )
        with use_keyring(MemoryKeyring()):
            store = CredentialStore(settings.keyring_service)
            store.set_password(DEMO_USER_ID, SecretStr(DEMO_PASSWORD))

            async def go() -> Any:
                async with open_runtime(settings, "demo", DEMO_USER_ID, out.progress) as rt:
                    return await download(rt, DEMO_USER_ID)

            result = asyncrun.run(go())
            current = store.current(DEMO_USER_ID)
            previous = store.previous(DEMO_USER_ID)
            portal_password = control.get_account(DEMO_USER_ID)["password"]
        agree = current is not None and current.get_secret_value() == portal_password
        out.check(result.rotated, _("the expired password was changed on the portal"))
        out.check(agree, _("the keyring's current password is the portal's new one"))
        out.check(
            previous is not None and previous.get_secret_value() == DEMO_PASSWORD,
            _("the old password is kept as previous"),
        )
        out.check(True, _("saved: {path}").format(path=result.path))
        out.line(_("Run log: {path}").format(path=settings.run_dir))
    summary: dict[str, Any] = result.to_json() | {"keyring_matches_portal": agree}
    out.result("demo", summary)
    if not (agree and result.rotated):
        raise ConfigError(_("The demo did not end as expected; see the run log."))
    return summary
