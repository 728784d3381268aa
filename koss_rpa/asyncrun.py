"""Running a flow (a coroutine) from synchronous code.

`run(coro)` is `asyncio.run(coro)`, unless a `LoopThread` is active in the calling thread: then
the coroutine runs on that loop, which may already be busy with work started ahead of the
command (the entry point starts Playwright's driver on it before the CLI is even imported).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import contextvars
import signal
import threading
from collections.abc import Coroutine, Iterator
from types import TracebackType
from typing import Any, TypeVar

T = TypeVar("T")

#: How long one wait for a result lasts before it is begun again: an untimed wait for a lock
#: cannot be interrupted by Ctrl-C on Windows; a timed one can, when it times out. The wait
#: itself ends as soon as the result is there.
_TICK_SECONDS = 0.2

_active: contextvars.ContextVar[LoopThread | None] = contextvars.ContextVar(
    "koss_rpa_loop_thread", default=None
)


def run(coro: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(coro)`, on the active `LoopThread` if there is one; also when this thread
    already runs an event loop (a notebook, Playwright's sync API in the caller): then the
    coroutine gets a thread of its own.

    Ctrl-C as `asyncio.run` has it: the coroutine is cancelled, its cleanup runs to its end,
    then `KeyboardInterrupt` is raised here.
    """
    active = _active.get()
    if active is not None and not active.is_current():
        return active.run(coro)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


class LoopThread:
    """An event loop running in a thread of its own, for work that starts before anything
    asks for it; while entered (`with LoopThread() as loop:`), `run()` uses it.

    `close()` (the end of the `with`) does what `asyncio.run` does when its coroutine is done:
    cancels what is left, finishes asynchronous generators and the default executor; then it
    stops the loop and joins its thread.
    """

    def __init__(self, name: str = "koss-rpa-loop") -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._token: contextvars.Token[LoopThread | None] | None = None
        self._ended: BaseException | None = None
        self._thread.start()

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_forever()
        except BaseException as exc:  # SystemExit in a task ends the loop: told to `run`
            self._ended = exc

    def is_current(self) -> bool:
        """Whether the caller is the loop's own thread."""
        return threading.current_thread() is self._thread

    def call_soon(self, callback: Any, *args: Any) -> None:
        """Have the loop call `callback(*args)` next (from any thread)."""
        self.loop.call_soon_threadsafe(callback, *args)

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run `coro` on the loop and wait for its result, as `asyncio.run` would."""
        outcome: concurrent.futures.Future[T] = concurrent.futures.Future()
        tasks: list[asyncio.Task[T]] = []

        def start() -> None:
            task = self.loop.create_task(coro)
            tasks.append(task)
            task.add_done_callback(lambda done: _copy_outcome(done, outcome))

        def cancel() -> None:
            if tasks:  # `start` was called first, if it was scheduled: the loop keeps order
                tasks[0].cancel()
            else:  # Ctrl-C came before `start` was scheduled
                coro.close()
                outcome.cancel()

        try:
            # The task is made in the loop's thread, in a copy of this thread's context (as
            # `asyncio.run` would make it here).
            self.loop.call_soon_threadsafe(start)
            self._wait(outcome)
        except KeyboardInterrupt:
            self.loop.call_soon_threadsafe(cancel)
            self._wait(outcome)  # its cleanup, to the end; a second Ctrl-C stops waiting for it
            # Cancelled, or failed meanwhile: the same Ctrl-C reaches what the job drives (a
            # terminal sends it to the whole process group: Playwright's driver dies of it, and
            # the job's next call fails). Either way the run was interrupted; a job that
            # finished (or absorbed the cancellation) gives its result.
            if outcome.cancelled() or outcome.exception() is not None:
                raise
        return outcome.result()

    def _wait(self, future: concurrent.futures.Future[Any]) -> None:
        while not future.done():
            if not self._thread.is_alive():
                raise RuntimeError("the event loop's thread has ended") from self._ended
            concurrent.futures.wait([future], timeout=_TICK_SECONDS)

    def close(self) -> None:
        """Cancel what is left on the loop and wait for it, close asynchronous generators and
        the default executor; stop the loop and join its thread. Ctrl-C stops the waiting."""
        if self.loop.is_closed():
            return
        if self._thread.is_alive():
            try:
                self.run(_shut_down(self.loop))
            finally:
                self.loop.call_soon_threadsafe(self.loop.stop)
                self._thread.join()
        else:  # its thread ended early: one more, to finish (the caller's may run a loop)
            finisher = threading.Thread(
                target=self.loop.run_until_complete, args=(_shut_down(self.loop),)
            )
            finisher.start()
            finisher.join()
        self.loop.close()

    def __enter__(self) -> LoopThread:
        self._token = _active.set(self)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._token is not None:
            _active.reset(self._token)
            self._token = None
        self.close()


def _copy_outcome(task: asyncio.Task[T], outcome: concurrent.futures.Future[T]) -> None:
    if task.cancelled():
        outcome.cancel()
    elif (error := task.exception()) is not None:
        outcome.set_exception(error)
    else:
        outcome.set_result(task.result())


async def _shut_down(loop: asyncio.AbstractEventLoop) -> None:
    """What `asyncio.run` does after its coroutine: the tasks left cancelled and awaited."""
    left = [t for t in asyncio.all_tasks(loop) if t is not asyncio.current_task()]
    for task in left:
        task.cancel()
    await asyncio.gather(*left, return_exceptions=True)
    await loop.shutdown_asyncgens()
    await loop.shutdown_default_executor()


#: The signals that stop a run as Ctrl-C does: a scheduler's time-out, `systemctl stop`, `kill`
#: (SIGTERM); the terminal or SSH session closed (SIGHUP, POSIX only).
TERMINATING = ("SIGTERM", "SIGHUP")
_received: list[int] = []


@contextlib.contextmanager
def termination_as_interrupt() -> Iterator[None]:
    """For the block, SIGTERM and SIGHUP end the program as Ctrl-C does (`KeyboardInterrupt`:
    the flow's cleanup runs, a pending password stays in the keyring, the run log says so);
    `stopped_by()` then names the signal. Only in the main thread (signals go there)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        del frame
        _received.append(signum)
        raise KeyboardInterrupt

    saved: dict[signal.Signals, Any] = {}
    for name in TERMINATING:
        number = getattr(signal, name, None)
        if number is not None:
            saved[number] = signal.signal(number, interrupt)
    _received.clear()
    try:
        yield
    finally:
        for number, handler in saved.items():
            signal.signal(number, handler)


def stopped_by() -> int | None:
    """The termination signal that interrupted the block (`termination_as_interrupt`), if any."""
    return _received[0] if _received else None
