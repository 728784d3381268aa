"""E2E helpers: a config file pointing koss-rpa at the mock, and the CLI run in-process."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from koss_rpa.account.store import CredentialStore
from koss_rpa.cli.app import main
from koss_rpa.flows.browser import CLOSED_NETWORK_ARGS
from mock_portal.testing import PortalServer
from testkit.config import write_config
from testkit.sharedbrowser import SharedBrowser

USER_ID = "KNAB1234"
PASSWORD = "Keiji2019"


def reveal(secret: SecretStr | None) -> str | None:
    """A stored password's value, for comparing with the mock's."""
    return secret.get_secret_value() if secret is not None else None


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str

    def json(self) -> dict[str, Any]:
        last = [line for line in self.stdout.splitlines() if line.startswith("{")][-1]
        data: dict[str, Any] = json.loads(last)
        return data


@dataclass
class KossEnv:
    """Where the tool under test keeps its things in one test."""

    root: Path
    config: Path
    download_dir: Path
    run_dir: Path
    store: CredentialStore

    def files(self) -> list[Path]:
        if not self.download_dir.exists():
            return []
        return sorted(p for p in self.download_dir.rglob("*") if p.is_file())

    def workbooks(self) -> list[Path]:
        return [p for p in self.files() if p.suffix == ".xlsm"]


@pytest.fixture
def koss_env(
    tmp_path: Path,
    portal_server: PortalServer,
    browser_type_launch_args: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> Callable[..., KossEnv]:
    """Builds a config for koss-rpa against the mock; keyword arguments override settings."""
    for name in [n for n in __import__("os").environ if n.startswith("KOSS_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)

    def build(**overrides: Any) -> KossEnv:
        values: dict[str, Any] = {
            "portal_url": portal_server.url,
            "user_id": USER_ID,
            "download_dir": str(tmp_path / "downloads"),
            "state_dir": str(tmp_path / "state"),
            "run_dir": str(tmp_path / "state" / "runs"),
            "browser": browser_type_launch_args.get("executable_path", "auto"),
            "headless": browser_type_launch_args.get("headless", True),
            "browser_args": list(CLOSED_NETWORK_ARGS),
            "retry": {
                "attempts": 3,
                "initial_wait_seconds": 0,
                "max_wait_seconds": 0,
                "jitter_seconds": 0,
            },
            "timeouts": {"action_seconds": 5, "navigation_seconds": 10, "download_seconds": 10},
        }
        for key, value in overrides.items():
            if isinstance(value, dict) and isinstance(values.get(key), dict):
                values[key] = {**values[key], **value}
            else:
                values[key] = value
        config = tmp_path / "config.toml"
        write_config(config, values)
        return KossEnv(
            tmp_path,
            config,
            Path(values["download_dir"]),
            Path(values["run_dir"]),
            CredentialStore(),
        )

    return build


@pytest.fixture
def env(koss_env: Callable[..., KossEnv]) -> KossEnv:
    """The default set-up, with the seeded account's password in the keyring."""
    built = koss_env()
    built.store.set_password(USER_ID, SecretStr(PASSWORD))
    return built


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Runs `koss-rpa ARGS` in this process (same keyring), capturing its output."""

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture(scope="module")
def module_browser(browser_type_launch_args: dict[str, Any]) -> Iterator[SharedBrowser]:
    """One Chromium for a module's in-process runs (see `testkit/sharedbrowser.py`)."""
    shared = SharedBrowser.like(browser_type_launch_args)
    yield shared
    shared.close()


@pytest.fixture
def quick_cli(
    cli: Callable[..., CliResult], module_browser: SharedBrowser
) -> Callable[..., CliResult]:
    """`cli`, with the module's shared Chromium instead of one launched per run."""

    def run(*args: str) -> CliResult:
        with module_browser.installed():
            return cli(*args)

    return run
