"""`koss-rpa status`: one row per account from the manifest, the keyring and the state folder."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from koss_rpa import storage
from koss_rpa.account.budget import LoginBudget
from koss_rpa.account.store import CredentialStore
from koss_rpa.cli.app import main
from koss_rpa.errors import EXIT_STATUS_ATTENTION
from koss_rpa.evidence import outcomes

MONTH = storage.month_of(datetime.now(UTC))
IDS = ("KNAB1234", "KNCA6288")


@pytest.fixture
def office(tmp_path: Path) -> Path:
    (tmp_path / "config.toml").write_text(
        f'state_dir = "{tmp_path / "state"}"\n'
        f'run_dir = "{tmp_path / "state" / "runs"}"\n'
        f'download_dir = "{tmp_path / "dl"}"\n'
        "rotate_after_days = 50\n",
        encoding="utf-8",
    )
    (tmp_path / "accounts.toml").write_text(
        "".join(f'[[accounts]]\nuser_id = "{u}"\nlabel = "店{n}"\n' for n, u in enumerate(IDS)),
        encoding="utf-8",
    )
    store = CredentialStore()
    for user_id in IDS:
        store.set_password(user_id, SecretStr("Keiji2019"), datetime.now(UTC) - timedelta(days=10))
        save(tmp_path, user_id)
    return tmp_path


def save(root: Path, user_id: str) -> None:
    folder = root / "dl" / user_id / MONTH
    folder.mkdir(parents=True, exist_ok=True)
    (folder / storage.FALLBACK_NAME).write_bytes(b"PK workbook")
    storage.record(
        root / "dl",
        storage.SavedFile(
            user_id,
            MONTH,
            f"{MONTH}/{storage.FALLBACK_NAME}",
            11,
            "ab" * 32,
            "2026-11-26T11:30:00+09:00",
            "r1",
        ),
    )


def status(root: Path, capsys: pytest.CaptureFixture[str], *more: str) -> tuple[int, Any]:
    code = main(["--config", str(root / "config.toml"), "--json", "status", *more])
    out = capsys.readouterr().out
    return code, {r["user_id"]: r for r in json.loads(out)["result"]["accounts"]}


def test_status_should_exit_0_when_every_account_has_its_file(
    office: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, rows = status(office, capsys, str(office / "accounts.toml"))

    assert code == 0
    row = rows["KNAB1234"]
    assert row["ok"] is True
    assert row["label"] == "店0"
    assert row["file"]["sha256"] == "ab" * 6
    assert row["file"]["size"] == 11
    assert row["password_age_days"] == pytest.approx(10, abs=0.1)
    assert row["days_until_expiry"] == pytest.approx(50, abs=0.1)
    assert row["days_until_rotation"] == pytest.approx(40, abs=0.1)
    assert row["pending_password"] is False


def test_status_should_show_a_missing_file_and_exit_non_zero(
    office: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (office / "dl" / "KNCA6288" / MONTH / storage.FALLBACK_NAME).unlink()

    code, rows = status(office, capsys, str(office / "accounts.toml"))

    assert code == EXIT_STATUS_ATTENTION
    assert rows["KNCA6288"]["file"] is None
    assert rows["KNAB1234"]["ok"] is True


def test_status_should_name_a_damaged_manifest_and_keep_the_other_rows(
    office: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with (office / "dl" / "KNCA6288" / storage.MANIFEST).open("ab") as fh:
        fh.write(b"\xff\xfe not json\n")

    code, rows = status(office, capsys, str(office / "accounts.toml"))

    assert code == EXIT_STATUS_ATTENTION
    assert rows["KNCA6288"]["problems"] == ["the manifest has 1 damaged line(s)"]
    assert rows["KNCA6288"]["file"] is not None  # the good line still counts
    assert rows["KNAB1234"]["ok"] is True


def test_status_should_flag_a_pending_password_and_a_run_that_needs_a_person(
    office: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    CredentialStore().begin_rotation("KNAB1234", SecretStr("NewPass2026"))
    run = office / "state" / "runs" / "20261126-063000-batch-abc"
    outcomes.record_outcome(office / "state", "KNCA6288", "batch", 11, "account_locked", run)

    code, rows = status(office, capsys, str(office / "accounts.toml"))

    assert code == EXIT_STATUS_ATTENTION
    assert rows["KNAB1234"]["pending_password"] is True
    assert rows["KNAB1234"]["needs_person"] is True
    last = rows["KNCA6288"]["last_run"]
    assert (last["exit_code"], last["code"], last["run_folder"]) == (11, "account_locked", str(run))
    assert rows["KNCA6288"]["needs_person"] is True


def test_status_should_read_the_login_budget_and_report_a_damaged_record(
    office: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    LoginBudget(office / "state", "KNAB1234").spend("login")
    (office / "state" / "budget" / "KNCA6288.json").write_text("{oops", encoding="utf-8")

    code, rows = status(office, capsys, str(office / "accounts.toml"))

    assert rows["KNAB1234"]["login_budget"] == {"used": 1, "limit": 2}
    assert rows["KNCA6288"]["problems"] == [
        "login budget record damaged (KNCA6288.json: JSONDecodeError)"
    ]
    assert code == EXIT_STATUS_ATTENTION


def test_status_should_print_a_table_for_people(
    office: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "160")
    (office / "dl" / "KNCA6288" / MONTH / storage.FALLBACK_NAME).unlink()

    code = main(["--config", str(office / "config.toml"), "status", str(office / "accounts.toml")])
    out = capsys.readouterr().out

    assert code == EXIT_STATUS_ATTENTION
    assert "KNAB1234" in out
    assert "missing" in out
    assert "abababababab" in out
    assert "Keiji2019" not in out


def test_status_should_use_the_user_id_setting_without_an_accounts_file(
    office: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, rows = status(office, capsys, "--user-id", "KNAB1234")

    assert code == 0
    assert list(rows) == ["KNAB1234"]


def test_a_day_when_every_account_was_skipped_should_leave_no_run_folder_and_be_told(
    office: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        "koss_rpa.settings.default_config_file", lambda: office / "no-config" / "config.toml"
    )
    monkeypatch.setenv("KOSS_PORTAL_URL", "http://127.0.0.1:9/")
    config = ["--config", str(office / "config.toml")]

    code = main([*config, "batch", str(office / "accounts.toml"), "--once-per", "month"])

    assert code == 0, capsys.readouterr().err
    runs = office / "state" / "runs"
    assert not runs.exists() or list(runs.iterdir()) == []  # nothing for keep_runs to count
    capsys.readouterr()
    code = main([*config, "--json", "schedule", "status"])
    last = json.loads(capsys.readouterr().out)["result"]["last_run"]
    assert code == 0
    assert last["counts"] == {"skipped": 2}
    assert [(a["user_id"], a["outcome"], a["run_folder"]) for a in last["accounts"]] == [
        ("KNAB1234", "skipped", None),
        ("KNCA6288", "skipped", None),
    ]
    main([*config, "schedule", "status"])
    out = capsys.readouterr().out
    assert "2 skipped" in out
    assert "KNAB1234: skipped · no run folder" in out
    code, rows = status(office, capsys, str(office / "accounts.toml"))
    assert rows["KNAB1234"]["last_run"]["outcome"] == "skipped"


def test_status_table_should_fold_japanese_at_80_columns_and_name_the_age_remedy(
    office: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")  # as in a cron log
    label = "軽自動車販売株式会社本社営業所第二事務所"
    (office / "accounts.toml").write_text(
        f'[[accounts]]\nuser_id = "KNAB1234"\nlabel = "{label}"\n', encoding="utf-8"
    )
    CredentialStore().set_password("KNAB1234", SecretStr("Keiji2019"))  # no day of change

    main(["--config", str(office / "config.toml"), "status", str(office / "accounts.toml")])
    out = capsys.readouterr().out

    assert "…" not in out
    assert max(len(line) for line in out.splitlines()) <= 80
    first_column = "".join(
        line.split("│")[1].strip() for line in out.splitlines() if line.count("│") > 2
    )
    assert label in first_column.replace(" ", "")
    cells = "".join(line.replace("│", "").replace(" ", "") for line in out.splitlines())
    assert "--changed-on" in cells
