"""Screenshots of every screen of the mock portal in every markup variant:
`python scripts/screenshots.py`.

Starts the mock in a thread, walks through its screens in Chromium (the browser koss-rpa would
pick: `koss_rpa.flows.browser.resolve_browser("auto")`) once per markup variant and writes
`docs/screens/<variant>/<name>.png` plus `docs/screens/manifest.json`. For each variant and
screen the manifest keeps a SHA-256 of the HTML the mock sends for it (the mock clock frozen at
FIXED_NOW, the port removed) and of the PNG, and one of the static files (CSS, JS, images).
tests/mock_portal/plugin/test_screenshots.py renders the same screens over HTTP and compares the
HTML hashes, so a changed template fails the tests until this script runs again; it never compares
pixels (fonts differ between machines).

The walk fills fields by their form names and submits forms by script: it photographs the
screens, it does not test how a robot finds things (tests/e2e/test_variants_browser.py does).
Pictures are of the viewport (WIDTH x HEIGHT), not the whole page, to keep them small.

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
from mock_portal.variants import BY_NAME, VARIANTS

#: The variants with a markup of their own. The behaviour variants (dialogs, menus, nesting)
#: look like the default screens; what differs (a dialog, a hover) is not in a picture.
PICTURED = tuple(name for name in VARIANTS if not BY_NAME[name].behaviour)

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screens"
MANIFEST = "manifest.json"
FIXED_NOW = datetime(2024, 4, 1, 9, 0, tzinfo=JST)
WIDTH, HEIGHT = 1000, 700  # the viewport; pictures are of the viewport only

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
    Screen("login-error", "マイページログイン, wrong password"),
    Screen("mypage", "マイページ"),
    Screen("closed", "終了 (after 終了 on the マイページ)"),
    Screen("password-expired", "パスワード変更, forced after a login with an expired password"),
    Screen("password-done", "パスワード変更結果通知"),
    Screen("password-change", "パスワード変更, reached by the login screen's パスワード変更"),
    Screen("password-reset", "パスワード初期化"),
    Screen("maintenance", "maintenance page (503)"),
)
_CHANGE = {
    "user_id": EXPIRED_ID,
    "current_password": EXPIRED_PASSWORD,
    "new_password": NEW_PASSWORD,
    "new_password_confirm": NEW_PASSWORD,
}


def prepare(control: ControlClient, variant: str) -> None:
    """The state every walk starts from: seed accounts, clock frozen at FIXED_NOW, `variant`."""
    control.reset()
    control.set_clock(FIXED_NOW)
    control.set_variant(variant)


def normalise(html: str, base_url: str) -> str:
    """The HTML without what changes from run to run (the port) or machine to machine."""
    text = html.replace(base_url, "http://mock-portal").replace("\r\n", "\n")
    text = re.sub(r"127\.0\.0\.1:\d+", "mock-portal", text)
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def static_sha256() -> str:
    """One hash of the stylesheet, the script and the images: they change the pictures too."""
    static = resources.files("mock_portal").joinpath("static")
    images = sorted(entry.name for entry in static.joinpath("img").iterdir())
    parts = [static.joinpath(name).read_bytes() for name in ("portal.css", "portal.js")]
    parts += [name.encode() + static.joinpath("img", name).read_bytes() for name in images]
    return sha256(b"\0".join(parts))


def html_snapshots(base_url: str, control: ControlClient, variant: str) -> dict[str, str]:
    """Each screen's HTML as the mock sends it in `variant`, reached as the walk reaches it."""
    prepare(control, variant)
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
        shots["password-done"] = web.post("/mypage/password/expired", data=_CHANGE).text
        shots["password-change"] = web.get("/mypage/password").text
        shots["password-reset"] = web.get("/mypage/reset").text
        control.add_fault("login", "maintenance")
        shots["maintenance"] = web.get("/mypage/login").text
    return {name: normalise(html, base_url) for name, html in shots.items()}


def html_manifest(
    base_url: str, control: ControlClient, variants: tuple[str, ...] = PICTURED
) -> dict[str, Any]:
    """The manifest without the PNG hashes: what the test recomputes."""
    found: dict[str, Any] = {}
    for variant in variants:
        snapshots = html_snapshots(base_url, control, variant)
        found[variant] = {
            screen.name: {
                "file": f"{variant}/{screen.name}.png",
                "title": screen.title,
                "html_sha256": sha256(snapshots[screen.name].encode()),
            }
            for screen in SCREENS
        }
    control.reset()
    return {"fixed_now": FIXED_NOW.isoformat(), "static_sha256": static_sha256(), "variants": found}


def capture(base_url: str, control: ControlClient, out: Path, variant: str) -> None:
    """Walk the screens of `variant` in Chromium and save one PNG each under out/<variant>/."""
    from playwright.sync_api import FrameLocator, Page, expect, sync_playwright

    from koss_rpa.flows.browser import CLOSED_NETWORK_ARGS, resolve_browser

    prepare(control, variant)
    folder = out / variant
    folder.mkdir(parents=True, exist_ok=True)
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
        screen: Page | FrameLocator = (
            page.frame_locator("iframe") if BY_NAME[variant].framed else page
        )

        def shot(name: str) -> None:
            page.screenshot(path=folder / f"{name}.png")

        def shows(text: str) -> None:
            expect(screen.locator("body")).to_contain_text(text)

        def submit(values: dict[str, str]) -> None:
            for name, value in values.items():
                screen.locator(f"[name={name}]").fill(value)
            first = next(iter(values))
            screen.locator(f"form:has([name={first}])").evaluate("form => form.submit()")

        def login(user_id: str, password: str) -> None:
            submit({"user_id": user_id, "password": password})

        page.goto("/")
        for item in ("事前の準備が整った方", "画面申請の方"):
            opener = page.get_by_text(item, exact=True)
            opener.hover()
            opener.click()  # opens click menus; harmless on hover menus
        page.get_by_text("利用者情報の確認・変更を行う", exact=True).hover()
        shot("top-menu")
        page.goto("/mypage/login")
        shows("納付利用者パスワード")
        shot("login")
        login(USER_ID, WRONG_PASSWORD)
        shows("正しくありません")
        shot("login-error")
        login(USER_ID, PASSWORD)
        shows("利用者情報更新日時")
        shot("mypage")
        screen.locator("form[action='/mypage/logout']").evaluate("form => form.submit()")
        expect(page.locator("body")).to_contain_text("このウィンドウを閉じてください")
        shot("closed")
        page.goto("/mypage/login")
        shows("納付利用者パスワード")
        login(EXPIRED_ID, EXPIRED_PASSWORD)
        shows("有効期限が切れています")
        shot("password-expired")
        submit({k: v for k, v in _CHANGE.items() if k != "user_id"})
        shows("正常に変更されました")
        shot("password-done")
        page.goto("/mypage/password")
        shows("現在のパスワード")
        shot("password-change")
        page.goto("/mypage/reset")
        shows("利用者管理用メールアドレス")
        shot("password-reset")
        control.add_fault("login", "maintenance")
        page.goto("/mypage/login")
        shows("メンテナンス")
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
        for variant in PICTURED:
            capture(server.url, control, out, variant)
    entries = [entry for screens in manifest["variants"].values() for entry in screens.values()]
    for entry in entries:
        entry["png_sha256"] = sha256((out / entry["file"]).read_bytes())
    text = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    (out / MANIFEST).write_text(text, encoding="utf-8")
    total = sum((out / entry["file"]).stat().st_size for entry in entries)
    print(f"{len(entries)} pictures written to {out} ({total / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
