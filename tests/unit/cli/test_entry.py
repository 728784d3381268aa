"""`koss_rpa.cli.entry`: which command lines start Playwright's driver before the CLI is imported,
and the early driver handed out once (the driver itself is replaced: no Node.js here)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import platformdirs
import pytest
import typer

from koss_rpa import settings
from koss_rpa.cli import args, entry
from koss_rpa.cli.app import app
from koss_rpa.flows import browser

T = TypeVar("T")


@pytest.mark.parametrize(
    "argv",
    [
        ["download"],
        ["download", "--user-id", "KNAB1234", "--json"],
        ["--config", "a.toml", "download"],
        ["--config=a.toml", "--lang", "en", "change-password"],
        ["--json", "info"],
        ["check"],
        ["check", "--login"],
        ["capture", "out", "--login"],
        ["--config", "check", "download"],  # a config file named "check"
    ],
)
def test_needs_browser_should_say_yes_for_a_browser_command(argv: list[str]) -> None:
    assert entry.needs_browser(argv)


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--help"],
        ["-h"],
        ["--version"],
        ["version"],
        ["download", "--help"],
        ["--lang", "ja", "check", "--help"],
        ["status"],
        ["batch", "accounts.toml"],
        ["doctor"],
        ["credentials", "set", "KNAB1234"],
        ["--config", "download"],  # a config file named "download", no command
        ["--lang", "download", "status"],
        ["notify", "test", "download"],  # "download" as another command's argument
        ["--", "download"],
    ],
)
def test_needs_browser_should_say_no_for_anything_else(argv: list[str]) -> None:
    assert not entry.needs_browser(argv)


def test_needs_browser_should_know_the_global_options_and_the_commands_as_the_cli_has_them() -> (
    None
):
    assert entry.GLOBAL_VALUED == args.GLOBAL_VALUED
    commands = set(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
    assert commands >= entry.BROWSER_COMMANDS


def test_browser_commands_should_be_those_marked_where_they_are_defined() -> None:
    """`entry` cannot import the commands (Typer is not imported yet): its list is held equal
    to the commands marked `@starts_driver` in their modules."""
    marked = {
        info.name or typer.main.get_command_name(info.callback.__name__)
        for info in app.registered_commands
        if info.callback is not None and args.marked_as_starting_driver(info.callback)
    }
    assert marked == entry.BROWSER_COMMANDS


class _FakeDriver:
    discarded = 0

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()

    async def discard(self) -> None:
        _FakeDriver.discarded += 1


@pytest.fixture
def fake_driver(monkeypatch: pytest.MonkeyPatch) -> type[_FakeDriver]:
    monkeypatch.setattr(browser, "Driver", _FakeDriver)
    monkeypatch.setattr(_FakeDriver, "discarded", 0)
    return _FakeDriver


def test_start_driver_should_hand_out_the_early_driver_once(fake_driver: Any) -> None:
    async def scenario() -> tuple[Any, Any, Any]:
        browser.start_early_driver()
        early = browser._early[asyncio.get_running_loop()]
        first, second = browser.start_driver(), browser.start_driver()
        await browser.discard_early_driver()  # taken: nothing to discard
        return early, first, second

    early, first, second = _in_a_fresh_thread(lambda: asyncio.run(scenario()))
    assert first is early
    assert second is not early
    assert fake_driver.discarded == 0
    assert not browser._early


def test_start_driver_should_not_take_an_early_driver_of_another_loop(fake_driver: Any) -> None:
    async def start_early() -> None:
        browser.start_early_driver()

    async def start() -> Any:
        return browser.start_driver()

    def scenario() -> None:
        other = asyncio.new_event_loop()
        try:
            other.run_until_complete(start_early())
            early = browser._early[other]
            assert asyncio.run(start()) is not early
            other.run_until_complete(browser.discard_early_driver())
        finally:
            other.close()

    _in_a_fresh_thread(scenario)
    assert fake_driver.discarded == 1
    assert not browser._early


def _in_a_fresh_thread(job: Callable[[], T]) -> T:
    """Run `job` where no event loop runs (pytest-playwright may leave one in this thread)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(job).result()


def test_main_should_run_the_cli_with_the_collector_on(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The collector is off while the program imports, never while the CLI runs."""
    import gc

    import koss_rpa.cli.app

    seen: list[bool] = []

    def cli_main() -> int:
        seen.append(gc.isenabled())
        return 0

    monkeypatch.setattr(sys, "argv", ["koss-rpa", "version"])
    monkeypatch.setenv("NODE_COMPILE_CACHE", str(tmp_path))
    monkeypatch.setattr(koss_rpa.cli.app, "main", cli_main)
    try:
        assert entry.main() == 0
    finally:
        gc.unfreeze()
        gc.enable()
    assert seen == [True]


def test_use_node_compile_cache_should_name_a_folder_of_the_users_cache(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("NODE_COMPILE_CACHE", "-")  # so that the value set below is undone
    monkeypatch.delenv("NODE_COMPILE_CACHE")
    monkeypatch.setattr(platformdirs, "user_cache_path", lambda app, appauthor: tmp_path / str(app))
    entry.use_node_compile_cache()
    assert os.environ["NODE_COMPILE_CACHE"] == str(tmp_path / "koss-rpa" / "node-compile-cache")
    assert entry.APP_NAME == settings.APP_NAME


def test_use_node_compile_cache_should_keep_the_users_own(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NODE_COMPILE_CACHE", "/somewhere/else")
    entry.use_node_compile_cache()
    assert os.environ["NODE_COMPILE_CACHE"] == "/somewhere/else"


def test_what_starts_the_driver_should_import_no_flow_account_or_keyring() -> None:
    """`entry` imports `flows.browser` to start Playwright's driver before anything else: were
    the flows, the account protocol or the keyring loaded with it, the driver would start that
    much later, every run (a fresh interpreter, as the program has it)."""
    heavy = ("keyring", "koss_rpa.account.protocol", "koss_rpa.flows.runtime", "typer", "rich")
    code = (
        "import sys, koss_rpa.flows.browser, koss_rpa.evidence.scratch, koss_rpa.asyncrun\n"
        f"print(','.join(m for m in {heavy!r} if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == ""
