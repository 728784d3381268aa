"""Proactive rotation before the 60 days run out, and telling the office about it."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr

from mock_portal.testing import ControlClient
from tests.e2e.conftest import PASSWORD, USER_ID, CliResult, KossEnv, reveal

pytestmark = pytest.mark.e2e

Cli = Callable[..., CliResult]


def test_download_should_rotate_a_password_older_than_rotate_after_days(
    portal: ControlClient, koss_env: Callable[..., KossEnv], quick_cli: Cli
) -> None:
    env = koss_env(rotate_after_days=50)
    env.store.set_password(USER_ID, SecretStr(PASSWORD), datetime.now(UTC) - timedelta(days=55))

    result = quick_cli("--config", str(env.config), "download", "--json")

    assert result.code == 0, result.stderr
    assert result.json()["result"]["rotated"] is True
    new = portal.get_account(USER_ID)["password"]
    assert new != PASSWORD
    assert reveal(env.store.current(USER_ID)) == new
    assert reveal(env.store.previous(USER_ID)) == PASSWORD
    age = env.store.status(USER_ID).age_days()
    assert age is not None
    assert age < 1
    assert len(env.workbooks()) == 1
    assert len(portal.journal(outcome="password_changed")) == 1


def test_download_should_not_rotate_a_young_password(
    portal: ControlClient, koss_env: Callable[..., KossEnv], quick_cli: Cli
) -> None:
    env = koss_env(rotate_after_days=50)
    env.store.set_password(USER_ID, SecretStr(PASSWORD), datetime.now(UTC) - timedelta(days=10))

    result = quick_cli("--config", str(env.config), "download", "--json")

    assert result.code == 0, result.stderr
    assert result.json()["result"]["rotated"] is False
    assert portal.get_account(USER_ID)["password"] == PASSWORD
    assert not portal.journal(outcome="password_changed")


def test_rotation_should_run_the_notify_command_without_the_password(
    portal: ControlClient, koss_env: Callable[..., KossEnv], quick_cli: Cli
) -> None:
    record = koss_env().root / "notified.json"
    script = (
        "import json, os, sys; "
        "json.dump({k: v for k, v in os.environ.items() if k.startswith('KOSS_')}, "
        f"open({str(record)!r}, 'w'))"
    )
    env = koss_env(notify_command=f'"{sys.executable}" -c "{script}"')
    env.store.set_password(USER_ID, SecretStr(PASSWORD))
    portal.update_account(USER_ID, password_age_days=61)

    assert quick_cli("--config", str(env.config), "download").code == 0

    notified = json.loads(record.read_text(encoding="utf-8"))
    assert notified["KOSS_EVENT"] == "password_rotated"
    assert notified["KOSS_USER_ID"] == USER_ID
    new = portal.get_account(USER_ID)["password"]
    assert new not in record.read_text(encoding="utf-8")
    assert PASSWORD not in record.read_text(encoding="utf-8")
