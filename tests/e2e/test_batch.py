"""`koss-rpa batch`: six accounts of every kind in one run, then the same month again."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import SecretStr

from koss_rpa.errors import EXIT_BATCH_PARTIAL
from mock_portal.testing import ControlClient
from tests.e2e.conftest import CliResult, KossEnv, reveal

pytestmark = pytest.mark.e2e

Cli = Callable[..., CliResult]

# 納付利用者ID → (password the mock has, password in the keyring, state)
ACCOUNTS = {
    "KNBA0001": ("Valid0001a", "Valid0001a", "valid"),
    "KNBA0002": ("Valid0002b", "Valid0002b", "valid"),
    "KNBA0003": ("Expired03c", "Expired03c", "expired"),
    "KNBA0004": ("Right0004d", "Wrong0004d", "wrong"),
    "KNBA0005": ("Locked005e", "Locked005e", "locked"),
    "KNBA0006": ("Valid0006f", "Valid0006f", "valid"),
}


def seed(portal: ControlClient, env: KossEnv) -> Path:
    for n, (user_id, (portal_pw, keyring_pw, state)) in enumerate(ACCOUNTS.items(), start=1):
        portal.create_account(
            user_id=user_id,
            bulk_user_id=f"KI{user_id[2:]}",
            name_kana="ケイジ ハナコ",
            name=f"軽自 花子{n}",
            admin_email=f"office{n}@example.jp",
            password=portal_pw,
            password_age_days=61 if state == "expired" else 3,
            locked=state == "locked",
        )
        env.store.set_password(user_id, SecretStr(keyring_pw))
    accounts = env.root / "accounts.toml"
    accounts.write_text(
        "".join(
            f'[[accounts]]\nuser_id = "{user_id}"\nlabel = "店舗{n}"\n\n'
            for n, user_id in enumerate(ACCOUNTS, start=1)
        ),
        encoding="utf-8",
    )
    return accounts


def test_batch_should_report_each_account_and_go_on_after_failures(
    portal: ControlClient, koss_env: Callable[..., KossEnv], quick_cli: Cli
) -> None:
    env = koss_env(retry={"attempts": 2}, concurrency=2)
    accounts = seed(portal, env)
    # One account's download meets a portal error once: that account retries and succeeds.
    portal.add_fault("download", "http_500", times=1)

    first = quick_cli(
        "--config", str(env.config), "batch", str(accounts), "--once-per", "month", "--json"
    )

    assert first.code == EXIT_BATCH_PARTIAL, first.stderr
    report = first.json()["result"]
    outcomes = {a["user_id"]: a for a in report["accounts"]}
    assert [outcomes[u]["outcome"] for u in ACCOUNTS] == [
        "downloaded",
        "downloaded",
        "downloaded",
        "failed",
        "failed",
        "downloaded",
    ]
    assert outcomes["KNBA0003"]["rotated"] is True
    assert outcomes["KNBA0004"]["error_code"] == "login_rejected"
    assert outcomes["KNBA0005"]["error_code"] == "account_locked"
    assert sorted(
        outcomes[u]["attempts"] for u in ACCOUNTS if u not in {"KNBA0004", "KNBA0005"}
    ) == [1, 1, 1, 2]
    for user_id in ("KNBA0001", "KNBA0002", "KNBA0003", "KNBA0006"):
        saved = Path(outcomes[user_id]["file"])
        assert saved.is_file()
        assert saved.parent.parent.name == user_id
        assert len(outcomes[user_id]["sha256"]) == 64
    new = env.store.current("KNBA0003")
    assert reveal(new) == portal.get_account("KNBA0003")["password"]
    failed_logins = portal.journal(outcome="login_failed")
    assert [e["account"] for e in failed_logins] == ["KNBA0004"]
    run_reports = list(env.run_dir.glob("*batch*/report.json"))
    assert len(run_reports) == 1
    assert json.loads(run_reports[0].read_text(encoding="utf-8"))["counts"]["failed"] == 2

    # The same month again: every account that has its file is skipped without a browser.
    login_posts = len(portal.journal(method="POST", screen="login"))
    second = quick_cli(
        "--config", str(env.config), "batch", str(accounts), "--once-per", "month", "--json"
    )
    assert second.code == EXIT_BATCH_PARTIAL  # the two failed accounts are tried again
    again = {a["user_id"]: a["outcome"] for a in second.json()["result"]["accounts"]}
    assert [again[u] for u in ACCOUNTS] == [
        "skipped",
        "skipped",
        "skipped",
        "failed",
        "failed",
        "skipped",
    ]
    # KNBA0004's password was rejected before: not guessed again. KNBA0005's lock stands until
    # a person acts (パスワード初期化, then `credentials unlock`): nothing is submitted for it.
    assert [e["account"] for e in portal.journal(outcome="login_failed")] == ["KNBA0004"]
    assert portal.journal(method="POST", screen="login")[login_posts:] == []
    assert second.json()["result"]["browser_started"] is False


def test_batch_should_start_no_browser_when_the_month_is_complete(
    portal: ControlClient, koss_env: Callable[..., KossEnv], cli: Cli, quick_cli: Cli
) -> None:
    env = koss_env()
    accounts = env.root / "accounts.toml"
    accounts.write_text('[[accounts]]\nuser_id = "KNAB1234"\n', encoding="utf-8")
    env.store.set_password("KNAB1234", SecretStr("Keiji2019"))
    assert quick_cli("--config", str(env.config), "batch", str(accounts)).code == 0
    requests = len(portal.journal())

    # As the command runs: no shared browser, it would launch one of its own.
    again = cli(
        "--config", str(env.config), "batch", str(accounts), "--once-per", "month", "--json"
    )

    assert again.code == 0
    result = again.json()["result"]
    assert result["browser_started"] is False
    assert result["counts"] == {"downloaded": 0, "skipped": 1, "failed": 0}
    assert len(portal.journal()) == requests
