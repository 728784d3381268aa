"""Flows run from synchronous code, inside a running event loop too."""

from __future__ import annotations

import asyncio
import threading

from koss_rpa import asyncrun


async def _thread_name() -> str:
    await asyncio.sleep(0)
    return threading.current_thread().name


def test_run_should_use_this_thread_without_a_running_loop() -> None:
    assert asyncrun.run(_thread_name()) == threading.current_thread().name


def test_run_should_use_another_thread_inside_a_running_loop() -> None:
    async def caller() -> str:
        return asyncrun.run(_thread_name())

    assert asyncio.run(caller()) != threading.current_thread().name
