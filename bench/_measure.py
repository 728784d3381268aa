"""Shared by the benchmarks: run a command and time it (wall and CPU), or run it and sample its
process tree's memory — never both in one run."""

from __future__ import annotations

import ctypes
import os
import resource
import statistics
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def tree_pss(pid: int) -> int:
    """Proportional set size of `pid` and all its descendants, in bytes (Linux)."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            for line in Path(f"/proc/{current}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
                    break
        except OSError:
            continue
        stack += _children(current)
    return total


def _run(cmd: Sequence[str], env: Mapping[str, str] | None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        list(cmd),
        env=dict(env) if env else None,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _check(cmd: Sequence[str], proc: subprocess.Popen[bytes], err: bytes) -> None:
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {err.decode()[-500:]}")


def run_timed(cmd: Sequence[str], env: Mapping[str, str] | None = None) -> float:
    """Run `cmd` and return its wall time in seconds; nothing else runs meanwhile.

    Memory is measured in separate runs (`peak_memory`): reading the PSS of a tree of
    Chromium processes costs tens of milliseconds of CPU per sample, which on two cores
    would slow the run being timed — a batch with many renderers most of all.
    """
    start = time.perf_counter()
    proc = _run(cmd, env)
    _, err = proc.communicate()
    seconds = time.perf_counter() - start
    _check(cmd, proc, err)
    return seconds


#: prctl(2)'s PR_SET_CHILD_SUBREAPER (Linux): orphans of our children become ours.
_PR_SET_CHILD_SUBREAPER = 36


def _become_subreaper() -> None:
    """Chromium double-forks its renderers and helpers: without this their CPU time would reach
    init, not us. As a subreaper, this process adopts them and counts them when it reaps them."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER) failed")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _reap_orphans(deadline_s: float = 10.0) -> None:
    """Wait for every adopted process to end (a browser's last helpers outlive its main
    process by a moment), so that its CPU time is counted."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return  # no child left
        if pid == 0:
            time.sleep(0.01)  # a bench, not the tool: polling here slows nothing measured
    raise RuntimeError("a process of the run is still alive after it ended")


def run_cpu_timed(cmd: Sequence[str], env: Mapping[str, str] | None = None) -> tuple[float, float]:
    """Run `cmd`; return its wall time and the CPU time (user + system) of its whole process
    tree, the browser's helpers included, in seconds (Linux). Nothing is sampled meanwhile:
    the CPU time comes from the kernel when the processes are reaped."""
    _become_subreaper()
    _reap_orphans()
    before = _children_cpu()
    start = time.perf_counter()
    proc = _run(cmd, env)
    _, err = proc.communicate()
    seconds = time.perf_counter() - start
    _reap_orphans()
    _check(cmd, proc, err)
    return seconds, _children_cpu() - before


def peak_memory(
    cmd: Sequence[str], env: Mapping[str, str] | None = None, interval: float = 0.05
) -> int:
    """Run `cmd`, sampling its process tree; return the peak PSS in bytes."""
    proc = _run(cmd, env)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(interval):
            peak = max(peak, tree_pss(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    done.set()
    sampler.join()
    _check(cmd, proc, err)
    return peak


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def mib(n: float) -> str:
    return f"{n / 2**20:.0f} MiB"
