"""Serving the mock portal until Ctrl-C, for `koss-mock-portal` (mock_portal.cli), which has
parsed the arguments and checked that the `mock` extra is installed."""

from __future__ import annotations

import argparse
import contextlib
import socket
import sys

import uvicorn
from fastapi import FastAPI
from pydantic import ValidationError

from mock_portal.accounts import Account, load_seeds
from mock_portal.app import create_app
from mock_portal.playback import CapturedScreens, ScreensError, load_screens
from mock_portal.scenario import (
    Scenario,
    ScenarioError,
    apply_scenario,
    load_scenario,
)
from mock_portal.variants import DEFAULT


class _AnnouncingServer(uvicorn.Server):
    """Prints where to go once the socket is bound (so `--port 0` shows the real port)."""

    def __init__(
        self,
        config: uvicorn.Config,
        accounts: list[tuple[str, str]],
        scenario: Scenario | None = None,
        variant: str = DEFAULT,
    ) -> None:
        super().__init__(config)
        self._accounts = accounts
        self._scenario = scenario
        self._variant = variant

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if not self.started:
            return
        host, port = self.servers[0].sockets[0].getsockname()[:2]
        shown = f"[{host}]" if ":" in host else host
        url = f"http://{shown}:{port}"
        print(f"Mock portal: {url}", flush=True)
        print(f"Control API docs: {url}/_control/docs", flush=True)
        print("Demo accounts (fake):", flush=True)
        for user_id, password in self._accounts:
            print(f"  {user_id}  {password}", flush=True)
        if self._scenario is not None:
            print(f"Scenario: {_describe(self._scenario)}", flush=True)
        screens = self._screens()
        if screens is not None:
            print(f"Screens: {screens.describe()}", flush=True)
        print(f"Markup variant: {self._variant}", flush=True)
        print("Press Ctrl-C to stop.", flush=True)

    def _screens(self) -> CapturedScreens | None:
        app = self.config.app
        state = getattr(getattr(app, "state", None), "portal", None)
        return getattr(state, "screens", None)


def _one_line(exc: Exception) -> str:
    """A validation error's first problem (pydantic's own text spans lines)."""
    if isinstance(exc, ValidationError):
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"])
        more = exc.error_count() - 1
        return f"{where}: {first['msg']}" + (f" (and {more} more)" if more else "")
    return " ".join(str(exc).split())


def _describe(scenario: Scenario) -> str:
    return f"{scenario.name} — {scenario.description}" if scenario.description else scenario.name


def serve(args: argparse.Namespace) -> int:
    """Check, or serve, what the parsed arguments ask for; returns the exit status."""
    try:
        load_seeds(args.accounts)  # read here too, for a clean message instead of a traceback
    except (OSError, ValueError) as exc:
        print(f"koss-mock-portal: cannot read accounts: {_one_line(exc)}", file=sys.stderr)
        return 2
    app = create_app(accounts_file=args.accounts, variant=args.variant)
    scenario = None
    if args.scenario is not None:
        try:
            scenario = load_scenario(args.scenario)
            apply_scenario(app.state.portal, scenario)
        except ScenarioError as exc:
            print(f"koss-mock-portal: cannot use scenario: {exc}", file=sys.stderr)
            return 2
    if args.screens is not None:
        try:
            captured = load_screens(args.screens)
        except ScreensError as exc:
            print(f"koss-mock-portal: cannot use screens: {exc}", file=sys.stderr)
            return 2
        state = app.state.portal
        with state.lock:
            state.default_screens = state.screens = captured
    if args.check:
        print(f"ok: {_describe(scenario)}" if scenario else "ok")
        return 0
    # No access log: at log level warning it printed nothing, yet uvicorn formatted each
    # request's client address and path for it.
    config = uvicorn.Config(
        app, host=args.host, port=args.port, log_level="warning", access_log=False
    )
    accounts = [(account.user_id, account.password) for account in _accounts(app)]
    server = _AnnouncingServer(config, accounts, scenario, app.state.portal.config.variant)
    # uvicorn re-raises the Ctrl-C it handled once it has shut down; that is a clean exit.
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    return 0 if server.started else 1


def _accounts(app: FastAPI) -> list[Account]:
    """The live accounts (a scenario may have changed or added some)."""
    state = app.state.portal
    with state.lock:
        return list(state.accounts.values())
