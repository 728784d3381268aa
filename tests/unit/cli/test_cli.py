"""koss_rpa.cli.app: argument hoisting, and `main()` for what fails before any browser starts.

Every call here stops at the settings, the keyring or the download folder: no browser, no
network (a browser command starts Playwright's driver ahead, and must stop it again). Run and
download folders are under tmp_path (never the platformdirs ones).
"""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest
from pydantic import SecretStr

from koss_rpa import __version__
from koss_rpa.account.store import CredentialStore, MemoryKeyring, use_keyring
from koss_rpa.cli.app import main
from koss_rpa.cli.args import hoist_globals
from koss_rpa.errors import (
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    CredentialsMissing,
    DownloadDirNotWritable,
    KeyringUnavailable,
    SettingsInvalid,
)

UID = "KNAB1234"


@pytest.fixture(autouse=True)
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """English messages; run and download folders under tmp_path."""
    monkeypatch.setenv("KOSS_LANG", "en")
    monkeypatch.setenv("KOSS_RUN_DIR", str(tmp_path / "runs"))
    monkeypatch.setenv("KOSS_DOWNLOAD_DIR", str(tmp_path / "downloads"))


@pytest.fixture
def no_keyring() -> Iterator[None]:
    """keyring's "no backend" keyring, as on a server without a keychain."""
    with use_keyring(keyring.backends.fail.Keyring()):  # type: ignore[no-untyped-call]
        yield


def _stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))


def _one_error_line(err: str, code: str) -> str:
    """stderr holds exactly one line, `error [code]: …`, and no traceback."""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"error [{code}]: ")
    assert "Traceback" not in err
    return lines[0]


# hoist_globals


def test_hoist_globals_should_move_a_flag_to_the_front() -> None:
    assert hoist_globals(["download", "--json", "-u", "X"]) == ["--json", "download", "-u", "X"]


def test_hoist_globals_should_move_config_with_equals() -> None:
    assert hoist_globals(["download", "--config=f.toml", "-u", "X"]) == [
        "--config=f.toml",
        "download",
        "-u",
        "X",
    ]


def test_hoist_globals_should_move_config_with_its_value() -> None:
    assert hoist_globals(["download", "-u", "X", "--config", "f.toml", "--debug"]) == [
        "--config",
        "f.toml",
        "--debug",
        "download",
        "-u",
        "X",
    ]


def test_hoist_globals_should_keep_the_order_of_global_options() -> None:
    argv = ["credentials", "--lang", "ja", "status", "--json", "X"]

    assert hoist_globals(argv) == ["--lang", "ja", "--json", "credentials", "status", "X"]


def test_hoist_globals_should_leave_everything_after_a_double_dash() -> None:
    argv = ["download", "--json", "--", "--debug", "--config", "f"]

    assert hoist_globals(argv) == ["--json", "download", "--", "--debug", "--config", "f"]


def test_hoist_globals_should_leave_a_trailing_valued_option_without_value() -> None:
    assert hoist_globals(["download", "--config"]) == ["download", "--config"]


def test_hoist_globals_should_not_touch_lookalike_options() -> None:
    argv = ["download", "--json-report", "--configure", "-u", "X"]

    assert hoist_globals(argv) == argv


# main: failures before any browser starts


def _children() -> set[int]:
    """The live child processes of this process (Linux): every process whose parent it is.

    Read from each process's stat, not from the threads' `children` lists: a thread that ends
    while they are read takes its list with it (its children go to another thread)."""
    found: set[int] = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # it ended meanwhile: not a live child
            continue
        state, parent = stat.rsplit(")", 1)[1].split()[:2]
        if int(parent) == os.getpid() and state != "Z":
            found.add(int(entry.name))
    return found


def test_main_should_stop_the_driver_it_started_ahead_when_the_settings_are_bad(
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = _children()

    assert main(["download", "-u", "XYZ"]) == SettingsInvalid.exit_code

    assert _children() <= before
    _one_error_line(capsys.readouterr().err, "settings_invalid")


def test_main_should_exit_with_settings_invalid_for_a_bad_user_id(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["download", "-u", "XYZ"]) == SettingsInvalid.exit_code

    captured = capsys.readouterr()
    line = _one_error_line(captured.err, "settings_invalid")
    assert "'XYZ'" in line
    assert captured.out == ""


def test_main_should_exit_with_settings_invalid_for_an_unknown_setting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "koss.toml"
    config.write_text("head_less = false\n", encoding="utf-8")

    assert main(["download", "-u", UID, "--config", str(config)]) == SettingsInvalid.exit_code

    line = _one_error_line(capsys.readouterr().err, "settings_invalid")
    assert "'head_less'" in line


def test_main_should_exit_with_settings_invalid_for_a_missing_config_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.toml"

    assert main([f"--config={missing}", "download", "-u", UID]) == SettingsInvalid.exit_code

    assert str(missing) in _one_error_line(capsys.readouterr().err, "settings_invalid")


def test_main_should_exit_with_settings_invalid_for_a_malformed_portal_url(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KOSS_PORTAL_URL", "www.k-oss.keikenkyo.or.jp")

    assert main(["download", "-u", UID]) == SettingsInvalid.exit_code

    assert "'portal_url'" in _one_error_line(capsys.readouterr().err, "settings_invalid")


def test_main_should_exit_with_download_dir_not_writable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A folder under a regular file cannot be made, even by root.
    (tmp_path / "afile").write_text("", encoding="utf-8")
    target = tmp_path / "afile" / "sub"

    assert main(["download", "-u", UID, "--download-dir", str(target)]) == (
        DownloadDirNotWritable.exit_code
    )

    line = _one_error_line(capsys.readouterr().err, "download_dir_not_writable")
    assert str(target) in line


@pytest.mark.usefixtures("no_keyring")
def test_main_should_exit_with_keyring_unavailable_without_a_backend(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["download", "-u", UID]) == KeyringUnavailable.exit_code

    line = _one_error_line(capsys.readouterr().err, "keyring_unavailable")
    assert "PYTHON_KEYRING_BACKEND" in line


@pytest.mark.usefixtures("no_keyring")
def test_main_should_print_one_json_error_with_json_after_the_command(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["download", "-u", UID, "--json"]) == KeyringUnavailable.exit_code

    captured = capsys.readouterr()
    (line,) = captured.out.splitlines()
    payload = json.loads(line)
    assert payload["ok"] is False
    assert payload["command"] == "download"
    assert payload["error"]["code"] == "keyring_unavailable"
    assert payload["error"]["exit_code"] == KeyringUnavailable.exit_code
    _one_error_line(captured.err, "keyring_unavailable")


def test_main_should_name_the_command_in_a_json_error_when_config_is_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "koss.toml"
    config.write_text("keep_runs = 3\n", encoding="utf-8")

    assert main(["download", "-u", "XYZ", "--json", "--config", str(config)]) == 3

    assert json.loads(capsys.readouterr().out)["command"] == "download"


@pytest.mark.parametrize(
    "argv",
    [["no-such-command"], ["download", "--no-such-option"], ["credentials", "delete"]],
)
def test_main_should_exit_with_usage_error_for_a_wrong_command_line(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == EXIT_USAGE

    assert "internal error" not in capsys.readouterr().err


def test_main_should_exit_as_interrupted_when_a_prompt_gets_no_answer(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    CredentialStore().set_password(UID, SecretStr("Old11111"))
    _stdin(monkeypatch, "")  # end of input at the confirmation prompt: click's Abort
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)

    assert main(["credentials", "delete", UID]) == EXIT_INTERRUPTED

    err = capsys.readouterr().err
    assert "internal error" not in err
    assert "Nothing was lost" in err
    assert CredentialStore().current(UID) is not None


def test_main_should_never_show_a_traceback_for_a_wrong_command_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["no-such-command"]) != 0

    assert "Traceback" not in capsys.readouterr().err


def test_main_should_print_the_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["version"]) == 0

    assert capsys.readouterr().out.strip() == __version__


# main: credentials


def test_credentials_set_should_store_the_password_from_stdin(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    memory_keyring: MemoryKeyring,
) -> None:
    _stdin(monkeypatch, "Secret123\n")

    assert main(["credentials", "set", "ｋｎａｂ１２３４", "--stdin"]) == 0

    assert CredentialStore().current(UID) == SecretStr("Secret123")
    out = capsys.readouterr().out
    assert UID in out
    assert "Secret123" not in out
    assert "does not meet" not in out


def test_credentials_set_should_warn_about_a_password_off_the_policy(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _stdin(monkeypatch, "short\r\n")

    assert main(["credentials", "set", UID, "--stdin"]) == 0

    assert "does not meet the configured password policy" in capsys.readouterr().out
    assert CredentialStore().current(UID) == SecretStr("short")


def test_credentials_set_should_record_the_change_date(monkeypatch: pytest.MonkeyPatch) -> None:
    _stdin(monkeypatch, "Secret123\n")

    assert main(["credentials", "set", UID, "--stdin", "--changed-on", "2026-11-01"]) == 0

    changed_at = CredentialStore().status(UID).changed_at
    assert changed_at is not None
    assert changed_at.isoformat() == "2026-11-01T00:00:00+09:00"


def test_credentials_set_should_reject_an_empty_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _stdin(monkeypatch, "\n")

    assert main(["credentials", "set", UID, "--stdin"]) == SettingsInvalid.exit_code

    _one_error_line(capsys.readouterr().err, "settings_invalid")
    assert CredentialStore().current(UID) is None


def test_credentials_set_should_reject_a_bad_change_date(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _stdin(monkeypatch, "Secret123\n")

    argv = ["credentials", "set", UID, "--stdin", "--changed-on", "2026-13-01"]
    assert main(argv) == SettingsInvalid.exit_code

    assert "'2026-13-01'" in _one_error_line(capsys.readouterr().err, "settings_invalid")
    assert CredentialStore().current(UID) is None


@pytest.mark.usefixtures("no_keyring")
def test_credentials_set_should_exit_with_keyring_unavailable_without_a_backend(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _stdin(monkeypatch, "Secret123\n")

    assert main(["credentials", "set", UID, "--stdin"]) == KeyringUnavailable.exit_code

    _one_error_line(capsys.readouterr().err, "keyring_unavailable")


def test_credentials_status_should_report_what_is_stored(
    capsys: pytest.CaptureFixture[str],
) -> None:
    store = CredentialStore()
    store.set_password(UID, SecretStr("Old11111"))
    store.set_password(UID, SecretStr("New22222"))

    assert main(["credentials", "status", UID]) == 0

    out = capsys.readouterr().out
    assert "✓ current password stored" in out
    assert "previous password: yes" in out
    assert "pending password: no" in out
    assert "Old11111" not in out
    assert "New22222" not in out


def test_credentials_status_should_print_json(capsys: pytest.CaptureFixture[str]) -> None:
    CredentialStore().set_password(UID, SecretStr("Old11111"))

    assert main(["--json", "credentials", "status", UID]) == 0

    payload = json.loads(capsys.readouterr().out)
    assert payload["ok"] is True
    assert payload["result"]["user_id"] == UID
    assert payload["result"]["current"] is True
    assert payload["result"]["pending"] is False
    assert "Old11111" not in json.dumps(payload)


def test_credentials_status_should_exit_with_credentials_missing_when_none_is_stored(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["credentials", "status", UID]) == CredentialsMissing.exit_code

    assert "✗ current password stored" in capsys.readouterr().out


def test_credentials_delete_should_remove_every_entry(
    memory_keyring: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    store = CredentialStore()
    store.set_password(UID, SecretStr("Old11111"))
    store.begin_rotation(UID, SecretStr("New22222"))

    assert main(["credentials", "delete", UID, "--yes"]) == 0

    assert memory_keyring.entries == {}
    assert UID in capsys.readouterr().out


def test_credentials_delete_should_ask_without_yes(
    monkeypatch: pytest.MonkeyPatch, memory_keyring: MemoryKeyring
) -> None:
    CredentialStore().set_password(UID, SecretStr("Old11111"))
    _stdin(monkeypatch, "n\n")
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)

    assert main(["credentials", "delete", UID]) == 1

    assert CredentialStore().current(UID) == SecretStr("Old11111")


def test_credentials_show_should_refuse_without_reveal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    CredentialStore().set_password(UID, SecretStr("Old11111"))

    assert main(["credentials", "show", UID]) == SettingsInvalid.exit_code

    captured = capsys.readouterr()
    assert "Old11111" not in captured.out + captured.err
    _one_error_line(captured.err, "settings_invalid")


def test_credentials_show_should_never_print_to_a_pipe(
    capsys: pytest.CaptureFixture[str],
) -> None:
    CredentialStore().set_password(UID, SecretStr("Old11111"))

    assert main(["credentials", "show", UID, "--reveal"]) == SettingsInvalid.exit_code

    captured = capsys.readouterr()
    assert "Old11111" not in captured.out + captured.err
