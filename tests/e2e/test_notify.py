"""Notifications end to end: a batch against the mock tells a JSON webhook and a mail server
exactly what needs a person, once a day, and never a password or a target's token."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
from pydantic import SecretStr

from koss_rpa.errors import EXIT_BATCH_PARTIAL, CredentialsMissing
from mock_portal.testing import ControlClient
from tests.e2e.conftest import USER_ID, CliResult, KossEnv
from tests.support.receivers import JsonReceiver, MailReceiver, json_receiver, mail_receiver

pytestmark = pytest.mark.e2e

Cli = Callable[..., CliResult]
TOKEN = "hookT0ken42"

# 納付利用者ID → (password the mock has, password in the keyring, state); worked on one at a
# time in this order, so the first account's downloads meet the truncating faults.
ACCOUNTS = {
    "KNBN0001": ("Trunc0001a", "Trunc0001a", "truncated"),
    "KNBN0002": ("Right0002b", "Wrong0002b", "wrong"),
    "KNBN0003": ("Locked003c", "Locked003c", "locked"),
    "KNBN0004": ("Expire004d", "Expire004d", "expired"),
}


@pytest.fixture
def hook() -> Iterator[JsonReceiver]:
    with json_receiver() as receiver:
        yield receiver


@pytest.fixture
def mail() -> Iterator[MailReceiver]:
    with mail_receiver() as receiver:
        yield receiver


def dead_target() -> str:
    with json_receiver() as receiver:
        port = receiver.port
    return f"json://office:{TOKEN}@127.0.0.1:{port}/"


def seed(portal: ControlClient, env: KossEnv) -> str:
    for n, (user_id, (portal_pw, keyring_pw, state)) in enumerate(ACCOUNTS.items(), start=1):
        portal.create_account(
            user_id=user_id,
            bulk_user_id=f"KI{user_id[2:]}",
            name_kana="ケイジ タロウ",
            name=f"軽自 太郎{n}",
            admin_email=f"office{n}@example.jp",
            password=portal_pw,
            password_age_days=61 if state == "expired" else 3,
            locked=state == "locked",
        )
        env.store.set_password(user_id, SecretStr(keyring_pw))
    accounts = env.root / "accounts.toml"
    accounts.write_text(
        "".join(f'[[accounts]]\nuser_id = "{u}"\nlabel = "店舗{u[-1]}"\n\n' for u in ACCOUNTS),
        encoding="utf-8",
    )
    return str(accounts)


def passwords(portal: ControlClient) -> list[str]:
    known = {pw for pair in ACCOUNTS.values() for pw in pair[:2]}
    known |= {portal.get_account(u)["password"] for u in ACCOUNTS}  # the rotated one too
    return sorted(known)


def test_batch_should_notify_each_problem_the_rotation_and_the_summary_once_a_day(
    portal: ControlClient,
    koss_env: Callable[..., KossEnv],
    cli: Cli,
    hook: JsonReceiver,
    mail: MailReceiver,
) -> None:
    # Long by design: three batch runs of several accounts, with a failing download retried.
    env = koss_env(
        retry={"attempts": 2},
        concurrency=1,
        notify_urls=[hook.url, mail.url, dead_target()],
    )
    accounts = seed(portal, env)
    portal.add_fault("download", "truncate", times=2)

    first = cli("--config", str(env.config), "batch", accounts, "--once-per", "month", "--json")

    assert first.code == EXIT_BATCH_PARTIAL, first.stderr
    titles = sorted(m["title"] for m in hook.received)
    assert titles == sorted(
        [
            "koss-rpa: KNBN0001 店舗1: the download failed",
            "koss-rpa: KNBN0002 店舗2 needs you",
            "koss-rpa: KNBN0003 店舗3 needs you",
            "koss-rpa: KNBN0004 店舗4: password changed",
            "koss-rpa: batch " + first.json()["result"]["month"] + ": 3 of 4 failed",
        ]
    )
    assert sorted(str(m["Subject"]) for m in mail.received) == titles
    by_title = {m["title"]: m["message"] for m in hook.received}
    locked = by_title["koss-rpa: KNBN0003 店舗3 needs you"]
    assert "(account_locked, exit code 11)" in locked  # the code in the body, not the title
    assert "パスワード初期化" in locked
    assert "credentials set KNBN0003" in locked
    assert str(env.run_dir) in locked  # the run folder
    # The dead target: a warning on stderr and in the report, by position, never its token.
    report = first.json()["result"]
    assert len(report["notify_failures"]) == 5
    assert all("notify_urls[3] (JSON)" in f for f in report["notify_failures"])
    assert "notify_urls[3] (JSON)" in first.stderr
    assert TOKEN not in first.stdout + first.stderr
    for text in (b"".join(hook.raw), b"".join(mail.raw)):
        for password in passwords(portal):
            assert password.encode() not in text

    again = cli("--config", str(env.config), "batch", accounts, "--once-per", "month", "--json")

    assert again.code == EXIT_BATCH_PARTIAL, again.stderr
    new = [m["title"] for m in hook.received[len(titles) :]]
    assert len(new) == 1  # the summary only (KNBN0001 is done now): each problem was told
    assert new[0].startswith("koss-rpa: batch ")

    third = cli("--config", str(env.config), "batch", accounts, "--once-per", "month", "--json")

    assert third.code == EXIT_BATCH_PARTIAL, third.stderr
    assert len(hook.received) == len(titles) + 1  # the same failures: the summary not again


def test_download_should_notify_a_missing_password_and_warn_of_a_dead_target(
    portal: ControlClient, koss_env: Callable[..., KossEnv], cli: Cli, hook: JsonReceiver
) -> None:
    env = koss_env(notify_urls=[hook.url, dead_target()])

    result = cli("--config", str(env.config), "download", "--json")

    assert result.code == CredentialsMissing.exit_code
    [told] = hook.received
    assert told["title"] == f"koss-rpa: {USER_ID} needs you"
    assert "credentials_missing" in told["message"]
    assert f"koss-rpa credentials set {USER_ID}" in told["message"]
    assert "warning: a notification could not be sent: notify_urls[2] (JSON)" in result.stderr
    assert TOKEN not in result.stdout + result.stderr
    assert json.loads(result.stdout.splitlines()[-1])["error"]["exit_code"] == 13


def test_download_should_refuse_an_unparseable_notify_url_before_any_browser(
    portal: ControlClient, env: KossEnv, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KOSS_NOTIFY_URLS", f"nonsense://{TOKEN}@somewhere")

    result = cli("--config", str(env.config), "download")

    assert result.code == 3
    assert "notify_urls[1] (nonsense://…)" in result.stderr
    assert TOKEN not in result.stderr
    assert portal.journal() == []
