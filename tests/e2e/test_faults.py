"""The fault matrix: each fault kind of the mock on each screen of the job, once and for good.

The cases, and what each must end with, are in `testkit/faultmatrix.py`, shared with
`scripts/reliability_report.py` (docs/reliability.md). Every run's result is also recorded as a
JUnit property (`--junitxml`), for whoever wants the numbers of a test run.
"""

from __future__ import annotations

import asyncio
import json
import re
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from koss_rpa.errors import EXIT_OK, PortalUnavailable, ScreenNotReached
from koss_rpa.pages.waiting import wait_for_screen
from mock_portal.testing import ControlClient, PortalServer
from testkit import faultmatrix
from testkit.faultmatrix import CaseEnv, CaseResult, CliOutcome, FaultCase, wait_until_idle
from testkit.sharedbrowser import SharedBrowser
from tests.e2e.conftest import PASSWORD, USER_ID, CliResult, KossEnv

pytestmark = pytest.mark.e2e

CASES = faultmatrix.cases()
ONCE = [c for c in CASES if False in c.modes]


@pytest.fixture(scope="module")
def shared_browser(browser_type_launch_args: dict[str, Any]) -> Iterator[SharedBrowser]:
    """One Chromium for the module's runs (see `testkit/sharedbrowser.py`)."""
    shared = SharedBrowser.like(browser_type_launch_args)
    yield shared
    shared.close()


@pytest.fixture
def run_matrix_case(
    portal: ControlClient,
    portal_server: PortalServer,
    koss_env: Callable[..., KossEnv],
    cli: Callable[..., CliResult],
    shared_browser: SharedBrowser,
    record_property: Callable[[str, object], None],
) -> Callable[[FaultCase, bool], CaseResult]:
    env = koss_env(**faultmatrix.SETTINGS)

    def run(args: list[str]) -> CliOutcome:
        with shared_browser.installed():
            result = cli(*args)
        return CliOutcome(result.code, result.stdout, result.stderr)

    def run_case(case: FaultCase, persistent: bool) -> CaseResult:
        result = faultmatrix.run_case(
            case,
            persistent,
            portal=portal,
            server=portal_server,
            env=CaseEnv(env.config, env.download_dir, env.run_dir, env.store),
            run=run,
        )
        record_property("fault_case", json.dumps(result.to_json()))
        return result

    return run_case


#: What a screen check says: the expected screen, and the title, heading and URL of the one seen;
#: or, for a screen on display that lacks a control, the screen, the control in the manual's
#: words, and the title, heading and URL of what is shown.
SCREEN_CHECK = re.compile(
    r"Expected the screen .+, but the portal showed 「.+」 / 「.+」 \(http.+\)\."
    r"|The screen .+ has no usable 「.+」 \(「.+」 / 「.+」 \(http.+\)\)\."
)


def assert_unharmed(result: CaseResult) -> None:
    """What no fault may ever do: leave a partial file, touch an earlier month or the manifest,
    lock the account, lose the password or leak one."""
    assert result.fired >= 1, "the fault never fired: the case proves nothing"
    assert result.partial_files == []
    assert result.earlier_untouched
    assert result.manifest_lines_added == result.new_workbooks
    assert not result.locked
    assert result.failed_logins < 5
    assert not result.password_lost, "the keyring's current password is not the portal's"
    assert result.leaks == [], [str(leak) for leak in result.leaks]


def test_fault_matrix_should_have_every_kind_on_every_screen() -> None:
    covered = {(c.screen.key, c.kind) for c in CASES}
    every = {(s.key, k) for s in faultmatrix.SCREENS for k in faultmatrix.KINDS}

    assert covered | set(faultmatrix.EXCLUDED) == every
    assert not covered & set(faultmatrix.EXCLUDED)
    assert {s.target for s in faultmatrix.SCREENS} == {
        "top",
        "login",
        "mypage",
        "download",
        "password_change",
        "password_result",
    }


@pytest.mark.parametrize("case", ONCE, ids=[c.id for c in ONCE])
def test_fault_once_should_be_survived(
    case: FaultCase, run_matrix_case: Callable[[FaultCase, bool], CaseResult]
) -> None:
    expected = case.expected(persistent=False)

    result = run_matrix_case(case, False)

    assert result.exit_code == EXIT_OK, result.stderr
    assert expected.attempts_ok(result.attempts), result.stderr
    assert result.retries == result.attempts - 1
    assert result.new_workbooks == 1
    assert result.login_failed == expected.login_failed
    assert result.changes == expected.changes
    assert result.run_folders == [["run.log"]]  # a success keeps only its log
    assert_unharmed(result)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_fault_persistent_should_end_with_its_code_and_leave_nothing(
    case: FaultCase, run_matrix_case: Callable[[FaultCase, bool], CaseResult]
) -> None:
    # The delay cases are the longest of the matrix, by design: both attempts wait out the
    # time-out (faultmatrix.TIMEOUT_SECONDS); the mock drops a held request as soon as the
    # browser gives up on it, and the case waits for that so that it cannot land in the next.
    expected = case.expected(persistent=True)

    result = run_matrix_case(case, True)

    assert result.exit_code == expected.exit_code, result.stderr
    assert result.attempts == expected.attempts, result.stderr
    assert result.login_failed == expected.login_failed
    assert result.changes == expected.changes
    if expected.exit_code == EXIT_OK:  # the portal took the change: found out, then done
        assert result.new_workbooks == 1
        assert result.run_folders == [["run.log"]]
    else:
        assert 20 <= result.exit_code <= 29  # transient: a scheduler simply runs again later
        assert result.new_workbooks == 0
        [evidence] = result.run_folders
        assert "run.log" in evidence
        for kind in ("screenshot", "page", "trace"):
            assert any(name.startswith(f"{kind}-") for name in evidence), (kind, evidence)
    if result.exit_code == ScreenNotReached.exit_code:
        assert SCREEN_CHECK.fullmatch(result.error_message or ""), result.error_message
    assert_unharmed(result)


def test_screen_check_should_name_the_expected_and_the_seen_screen(
    portal: ControlClient,
    koss_env: Callable[..., KossEnv],
    cli: Callable[..., CliResult],
    shared_browser: SharedBrowser,
    base_url: str,
) -> None:
    env = koss_env(retry={"attempts": 1})
    env.store.set_password(USER_ID, SecretStr(PASSWORD))
    portal.add_fault("mypage", "html_200")  # a system error page, served with 200 OK

    with shared_browser.installed():
        result = cli("--lang", "en", "--config", str(env.config), "download", "--json")

    assert result.code == ScreenNotReached.exit_code
    error = result.json()["error"]
    assert error["code"] == "screen_not_reached"
    assert error["message"] == (
        "Expected the screen マイページ / パスワード変更, but the portal showed "
        "「システムエラー | 軽自動車保有関係手続のワンストップサービス」 / 「システムエラー」 "
        f"({base_url}/mypage)."
    )
    assert [e["outcome"] for e in portal.journal(method="POST")] == ["login_ok"]


def test_a_dropped_connection_should_end_a_wait_at_once_whatever_the_error_page_holds(
    portal: ControlClient, portal_server: PortalServer, shared_browser: SharedBrowser
) -> None:
    # With no time-out at all, only the browser's own error page can end the wait for the
    # screen. Chromium's holds its message; the headless shell's, at the same address, nothing:
    # a run used to wait out the whole navigation time-out (30 s by default) on it.
    portal.add_fault("mypage", "drop", times=None)

    async def wait_on_a_dropped_page() -> BaseException:
        context = await (await shared_browser.browser()).new_context()
        try:
            page = await context.new_page()
            page.set_default_timeout(0)
            await page.goto(f"{portal_server.url}/")
            # As a click does: the page leaves for the screen, and the error page stays.
            await page.evaluate("url => { location.href = url }", f"{portal_server.url}/mypage")
            waiting = wait_for_screen(page, "マイページ", lambda root: root.get_by_text("終了"))
            with pytest.raises(PortalUnavailable) as error:
                await asyncio.wait_for(waiting, timeout=60)  # only in case it never ends
            return error.value
        finally:
            await context.close()

    error = shared_browser.run(wait_on_a_dropped_page())

    assert "chrome-error://" in str(error)
    [fault] = portal.faults()
    assert fault["fired"] >= 1  # Chromium itself tries a dropped request again, at times


def _trace_events(trace: Path) -> list[dict[str, Any]]:
    with zipfile.ZipFile(trace) as archive:
        return [
            json.loads(line)
            for name in archive.namelist()
            if name.endswith(".trace")
            for line in archive.read(name).splitlines()
        ]


def _first_steps(folder: Path) -> dict[str, str]:
    """The first step each attempt's first trace chunk holds, by attempt number."""
    firsts: dict[str, str] = {}
    for trace in sorted(folder.glob("trace-*-1.zip")):
        steps = [e["method"] for e in _trace_events(trace) if e.get("type") == "before"]
        firsts[trace.stem.split("-")[-2]] = steps[0]
    return firsts


def _snapshot_counts(folder: Path) -> dict[str, int]:
    """DOM snapshots in each attempt's trace chunks ({"1": n, "2": m}: by attempt number)."""
    counts: dict[str, int] = {}
    for trace in sorted(folder.glob("trace-*.zip")):
        attempt = trace.stem.split("-")[-2]
        events = _trace_events(trace)
        found = sum(e.get("type") == "frame-snapshot" for e in events)
        assert any(e.get("type") == "before" for e in events), "a trace without its steps"
        counts[attempt] = counts.get(attempt, 0) + found
    return counts


@pytest.mark.parametrize("setting", ["on-retry", "always"])
def test_a_trace_should_hold_the_dom_from_the_first_retry_on_or_always(
    portal: ControlClient,
    koss_env: Callable[..., KossEnv],
    cli: Callable[..., CliResult],
    shared_browser: SharedBrowser,
    setting: str,
) -> None:
    env = koss_env(trace_snapshots=setting, keep_success_artifacts=True)
    env.store.set_password(USER_ID, SecretStr(PASSWORD))
    portal.add_fault("mypage", "html_200")  # once: the first attempt fails, the retry succeeds

    with shared_browser.installed():
        result = cli("--config", str(env.config), "download")

    assert result.code == EXIT_OK, result.stderr
    [log] = env.run_dir.rglob("run.log")
    counts = _snapshot_counts(log.parent)
    assert set(counts) == {"1", "2"}
    assert counts["2"] > 0
    assert (counts["1"] > 0) is (setting == "always")
    # The trace starts while the window opens, and records from the window's first step on.
    assert _first_steps(log.parent) == {"1": "goto", "2": "goto"}
    # The failed first attempt keeps its screenshot and HTML whatever the setting.
    assert list(log.parent.glob("screenshot-*-1.png"))
    assert list(log.parent.glob("page-*-1.html"))


def test_retry_should_give_up_at_the_total_time_limit(
    portal: ControlClient,
    portal_server: PortalServer,
    koss_env: Callable[..., KossEnv],
    cli: Callable[..., CliResult],
    shared_browser: SharedBrowser,
) -> None:
    # Five attempts allowed, but one second in all: the first attempt's time-out spends it.
    env = koss_env(
        timeouts=faultmatrix.SETTINGS["timeouts"],
        retry={**faultmatrix.SETTINGS["retry"], "attempts": 5, "max_seconds": 1},
    )
    env.store.set_password(USER_ID, SecretStr(PASSWORD))
    portal.add_fault("top", "delay", times=None, delay_seconds=faultmatrix.DELAY_SECONDS)

    with shared_browser.installed():
        result = cli("--lang", "en", "--config", str(env.config), "download", "--json")
    wait_until_idle(portal_server)

    assert result.code == PortalUnavailable.exit_code
    assert len(portal.journal(outcome="fault:delay")) == 1
    [log] = env.run_dir.rglob("run.log")
    assert "retrying in" not in log.read_text(encoding="utf-8")
