"""`koss-rpa batch` against the bare-Playwright floor of the same steps, and against
sequential `koss-rpa download` processes.

All against the same mock portal (served from this process), with a file keyring, in one run.
The floor is the manual's steps alone, as the least any batch that follows them with one
isolated browser context per account can take here: a bare Playwright script (one browser with
koss-rpa's switches; per account a new context, the menu, the new window, login, the download
and 終了 — no keyring, checks, trace or files), as many at once as the batch.

Prints the batch's wall time over the floor's, the medians of `--runs` of each run
alternately (target: at most 1.10x, issue #25), the speed-up over sequential downloads (target:
at least 4x, bounded by what the floor allows on this machine's cores) and the peak memory
(PSS) of each process tree (target for the batch: under 1.5 GB), measured in one more run of
each (sampling memory costs CPU, so timed runs are not sampled).

`--sweep 10,20,40,60` times the batch and the floor for each number of accounts instead (no
sequential downloads) and prints the time per account and the peak memory of each, so that the
growth is seen to stay linear or better (the seconds each added account costs, from one size to
the next, never over 1.25x of what they cost from the smallest size to the next) and the memory
flat (the largest batch's peak within 1.25x of the smallest's).

    python bench/batch_scaling.py [--accounts 20] [--runs 3] [--concurrency N] [--sweep 10,20,40,60]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._measure import median, mib, peak_memory, run_timed  # noqa: E402
from bench._tool import compile_sources  # noqa: E402
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


#: The targets of issue #25: the batch over the floor; time per account and peak memory from
#: the smallest to the largest batch of a sweep.
FLOOR_TARGET = 1.10
GROWTH_TARGET = 1.25


@dataclass
class Bench:
    """The accounts (in the mock and a file keyring) and the commands that run them."""

    work: Path
    server_url: str
    browser_exe: str
    env: dict[str, str]
    passwords: dict[str, str]
    at_once: int

    def accounts_file(self, ids: list[str]) -> Path:
        path = self.work / f"accounts-{len(ids)}.toml"
        path.write_text("".join(f'[[accounts]]\nuser_id = "{u}"\n' for u in ids), "utf-8")
        return path

    def config(self, name: str) -> Path:
        path = self.work / f"{name}.toml"
        browser = self.browser_exe or "auto"
        path.write_text(
            f'portal_url = "{self.server_url}"\n'
            + f'download_dir = "{self.work / name / "downloads"}"\n'
            + f'run_dir = "{self.work / name / "runs"}"\n'
            + f'state_dir = "{self.work / "state"}"\n'
            + f'browser = "{browser}"\n'
            + f"browser_args = {json.dumps(list(CLOSED_NETWORK_ARGS))}\n",
            encoding="utf-8",
        )
        return path

    def batch(self, ids: list[str], name: str, concurrency: int | None) -> list[str]:
        cmd = [*KOSS, "--config", str(self.config(name)), "batch", str(self.accounts_file(ids))]
        return cmd + (["--concurrency", str(concurrency)] if concurrency else [])

    def floor(self, ids: list[str]) -> list[str]:
        passwords = {u: self.passwords[u] for u in ids}
        cmd = [sys.executable, "-c", MANUAL_FLOOR, self.browser_exe, f"{self.server_url}/"]
        return [*cmd, str(self.at_once), json.dumps(passwords), *chromium_args(CLOSED_NETWORK_ARGS)]

    def files(self, name: str) -> int:
        return len(list((self.work / name / "downloads").rglob("*.xlsm")))


KOSS = [sys.executable, "-m", "koss_rpa"]


def verdict(ok: bool) -> str:
    return "OK" if ok else "OVER"


def single(bench: Bench, ids: list[str], concurrency: int | None, runs: int) -> bool:
    seq_config = bench.config("sequential")
    sequential = [
        run_timed([*KOSS, "--config", str(seq_config), "download", "-u", user_id], bench.env)
        for user_id in ids
    ]
    # Batch and floor alternately, `runs` times each: one of each varied by a tenth and more
    # from one run of this bench to the next, on the same idle machine.
    batch_runs, floor_runs = [], []
    for n in range(runs):
        batch_runs.append(run_timed(bench.batch(ids, f"batch-{n}", concurrency), bench.env))
        floor_runs.append(run_timed(bench.floor(ids), bench.env))
    batch_seconds, floor_seconds = median(batch_runs), median(floor_runs)
    files = min(bench.files(f"batch-{n}") for n in range(runs))
    seq_peak = peak_memory(
        [*KOSS, "--config", str(seq_config), "download", "-u", ids[0]], bench.env
    )
    batch_peak = peak_memory(bench.batch(ids, "batch-memory", concurrency), bench.env)
    seq_seconds = sum(sequential)
    ratio = batch_seconds / floor_seconds
    print(
        f"accounts: {len(ids)}, {bench.at_once} at once, files from each batch: {files}; "
        f"medians of {runs} runs each (batch {', '.join(f'{s:.1f}' for s in batch_runs)} s; "
        f"floor {', '.join(f'{s:.1f}' for s in floor_runs)} s)"
    )
    print(f"sequential downloads  {seq_seconds:6.1f} s  peak {mib(seq_peak)}")
    print(f"batch                 {batch_seconds:6.1f} s  peak {mib(batch_peak)}")
    print(f"bare floor            {floor_seconds:6.1f} s  (bare Playwright, the same steps)")
    print(
        f"batch / floor {ratio:.2f}x (target <= {FLOOR_TARGET:.2f}x): "
        f"{verdict(ratio <= FLOOR_TARGET)}"
    )
    speedup = seq_seconds / batch_seconds
    print(
        f"speed-up {speedup:.1f}x (target >= 4x: {'OK' if speedup >= 4 else 'UNDER'}; the floor"
        f" allows {seq_seconds / floor_seconds:.1f}x on {os.cpu_count()} cores)"
    )
    under = batch_peak < 1.5 * 2**30
    print(f"batch peak memory {mib(batch_peak)} (target < 1536 MiB): {'OK' if under else 'OVER'}")
    return files == len(ids)


def sweep(bench: Bench, sizes: list[int], concurrency: int | None) -> bool:
    print(f"{bench.at_once} at once; per size: batch, floor, then the batch again for its memory")
    heads = ("accounts", "batch s", "+s/acct", "floor s", "ratio", "peak")
    print(" ".join(f"{h:>9}" for h in heads))
    rows: list[tuple[int, float, int]] = []
    complete = True
    for n in sizes:
        ids = user_ids(n)
        name = f"sweep-{n}"
        seconds = run_timed(bench.batch(ids, name, concurrency), bench.env)
        floor_seconds = run_timed(bench.floor(ids), bench.env)
        peak = peak_memory(bench.batch(ids, f"{name}-memory", concurrency), bench.env)
        complete = complete and bench.files(name) == n
        # What each account added since the size before: constant if the growth is linear.
        added = (seconds - rows[-1][1]) / (n - rows[-1][0]) if rows else float("nan")
        rows.append((n, seconds, peak))
        print(
            f"{n:9d} {seconds:9.1f} {added:9.2f} {floor_seconds:9.1f} "
            f"{seconds / floor_seconds:8.2f}x {mib(peak):>9}"
        )
    increments = [(b[1] - a[1]) / (b[0] - a[0]) for a, b in itertools.pairwise(rows)]
    if increments:
        # Linear or better: no added account costs more than 1.25x what one cost from the
        # smallest size to the next. A step that costs *less* (the spread of all steps, printed
        # too) is no scaling fault: it failed the former rule, most over least, in every sweep.
        growth = max(increments) / increments[0]
        print(
            f"seconds per added account, most over the first step's {growth:.2f}x (target <= "
            f"{GROWTH_TARGET:.2f}x: linear or better): {verdict(0 < growth <= GROWTH_TARGET)}; "
            f"most over least {max(increments) / min(increments):.2f}x"
        )
    memory = rows[-1][2] / rows[0][2]
    print(
        f"peak memory, {sizes[-1]} over {sizes[0]} accounts {memory:.2f}x (target <= "
        f"{GROWTH_TARGET:.2f}x: flat): {verdict(memory <= GROWTH_TARGET)}"
    )
    return complete


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--accounts", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=None, help="default: the setting")
    parser.add_argument("--sweep", default="", help="account counts, e.g. 10,20,40,60")
    parser.add_argument("--runs", type=int, default=3, help="batch and floor runs (medians)")
    parser.add_argument(
        "--browser", default="auto", help="as the setting: auto, a channel or a path"
    )
    args = parser.parse_args()
    sizes = sorted(int(n) for n in args.sweep.split(",") if n.strip())
    choice = resolve_browser(args.browser)
    compile_sources()
    work = Path(tempfile.mkdtemp(prefix="koss-bench-batch-"))
    ids = user_ids(max([args.accounts, *sizes]))
    keyring_file = work / "keyring.json"
    passwords = {user_id: f"Bench{user_id[-4:]}pw" for user_id in ids}
    filekeyring.write(keyring_file, passwords)
    env = {
        **os.environ,
        "PYTHON_KEYRING_BACKEND": "testkit.filekeyring.FileKeyring",
        "KOSS_TEST_KEYRING_FILE": str(keyring_file),
        "PYTHONPATH": str(ROOT),
    }
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
        at_once = args.concurrency or Settings.model_fields["concurrency"].default
        bench = Bench(work, server.url, str(choice.executable_path or ""), env, passwords, at_once)
        print(f"browser: {choice.description}")
        if sizes:
            complete = sweep(bench, sizes, args.concurrency)
        else:
            complete = single(bench, user_ids(args.accounts), args.concurrency, args.runs)
    return 0 if complete else 1


if __name__ == "__main__":
    raise SystemExit(main())
