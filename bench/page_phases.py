"""Where a download's browser time goes: koss-rpa's page objects against the same steps
hand-written for the mock's markup, phase by phase, in one browser, without a trace, with one as
koss-rpa's first attempt has it (its steps) and with the DOM at every step (a retry's).

Both drive the same mock portal in fresh contexts of one Chromium, alternately, N times each; the
script prints the median of each phase (ms) and the ratio of the totals. No start-up, settings,
keyring or run folder is in it: `bench/download_vs_handwritten.py` times the whole command.

    python bench/page_phases.py [--runs 9]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.async_api import BrowserContext, async_playwright  # noqa: E402
from pydantic import SecretStr  # noqa: E402

from bench._tool import PASSWORD, USER_ID  # noqa: E402
from koss_rpa.flows.browser import CLOSED_NETWORK_ARGS, chromium_args, resolve_browser  # noqa: E402
from koss_rpa.pages import MyPage, PortalTopPage  # noqa: E402
from mock_portal.testing import ControlClient, serve_in_thread  # noqa: E402

PHASES = ("top page", "menu to login form", "login to マイページ", "download", "終了")
Steps = Callable[[BrowserContext, str, list[float]], Awaitable[None]]


async def koss_rpa_steps(context: BrowserContext, url: str, marks: list[float]) -> None:
    page = await context.new_page()
    await page.goto(url)
    top = await PortalTopPage(page).wait_displayed()
    marks.append(time.perf_counter())
    login = await (await top.open_user_info()).wait_displayed()
    marks.append(time.perf_counter())
    await login.submit_credentials(USER_ID, SecretStr(PASSWORD))
    mypage = await login.outcome()
    assert isinstance(mypage, MyPage), "the mock's password has expired: reset it"
    marks.append(time.perf_counter())
    await (await mypage.download_summary_file()).path()
    marks.append(time.perf_counter())
    await mypage.close()
    marks.append(time.perf_counter())


async def handwritten_steps(context: BrowserContext, url: str, marks: list[float]) -> None:
    """As bench/download_vs_handwritten.py's script: selectors fitted to the `modern` markup."""
    page = await context.new_page()
    await page.goto(url)
    marks.append(time.perf_counter())
    await page.get_by_role("button", name="事前の準備が整った方").hover()
    await page.get_by_role("button", name="画面申請の方").hover()
    async with context.expect_page() as opened:
        await page.get_by_role("link", name="利用者情報の確認・変更を行う").click()
    login = await opened.value
    await login.locator("#user_id").wait_for()
    marks.append(time.perf_counter())
    await login.fill("#user_id", USER_ID)
    await login.fill("#password", PASSWORD)
    await login.get_by_role("button", name="ログイン", exact=True).click()
    marks.append(time.perf_counter())
    async with login.expect_download() as got:
        await login.get_by_role("link", name="まとめ納付管理ファイル").click()
    await (await got.value).path()
    marks.append(time.perf_counter())
    await login.get_by_role("button", name="終了").click()
    marks.append(time.perf_counter())


#: Each way of tracing: None (no trace), or whether the trace takes DOM snapshots.
TRACES: dict[str, bool | None] = {
    "without a trace": None,
    "with a first attempt's trace (steps, no DOM)": False,
    "with a retry's trace (steps and the DOM)": True,
}


async def measure(
    url: str, runs: int, trace: bool | None, spec: str
) -> dict[str, list[list[float]]]:
    launch = resolve_browser(spec).launch_kwargs()
    results: dict[str, list[list[float]]] = {"koss-rpa": [], "hand-written": []}
    steps: dict[str, Steps] = {"koss-rpa": koss_rpa_steps, "hand-written": handwritten_steps}
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(args=chromium_args(CLOSED_NETWORK_ARGS), **launch)
        for n in range(runs + 1):  # the first round warms the caches
            for name, run in steps.items():
                context = await browser.new_context(accept_downloads=True, locale="ja-JP")
                if trace is not None:  # as koss-rpa traces an attempt
                    await context.tracing.start(screenshots=False, snapshots=trace, sources=False)
                marks = [time.perf_counter()]
                await run(context, url, marks)
                if trace is not None:
                    await context.tracing.stop()
                await context.close()
                if n:
                    results[name].append([b - a for a, b in itertools.pairwise(marks)])
        await browser.close()
    return results


def report(results: dict[str, list[list[float]]], title: str) -> None:
    print(f"{title} (ms, medians)")
    print(f"  {'':14s}" + "".join(f"{p:>20s}" for p in (*PHASES, "total")))
    totals = {}
    for name, rows in results.items():
        phases = [statistics.median(column) * 1000 for column in zip(*rows, strict=True)]
        totals[name] = statistics.median(sum(row) for row in rows) * 1000
        print(f"  {name:14s}" + "".join(f"{v:20.0f}" for v in (*phases, totals[name])))
    print(f"  ratio {totals['koss-rpa'] / totals['hand-written']:.2f}x")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument(
        "--browser", default="auto", help="as the setting: auto, a channel or a path"
    )
    args = parser.parse_args()
    with serve_in_thread() as server, ControlClient(server.url) as control:
        control.reset()
        for title, trace in TRACES.items():
            report(asyncio.run(measure(f"{server.url}/", args.runs, trace, args.browser)), title)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
