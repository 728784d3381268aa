"""`koss-rpa download` against a hand-written minimal Playwright script doing the same clicks.

The hand-written script is what a person would write for the mock's default markup in ten
minutes: portal top → 事前の準備が整った方 → 画面申請の方 → 利用者情報の確認・変更を行う (a new
window) → ID and password → ログイン → まとめ納付管理ファイル (saved) → 終了; no checks, no keyring,
no trace, no manifest. Both run as separate processes against the same mock, alternately, N
times each, in one run; the script prints the medians of the wall time and of the CPU time of
each one's whole process tree (Python, Playwright's driver, every Chromium process; the mock
serves from this process and is not counted) and their ratios (targets: wall at most 1.15x,
issue #21, and 1.10x, #25; CPU at most 1.10x, #25).

    python bench/download_vs_handwritten.py [--runs 7]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._measure import median, run_cpu_timed  # noqa: E402
from bench._tool import PASSWORD, USER_ID, download_tool  # noqa: E402
from koss_rpa.flows.browser import CLOSED_NETWORK_ARGS, chromium_args, resolve_browser  # noqa: E402
from mock_portal.testing import ControlClient, serve_in_thread  # noqa: E402

# Selectors fitted to the mock's `modern` markup: speed, not tolerance, is the point here.
HANDWRITTEN = """
import sys
from playwright.sync_api import sync_playwright
exe, url, target, user, password, *args = sys.argv[1:]
with sync_playwright() as pw:
    browser = pw.chromium.launch(executable_path=exe or None, args=args)
    context = browser.new_context(accept_downloads=True, locale="ja-JP")
    page = context.new_page()
    page.goto(url)
    page.get_by_role("button", name="事前の準備が整った方").hover()
    page.get_by_role("button", name="画面申請の方").hover()
    with context.expect_page() as opened:
        page.get_by_role("link", name="利用者情報の確認・変更を行う").click()
    login = opened.value
    login.fill("#user_id", user)
    login.fill("#password", password)
    login.get_by_role("button", name="ログイン", exact=True).click()
    with login.expect_download() as got:
        login.get_by_role("link", name="まとめ納付管理ファイル").click()
    got.value.save_as(target)
    login.get_by_role("button", name="終了").click()
    browser.close()
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--browser", default="auto", help="as the setting: auto, a channel or a path"
    )
    args = parser.parse_args()
    choice = resolve_browser(args.browser)
    exe = str(choice.executable_path or "")
    # The mock serves from this process's thread; the tool under test is a separate process.
    with serve_in_thread() as server, ControlClient(server.url) as control:
        control.reset()
        koss = download_tool(sys.executable, server.url, exe)
        tool, env, work = koss.command, koss.env, koss.work
        target = str(work / "handwritten.xlsm")
        hand = [sys.executable, "-c", HANDWRITTEN, exe, f"{server.url}/", target, USER_ID]
        hand += [PASSWORD, *chromium_args(CLOSED_NETWORK_ARGS)]
        run_cpu_timed(hand, env)  # warm the page cache for both
        run_cpu_timed(tool, env)
        tool_runs, hand_runs = [], []
        for _ in range(args.runs):
            hand_runs.append(run_cpu_timed(hand, env))
            tool_runs.append(run_cpu_timed(tool, env))
    print(f"runs: {args.runs} each, browser: {choice.description}")
    for n, (what, targets) in enumerate((("wall", (1.15, 1.10)), ("CPU", (1.10,)))):
        tool_s = median([run[n] for run in tool_runs])
        hand_s = median([run[n] for run in hand_runs])
        ratio = tool_s / hand_s
        verdicts = ", ".join(
            f"<= {target:.2f}x {'OK' if ratio <= target else 'OVER'}" for target in targets
        )
        print(f"{what:<5} koss-rpa download {tool_s:.2f} s, hand-written script {hand_s:.2f} s")
        print(f"{what:<5} ratio {ratio:.2f}x ({verdicts})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
