"""koss_rpa.notify: apprise targets on loopback receivers, once a day, never a secret."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import keyring
import pytest

from koss_rpa.cli.app import main
from koss_rpa.errors import EXIT_NOTIFY_FAILED, LoginRejected, SettingsInvalid
from koss_rpa.notify import delivery, messages, targets
from koss_rpa.settings import NotifyConfig, Settings
from koss_rpa.storage import JST
from tests.support.receivers import JsonReceiver, MailReceiver, json_receiver, mail_receiver

UID = "KNAB1234"
TOKEN = "s3cr3tT0ken"
NOON = datetime(2026, 11, 26, 12, 0, tzinfo=JST)


@pytest.fixture
def hook() -> Iterator[JsonReceiver]:
    with json_receiver() as receiver:
        yield receiver


@pytest.fixture
def mail() -> Iterator[MailReceiver]:
    with mail_receiver() as receiver:
        yield receiver


def dead_url() -> str:
    """A JSON target with a token in it, on a loopback port nobody listens on."""
    with json_receiver() as receiver:
        port = receiver.port
    return f"json://office:{TOKEN}@127.0.0.1:{port}/hook"


def config_for(tmp_path: Path, *urls: str, **more: Any) -> NotifyConfig:
    settings = Settings(
        notify_urls=urls,
        run_dir=tmp_path / "state" / "runs",
        download_dir=tmp_path / "dl",
        **more,
    )
    return settings.notify_config()


def test_problem_message_should_say_who_what_to_do_and_where(tmp_path: Path) -> None:
    message = messages.problem_message(
        UID, "本店", "login_rejected", 10, "ID またはパスワードが違います", tmp_path / "run1"
    )

    assert message is not None
    assert message.event == "needs_person"
    assert UID in message.title
    assert "本店" in message.title
    assert "ID またはパスワードが違います" in message.body
    assert f"koss-rpa credentials set {UID}" in message.body
    assert str(tmp_path / "run1") in message.body


@pytest.mark.parametrize(
    ("exit_code", "event"),
    [(10, "needs_person"), (15, "needs_person"), (20, "failed"), (23, "failed"), (3, None)],
)
def test_event_of_should_map_exit_codes_to_events(exit_code: int, event: str | None) -> None:
    assert messages.event_of(exit_code) == event


def test_send_should_deliver_to_a_json_webhook_and_a_mail_server(
    tmp_path: Path, hook: JsonReceiver, mail: MailReceiver
) -> None:
    config = config_for(tmp_path, hook.url, mail.url)

    failures = delivery.notify_problem(
        config, UID, "本店", LoginRejected("ID またはパスワードが違います"), tmp_path / "run"
    )

    assert failures == []
    [posted] = hook.received
    assert posted["type"] == "failure"
    assert UID in posted["title"]
    assert f"koss-rpa credentials set {UID}" in posted["message"]
    [mailed] = mail.received
    assert UID in str(mailed["Subject"])
    assert mailed["To"] == "office@example.jp"


def test_send_should_tell_a_problem_once_a_day(tmp_path: Path, hook: JsonReceiver) -> None:
    config = config_for(tmp_path, hook.url)
    error = LoginRejected("wrong")

    for now in (NOON, NOON + timedelta(hours=5), NOON + timedelta(days=1)):
        message = messages.problem_message(UID, "", error.code, 10, str(error), None)
        assert message is not None
        delivery.send(config, message, now=now)
    other = messages.problem_message("KNCA6288", "", error.code, 10, str(error), None)
    assert other is not None
    delivery.send(config, other, now=NOON)

    titles = [r["title"] for r in hook.received]
    assert len(titles) == 3  # day 1, day 2, and the other account on day 1
    assert sum("KNCA6288" in t for t in titles) == 1


def test_send_should_try_again_tomorrow_only_if_nothing_was_delivered(tmp_path: Path) -> None:
    config = config_for(tmp_path, dead_url())
    message = messages.problem_message(UID, "", "account_locked", 11, "locked", None)
    assert message is not None

    first = delivery.send(config, message, now=NOON)
    again = delivery.send(config, message, now=NOON + timedelta(minutes=1))

    assert len(first) == 1
    assert len(again) == 1  # not remembered as told: nobody heard it


def test_send_should_name_a_failed_target_without_its_token(tmp_path: Path) -> None:
    config = config_for(tmp_path, dead_url())

    failures = delivery.send(config, messages.rotated_message(UID))

    assert failures == [
        "notify_urls[1] (JSON): the notification was not delivered (the connection was refused)"
    ]
    assert TOKEN not in json.dumps(failures)


def test_send_should_skip_events_not_in_notify_on(tmp_path: Path, hook: JsonReceiver) -> None:
    config = config_for(tmp_path, hook.url, notify_on=("needs_person",))

    assert delivery.send(config, messages.rotated_message(UID)) == []
    assert hook.received == []


def test_send_should_redact_the_runs_secrets(tmp_path: Path, hook: JsonReceiver) -> None:
    config = config_for(tmp_path, hook.url)
    message = messages.problem_message(UID, "", "internal", 1, "oops Keiji2019 oops", None)
    assert message is not None

    delivery.send(config, message, redact=lambda text: text.replace("Keiji2019", "********"))

    assert b"Keiji2019" not in b"".join(hook.raw)
    assert "********" in hook.received[0]["message"]


def test_check_targets_should_refuse_an_unparseable_url_without_printing_it(
    tmp_path: Path,
) -> None:
    config = config_for(tmp_path, "json://127.0.0.1/", f"nosuch://{TOKEN}@host")

    with pytest.raises(SettingsInvalid) as info:
        targets.check_targets(config)

    assert info.value.exit_code == 3
    assert "notify_urls[2]" in str(info.value)
    assert TOKEN not in str(info.value)


def test_target_urls_should_include_the_keyring_entry_and_the_webhook(tmp_path: Path) -> None:
    keyring.set_password("koss-rpa", targets.KEYRING_ENTRY, f"ntfy://{TOKEN}@ntfy.sh/koss\n")
    config = config_for(tmp_path, "json://a/", notify_webhook="https://hooks.example.jp/x")

    assert targets.target_urls(config) == [
        "json://a/",
        f"ntfy://{TOKEN}@ntfy.sh/koss",
        "jsons://hooks.example.jp/x",
    ]


def test_batch_message_should_list_every_account() -> None:
    report = {
        "month": "2026-11",
        "counts": {"downloaded": 1, "skipped": 1, "failed": 1},
        "accounts": [
            {"user_id": "KNBA0001", "label": "本店", "outcome": "downloaded"},
            {"user_id": "KNBA0002", "label": "", "outcome": "skipped"},
            {
                "user_id": "KNBA0003",
                "label": "支店",
                "outcome": "failed",
                "error_code": "account_locked",
                "exit_code": 11,
            },
        ],
    }

    message = messages.batch_message(report, Path("/runs/x"))

    assert message.event == "batch"
    assert "1 of 3 failed" in message.title
    assert "✗ KNBA0003 支店: account_locked (11)" in message.body
    assert "パスワード初期化" in message.body
    assert "/runs/x" in message.body


def _cli(tmp_path: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    config = tmp_path / "config.toml"
    code = main(["--config", str(config), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_notify_test_should_say_which_target_failed(
    tmp_path: Path, hook: JsonReceiver, capsys: pytest.CaptureFixture[str]
) -> None:
    dead = dead_url()
    (tmp_path / "config.toml").write_text(
        f"notify_urls = [{json.dumps(hook.url)}, {json.dumps(dead)}]\n", encoding="utf-8"
    )

    code, out, err = _cli(tmp_path, "notify", "test", capsys=capsys)

    assert code == EXIT_NOTIFY_FAILED
    assert "✓ notify_urls[1] (JSON)" in out
    assert (
        "✗ notify_urls[2] (JSON): the notification was not delivered "
        "(the connection was refused)" in out
    )
    assert len(hook.received) == 1
    assert hook.received[0]["title"] == "koss-rpa: test notification"
    assert TOKEN not in out + err


def test_notify_test_should_exit_3_naming_an_unparseable_url(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "config.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("KOSS_NOTIFY_URLS", f"json://127.0.0.1/ bogus://{TOKEN}")

    code, out, err = _cli(tmp_path, "notify", "test", capsys=capsys)

    assert code == 3
    assert "notify_urls[2] (bogus://…)" in err
    assert TOKEN not in out + err


def test_notify_set_urls_should_keep_them_in_the_keyring_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    (tmp_path / "config.toml").write_text("", encoding="utf-8")
    monkeypatch.setattr("sys.stdin", io.StringIO(f"ntfy://{TOKEN}@ntfy.sh/koss\n"))

    code, out, err = _cli(tmp_path, "notify", "set-urls", capsys=capsys)

    assert code == 0, err
    assert keyring.get_password("koss-rpa", "notify_urls") == f"ntfy://{TOKEN}@ntfy.sh/koss"
    assert TOKEN not in out + err


def test_problem_message_should_speak_the_users_language() -> None:
    from koss_rpa.i18n import set_language

    set_language("ja")
    message = messages.problem_message(UID, "本店", "account_locked", 11, "locked", None)

    assert message is not None
    assert message.title == "koss-rpa: KNAB1234 本店 の対応が必要です"  # words, no code
    assert "account_locked" in message.body
    assert "パスワード初期化" in message.body
    assert "すること:" in message.body


@pytest.mark.parametrize(
    ("logged", "reason"),
    [
        (
            ["Failed to send JSON POST notification: Internal server error., error=500."],
            "HTTP status 500",
        ),
        (["Socket Exception: ... [Errno 111] Connection refused"], "the connection was refused"),
        (["Socket Exception: Read timed out. (read timeout=4)"], "no answer in time (time-out)"),
        (
            ["Failed to resolve 'x.invalid' ([Errno -2] Name or service not known)"],
            "the host name does not resolve",
        ),
        ([f"Sent to https://hooks.example/{TOKEN}"], "the service gave no reason"),
    ],
)
def test_failure_reason_should_say_why_in_words_and_never_echo_the_log(
    logged: list[str], reason: str
) -> None:
    said = targets.failure_reason(logged)

    assert said == reason
    assert TOKEN not in said
