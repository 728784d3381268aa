"""koss_rpa.runs: secrets kept out of logs, run folders, pruning and evidence."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from koss_rpa.runs import MASK, RedactingFilter, Redactor, RunFolder, prune_runs, run_folder


def _redactor(*secrets: str | None) -> Redactor:
    redactor = Redactor()
    redactor.add(*(SecretStr(s) if s is not None else None for s in secrets))
    return redactor


def _record(msg: str, *args: object, error: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(error), error, error.__traceback__) if error is not None else None
    return logging.LogRecord("koss_rpa", logging.INFO, __file__, 1, msg, args, exc_info)


def test_redactor_should_replace_every_secret() -> None:
    redactor = _redactor("Secret111", "Other2222")

    text = redactor.redact("old Secret111 new Other2222 again Secret111")

    assert text == f"old {MASK} new {MASK} again {MASK}"


def test_redactor_should_replace_the_longest_secret_first() -> None:
    # Shorter first would leave "…ret2" of the longer one in the text.
    redactor = _redactor("Sec1", "Sec1ret2")

    assert redactor.redact("a Sec1ret2 b Sec1") == f"a {MASK} b {MASK}"


def test_redactor_should_ignore_none_and_empty_values() -> None:
    redactor = _redactor(None, "")

    assert redactor.redact("nothing to hide") == "nothing to hide"


def test_redactor_should_leave_text_without_secrets_alone() -> None:
    assert _redactor("Secret111").redact("ログイン OK") == "ログイン OK"


def test_redacting_filter_should_remove_a_secret_from_the_message_and_args() -> None:
    record = _record("login as %s with %s", "KNAB1234", "Secret111")
    record_filter = RedactingFilter(_redactor("Secret111"))

    assert record_filter.filter(record) is True

    assert record.getMessage() == f"login as KNAB1234 with {MASK}"
    assert record.args is None


def test_redacting_filter_should_remove_a_secret_from_the_message_itself() -> None:
    record = _record("typed Secret111 into the field")

    RedactingFilter(_redactor("Secret111")).filter(record)

    assert "Secret111" not in logging.Formatter().format(record)


def test_redacting_filter_should_remove_a_secret_from_exception_text() -> None:
    try:
        raise ValueError("the portal echoed Secret111")
    except ValueError as exc:
        record = _record("failed", error=exc)

    RedactingFilter(_redactor("Secret111")).filter(record)
    formatted = logging.Formatter().format(record)

    assert "Secret111" not in formatted
    assert f"the portal echoed {MASK}" in formatted


def test_run_folder_create_should_name_the_folder_after_the_command_and_label(
    tmp_path: Path,
) -> None:
    folder = RunFolder.create(tmp_path / "runs", "download", "KNAB1234")

    assert folder.path.is_dir()
    assert folder.path.parent == tmp_path / "runs"
    assert "-download-KNAB1234-" in folder.path.name
    assert folder.path.name.endswith(folder.run_id)
    assert len(folder.run_id) == 6


def test_run_folder_create_should_leave_out_an_empty_label(tmp_path: Path) -> None:
    folder = RunFolder.create(tmp_path, "doctor")

    assert f"-doctor-{folder.run_id}" in folder.path.name
    assert "--" not in folder.path.name


def test_run_folder_create_should_make_distinct_folders(tmp_path: Path) -> None:
    first = RunFolder.create(tmp_path, "info", "KNAB1234")
    second = RunFolder.create(tmp_path, "info", "KNAB1234")

    assert first.path != second.path


def test_evidence_path_should_add_the_label_before_the_suffix(tmp_path: Path) -> None:
    folder = RunFolder.create(tmp_path, "download")

    assert folder.evidence_path("screenshot.png", "login") == folder.path / "screenshot-login.png"
    assert folder.evidence_path("page.html") == folder.path / "page.html"


def test_start_logging_should_write_a_redacted_run_log(tmp_path: Path) -> None:
    folder = RunFolder.create(tmp_path, "download", "KNAB1234")
    folder.redactor.add(SecretStr("Secret111"))
    folder.start_logging()
    try:
        logging.getLogger("koss_rpa.flows").info("filled the password %s", "Secret111")
    finally:
        folder.stop_logging()
    logging.getLogger("koss_rpa").info("after stop: Secret111")

    text = folder.log_path.read_text(encoding="utf-8")
    assert "filled the password ********" in text
    assert "Secret111" not in text


def test_run_folder_context_should_log_and_prune(tmp_path: Path) -> None:
    for stamp in ("20260101-000000", "20260102-000000", "20260103-000000"):
        (tmp_path / f"{stamp}-download-x").mkdir()

    with run_folder(tmp_path, "download", "KNAB1234", keep=2) as folder:
        logging.getLogger("koss_rpa").warning("inside")

    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["20260103-000000-download-x", folder.path.name]
    assert "inside" in folder.log_path.read_text(encoding="utf-8")


def test_prune_runs_should_keep_the_newest_folders(tmp_path: Path) -> None:
    names = [f"202611{day:02d}-120000-download-KNAB1234-abc{day:03d}" for day in range(1, 6)]
    for name in reversed(names):
        (tmp_path / name).mkdir()
        (tmp_path / name / "run.log").write_text("x", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a run", encoding="utf-8")

    removed = prune_runs(tmp_path, 2)

    assert [p.name for p in removed] == names[:3]
    assert sorted(p.name for p in tmp_path.iterdir()) == [*names[3:], "notes.txt"]


def test_prune_runs_should_remove_all_when_keeping_none(tmp_path: Path) -> None:
    (tmp_path / "20261101-000000-info").mkdir()

    assert len(prune_runs(tmp_path, 0)) == 1
    assert list(tmp_path.iterdir()) == []


def test_prune_runs_should_accept_a_missing_folder(tmp_path: Path) -> None:
    assert prune_runs(tmp_path / "none", 3) == []


def test_drop_evidence_should_keep_only_the_log(tmp_path: Path) -> None:
    folder = RunFolder.create(tmp_path, "download")
    folder.log_path.write_text("log", encoding="utf-8")
    (folder.path / "screenshot.png").write_bytes(b"png")
    (folder.path / "trace-1.zip").write_bytes(b"zip")
    (folder.path / "traces").mkdir()
    (folder.path / "traces" / "t.json").write_text("{}", encoding="utf-8")

    folder.drop_evidence()

    assert [p.name for p in folder.path.iterdir()] == ["run.log"]
    assert folder.log_path.read_text(encoding="utf-8") == "log"


@pytest.fixture(autouse=True)
def _no_stray_handlers() -> Iterator[None]:
    """Every run log is detached again: a leaked handler would write into later tests' folders."""
    yield
    handlers = logging.getLogger("koss_rpa").handlers
    assert not [h for h in handlers if isinstance(h, logging.FileHandler)]
