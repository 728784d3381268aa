"""Flows run from synchronous code, inside a running event loop too."""

from __future__ import annotations

import _thread
import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import pytest

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


# --- the loop in a thread of its own (what `koss_rpa.cli.entry` runs a browser command on) -----


async def _fail() -> None:
    await asyncio.sleep(0)
    raise LookupError("from the loop")


def test_loop_thread_should_run_the_coroutine_on_its_thread_and_return_its_result() -> None:
    with asyncrun.LoopThread(name="early-loop") as loop:
        assert asyncrun.run(_thread_name()) == "early-loop"
        assert loop.run(_thread_name()) == "early-loop"


def test_loop_thread_should_raise_the_coroutines_exception_in_the_caller() -> None:
    with asyncrun.LoopThread(), pytest.raises(LookupError, match="from the loop"):
        asyncrun.run(_fail())


def test_loop_thread_should_serve_only_while_entered_and_stop_its_thread_on_exit() -> None:
    loop = asyncrun.LoopThread(name="early-loop")
    with loop:
        pass
    assert not loop._thread.is_alive()
    assert loop.loop.is_closed()
    ran_in, caller = _in_a_fresh_thread(lambda: asyncrun.run(_thread_name()))
    assert ran_in == caller  # asyncio.run again


def test_loop_thread_should_finish_what_is_left_and_the_default_executor_on_close() -> None:
    finished: list[str] = []
    gate = threading.Event()

    async def left_running() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            finished.append("task cleaned up")

    def in_the_executor() -> None:
        gate.wait(timeout=10)
        finished.append("executor job done")

    async def start_both() -> None:
        asyncio.get_running_loop().create_task(left_running())
        asyncio.get_running_loop().run_in_executor(None, in_the_executor)
        await asyncio.sleep(0)

    with asyncrun.LoopThread():
        asyncrun.run(start_both())
        gate.set()
    assert sorted(finished) == ["executor job done", "task cleaned up"]


#: How long a job waits for the Ctrl-C the test presses: a press that never lands fails the
#: test (the job ends with TimeoutError) instead of leaving it waiting forever.
PRESS_SECONDS = 30


def _ctrl_c_once(started: threading.Event) -> threading.Thread:
    """A thread that presses Ctrl-C (in the main thread) once `started` is set."""

    def press_ctrl_c() -> None:
        if started.wait(timeout=PRESS_SECONDS):
            _thread.interrupt_main()

    presser = threading.Thread(target=press_ctrl_c)
    presser.start()
    return presser


async def _until_ctrl_c() -> None:
    await asyncio.wait_for(asyncio.Event().wait(), timeout=PRESS_SECONDS)


def test_loop_thread_should_cancel_on_ctrl_c_wait_for_the_cleanup_then_raise_it() -> None:
    """Ctrl-C as `asyncio.run` has it: cancelled, cleaned up to the end, KeyboardInterrupt."""
    assert threading.current_thread() is threading.main_thread()  # where Ctrl-C lands
    started = threading.Event()
    events: list[str] = []

    async def job() -> str:
        started.set()
        try:
            await _until_ctrl_c()
        except asyncio.CancelledError:
            events.append("cancelled")
            raise
        finally:
            # Cleanup that takes a while (closing a browser): the caller must wait for it.
            await asyncio.sleep(0.2)
            events.append("cleaned up")
        return "never"

    presser = _ctrl_c_once(started)
    with asyncrun.LoopThread():
        try:
            asyncrun.run(job())
        except KeyboardInterrupt:
            events.append("KeyboardInterrupt")
    presser.join()
    assert events == ["cancelled", "cleaned up", "KeyboardInterrupt"]


def _run_through_ctrl_c(on_cancel: Callable[[], str]) -> str:
    """Run a job on a loop thread that Ctrl-C interrupts once it has started; the job answers
    the cancellation with `on_cancel()` (a result, or an error it raises)."""
    assert threading.current_thread() is threading.main_thread()  # where Ctrl-C lands
    started = threading.Event()

    async def job() -> str:
        started.set()
        try:
            await _until_ctrl_c()
        except asyncio.CancelledError:
            return on_cancel()
        return "never"

    presser = _ctrl_c_once(started)
    try:
        with asyncrun.LoopThread():
            return asyncrun.run(job())
    finally:
        presser.join()


def test_loop_thread_should_return_a_result_the_coroutine_gives_despite_ctrl_c() -> None:
    """A coroutine that absorbs the cancellation is not an interruption (as `asyncio.run`)."""
    assert _run_through_ctrl_c(lambda: "finished anyway") == "finished anyway"


def test_loop_thread_should_raise_ctrl_c_when_the_job_fails_of_it_instead_of_ending() -> None:
    """A terminal's Ctrl-C reaches Playwright's driver too: the job's call fails (the driver is
    gone) rather than being cancelled. The run was interrupted all the same: KeyboardInterrupt,
    not the job's error (an "internal error", exit 1, in the field)."""

    def driver_gone() -> str:
        raise RuntimeError("Target page, context or browser has been closed")

    with pytest.raises(KeyboardInterrupt):
        _run_through_ctrl_c(driver_gone)


def test_loop_thread_should_not_wait_forever_when_its_loop_has_ended() -> None:
    cleaned_up: list[bool] = []

    async def stop_the_loop() -> None:
        asyncio.get_running_loop().stop()  # `run_forever` returns: the loop's thread ends
        try:
            await asyncio.Event().wait()
        finally:
            cleaned_up.append(True)

    with asyncrun.LoopThread(), pytest.raises(RuntimeError, match="has ended"):
        asyncrun.run(stop_the_loop())
    assert cleaned_up == [True]  # by `close`
