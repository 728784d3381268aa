"""koss_rpa.flows.retry.retrying: transient errors retried with exponential back-off and jitter,
bounded in attempts and total time, each retry logged; business errors never retried."""

from __future__ import annotations

import logging
from typing import Any, cast

import pytest
from playwright.async_api import Browser
from tenacity import stop_after_delay

from koss_rpa import asyncrun
from koss_rpa.account.store import CredentialStore
from koss_rpa.errors import KossError, LoginRejected, PortalUnavailable
from koss_rpa.evidence.runs import RunFolder
from koss_rpa.flows.retry import retrying
from koss_rpa.flows.runtime import AccountRun, Runtime
from koss_rpa.settings import RetrySettings, Settings


def runtime(**retry: Any) -> Runtime:
    settings = Settings(retry=RetrySettings(**retry))
    return Runtime(settings, CredentialStore(), cast(Browser, None), cast(RunFolder, None))


def attempt_all(rt: Runtime, error: KossError) -> tuple[int, list[float], AccountRun]:
    """Run a job that always fails with `error` under the policy; returns the attempts made,
    the waits between them (not slept), and the account's record."""
    account = AccountRun("KNAB1234")
    waits: list[float] = []
    attempts = 0

    async def record(seconds: float) -> None:
        waits.append(seconds)

    async def job() -> None:
        nonlocal attempts
        async for attempt in retrying(rt, account).copy(sleep=record):
            with attempt:
                attempts += 1
                raise error

    with pytest.raises(type(error)):
        # asyncrun, not asyncio.run: pytest-playwright's sync fixtures may have left a loop
        # running in this thread (an E2E test earlier in the same worker).
        asyncrun.run(job())
    return attempts, waits, account


def test_retrying_should_back_off_exponentially_with_jitter_up_to_the_cap() -> None:
    rt = runtime(attempts=5, initial_wait_seconds=2, max_wait_seconds=10, jitter_seconds=1)

    attempts, waits, account = attempt_all(rt, PortalUnavailable("no answer"))

    assert attempts == 5
    assert len(waits) == 4
    for wait, base in zip(waits, (2, 4, 8), strict=False):
        assert base <= wait <= base + 1
    assert waits[3] == 10  # 16 s and more is capped
    assert account.retry_reasons == ["portal_unavailable: no answer"] * 4


class Collected(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_retrying_should_log_each_retry() -> None:
    # A handler of its own: an earlier `koss_rpa.cli.app.main` in this worker may have stopped the
    # package's propagation to the root logger (and so to caplog).
    collected = Collected()
    flows_log = logging.getLogger("koss_rpa.flows")
    flows_log.addHandler(collected)
    rt = runtime(attempts=3, initial_wait_seconds=0, max_wait_seconds=0, jitter_seconds=0)
    try:
        attempt_all(rt, PortalUnavailable("no answer"))
    finally:
        flows_log.removeHandler(collected)

    assert [m for m in collected.messages if "retrying in" in m] == [
        "KNAB1234: attempt 1 failed (portal_unavailable: no answer); retrying in 0.0 s",
        "KNAB1234: attempt 2 failed (portal_unavailable: no answer); retrying in 0.0 s",
    ]


def test_retrying_should_never_retry_a_business_error() -> None:
    rt = runtime(attempts=5, initial_wait_seconds=0, max_wait_seconds=0, jitter_seconds=0)

    attempts, waits, account = attempt_all(rt, LoginRejected("wrong password"))

    assert attempts == 1
    assert waits == []
    assert account.retry_reasons == []


def test_retrying_should_be_bounded_in_total_time_too() -> None:
    rt = runtime(attempts=20, max_seconds=42)

    stop = retrying(rt, AccountRun("KNAB1234")).stop

    delays = [s for s in getattr(stop, "stops", ()) if isinstance(s, stop_after_delay)]
    assert [s.max_delay for s in delays] == [42]


def test_a_session_that_cannot_start_should_end_with_its_own_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from collections.abc import AsyncIterator
    from contextlib import asynccontextmanager

    from koss_rpa.errors import BrowserNotFound
    from koss_rpa.flows import retry

    @asynccontextmanager
    async def no_session(rt: Runtime, run: AccountRun) -> AsyncIterator[None]:
        raise BrowserNotFound("the browser went away")
        yield  # pragma: no cover

    monkeypatch.setattr(retry, "account_session", no_session)
    rt = runtime(attempts=1, initial_wait_seconds=0, max_wait_seconds=0, jitter_seconds=0)

    async def job() -> None:
        async for attempt in retry.attempts(rt, AccountRun("KNAB1234")):
            async with attempt:
                pass

    with pytest.raises(BrowserNotFound, match="went away"):  # not "generator didn't yield"
        asyncrun.run(job())
