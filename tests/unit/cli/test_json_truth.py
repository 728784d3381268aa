"""`--json` tells the truth for every command: one JSON object on stdout, its "ok" true exactly
when the exit code is 0, and that exit code in it."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
import typer

from koss_rpa import schedule
from koss_rpa.cli.app import app, main

UID = "KNAB1234"


def leaf_commands() -> set[str]:
    found: set[str] = set()

    def walk(command: object, prefix: str) -> None:
        for name, sub in getattr(command, "commands", {}).items():
            if getattr(sub, "commands", None):
                walk(sub, f"{prefix}{name} ")
            else:
                found.add(prefix + name)

    walk(typer.main.get_command(app), "")
    return found


#: One invocation per command (with --json); the stdin it reads, if any. Several end in a
#: failure that still has a result (batch 30, status 31, notify test 32, doctor), the cases that
#: printed "ok": true before.
CASES: dict[str, tuple[list[str], str]] = {
    "check": (["check", "--login"], ""),
    "capture": (["capture", "{tmp}/full"], ""),
    "download": (["download"], ""),
    "batch": (["batch", "{tmp}/accounts.toml"], ""),
    "change-password": (["change-password"], ""),
    "info": (["info"], ""),
    "status": (["status", "{tmp}/accounts.toml"], ""),
    "doctor": (["doctor"], ""),
    "demo": (["demo", "--no-such-option"], ""),
    "version": (["version"], ""),
    "docs": (["docs", "real-portal", "--show"], ""),
    "credentials set": (["credentials", "set", UID, "--stdin"], "Pass1234\n"),
    "credentials unlock": (["credentials", "unlock", UID, "--yes"], ""),
    "credentials status": (["credentials", "status", UID], ""),
    "credentials delete": (["credentials", "delete", UID, "--yes"], ""),
    "credentials show": (["credentials", "show", UID], ""),
    "notify test": (["notify", "test"], ""),
    "notify set-urls": (["notify", "set-urls"], "json://127.0.0.1:9/hook\n"),
    "schedule install": (["schedule", "install", "{tmp}/accounts.toml"], ""),
    "schedule status": (["schedule", "status"], ""),
    "schedule remove": (["schedule", "remove"], ""),
}


def test_every_command_should_have_a_case() -> None:
    assert set(CASES) == leaf_commands()


@pytest.fixture
def office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "config.toml").write_text(
        'portal_url = "http://127.0.0.1:9/"\n'
        f'download_dir = "{tmp_path / "dl"}"\n'
        f'state_dir = "{tmp_path / "state"}"\n'
        'browser = "/nonexistent/chromium"\n'
        'notify_urls = ["json://127.0.0.1:9/hook"]\n'
        "[timeouts]\nnavigation_seconds = 2\n",
        encoding="utf-8",
    )
    (tmp_path / "accounts.toml").write_text(f'[[accounts]]\nuser_id = "{UID}"\n')
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "a.html").write_text("x")
    monkeypatch.setenv(schedule.CRONTAB_VAR, str(tmp_path / "crontab"))
    return tmp_path


@pytest.mark.parametrize("command", sorted(CASES))
def test_json_ok_should_be_true_exactly_when_the_exit_code_is_0(
    command: str,
    office: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    args, stdin = CASES[command]
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    argv = ["--config", str(office / "config.toml"), "--json"]
    argv += [a.replace("{tmp}", str(office)) for a in args]

    code = main(argv)

    out = capsys.readouterr().out
    [line] = out.splitlines()  # exactly one object, nothing else
    payload = json.loads(line)
    assert isinstance(payload, dict)
    assert payload["ok"] is (code == 0), payload
    assert payload["exit_code"] == code
    assert ("error" in payload) is (code != 0)


def test_json_version_should_be_one_object(capsys: pytest.CaptureFixture[str]) -> None:
    from koss_rpa import __version__

    assert main(["version", "--json"]) == 0

    assert json.loads(capsys.readouterr().out) == {
        "ok": True,
        "command": "version",
        "exit_code": 0,
        "result": {"version": __version__},
    }


@pytest.mark.parametrize(
    ("command", "code"),
    [("batch", 30), ("status", 31), ("notify test", 32)],
)
def test_a_result_that_fails_should_keep_its_result_and_say_not_ok(
    command: str, code: int, office: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args, _stdin = CASES[command]
    argv = ["--config", str(office / "config.toml"), "--json"]
    argv += [a.replace("{tmp}", str(office)) for a in args]

    assert main(argv) == code

    payload = json.loads(capsys.readouterr().out)
    assert payload["ok"] is False
    assert payload["result"]
    assert payload["error"]["exit_code"] == code
