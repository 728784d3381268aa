"""A keyring kept in a JSON file, for tests and benchmarks that run koss-rpa as a subprocess.

Select it with `PYTHON_KEYRING_BACKEND=testkit.filekeyring.FileKeyring` and point
`KOSS_TEST_KEYRING_FILE` at the file. Writes are atomic (temporary file + rename) and locked,
so a process killed mid-write leaves the previous content.

`KOSS_TEST_KEYRING_STALL=before:<slot>` or `after:<slot>`, with
`KOSS_TEST_KEYRING_STALL_FILE=<path>`: around the first write of that slot (`current`,
`pending`, `previous`), the backend touches the stall file and waits, so that a test can kill
the process at that exact point.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from filelock import FileLock
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

_stalled = threading.Event()


def _slot(username: str) -> str:
    return username.split(":", 1)[1] if ":" in username else "current"


class FileKeyring(KeyringBackend):
    """Test-only: passwords in a JSON file named by KOSS_TEST_KEYRING_FILE."""

    priority = -1

    @property
    def path(self) -> Path:
        return Path(os.environ["KOSS_TEST_KEYRING_FILE"])

    def _load(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        return {str(k): str(v) for k, v in data.items()}

    def _save(self, data: dict[str, str]) -> None:
        tmp = self.path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        tmp.replace(self.path)

    def _lock(self) -> FileLock:
        return FileLock(str(self.path) + ".lock")

    def get_password(self, service: str, username: str) -> str | None:
        with self._lock():
            return self._load().get(f"{service}\x00{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        self._maybe_stall(f"before:{_slot(username)}")
        with self._lock():
            data = self._load()
            data[f"{service}\x00{username}"] = password
            self._save(data)
        self._maybe_stall(f"after:{_slot(username)}")

    def delete_password(self, service: str, username: str) -> None:
        with self._lock():
            data = self._load()
            if data.pop(f"{service}\x00{username}", None) is None:
                raise PasswordDeleteError(username)
            self._save(data)

    @staticmethod
    def _maybe_stall(point: str) -> None:
        if os.environ.get("KOSS_TEST_KEYRING_STALL") != point or _stalled.is_set():
            return
        _stalled.set()
        Path(os.environ["KOSS_TEST_KEYRING_STALL_FILE"]).touch()
        threading.Event().wait()  # until the test kills this process


def read(path: Path, service: str = "koss-rpa") -> dict[str, str]:
    """The entries of `service` in a keyring file, by username."""
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    prefix = f"{service}\x00"
    return {k[len(prefix) :]: v for k, v in data.items() if k.startswith(prefix)}


def write(path: Path, entries: dict[str, str], service: str = "koss-rpa") -> None:
    """Seed a keyring file with `entries` (username → password) of `service`."""
    path.write_text(
        json.dumps({f"{service}\x00{k}": v for k, v in entries.items()}), encoding="utf-8"
    )
