"""`koss-rpa batch` of 20 accounts against 20 sequential `koss-rpa download` processes.

Both against the same mock portal (served from this process), with a file keyring, in one run;
prints the wall times, the speed-up (target: at least 4x) and the peak memory (PSS) of each
process tree (target for the batch: under 1.5 GB), measured in one more run of each (sampling
memory costs CPU, so timed runs are not sampled).

It also times the manual's steps alone, as the least any batch that follows them with one
isolated browser context per account can take here: a bare Playwright script (one browser with
koss-rpa's switches; per account a new context, the menu, the new window, login, the download
and 終了 — no keyring, checks, trace or files), as many at once as the batch. Sequential time
over that is the speed-up this machine allows.

    python bench/batch_scaling.py [--accounts 20] [--concurrency N]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._measure import mib, peak_memory, run_timed  # noqa: E402
from koss_rpa.flows.browser import CLOSED_NETWORK_ARGS, chromium_args, resolve_browser  # noqa: E402
from koss_rpa.settings import Settings  # noqa: E402
from mock_portal.testing import ControlClient, serve_in_thread  # noqa: E402
from testkit import filekeyring  # noqa: E402

MANUAL_FLOOR = """
import asyncio, json, sys
from playwright.async_api import async_playwright
async def main(exe, url, at_once, accounts, args):
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=exe or None, args=args)
        limit = asyncio.Semaphore(at_once)
        async def one(user_id, password):
            async with limit:
                context = await browser.new_context(accept_downloads=True, locale="ja-JP")
                page = await context.new_page()
                await page.goto(url)
                menu = page.get_by_role("navigation", name="メニュー")
                await menu.get_by_role("button", name="事前の準備が整った方").hover()
                await menu.get_by_role("button", name="画面申請の方").hover()
                async with context.expect_page() as window:
                    await menu.get_by_role("link", name="利用者情報の確認・変更を行う").click()
                login = await window.value
                await login.get_by_label("納付利用者ID").fill(user_id)
                await login.get_by_label("納付利用者パスワード").fill(password)
                await login.get_by_role("button", name="ログイン", exact=True).click()
                link = login.get_by_role("link", name="まとめ納付管理ファイル", exact=True)
                async with login.expect_download() as download:
                    await link.click()
                await (await download.value).path()
                await login.get_by_role("button", name="終了", exact=True).click()
                await context.close()
        await asyncio.gather(*(one(u, p) for u, p in accounts.items()))
        await browser.close()
asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), json.loads(sys.argv[4]), sys.argv[5:]))
"""


def user_ids(n: int) -> list[str]:
    return [f"KNBE{i:04d}" for i in range(1, n + 1)]


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--accounts", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=None, help="default: the setting")
    args = parser.parse_args()
    choice = resolve_browser("auto")
    browser_exe = str(choice.executable_path or "")
    work = Path(tempfile.mkdtemp(prefix="koss-bench-batch-"))
    ids = user_ids(args.accounts)
    keyring_file = work / "keyring.json"
    passwords = {user_id: f"Bench{user_id[-4:]}pw" for user_id in ids}
    filekeyring.write(keyring_file, passwords)
    env = {
        **os.environ,
        "PYTHON_KEYRING_BACKEND": "testkit.filekeyring.FileKeyring",
        "KOSS_TEST_KEYRING_FILE": str(keyring_file),
        "PYTHONPATH": str(ROOT),
    }
    accounts = work / "accounts.toml"
    accounts.write_text("".join(f'[[accounts]]\nuser_id = "{u}"\n' for u in ids), encoding="utf-8")
    with serve_in_thread() as server, ControlClient(server.url) as control:
        control.reset()
        for n, user_id in enumerate(ids, start=1):
            control.create_account(
                user_id=user_id,
                bulk_user_id=f"KI{user_id[2:]}",
                name_kana="ケイジ ベンチ",
                name=f"軽自 ベンチ{n}",
                admin_email=f"bench{n}@example.jp",
                password=passwords[user_id],
                password_age_days=5,
            )

        def config(name: str) -> Path:
            path = work / f"{name}.toml"
            browser = browser_exe or "auto"
            path.write_text(
                f'portal_url = "{server.url}"\n'
                + f'download_dir = "{work / name / "downloads"}"\n'
                + f'run_dir = "{work / name / "runs"}"\n'
                + f'browser = "{browser}"\n'
                + f"browser_args = {json.dumps(list(CLOSED_NETWORK_ARGS))}\n",
                encoding="utf-8",
            )
            return path

        koss = [sys.executable, "-m", "koss_rpa"]
        seq_config, batch_config = config("sequential"), config("batch")
        sequential = [
            run_timed([*koss, "--config", str(seq_config), "download", "-u", user_id], env)
            for user_id in ids
        ]
        batch_cmd = [*koss, "--config", str(batch_config), "batch", str(accounts)]
        if args.concurrency:
            batch_cmd += ["--concurrency", str(args.concurrency)]
        batch_seconds = run_timed(batch_cmd, env)
        at_once = args.concurrency or Settings.model_fields["concurrency"].default
        floor_cmd = [sys.executable, "-c", MANUAL_FLOOR, browser_exe, f"{server.url}/"]
        floor_cmd += [str(at_once), json.dumps(passwords), *chromium_args(CLOSED_NETWORK_ARGS)]
        floor_seconds = run_timed(floor_cmd, env)
        files = list((work / "batch" / "downloads").rglob("*.xlsm"))
        seq_peak = peak_memory([*koss, "--config", str(seq_config), "download", "-u", ids[0]], env)
        batch_peak = peak_memory(batch_cmd, env)
    seq_seconds = sum(sequential)
    print(
        f"accounts: {len(ids)}, browser: {choice.description}, files from the batch: {len(files)}"
    )
    print(f"sequential downloads  {seq_seconds:6.1f} s  peak {mib(seq_peak)}")
    print(f"batch                 {batch_seconds:6.1f} s  peak {mib(batch_peak)}")
    speedup = seq_seconds / batch_seconds
    print(f"speed-up {speedup:.1f}x (target >= 4x): {'OK' if speedup >= 4 else 'UNDER'}")
    print(
        f"manual's steps alone  {floor_seconds:6.1f} s  (bare Playwright, {at_once} at once):"
        f" at most {seq_seconds / floor_seconds:.1f}x on {os.cpu_count()} cores"
    )
    under = batch_peak < 1.5 * 2**30
    verdict = "OK" if under else "OVER"
    print(f"batch peak memory {mib(batch_peak)} (target < 1536 MiB): {verdict}")
    return 0 if len(files) == len(ids) else 1


if __name__ == "__main__":
    raise SystemExit(main())
