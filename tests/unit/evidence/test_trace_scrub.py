"""evidence.runs: trace archives scrubbed of every secret; what a killed run left unscrubbed."""

from __future__ import annotations

import zipfile
from pathlib import Path

from pydantic import SecretStr

from koss_rpa.evidence.runs import MASK, RUN_MARKER, UNSCRUBBED_SUFFIX, Redactor, prune_runs


def redactor(*secrets: str) -> Redactor:
    found = Redactor()
    found.add(*(SecretStr(s) for s in secrets))
    return found


def write_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_scrub_archive_should_blank_every_secret_in_every_member(tmp_path: Path) -> None:
    raw = write_zip(
        tmp_path / f"trace.zip{UNSCRUBBED_SUFFIX}",
        {
            "trace.network": b'{"postData": "user_id=KNAB1234&password=Se%2Fcret+1"}',
            "resources/abc.dat": b"password=Plain9Secret&x=1",
            "trace.trace": b"nothing to hide",
        },
    )
    target = tmp_path / "trace.zip"

    redactor("Se/cret 1", "Plain9Secret").scrub_archive(raw, target)

    with zipfile.ZipFile(target) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
        compression = {i.filename: i.compress_type for i in archive.infolist()}
    mask = MASK.encode()
    assert members["trace.network"] == b'{"postData": "user_id=KNAB1234&password=' + mask + b'"}'
    assert members["resources/abc.dat"] == b"password=" + mask + b"&x=1"
    assert members["trace.trace"] == b"nothing to hide"
    assert set(compression.values()) == {zipfile.ZIP_DEFLATED}
    assert not raw.exists()


def test_scrub_archive_should_drop_a_trace_it_cannot_read(tmp_path: Path) -> None:
    raw = tmp_path / f"trace.zip{UNSCRUBBED_SUFFIX}"
    raw.write_bytes(b"PK\x03\x04 cut short by a kill")

    redactor("Plain9Secret").scrub_archive(raw, tmp_path / "trace.zip")

    assert list(tmp_path.iterdir()) == []


def test_prune_runs_should_remove_traces_a_killed_run_left_unscrubbed(tmp_path: Path) -> None:
    folder = tmp_path / "20261126-113000-download-KNAB1234-1a2b3c"
    folder.mkdir()
    (folder / RUN_MARKER).write_text("koss-rpa run\n", encoding="utf-8")
    (folder / "run.log").write_text("log", encoding="utf-8")
    (folder / "trace-KNAB1234-1-1.zip").write_bytes(b"scrubbed")
    (folder / f"trace-KNAB1234-1-2.zip{UNSCRUBBED_SUFFIX}").write_bytes(b"raw")

    prune_runs(tmp_path, keep=5)

    assert sorted(p.name for p in folder.iterdir()) == [
        RUN_MARKER,
        "run.log",
        "trace-KNAB1234-1-1.zip",
    ]
