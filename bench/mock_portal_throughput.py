"""How many requests per second the mock portal serves on one uvicorn worker.

Starts the app with uvicorn (one worker, loopback, free port) in a separate process, then
drives it from threads of httpx clients (keep-alive, one client per thread):

* GET /mypage/login — the page a robot fleet hits most; target 1,000 req/s;
* a full login — GET the login page, POST the credentials, GET /mypage (three requests).

Every run is bounded by a request count and a time limit. Only loopback traffic.
Usage: python bench/mock_portal_throughput.py [--requests N] [--threads T] [--seconds S]
"""

from __future__ import annotations

import argparse
import functools
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

TARGET_RPS = 1_000.0
USER_ID, PASSWORD = "KNAB1234", "Keiji2019"


def free_port() -> int:
    """A port the kernel says is free right now (loopback)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_server(port: int) -> subprocess.Popen[bytes]:
    """uvicorn, one worker, no access log, in its own process."""
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "mock_portal.app:create_app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    return subprocess.Popen(command, env={**os.environ, "PYTHONUNBUFFERED": "1"})


def wait_ready(url: str, timeout: float = 20.0) -> None:
    """Poll until the portal answers (bounded)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.05)
    raise SystemExit(f"the mock portal did not start at {url}")


def cpu_seconds(pid: int) -> float | None:
    """User+system CPU time of a process (Linux /proc; None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Result:
    """Counts and latencies of one measurement."""

    name: str
    operations: int = 0
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    server_cpu: float | None = None

    def capacity(self) -> float | None:
        """Requests per CPU-second the server spent: its rate if the clients were free."""
        return self.requests / self.server_cpu if self.server_cpu else None

    def line(self) -> str:
        ops = self.operations / self.seconds
        rps = self.requests / self.seconds
        latencies = sorted(self.latencies)
        p50 = statistics.median(latencies) * 1000
        p95 = latencies[int(len(latencies) * 0.95) - 1] * 1000
        return (
            f"{self.name:<28} {self.operations:>6} ops in {self.seconds:5.2f} s: "
            f"{ops:8.1f} ops/s, {rps:8.1f} req/s, p50 {p50:5.1f} ms, p95 {p95:5.1f} ms, "
            f"errors {self.errors}"
        ) + (
            f"\n{'':<28} server CPU {self.server_cpu:.2f} s: {self.capacity():.0f} req per CPU-s"
            if self.server_cpu
            else ""
        )


def measure(
    name: str,
    url: str,
    server_pid: int,
    operation: Callable[[httpx.Client], int],
    *,
    total: int,
    threads: int,
    seconds: float,
) -> Result:
    """Run `operation` `total` times over `threads` clients, stopping at `seconds` anyway."""
    result = Result(name)
    lock = threading.Lock()
    remaining = [total]
    deadline = time.monotonic() + seconds

    def worker() -> None:
        with httpx.Client(base_url=url, timeout=10) as client:
            while time.monotonic() < deadline:
                with lock:
                    if remaining[0] <= 0:
                        return
                    remaining[0] -= 1
                started = time.perf_counter()
                try:
                    requests = operation(client)
                    failed = 0
                except (httpx.HTTPError, AssertionError):
                    requests, failed = 1, 1
                elapsed = time.perf_counter() - started
                with lock:
                    result.operations += 1
                    result.requests += requests
                    result.errors += failed
                    result.latencies.append(elapsed)

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    cpu_before = cpu_seconds(server_pid)
    began = time.perf_counter()
    for each in workers:
        each.start()
    for each in workers:
        each.join()
    result.seconds = time.perf_counter() - began
    cpu_after = cpu_seconds(server_pid)
    if cpu_before is not None and cpu_after is not None:
        result.server_cpu = cpu_after - cpu_before
    return result


def get_login_page(client: httpx.Client) -> int:
    response = client.get("/mypage/login")
    if response.status_code != 200:
        raise AssertionError(response.status_code)
    return 1


def full_login(client: httpx.Client) -> int:
    client.cookies.clear()
    if client.get("/mypage/login").status_code != 200:
        raise AssertionError("login page")
    posted = client.post("/mypage/login", data={"user_id": USER_ID, "password": PASSWORD})
    if posted.headers.get("location") != "/mypage":
        raise AssertionError(f"login answered {posted.status_code}")
    if client.get("/mypage").status_code != 200:
        raise AssertionError("mypage")
    return 3


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=6_000, help="login-page requests")
    parser.add_argument("--logins", type=int, default=1_500, help="full logins")
    parser.add_argument("--threads", type=int, default=8, help="concurrent clients")
    parser.add_argument("--seconds", type=float, default=30.0, help="time limit per run")
    args = parser.parse_args()

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = start_server(port)
    try:
        wait_ready(url)
        run = functools.partial(
            measure, url=url, server_pid=server.pid, threads=args.threads, seconds=args.seconds
        )
        run("warm-up", operation=get_login_page, total=300)
        page = run("GET /mypage/login", operation=get_login_page, total=args.requests)
        login = run("full login (3 requests)", operation=full_login, total=args.logins)
    finally:
        server.terminate()
        server.wait(timeout=20)

    print(f"mock portal, 1 uvicorn worker, {args.threads} client threads, {os.cpu_count()} CPUs")
    print(page.line())
    print(login.line())
    ratio = page.requests / page.seconds / TARGET_RPS
    print(f"login page vs target {TARGET_RPS:.0f} req/s: ratio {ratio:.2f} (measured end to end)")
    capacity = page.capacity()
    if capacity is not None:
        # On a small machine the httpx clients share the CPUs with the server; this is the
        # rate the server alone sustains per core it gets.
        print(f"login page server capacity vs target: ratio {capacity / TARGET_RPS:.2f}")
    return 0 if page.errors == 0 and login.errors == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
