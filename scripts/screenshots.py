"""Screenshots of every screen of the mock portal: `python scripts/screenshots.py`.

Starts the mock in a thread, walks through its screens in Chromium (the browser koss-rpa would
pick: `koss_rpa.browser.resolve_browser("auto")`) and writes `docs/screens/<name>.png` plus
`docs/screens/manifest.json`. For each screen the manifest keeps a SHA-256 of the HTML the
mock sends for it (the mock clock frozen at FIXED_NOW, the port removed) and of the PNG, and
one of the static files (CSS, JS). tests/plugin/test_screenshots.py renders the same screens
over HTTP and compares the HTML hashes, so a changed template fails the tests until this
script runs again; it never compares pixels (fonts differ between machines).

Japanese text needs a CJK font: on Debian/Ubuntu `apt-get install -y fonts-noto-cjk`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

import httpx

from mock_portal.clock import JST
from mock_portal.testing import ControlClient, serve_in_thread

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screens"
MANIFEST = "manifest.json"
FIXED_NOW = datetime(2024, 4, 1, 9, 0, tzinfo=JST)
WIDTH, HEIGHT = 1000, 800  # the viewport; a long page is taken whole

USER_ID, PASSWORD, WRONG_PASSWORD = "KNAB1234", "Keiji2019", "Wrong2024"
EXPIRED_ID, EXPIRED_PASSWORD, NEW_PASSWORD = "KNCA6288", "Minato2023", "Minato2024x"


@dataclass(frozen=True)
class Screen:
    """One picture: its file name and what it shows (the manual's name for the screen)."""

    name: str
    title: str


#: In the order the walk reaches them (the walk depends on it: one cookie jar throughout).
SCREENS = (
    Screen("top-menu", "ポータルサイト top, メニュー 事前の準備が整った方 → 画面申請の方 open"),
    Screen("login", "マイページログイン"),
    Screen("login-error", "マイページログイン, wrong password (alert)"),
    Screen("mypage", "マイページ"),
    Screen("closed", "終了 (after 終了 on the マイページ)"),
    Screen("password-expired", "パスワード変更, forced after a login with an expired password"),
    Screen("password-done", "パスワード変更結果通知"),
    Screen("password-reset", "パスワード初期化"),
    Screen("maintenance", "maintenance page (503)"),
)


def prepare(control: ControlClient) -> None:
    """The state every picture starts from: seed accounts, clock frozen at FIXED_NOW."""
    control.reset()
    control.set_clock(FIXED_NOW)


def normalise(html: str, base_url: str) -> str:
    """The HTML without what changes from run to run (the port) or machine to machine."""
    text = html.replace(base_url, "http://mock-portal").replace("\r\n", "\n")
    text = re.sub(r"127\.0\.0\.1:\d+", "mock-portal", text)
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def static_sha256() -> str:
    """One hash of the stylesheet and the script: they change the pictures too."""
    static = resources.files("mock_portal").joinpath("static")
    parts = [static.joinpath(name).read_bytes() for name in ("portal.css", "portal.js")]
    return sha256(b"\0".join(parts))


def html_snapshots(base_url: str, control: ControlClient) -> dict[str, str]:
    """Each screen's HTML as the mock sends it, reached as the Chromium walk reaches it."""
    prepare(control)
    shots: dict[str, str] = {}
    with httpx.Client(base_url=base_url, follow_redirects=True, timeout=10) as web:

        def login(user_id: str, password: str) -> httpx.Response:
            return web.post("/mypage/login", data={"user_id": user_id, "password": password})

        shots["top-menu"] = web.get("/").text
        shots["login"] = web.get("/mypage/login").text
        shots["login-error"] = login(USER_ID, WRONG_PASSWORD).text
        shots["mypage"] = login(USER_ID, PASSWORD).text
        shots["closed"] = web.post("/mypage/logout").text
        shots["password-expired"] = login(EXPIRED_ID, EXPIRED_PASSWORD).text
        shots["password-done"] = web.post(
            "/mypage/password/expired",
            data={
                "user_id": EXPIRED_ID,
                "current_password": EXPIRED_PASSWORD,
                "new_password": NEW_PASSWORD,
                "new_password_confirm": NEW_PASSWORD,
            },
        ).text
        shots["password-reset"] = web.get("/mypage/reset").text
        control.add_fault("login", "maintenance")
        shots["maintenance"] = web.get("/mypage/login").text
    return {name: normalise(html, base_url) for name, html in shots.items()}


def html_manifest(base_url: str, control: ControlClient) -> dict[str, Any]:
    """The manifest without the PNG hashes: what the test recomputes."""
    snapshots = html_snapshots(base_url, control)
    return {
        "fixed_now": FIXED_NOW.isoformat(),
        "static_sha256": static_sha256(),
        "screens": {
            screen.name: {
                "file": f"{screen.name}.png",
                "title": screen.title,
                "html_sha256": sha256(snapshots[screen.name].encode()),
            }
            for screen in SCREENS
        },
    }


def capture(base_url: str, control: ControlClient, out: Path) -> None:
    """Walk the screens in Chromium and save one PNG each."""
    from playwright.sync_api import expect, sync_playwright

    from koss_rpa.browser import CLOSED_NETWORK_ARGS, resolve_browser

    prepare(control)
    launch = {**resolve_browser("auto").launch_kwargs(), "args": list(CLOSED_NETWORK_ARGS)}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(headless=True, **launch)
        context = browser.new_context(
            base_url=base_url,
            viewport={"width": WIDTH, "height": HEIGHT},
            locale="ja-JP",
            device_scale_factor=1,
        )
        # The 終了 page calls window.close(), which would close the page being photographed.
        context.add_init_script("window.close = () => {};")
        page = context.new_page()

        def shot(name: str) -> None:
            page.screenshot(path=out / f"{name}.png", full_page=True)

        def login(user_id: str, password: str) -> None:
            page.get_by_label("納付利用者ID").fill(user_id)
            page.get_by_label("納付利用者パスワード").fill(password)
            page.get_by_role("button", name="ログイン").click()

        def heading(text: str) -> None:
            expect(page.get_by_role("heading", level=1)).to_have_text(text)

        page.goto("/")
        menu = page.get_by_role("navigation", name="メニュー")
        menu.get_by_role("button", name="事前の準備が整った方").click()
        menu.get_by_role("button", name="画面申請の方").click()
        menu.get_by_role("link", name="利用者情報の確認・変更を行う").hover()
        shot("top-menu")
        page.goto("/mypage/login")
        shot("login")
        login(USER_ID, WRONG_PASSWORD)
        expect(page.get_by_role("alert")).to_be_visible()
        shot("login-error")
        login(USER_ID, PASSWORD)
        heading("マイページ")
        shot("mypage")
        page.get_by_role("button", name="終了").click()
        heading("終了")
        shot("closed")
        page.goto("/mypage/login")
        login(EXPIRED_ID, EXPIRED_PASSWORD)
        heading("パスワード変更")
        shot("password-expired")
        page.get_by_label("現在のパスワード").fill(EXPIRED_PASSWORD)
        page.get_by_label("新しいパスワード", exact=True).fill(NEW_PASSWORD)
        page.get_by_label("新しいパスワード（確認用）").fill(NEW_PASSWORD)
        page.get_by_role("button", name="変更").click()
        heading("パスワード変更結果通知")
        shot("password-done")
        page.goto("/mypage/reset")
        shot("password-reset")
        control.add_fault("login", "maintenance")
        page.goto("/mypage/login")
        heading("ただいまメンテナンス中です")
        shot("maintenance")
        browser.close()


def japanese_fonts_missing() -> bool:
    """True when fontconfig knows no Japanese font (other systems: assume they have one)."""
    if shutil.which("fc-list") is None:
        return False
    found = subprocess.run(
        ["fc-list", ":lang=ja"], capture_output=True, text=True, check=False, timeout=60
    )
    return not found.stdout.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="folder (default docs/screens)")
    args = parser.parse_args(argv)
    if japanese_fonts_missing():
        print(
            "No Japanese font: the pictures would show boxes. Install one, e.g.\n"
            "  sudo apt-get install -y fonts-noto-cjk",
            file=sys.stderr,
        )
        return 2
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    with serve_in_thread() as server, ControlClient(server.url) as control:
        manifest = html_manifest(server.url, control)
        capture(server.url, control, out)
    for entry in manifest["screens"].values():
        entry["png_sha256"] = sha256((out / entry["file"]).read_bytes())
    text = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    (out / MANIFEST).write_text(text, encoding="utf-8")
    total = sum((out / entry["file"]).stat().st_size for entry in manifest["screens"].values())
    print(f"{len(SCREENS)} screens written to {out} ({total / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
