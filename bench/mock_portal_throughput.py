"""How many requests per second the mock portal serves end to end, and per server CPU-second.

The server is the mock as testers' suites get it: `mock_portal.testing.serve_in_thread`, the
pytest plugin's server (uvicorn with its defaults: httptools and uvloop when installed, no access
log), alone in a process of its own. `--server command` serves it with `koss-mock-portal` (as
`python -m mock_portal --port 0`) instead, the way a tester runs it by hand.

The client is another process: one asyncio loop holding several keep-alive HTTP/1.1 connections
over loopback TCP, one request in flight on each (no pipelining). Every response is read in full
(by its Content-Length) and checked: its status, and the screen's words in the body. The client
reads its own CPU time and the server process's over the same window, so the server's cost per
request is measured apart from the client's.

* GET /mypage/login — the page a robot fleet hits most: #25's targets are >= 3,000 req/s end to
  end and >= 5,000 requests per server CPU-second;
* a full login (`--logins`) — GET the login page, POST the credentials, GET /mypage with the
  session cookie (three requests).

`--parts` adds what each part of a login-page request costs the app in process (no network,
CPU time, best of several rounds, paired in the same run): the whole app, the variant layer,
the portal layer (journal, fault pick), playback's switch, the rendering, and the page in each
markup variant.

Every run is bounded by a request count and a time limit. Only loopback traffic.
Usage: python bench/mock_portal_throughput.py [--requests N] [--logins N] [--connections C]
       [--seconds S] [--server thread|command] [--parts]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import multiprocessing
import os
import re
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, cast

TARGET_RPS = 3_000.0
TARGET_PER_CPU_SECOND = 5_000.0
USER_ID, PASSWORD = "KNAB1234", "Keiji2019"
LOGIN_WORDS = tuple(
    word.encode()
    for word in ("マイページログイン", "納付利用者ID", "納付利用者パスワード", "ログイン")
)
MYPAGE_WORDS = tuple(
    word.encode() for word in ("マイページ", "利用者情報", "まとめ納付管理ファイル", USER_ID)
)
SESSION_COOKIE = "KOSS_MYPAGE_SESSION"


# --- the server, in a process of its own ---------------------------------------------------------


def _serve_in_thread(pipe: Connection) -> None:
    """The pytest plugin's server in this (spawned) process: its URL sent up the pipe, served
    until the pipe says stop (or closes)."""
    from mock_portal.testing import serve_in_thread

    with serve_in_thread() as server:
        pipe.send(server.url)
        with contextlib.suppress(EOFError):
            pipe.recv()


@dataclass
class Server:
    """A mock portal serving in another process."""

    url: str
    pid: int


@contextlib.contextmanager
def _thread_server() -> Iterator[Server]:
    spawn = multiprocessing.get_context("spawn")
    parent, child = spawn.Pipe()
    process = spawn.Process(target=_serve_in_thread, args=(child,), daemon=True)
    process.start()
    try:
        if not parent.poll(30):
            raise SystemExit("the mock portal did not start")
        assert process.pid is not None
        yield Server(parent.recv(), process.pid)
        parent.send("stop")
        process.join(20)
    finally:
        if process.is_alive():
            process.kill()


@contextlib.contextmanager
def _command_server() -> Iterator[Server]:
    command = [sys.executable, "-m", "mock_portal", "--port", "0"]
    served = subprocess.Popen(
        command, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"}
    )
    assert served.stdout is not None
    try:
        url = ""
        for line in served.stdout:
            if line.startswith("Mock portal: "):
                url = line.split(": ", 1)[1].strip()
            if line.startswith("Press Ctrl-C"):
                break
        if not url:
            raise SystemExit("koss-mock-portal did not start")
        yield Server(url, served.pid)
        served.send_signal(signal.SIGINT)  # Ctrl-C: how the command is stopped
        served.wait(20)
    finally:
        if served.poll() is None:
            served.kill()


def serving(kind: str) -> contextlib.AbstractContextManager[Server]:
    """The mock portal on a free loopback port: `serve_in_thread` (`thread`) or the command."""
    return _thread_server() if kind == "thread" else _command_server()


def cpu_seconds(pid: int) -> float:
    """User+system CPU time of a process, all its threads (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- the client: raw HTTP/1.1 over asyncio ------------------------------------------------------


class Failed(Exception):
    """A response that is not the one expected."""


@dataclass
class Answer:
    """One response, read in full: its status line and headers as they came, and its body."""

    head: bytes
    body: bytes

    @property
    def status(self) -> int:
        return int(self.head.split(b" ", 2)[1])

    def header(self, name: str) -> bytes | None:
        """A header's value (the first of that name); headers are parsed only when asked."""
        pattern = rb"^" + re.escape(name.encode()) + rb":[ \t]*([^\r\n]*?)[ \t]*\r?$"
        found = re.search(pattern, self.head, re.IGNORECASE | re.MULTILINE)
        return found.group(1) if found else None

    def expect(self, status: int, words: tuple[bytes, ...] = ()) -> None:
        if self.status != status:
            raise Failed(f"status {self.status}, expected {status}")
        if words and not _UTF8_HTML.search(self.head):
            raise Failed(f"content type {self.header('content-type')!r}")
        for word in words:
            if word not in self.body:
                raise Failed(f"{word.decode()!r} not in the page")


_UTF8_HTML = re.compile(
    rb"^content-type:[ \t]*text/html; charset=utf-8\r?$", re.IGNORECASE | re.MULTILINE
)
_LENGTH = re.compile(rb"^content-length:[ \t]*(\d+)[ \t]*\r?$", re.IGNORECASE | re.MULTILINE)


class HttpConnection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection: one request at a time, each response read by its
    Content-Length (the mock sends one on every page; a chunked one would be a failure)."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiting: asyncio.Future[Answer] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def connection_lost(self, exc: Exception | None) -> None:
        if self.waiting is not None and not self.waiting.done():
            self.waiting.set_exception(Failed(f"connection closed ({exc})"))

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0 or self.waiting is None:
            return
        head = bytes(self.buffer[:end])
        found = _LENGTH.search(head)
        if found is None:
            self.waiting.set_exception(Failed("no Content-Length"))
            return
        total = end + 4 + int(found.group(1))
        if len(self.buffer) < total:
            return
        body = bytes(self.buffer[end + 4 : total])
        del self.buffer[:total]
        self.waiting.set_result(Answer(head, body))

    async def request(self, raw: bytes) -> Answer:
        assert self.transport is not None
        self.waiting = asyncio.get_running_loop().create_future()
        self.transport.write(raw)
        try:
            return await self.waiting
        finally:
            self.waiting = None


def _request(method: str, path: str, host: str, extra: str = "", body: str = "") -> bytes:
    lines = f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: bench\r\n{extra}"
    if body:
        lines += (
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body.encode())}\r\n"
        )
    return (lines + "\r\n" + body).encode()


@dataclass
class Requests:
    """The raw requests of the two operations, for one host."""

    login_page: bytes
    login_post: bytes
    host: str

    @classmethod
    def of(cls, host: str) -> Requests:
        form = f"user_id={USER_ID}&password={PASSWORD}"
        return cls(
            _request("GET", "/mypage/login", host),
            _request("POST", "/mypage/login", host, body=form),
            host,
        )

    def mypage(self, cookie: bytes) -> bytes:
        return _request("GET", "/mypage", self.host, f"Cookie: {cookie.decode()}\r\n")


async def get_login_page(connection: HttpConnection, raw: Requests) -> int:
    (await connection.request(raw.login_page)).expect(200, LOGIN_WORDS)
    return 1


async def full_login(connection: HttpConnection, raw: Requests) -> int:
    (await connection.request(raw.login_page)).expect(200, LOGIN_WORDS)
    posted = await connection.request(raw.login_post)
    posted.expect(303)
    if posted.header("location") != b"/mypage":
        raise Failed(f"login sent to {posted.header('location')!r}")
    cookie = (posted.header("set-cookie") or b"").split(b";", 1)[0]
    if not cookie.startswith(SESSION_COOKIE.encode() + b"="):
        raise Failed("no session cookie")
    (await connection.request(raw.mypage(cookie))).expect(200, MYPAGE_WORDS)
    return 3


OPERATIONS: dict[str, Callable[[HttpConnection, Requests], Awaitable[int]]] = {
    "page": get_login_page,
    "login": full_login,
}


@dataclass
class Result:
    """Counts, latencies and CPU times of one measurement."""

    name: str
    operations: int = 0
    requests: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    server_cpu: float = 0.0
    client_cpu: float = 0.0
    load: tuple[float, float] = (0.0, 0.0)

    def lines(self) -> list[str]:
        rps = self.requests / self.seconds
        latencies = sorted(self.latencies) or [0.0]
        p50 = statistics.median(latencies) * 1000
        p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)] * 1000
        per_cpu = self.requests / self.server_cpu if self.server_cpu else float("nan")
        share = self.client_cpu / (self.client_cpu + self.server_cpu or 1)
        return [
            f"{self.name:<26} {self.requests:>6} req in {self.seconds:5.2f} s: {rps:7.0f} req/s "
            f"end to end, p50 {p50:5.2f} ms, p95 {p95:5.2f} ms, errors {len(self.errors)}",
            f"{'':<26} server CPU {self.server_cpu:5.2f} s: "
            f"{self.server_cpu / self.requests * 1e6:5.0f} µs per request, "
            f"{per_cpu:6.0f} req per server CPU-s",
            f"{'':<26} client CPU {self.client_cpu:5.2f} s: "
            f"{self.client_cpu / self.requests * 1e6:5.0f} µs per request, {share:.0%} of the "
            f"CPU both spent; load average {self.load[0]:.2f} before, {self.load[1]:.2f} after",
        ]


async def _drive(
    url: str,
    server_pid: int,
    name: str,
    operation: str,
    total: int,
    connections: int,
    seconds: float,
) -> Result:
    host_port = url.removeprefix("http://")
    host, port = host_port.rsplit(":", 1)
    loop = asyncio.get_running_loop()
    opened = [
        (await loop.create_connection(HttpConnection, host.strip("[]"), int(port)))[1]
        for _ in range(connections)
    ]
    raw, act = Requests.of(host_port), OPERATIONS[operation]
    result = Result(name)
    remaining = [total]
    deadline = time.monotonic() + seconds

    async def worker(connection: HttpConnection) -> None:
        while remaining[0] > 0 and time.monotonic() < deadline:
            remaining[0] -= 1
            started = time.perf_counter()
            try:
                done = await act(connection, raw)
            except Failed as exc:
                result.errors.append(str(exc))
                return  # the connection's state is unknown: stop using it
            result.latencies.append(time.perf_counter() - started)
            result.requests += done  # after the await: `x += await` would lose updates
            result.operations += 1

    load_before = os.getloadavg()[0]
    server_before, client_before = cpu_seconds(server_pid), time.process_time()
    began = time.perf_counter()
    await asyncio.gather(*(worker(each) for each in opened))
    result.seconds = time.perf_counter() - began
    result.client_cpu = time.process_time() - client_before
    result.server_cpu = cpu_seconds(server_pid) - server_before
    result.load = (load_before, os.getloadavg()[0])
    for each in opened:
        assert each.transport is not None
        each.transport.close()
    return result


def _client(pipe: Connection) -> None:
    """The client process: runs each measurement the pipe asks for, answers its result."""
    try:
        import uvloop

        runner: Callable[[Awaitable[Result]], Result] = uvloop.run  # type: ignore[assignment]
    except ImportError:  # the client's loop only: the server picks its own
        runner = asyncio.run  # type: ignore[assignment]
    while True:
        try:
            asked = pipe.recv()
        except EOFError:
            return
        pipe.send(runner(_drive(**asked)))


class Client:
    """The client process, asked for one measurement at a time."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self.pipe, child = context.Pipe()
        self.process = context.Process(target=_client, args=(child,), daemon=True)
        self.process.start()

    def measure(self, **asked: Any) -> Result:
        self.pipe.send(asked)
        result: Result = self.pipe.recv()
        return result

    def close(self) -> None:
        self.pipe.close()
        self.process.join(10)


# --- the parts of a request, in process ----------------------------------------------------------

_SCOPE: dict[str, Any] = {
    "type": "http",
    "asgi": {"version": "3.0", "spec_version": "2.4"},
    "http_version": "1.1",
    "server": ("127.0.0.1", 8080),
    "client": ("127.0.0.1", 50000),
    "scheme": "http",
    "method": "GET",
    "root_path": "",
    "path": "/mypage/login",
    "raw_path": b"/mypage/login",
    "query_string": b"",
    "headers": [(b"host", b"127.0.0.1:8080"), (b"user-agent", b"bench")],
    "state": {},
}
_START = {"type": "http.response.start", "status": 200, "headers": []}


async def _receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _sent(message: Any) -> None:
    return None


async def _answered(scope: Any, receive: Any, send: Any) -> None:
    await send(_START)


async def _nothing(scope: Any, receive: Any, send: Any) -> None:
    return None


def _best_us(calls: Callable[[int], float], n: int = 2_000, rounds: int = 7) -> float:
    """The least CPU time of `rounds` runs of `n` calls, per call, in µs."""
    return min(calls(n) for _ in range(rounds)) / n * 1e6


def _async_calls(app: Any) -> Callable[[int], float]:
    """`n` awaited calls of an ASGI app on a fresh copy of the login page's scope."""

    async def run(n: int) -> float:
        started = time.thread_time()
        for _ in range(n):
            await app(dict(_SCOPE), _receive, _sent)
        return time.thread_time() - started

    return lambda n: asyncio.run(run(n))


def _sync_calls(action: Callable[[], object]) -> Callable[[int], float]:
    def run(n: int) -> float:
        started = time.thread_time()
        for _ in range(n):
            action()
        return time.thread_time() - started

    return run


def print_parts(server_s: float) -> None:
    """What the parts of a login-page request cost the app in this process (CPU µs, best of
    7 x 2,000), paired in one run; `server_s` is the server's CPU per request end to end."""
    from fastapi import FastAPI

    from mock_portal import playback, variants
    from mock_portal.app import create_app
    from mock_portal.frames import VariantLayer
    from mock_portal.layer import PortalLayer
    from mock_portal.rendering import encode_page, render, render_text

    app = create_app()
    state = app.state.portal
    context: dict[str, Any] = {
        "screen": "マイページログイン",
        "user_id": "",
        "alerts": [],
        "notices": [],
    }

    def playback_switch() -> None:
        token = playback.ACTIVE.set(None)
        playback.captured_page("login.html", context)
        playback.ACTIVE.reset(token)

    floor = _best_us(_async_calls(_nothing))  # the harness: a scope copied, an app awaited
    whole = _best_us(_async_calls(app)) - floor
    answered = _best_us(_async_calls(_answered)) - floor
    rows = [
        ("whole app, default variant (no uvicorn)", whole),
        (
            "  FastAPI/Starlette stack + route + page",
            _best_us(_async_calls(lambda *a: FastAPI.__call__(app, *a))) - floor,
        ),
        (
            "  variant layer (variant of the request)",
            _best_us(_async_calls(VariantLayer(_nothing, state))) - floor,
        ),
        (
            "  portal layer (fault pick, journal entry)",
            _best_us(_async_calls(PortalLayer(_answered, state))) - floor - answered,
        ),
        ("  playback switch (no captured screens)", _best_us(_sync_calls(playback_switch))),
        (
            "  rendering: the kept page as a response",
            _best_us(_sync_calls(lambda: render("login.html", **context))),
        ),
        (
            "  rendering: Jinja + encoding (not kept)",
            _best_us(_sync_calls(lambda: encode_page(render_text("login.html", **context)))),
        ),
        ("uvicorn, loop, sockets (end to end - app)", server_s * 1e6 - whole),
    ]
    print("per login-page request, CPU µs (in process, best of 7 x 2,000):")
    for label, us in rows:
        print(f"  {label:<44} {us:6.1f}")
    # The variants in turn within each round (not one after the other): a busy machine's
    # drift falls on all of them alike.
    names = variants.VARIANTS
    best = dict.fromkeys(names, float("inf"))
    timed = _async_calls(app)
    for _ in range(7):
        for name in names:
            state.set_config(state.config.merged({"variant": name}))
            best[name] = min(best[name], timed(2_000) / 2_000 * 1e6 - floor)
    print("the whole app per markup variant, taken in turn each round (CPU µs, best of 7 x")
    print("2,000; a client sending no Sec-Fetch-Dest gets the screen itself in every variant):")
    for name in names:
        print(f"  {name:<44} {best[name]:6.1f}  ({best[name] - best[variants.DEFAULT]:+.1f})")
    state.set_config(state.default_config)


# --- main -----------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000, help="login-page requests")
    parser.add_argument("--logins", type=int, default=2_000, help="full logins (0: none)")
    parser.add_argument("--connections", type=int, default=8, help="keep-alive connections")
    parser.add_argument("--seconds", type=float, default=30.0, help="time limit per run")
    parser.add_argument(
        "--server",
        choices=("thread", "command"),
        default="thread",
        help="serve_in_thread (the pytest plugin's server) or koss-mock-portal",
    )
    parser.add_argument("--parts", action="store_true", help="also the in-process cost of parts")
    args = parser.parse_args()

    client = Client()
    try:
        with serving(args.server) as server:
            common = {
                "url": server.url,
                "server_pid": server.pid,
                "connections": args.connections,
                "seconds": args.seconds,
            }
            client.measure(name="warm-up", operation="page", total=1_000, **common)
            page = client.measure(
                name="GET /mypage/login", operation="page", total=args.requests, **common
            )
            login = None
            if args.logins:
                login = client.measure(
                    name="full login (3 requests)", operation="login", total=args.logins, **common
                )
    finally:
        client.close()

    how = "serve_in_thread" if args.server == "thread" else "koss-mock-portal"
    # What uvicorn's "auto" picks: httptools and uvloop when they are installed.
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    print(
        f"mock portal ({how}, 1 uvicorn worker, {http}, {loop}) — client: 1 process, "
        f"{args.connections} keep-alive connections; {os.cpu_count()} CPUs"
    )
    failed = False
    for result in (page, login):
        if result is None:
            continue
        print("\n".join(result.lines()))
        for error in sorted(set(result.errors))[:5]:
            print(f"{'':<26} error: {error}")
        failed = failed or bool(result.errors)
    rps = page.requests / page.seconds
    per_cpu = page.requests / page.server_cpu
    print(f"login page end to end vs target {TARGET_RPS:,.0f} req/s: ratio {rps / TARGET_RPS:.2f}")
    print(
        f"login page per server CPU-s vs target {TARGET_PER_CPU_SECOND:,.0f}: "
        f"ratio {per_cpu / TARGET_PER_CPU_SECOND:.2f}"
    )
    if args.parts:
        print_parts(page.server_cpu / page.requests)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
