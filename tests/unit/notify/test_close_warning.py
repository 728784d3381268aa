"""A 終了 that failed after the file was saved is told as a warning, under `drift`."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from koss_rpa.notify import delivery, messages


def test_close_warning_should_be_a_drift_warning_naming_the_failure() -> None:
    message = messages.close_warning_message(
        "KNAB1234", "本店", ["終了 could not be done: x"], None
    )

    assert (message.event, message.warning, message.failure) == ("drift", True, False)
    assert message.problem == "close"
    assert "終了 could not be done: x" in message.body
    assert "KNAB1234 本店" in message.title


def test_notify_download_should_send_the_warning_only_when_there_is_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    sent: list[messages.Message] = []

    def fake_send(config: object, message: messages.Message, **kwargs: object) -> list[str]:
        sent.append(message)
        return []

    monkeypatch.setattr(delivery, "send", fake_send)
    base = {"rotated": False, "outcome": "downloaded", "path": tmp_path, "unchanged": False}
    config: Any = object()
    delivery.notify_download(config, "KNAB1234", "", SimpleNamespace(**base, warnings=[]), None)
    assert [m.event for m in sent] == ["saved"]
    sent.clear()
    result = SimpleNamespace(**base, warnings=["終了 could not be done: x"])
    delivery.notify_download(config, "KNAB1234", "", result, None)
    assert [(m.event, m.warning) for m in sent] == [("saved", False), ("drift", True)]
