"""`koss-mock-portal` / `python -m mock_portal`: serve the mock portal until Ctrl-C."""

from __future__ import annotations

import argparse
import contextlib
import socket
from pathlib import Path

import uvicorn

from mock_portal.accounts import load_seeds
from mock_portal.app import create_app


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="koss-mock-portal",
        description="A mock of the K-OSS 利用者情報マイページ, for development and tests.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface (default: loopback)")
    parser.add_argument("--port", type=int, default=8080, help="port; 0 picks a free one")
    parser.add_argument("--accounts", type=Path, help="TOML file of [[accounts]] to seed")
    return parser


class _AnnouncingServer(uvicorn.Server):
    """Prints where to go once the socket is bound (so `--port 0` shows the real port)."""

    def __init__(self, config: uvicorn.Config, accounts: list[tuple[str, str]]) -> None:
        super().__init__(config)
        self._accounts = accounts

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
        print("Press Ctrl-C to stop.", flush=True)


def main(argv: list[str] | None = None) -> int:
    """Run the command; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        seeds = load_seeds(args.accounts)
    except (OSError, ValueError) as exc:
        print(f"koss-mock-portal: cannot read accounts: {exc}")
        return 2
    app = create_app(accounts_file=args.accounts)
    config = uvicorn.Config(app, host=args.host, port=args.port, log_level="warning")
    server = _AnnouncingServer(config, [(seed.user_id, seed.password) for seed in seeds])
    # uvicorn re-raises the Ctrl-C it handled once it has shut down; that is a clean exit.
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    return 0 if server.started else 1


if __name__ == "__main__":
    raise SystemExit(main())
