"""Test support: the mock portal in a background thread, and a client for its control API."""

from __future__ import annotations

import functools
import json
import ssl
import threading
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from mock_portal.app import create_app
from mock_portal.assertions import Filter, JournalQuery
from mock_portal.config import MockConfig
from mock_portal.faults import SCREEN_PATHS
from mock_portal.journal import JournalEntry
from mock_portal.scenario import TOML_MEDIA_TYPE, is_scenario_file, load_scenario
from mock_portal.variants import VARIANTS

__all__ = ["VARIANTS", "ControlClient", "ControlError", "PortalServer", "serve_in_thread"]

_START_TIMEOUT = 15.0


@dataclass
class PortalServer:
    """A running mock portal.

    Attributes:
        url: Its base URL, e.g. `http://127.0.0.1:54321` (no trailing slash).
        app: The FastAPI app it serves.
    """

    url: str
    app: FastAPI
    _server: uvicorn.Server = field(repr=False)
    _thread: threading.Thread = field(repr=False)

    def stop(self) -> None:
        """Ask uvicorn to finish and wait for its thread (safe to call twice)."""
        self._server.should_exit = True
        self._thread.join(timeout=_START_TIMEOUT)


@contextmanager
def serve_in_thread(
    app: FastAPI | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    config: MockConfig | None = None,
    accounts_file: Path | None = None,
    variant: str | None = None,
) -> Iterator[PortalServer]:
    """Serve the mock portal with uvicorn in a daemon thread for the `with` block.

    Args:
        app: The app to serve; default `create_app(config, accounts_file)`.
        host: Interface to bind (loopback by default).
        port: Port; 0 picks a free one (read back from the socket).
        config: Config for the default app (ignored when `app` is given).
        accounts_file: Seed accounts for the default app (ignored when `app` is given).
        variant: Start-up markup variant of the default app (ignored when `app` is given).

    Yields:
        The running server.
    """
    served = app if app is not None else create_app(config, accounts_file, variant=variant)
    server = uvicorn.Server(
        uvicorn.Config(served, host=host, port=port, log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, name="mock-portal", daemon=True)
    thread.start()
    deadline = time.monotonic() + _START_TIMEOUT
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError(f"the mock portal could not start on {host}:{port}")
        if time.monotonic() > deadline:
            server.should_exit = True
            raise TimeoutError("the mock portal did not start in time")
        thread.join(0.01)  # a bounded wait that also notices the thread dying
    bound_port = server.servers[0].sockets[0].getsockname()[1]
    shown_host = f"[{host}]" if ":" in host else host
    portal = PortalServer(f"http://{shown_host}:{bound_port}", served, server, thread)
    try:
        yield portal
    finally:
        portal.stop()


class ControlError(RuntimeError):
    """The control API answered with an error status."""

    def __init__(self, method: str, path: str, status_code: int, body: str) -> None:
        super().__init__(f"{method} /_control{path} failed with {status_code}: {body[:500]}")
        self.status_code = status_code
        self.detail = _detail(body)


def _detail(body: str) -> str:
    """What an error body says: its `detail` text, or the messages of a 422's list."""
    try:
        detail = json.loads(body)["detail"]
    except (ValueError, KeyError, TypeError):
        return body[:500]
    if isinstance(detail, list):
        return "; ".join(str(item.get("msg", item)) for item in detail if isinstance(item, dict))
    return str(detail)


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """httpx's default TLS set-up, made once: a client made without one reads the system's
    certificate bundle again, which is most of what making a client costs (a test makes one)."""
    return httpx.create_ssl_context()


class ControlClient:
    """A small synchronous client for `/_control`.

    Args:
        base_url: The portal's URL (`PortalServer.url`).
        timeout: Seconds per request.
    """

    def __init__(self, base_url: str, *, timeout: float = 10.0) -> None:
        self._http = httpx.Client(
            base_url=base_url.rstrip("/") + "/_control", timeout=timeout, verify=_tls_context()
        )

    def __enter__(self) -> ControlClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._http.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._http.request(method, path, **kwargs)
        if not response.is_success:
            raise ControlError(method, path, response.status_code, response.text)
        return response.json() if response.content else None

    def reset(self) -> None:
        """Seed accounts, real clock, default config; no faults, sessions or journal."""
        self._call("POST", "/reset")

    def accounts(self) -> list[dict[str, Any]]:
        """Every account's view (including its current clear-text password)."""
        result: list[dict[str, Any]] = self._call("GET", "/accounts")
        return result

    def create_account(self, **fields: Any) -> dict[str, Any]:
        """Create an account (`user_id` and `password` required); returns its view."""
        result: dict[str, Any] = self._call("POST", "/accounts", json=_jsonable(fields))
        return result

    def get_account(self, user_id: str) -> dict[str, Any]:
        """One account's view."""
        result: dict[str, Any] = self._call("GET", f"/accounts/{user_id}")
        return result

    def update_account(self, user_id: str, **fields: Any) -> dict[str, Any]:
        """Change an account (password, password_age_days, locked, ...); returns its view."""
        result: dict[str, Any] = self._call("PATCH", f"/accounts/{user_id}", json=_jsonable(fields))
        return result

    def delete_account(self, user_id: str) -> None:
        """Remove an account."""
        self._call("DELETE", f"/accounts/{user_id}")

    def set_clock(self, now: datetime) -> None:
        """Freeze the mock clock at `now` (naive means JST)."""
        self._call("PUT", "/clock", json={"now": now.isoformat()})

    def advance_clock(self, *, seconds: float = 0, days: float = 0) -> None:
        """Move the mock clock forward (or back, with negative values)."""
        self._call("POST", "/clock/advance", json={"seconds": seconds, "days": days})

    def real_clock(self) -> None:
        """Back to real time."""
        self._call("DELETE", "/clock")

    def now(self) -> datetime:
        """The mock clock's time (aware, JST)."""
        return datetime.fromisoformat(self._call("GET", "/clock")["now"])

    def add_fault(
        self,
        target: str,
        kind: str,
        *,
        times: int | None = 1,
        probability: float | None = None,
        seed: int | None = None,
        delay_seconds: float | None = None,
        phase: str = "before",
        method: str | None = None,
    ) -> dict[str, Any]:
        """Register a fault (see `mock_portal.faults`); returns it with its `id`."""
        body = {
            "target": target,
            "kind": kind,
            "times": times,
            "probability": probability,
            "seed": seed,
            "delay_seconds": delay_seconds,
            "phase": phase,
            "method": method,
        }
        result: dict[str, Any] = self._call("POST", "/faults", json=body)
        return result

    def faults(self) -> list[dict[str, Any]]:
        """Registered faults with how often each fired."""
        result: list[dict[str, Any]] = self._call("GET", "/faults")
        return result

    def clear_faults(self) -> None:
        """Remove every fault."""
        self._call("DELETE", "/faults")

    def journal(self, **filters: str) -> list[dict[str, Any]]:
        """Journal entries, oldest first; filter by method, screen, account or outcome."""
        result: list[dict[str, Any]] = self._call("GET", "/journal", params=filters)
        return result

    def clear_journal(self) -> None:
        """Forget the journal."""
        self._call("DELETE", "/journal")

    def config(self) -> dict[str, Any]:
        """The live config."""
        result: dict[str, Any] = self._call("GET", "/config")
        return result

    def update_config(self, **fields: Any) -> dict[str, Any]:
        """Change config fields; nested `password_policy` dicts merge key by key."""
        result: dict[str, Any] = self._call("PATCH", "/config", json=fields)
        return result

    def variant(self) -> str:
        """The markup variant the screens are rendered in."""
        return str(self._call("GET", "/variant")["variant"])

    def set_variant(self, name: str) -> dict[str, Any]:
        """Render the screens in markup variant `name` (one of `VARIANTS`) until a reset, which
        returns to the start-up variant. Returns `GET /_control/variant`'s answer."""
        result: dict[str, Any] = self._call("PUT", "/variant", json={"variant": name})
        return result

    # --- scenarios and common states ------------------------------------------------------

    def use_screens(self, folder: str | Path) -> dict[str, Any]:
        """Serve the captured screens in `folder` (`koss-rpa capture`) until the next reset;
        returns the screens `served` and the ones `missing` (rendered by the mock)."""
        result: dict[str, Any] = self._call(
            "PUT", "/screens", json={"path": str(Path(folder).resolve())}
        )
        return result

    def use_scenario(self, scenario: str | Path) -> dict[str, Any]:
        """Reset the portal and apply a scenario: a shipped name, or a TOML file (a `Path`, or
        a string ending in `.toml` or holding a folder); returns its `name` and `description`.

        A file is read and checked here, then sent whole, so the portal may run elsewhere.
        """
        if not is_scenario_file(scenario):
            named: dict[str, Any] = self._call("PUT", "/scenario", json={"name": str(scenario)})
            return named
        path = Path(scenario)
        text = path.read_text("utf-8")
        loaded = load_scenario(path)  # a ScenarioError names the file and the problem
        if "name" not in tomllib.loads(text):
            # A file without `name` is called after itself, here as on the command line.
            text = f"name = {json.dumps(loaded.name)}\n{text}"
        result: dict[str, Any] = self._call(
            "PUT",
            "/scenario",
            content=text.encode("utf-8"),
            headers={"Content-Type": TOML_MEDIA_TYPE},
        )
        return result

    def scenarios(self) -> list[dict[str, Any]]:
        """The shipped scenarios' names and descriptions."""
        result: list[dict[str, Any]] = self._call("GET", "/scenarios")
        return result

    def password_of(self, user_id: str) -> str:
        """An account's current clear-text password (what the robot chose, after a change)."""
        return str(self.get_account(user_id)["password"])

    def expire_password(self, user_id: str) -> dict[str, Any]:
        """Make the password exactly as old as the validity (60 days): the next login is sent
        to パスワード変更. Returns the account's view."""
        valid_days = self.config()["password_valid_days"]
        return self.update_account(user_id, password_age_days=valid_days)

    def lock_account(self, user_id: str) -> dict[str, Any]:
        """Lock the account as the lock-out does (failures at the threshold)."""
        threshold = self.config()["lockout_threshold"]
        return self.update_account(user_id, locked=True, failed_logins=threshold)

    def start_maintenance(self, *targets: str) -> list[dict[str, Any]]:
        """The maintenance page (503) on the given screens or paths (default: every screen),
        with no limit, until `clear_faults()` or a reset. Returns the faults."""
        return [self.add_fault(target, "maintenance", times=None) for target in _targets(targets)]

    def slow_down(self, seconds: float, *targets: str) -> list[dict[str, Any]]:
        """Delay every answer of the given screens or paths (default: every screen) by
        `seconds`, with no limit. Returns the faults."""
        return [
            self.add_fault(target, "delay", times=None, delay_seconds=seconds)
            for target in _targets(targets)
        ]

    # --- the journal, typed -------------------------------------------------------------

    def entries(self, **filters: str) -> list[JournalEntry]:
        """Journal entries as `JournalEntry` objects, oldest first (exact-match filters)."""
        return [JournalEntry(**row) for row in self.journal(**filters)]

    def requests(self, **filters: Filter) -> JournalQuery:
        """A query of the journal to count and assert on (patterns allowed), e.g.
        `portal.requests(method="POST", screen="login").exactly(1)`."""
        return JournalQuery(self, **filters)


def _targets(targets: tuple[str, ...]) -> list[str]:
    return list(targets) if targets else list(SCREEN_PATHS)


def _jsonable(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in fields.items()}
