"""Flows run from synchronous code, inside a running event loop too."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from koss_rpa import asyncrun

T = TypeVar("T")


async def _thread_name() -> str:
    await asyncio.sleep(0)
    return threading.current_thread().name


def _in_a_fresh_thread(job: Callable[[], T]) -> tuple[T, str]:
    """Run `job` where no event loop runs (pytest-playwright may leave one in this thread)."""

    def wrapped() -> tuple[T, str]:
        return job(), threading.current_thread().name

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="caller") as pool:
        return pool.submit(wrapped).result()


def test_run_should_use_the_callers_thread_without_a_running_loop() -> None:
    ran_in, caller = _in_a_fresh_thread(lambda: asyncrun.run(_thread_name()))

    assert ran_in == caller


def test_run_should_use_another_thread_inside_a_running_loop() -> None:
    async def caller() -> str:
        return asyncrun.run(_thread_name())

    ran_in, caller_thread = _in_a_fresh_thread(lambda: asyncio.run(caller()))

    assert ran_in != caller_thread
