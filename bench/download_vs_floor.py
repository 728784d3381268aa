"""`koss-rpa download` against the mock portal, against the floor of any Playwright job.

The floor is a process that only starts Playwright, launches the same Chromium, opens one page
and closes. Both run as separate processes, alternately, N times each, in one run; the script
prints the medians, their ratio (target: at most 2.0x) and the peak memory (PSS) of each tree,
measured in one more run of each (sampling memory costs CPU, so timed runs are not sampled).

    python bench/download_vs_floor.py [--runs 7]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._measure import median, mib, peak_memory, run_timed  # noqa: E402
from bench._tool import download_tool  # noqa: E402
from koss_rpa.flows.browser import CLOSED_NETWORK_ARGS, resolve_browser  # noqa: E402
from mock_portal.testing import ControlClient, serve_in_thread  # noqa: E402

FLOOR = """
import sys
from playwright.sync_api import sync_playwright
with sync_playwright() as pw:
    browser = pw.chromium.launch(executable_path=sys.argv[1] or None, args=sys.argv[3:])
    page = browser.new_page()
    page.goto(sys.argv[2])
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
        tool, env = koss.command, koss.env
        floor = [sys.executable, "-c", FLOOR, exe, f"{server.url}/", *CLOSED_NETWORK_ARGS]
        run_timed(floor, env)  # warm the page cache for both
        run_timed(tool, env)
        tool_runs, floor_runs = [], []
        for _ in range(args.runs):
            floor_runs.append(run_timed(floor, env))
            tool_runs.append(run_timed(tool, env))
        tool_peak = mib(peak_memory(tool, env))
        floor_peak = mib(peak_memory(floor, env))
    tool_s = median(tool_runs)
    floor_s = median(floor_runs)
    print(f"runs: {args.runs} each, browser: {choice.description}")
    print(f"koss-rpa download  median {tool_s:.2f} s  peak {tool_peak}")
    print(f"floor              median {floor_s:.2f} s  peak {floor_peak}")
    ratio = tool_s / floor_s
    print(f"ratio {ratio:.2f}x (target <= 2.0x): {'OK' if ratio <= 2.0 else 'OVER'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
