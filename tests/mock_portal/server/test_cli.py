"""`koss-mock-portal`: prints where it is, serves, and stops cleanly on Ctrl-C."""

from __future__ import annotations

import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import httpx
import pytest


class Running:
    """A started `python -m mock_portal` whose stdout is read by a thread."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        self.process = process
        self.lines: queue.Queue[str] = queue.Queue()
        # A thread, because a buffered text stream defeats select() once it has read ahead.
        self.reader = threading.Thread(target=self._read, args=(process.stdout,))
        self.reader.start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.put(line)

    def read_until_url(self, timeout: float = 20.0) -> tuple[str, str]:
        """Collect stdout up to the "Press Ctrl-C" line; return the URL and the text."""
        seen = ""
        deadline = time.monotonic() + timeout
        while "Press Ctrl-C" not in seen:
            remaining = deadline - time.monotonic()
            exited = self.process.poll() is not None and self.lines.empty()
            if remaining <= 0 or exited:
                raise AssertionError(f"no URL printed; output so far:\n{seen}")
            try:
                seen += self.lines.get(timeout=min(remaining, 0.5))
            except queue.Empty:
                continue
        found = re.search(r"Mock portal: (http://\S+)", seen)
        assert found is not None, seen
        return found.group(1), seen

    def interrupt(self) -> tuple[int, str]:
        """Send Ctrl-C; return the exit status and stderr."""
        self.process.send_signal(signal.SIGINT)
        _, stderr = self.process.communicate(timeout=20)
        return self.process.returncode, stderr


@contextmanager
def running(*args: str) -> Iterator[Running]:
    with subprocess.Popen(
        [sys.executable, "-m", "mock_portal", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        started = Running(process)
        try:
            yield started
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate(timeout=20)
            started.reader.join(timeout=20)


def test_command_should_serve_and_stop_cleanly_on_ctrl_c() -> None:
    with running() as started:
        url, printed = started.read_until_url()
        assert url.startswith("http://127.0.0.1:")
        assert f"{url}/_control/docs" in printed
        assert "KNAB1234  Keiji2019" in printed
        assert httpx.get(url + "/").status_code == 200
        status, stderr = started.interrupt()
    assert status == 0
    assert "Traceback" not in stderr


def test_command_should_seed_from_an_accounts_file(tmp_path: Path) -> None:
    seeds = tmp_path / "accounts.toml"
    seeds.write_text(
        '[[accounts]]\nuser_id = "KNQQ0001"\npassword = "Seeded123"\npassword_age_days = 1\n',
        encoding="utf-8",
    )
    with running("--accounts", str(seeds)) as started:
        url, printed = started.read_until_url()
        assert "KNQQ0001  Seeded123" in printed
        accounts = httpx.get(url + "/_control/accounts").json()
        assert [account["user_id"] for account in accounts] == ["KNQQ0001"]
        status, _ = started.interrupt()
    assert status == 0


@pytest.mark.parametrize("content", ["not toml [", '[[accounts]]\nuser_id = "bad"\n'])
def test_command_should_refuse_a_bad_accounts_file(tmp_path: Path, content: str) -> None:
    seeds = tmp_path / "accounts.toml"
    seeds.write_text(content, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "mock_portal", "--accounts", str(seeds)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("koss-mock-portal: cannot read accounts")
