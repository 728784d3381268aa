"""koss_rpa.jobs.doctor.check_portal against local sockets (no browser, no internet)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from koss_rpa.errors import PortalUnreachable
from koss_rpa.jobs.doctor import check_portal


class _Status(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status = 503 if self.path.startswith("/down") else 200
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def local_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Status)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_check_portal_should_raise_portal_unreachable_for_a_closed_port() -> None:
    url = f"http://127.0.0.1:{_closed_port()}/"

    with pytest.raises(PortalUnreachable) as info:
        check_portal(url, timeout=5)

    assert url in str(info.value)
    assert info.value.exit_code == 7


def test_check_portal_should_return_the_http_status(local_server: str) -> None:
    assert check_portal(f"{local_server}/", timeout=5) == 200


def test_check_portal_should_return_an_error_status_instead_of_raising(local_server: str) -> None:
    assert check_portal(f"{local_server}/down", timeout=5) == 503
