"""koss_rpa.evidence.runs: secrets kept out of logs, run folders, pruning and evidence."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from koss_rpa.evidence.runs import (
    MASK,
    RUN_LOCK,
    RUN_MARKER,
    RedactingFilter,
    Redactor,
    RunFolder,
    prune_runs,
    run_folder,
)


def marked(path: Path) -> Path:
    """A run folder as koss-rpa makes it."""
    path.mkdir(parents=True)
    (path / RUN_MARKER).write_text("koss-rpa run\n", encoding="utf-8")
    return path


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
    assert f"filled the password {MASK}" in text
    assert "Secret111" not in text


def test_run_folder_context_should_log_and_prune(tmp_path: Path) -> None:
    for stamp in ("20260101-000000", "20260102-000000", "20260103-000000"):
        marked(tmp_path / f"{stamp}-download-x")

    with run_folder(tmp_path, "download", "KNAB1234", keep=2) as folder:
        logging.getLogger("koss_rpa").warning("inside")

    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["20260103-000000-download-x", folder.path.name]
    assert "inside" in folder.log_path.read_text(encoding="utf-8")


def test_prune_runs_should_keep_the_newest_folders(tmp_path: Path) -> None:
    names = [f"202611{day:02d}-120000-download-KNAB1234-abc{day:03d}" for day in range(1, 6)]
    for name in reversed(names):
        marked(tmp_path / name)
        (tmp_path / name / "run.log").write_text("x", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a run", encoding="utf-8")

    removed = prune_runs(tmp_path, 2)

    assert [p.name for p in removed] == names[:3]
    assert sorted(p.name for p in tmp_path.iterdir()) == [*names[3:], "notes.txt"]


def test_prune_runs_should_remove_all_when_keeping_none(tmp_path: Path) -> None:
    marked(tmp_path / "20261101-000000-info")

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

    assert sorted(p.name for p in folder.path.iterdir()) == [RUN_MARKER, RUN_LOCK, "run.log"]
    folder.release()
    assert sorted(p.name for p in folder.path.iterdir()) == [RUN_MARKER, "run.log"]
    assert folder.log_path.read_text(encoding="utf-8") == "log"


@pytest.fixture(autouse=True)
def _no_stray_handlers() -> Iterator[None]:
    """Every run log is detached again: a leaked handler would write into later tests' folders."""
    yield
    handlers = logging.getLogger("koss_rpa").handlers
    assert not [h for h in handlers if isinstance(h, logging.FileHandler)]


def test_prune_runs_should_never_touch_a_folder_it_did_not_make(tmp_path: Path) -> None:
    """The issue's repro: run_dir == download_dir, keep_runs=1: an account's folder with its
    files and manifest is not a run folder."""
    account = tmp_path / "KNCA6288"
    (account / "2026-11").mkdir(parents=True)
    (account / "2026-11" / "file.xlsm").write_bytes(b"PK")
    (account / "manifest.jsonl").write_text("{}\n", encoding="utf-8")
    old = marked(tmp_path / "20261101-000000-download-KNAB1234-aaaaaa")

    removed = prune_runs(tmp_path, 0)

    assert removed == [old]
    assert (account / "2026-11" / "file.xlsm").read_bytes() == b"PK"
    assert (account / "manifest.jsonl").is_file()


def test_prune_runs_should_never_remove_the_folder_of_a_run_still_going(tmp_path: Path) -> None:
    # Another account's run, started earlier and still going, in the same run_dir: pruning by
    # a later run with keep_runs = 1 keeps it, and removes it once it has ended.
    going = RunFolder.create(tmp_path, "download", "KNCA6288")
    (going.path / "trace-1.zip").write_bytes(b"zip")
    finished = marked(tmp_path / "20200101-000000-download-KNAB1234-aaaaaa")
    newest = RunFolder.create(tmp_path, "download", "KNAB1234")
    newest.release()

    removed = prune_runs(tmp_path, 1)

    assert removed == [finished]
    assert going.alive()
    assert (going.path / "trace-1.zip").is_file()
    going.release()
    assert going.path in prune_runs(tmp_path, 0)


def test_prune_runs_should_keep_sixty_account_folders_of_a_batch(tmp_path: Path) -> None:
    accounts = [tmp_path / f"KNAB{n:04d}" for n in range(60)]
    for folder in accounts:
        (folder / "2026-11").mkdir(parents=True)
        (folder / "manifest.jsonl").write_text("{}\n", encoding="utf-8")
    for n in range(55):
        marked(tmp_path / f"20261101-{n:06d}-download-KNAB0001-{n:06x}")

    removed = prune_runs(tmp_path, 50)

    assert len(removed) == 5
    assert all(folder.is_dir() for folder in accounts)


def test_prune_runs_should_not_follow_a_link_out(tmp_path: Path) -> None:
    outside = marked(tmp_path / "outside" / "20260101-000000-download-x")
    (outside / "precious.txt").write_text("keep", encoding="utf-8")
    runs = tmp_path / "runs"
    runs.mkdir()
    (runs / "20260101-000000-download-x").symlink_to(outside, target_is_directory=True)
    inside = marked(runs / "20260102-000000-download-y")
    (inside / "link").symlink_to(outside, target_is_directory=True)

    prune_runs(runs, 0)

    assert (outside / "precious.txt").read_text(encoding="utf-8") == "keep"
    assert not inside.exists()
    assert (runs / "20260101-000000-download-x").is_symlink()


def test_prune_runs_should_ignore_a_marker_that_is_a_link(tmp_path: Path) -> None:
    target = tmp_path / "marker"
    target.write_text("x", encoding="utf-8")
    folder = tmp_path / "runs" / "20260101-000000-download-x"
    folder.mkdir(parents=True)
    (folder / RUN_MARKER).symlink_to(target)

    assert prune_runs(tmp_path / "runs", 0) == []
    assert folder.is_dir()


def test_run_folder_should_be_marked_and_keep_its_marker(tmp_path: Path) -> None:
    folder = RunFolder.create(tmp_path, "download")
    (folder.path / "screenshot.png").write_bytes(b"png")

    folder.drop_evidence()

    assert (folder.path / RUN_MARKER).is_file()
