"""`--capture DIR` and `koss-mock-portal --screens DIR` end to end: a run against each markup
variant of the mock is captured, the capture is served in place of the mock's own screens, and
the robot's download, forced password change and wrong-password stop pass against it."""

from __future__ import annotations

import importlib
import importlib.util
import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from koss_rpa.errors import LoginRejected
from mock_portal.testing import ControlClient, PortalServer
from testkit.leaks import scan_capture
from tests.e2e.conftest import PASSWORD, USER_ID, CliResult, KossEnv, reveal

pytestmark = pytest.mark.e2e

Cli = Callable[..., CliResult]


def _variants() -> list[str]:
    """The mock's markup variants (issue 10); only its own markup where they do not exist."""
    for name in ("mock_portal.testing", "mock_portal.variants"):
        found = getattr(importlib.import_module(name), "VARIANTS", None) if _has(name) else None
        if found:
            # A capture keeps the markup, not the scripts (sanitised away): the behaviour
            # variants (menus opened by a script, dialogs, pages between) are not replayable.
            from mock_portal.variants import BY_NAME

            return [name for name in found if not BY_NAME[name].behaviour]
    return ["modern"]


def _has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


VARIANTS = _variants()
#: For the runs beyond the download: the variants whose captures need the most mapping.
HARDEST = [v for v in ("jslinks", "iframe") if v in VARIANTS] or VARIANTS[:1]

#: The screens a download with a forced password change passes through.
TRIO_SCREENS = {"top", "login", "password_change", "password_result", "mypage"}
CAPTURE_MARK = "<!-- koss-rpa test: served from the capture -->"


def use_variant(portal: ControlClient, name: str) -> None:
    if name != "modern":
        portal.set_variant(name)  # type: ignore[attr-defined,unused-ignore]


def capture_forced_change(
    portal: ControlClient, env: KossEnv, quick_cli: Cli, variant: str, folder: Path
) -> dict[str, object]:
    """A download with an expired password, captured; then the portal is reset."""
    use_variant(portal, variant)
    portal.expire_password(USER_ID)
    result = quick_cli("--config", str(env.config), "download", "--capture", str(folder), "--json")
    assert result.code == 0, result.stderr
    manifest: dict[str, object] = json.loads((folder / "manifest.json").read_text("utf-8"))
    portal.reset()
    return manifest


def serve(portal: ControlClient, folder: Path) -> dict[str, object]:
    """Mark the captured login screen (to see it served), then serve the capture."""
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    login = next(e for e in manifest["screens"] if e["screen"] == "login")
    page = folder / login["file"]
    page.write_text(page.read_text("utf-8").replace("</body>", CAPTURE_MARK + "</body>"), "utf-8")
    return portal.use_screens(folder)


@pytest.mark.parametrize("variant", VARIANTS)
def test_capture_of_a_variant_should_serve_the_robots_download(
    portal: ControlClient,
    portal_server: PortalServer,
    koss_env: Callable[..., KossEnv],
    quick_cli: Cli,
    variant: str,
    tmp_path: Path,
) -> None:
    env = koss_env()
    env.store.set_password(USER_ID, SecretStr(PASSWORD))
    folder = tmp_path / "capture"

    manifest = capture_forced_change(portal, env, quick_cli, variant, folder)

    screens = manifest["screens"]
    assert isinstance(screens, list)
    assert {e["screen"] for e in screens} >= TRIO_SCREENS
    # The capture was a real forced change: the keyring holds the new password now.
    portal.update_account(USER_ID, password=reveal(env.store.current(USER_ID)))
    served = serve(portal, folder)
    assert served["missing"] == ["reset"]
    login_html = httpx.get(f"{portal_server.url}/mypage/login").text
    assert CAPTURE_MARK in login_html

    result = quick_cli("--config", str(env.config), "download", "--json")

    assert result.code == 0, result.stderr
    assert len(env.workbooks()) == 1  # the same month's file again: kept once
    assert [e["outcome"] for e in portal.journal(method="POST", screen="login")] == ["login_ok"]


@pytest.mark.parametrize("variant", HARDEST)
def test_capture_should_serve_a_forced_change_and_a_rejected_login(
    portal: ControlClient,
    koss_env: Callable[..., KossEnv],
    quick_cli: Cli,
    variant: str,
    tmp_path: Path,
) -> None:
    env = koss_env()
    env.store.set_password(USER_ID, SecretStr(PASSWORD))
    folder = tmp_path / "capture"
    capture_forced_change(portal, env, quick_cli, variant, folder)
    env.store.set_password(USER_ID, SecretStr(PASSWORD))  # the mock was reset to it
    serve(portal, folder)
    portal.expire_password(USER_ID)

    changed = quick_cli("--config", str(env.config), "download", "--json")

    assert changed.code == 0, changed.stderr
    assert changed.json()["result"]["rotated"] is True
    assert reveal(env.store.current(USER_ID)) == portal.get_account(USER_ID)["password"]

    env.store.set_password(USER_ID, SecretStr("Wrong12345"))
    wrong = quick_cli("--config", str(env.config), "download", "--json")

    assert wrong.code == LoginRejected.exit_code, wrong.stderr
    assert "正しくありません" in wrong.json()["error"]["message"]


def test_capture_should_leave_no_canary_in_any_file(
    portal: ControlClient, koss_env: Callable[..., KossEnv], quick_cli: Cli, tmp_path: Path
) -> None:
    canaries = {
        "user_id": "KNCY0042",
        "bulk_user_id": "KICY0042",
        "name": "漏洩 花子",
        "name_kana": "ロウエイ ハナコ",
        "admin_email": "canary.admin@leak-dealer.example",
        "notify_email": "canary.notify@leak-dealer.example",
    }
    password = "Canary3Capture7"
    portal.create_account(
        password=password,
        password_age_days=61,
        direct_accounts=[
            {
                "account_id": "KKCY0099",
                "holder_kana": "ロウエイシヨウカイ",
                "bank": "B",
                "branch": "C",
            }
        ],
        **canaries,
    )
    env = koss_env(user_id=canaries["user_id"])
    env.store.set_password(canaries["user_id"], SecretStr(password))
    folder = tmp_path / "capture"

    result = quick_cli("--config", str(env.config), "info", "--capture", str(folder), "--json")

    assert result.code == 0, result.stderr
    assert result.json()["result"]["rotated"] is True
    new_password = reveal(env.store.current(canaries["user_id"]))
    assert new_password is not None
    secrets = [
        password,
        new_password,
        *canaries.values(),
        "漏洩花子",
        "KKCY0099",
        "ロウエイシヨウカイ",
    ]
    files = sorted(p.name for p in folder.iterdir())
    assert "manifest.json" in files
    assert any(name.endswith("-mypage.html") for name in files)
    assert any(name.endswith("-password_change.html") for name in files)
    assert scan_capture(folder, secrets) == []
