"""koss_rpa.storage: months in JST, file names, workbook checks, publishing and the manifest."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import zipfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from koss_rpa import asyncrun, storage
from koss_rpa.errors import DownloadDirNotWritable, DownloadIncomplete
from koss_rpa.storage import (
    FALLBACK_NAME,
    JST,
    SavedFile,
    already_saved,
    check_writable,
    month_of,
    publish,
    read_manifest,
    read_manifest_checked,
    record,
    safe_name,
    validate_workbook,
)

UID = "KNAB1234"
NAME = "まとめ納付管理ファイル_軽自動車OSS用.xlsm"


def _workbook(path: Path) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet["A1"] = "まとめ納付管理ファイル"
    for row in range(2, 200):
        sheet.cell(row=row, column=1, value=f"車両{row:04d}")
    workbook.save(path)
    return path


def _zip(path: Path, members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> Path:
    """A zip with fixed timestamps, so its bytes are the same on every run."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 11, 1, 0, 0, 0))
            info.compress_type = compression  # a ZipInfo ignores the archive's default
            archive.writestr(info, data)
    return path


def _workbook_members() -> dict[str, bytes]:
    return {
        "[Content_Types].xml": b'<?xml version="1.0"?><Types/>' * 20,
        "xl/workbook.xml": b'<?xml version="1.0"?><workbook><sheets/></workbook>' * 20,
    }


def _saved(month: str = "2026-11", path: str = f"2026-11/{NAME}", run_id: str = "a1") -> SavedFile:
    return SavedFile(
        user_id=UID,
        month=month,
        path=path,
        size=1234,
        sha256="0" * 64,
        saved_at="2026-11-26T11:30:00+09:00",
        run_id=run_id,
    )


@pytest.mark.parametrize(
    ("moment", "month"),
    [
        (datetime(2026, 11, 30, 15, 30, tzinfo=UTC), "2026-12"),  # 00:30 JST on 1 December
        (datetime(2026, 11, 30, 14, 59, tzinfo=UTC), "2026-11"),  # 23:59 JST
        (datetime(2026, 12, 31, 15, 0, tzinfo=UTC), "2027-01"),
        (datetime(2026, 11, 1, 0, 0, tzinfo=timezone(timedelta(hours=9))), "2026-11"),
        (datetime(2026, 11, 1, 0, 0, tzinfo=timezone(timedelta(hours=-5))), "2026-11"),
    ],
)
def test_month_of_should_count_months_in_japan_time(moment: datetime, month: str) -> None:
    assert month_of(moment) == month


@pytest.mark.parametrize(
    ("suggested", "expected"),
    [
        (NAME, NAME),
        ("../../etc/passwd", FALLBACK_NAME),  # not a workbook's name: the manual's name
        ("download", FALLBACK_NAME),  # Chromium's name when it could not read the portal's
        ("/tmp/x/report.xlsm", "report.xlsm"),
        (r"C:\Users\x\report.xlsm", "report.xlsm"),
        (r"..\..\report.xlsm", "report.xlsm"),
        ('a<b>c:d"e|f?g*h.xlsm', "a_b_c_d_e_f_g_h.xlsm"),
        ("tab\there\x00.xlsm", "tab_here_.xlsm"),
        ("  .report.xlsm. ", "report.xlsm"),
        ("", FALLBACK_NAME),
        ("..", FALLBACK_NAME),
        ("/", FALLBACK_NAME),
        ("dir/", FALLBACK_NAME),
    ],
)
def test_safe_name_should_strip_folders_and_bad_characters(suggested: str, expected: str) -> None:
    assert safe_name(suggested) == expected


def test_validate_workbook_should_accept_a_real_xlsm(tmp_path: Path) -> None:
    validate_workbook(_workbook(tmp_path / NAME))


def test_validate_workbook_should_reject_an_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.xlsm"
    empty.write_bytes(b"")

    with pytest.raises(DownloadIncomplete, match="empty"):
        validate_workbook(empty)


@pytest.mark.parametrize(
    "page",
    [
        b"<!DOCTYPE html><html><body>\xe3\x83\xa1\xe3\x83\xb3\xe3\x83\x86</body></html>",
        b"\r\n  <html><head></head></html>",
        b"<?xml version='1.0'?><error/>",
    ],
)
def test_validate_workbook_should_reject_a_web_page(tmp_path: Path, page: bytes) -> None:
    html = tmp_path / "page.xlsm"
    html.write_bytes(page)

    with pytest.raises(DownloadIncomplete, match="web page"):
        validate_workbook(html)


def test_validate_workbook_should_reject_a_file_that_is_no_zip(tmp_path: Path) -> None:
    other = tmp_path / "other.xlsm"
    other.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)  # an old .xls

    with pytest.raises(DownloadIncomplete, match="not an Excel workbook"):
        validate_workbook(other)


def test_validate_workbook_should_reject_a_truncated_workbook(tmp_path: Path) -> None:
    data = _workbook(tmp_path / "full.xlsm").read_bytes()
    half = tmp_path / "half.xlsm"
    half.write_bytes(data[: len(data) // 2])

    with pytest.raises(DownloadIncomplete, match="truncated or damaged"):
        validate_workbook(half)


def test_validate_workbook_should_reject_a_zip_that_is_no_workbook(tmp_path: Path) -> None:
    other = _zip(tmp_path / "other.xlsm", {"readme.txt": b"hello"})

    with pytest.raises(DownloadIncomplete, match="damaged"):
        validate_workbook(other)


def test_validate_workbook_should_reject_a_member_with_a_bad_checksum(tmp_path: Path) -> None:
    path = _zip(tmp_path / "crc.xlsm", _workbook_members(), compression=zipfile.ZIP_STORED)
    data = bytearray(path.read_bytes())
    data[data.index(b"<workbook>") + 1] ^= 0x20  # stored, so the CRC no longer matches
    path.write_bytes(bytes(data))

    with pytest.raises(DownloadIncomplete, match="damaged"):
        validate_workbook(path)


def test_validate_workbook_should_reject_damaged_compressed_data(tmp_path: Path) -> None:
    path = _zip(tmp_path / "deflate.xlsm", _workbook_members())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("xl/workbook.xml")
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start] = 0xFF  # the first deflate block header now says "reserved block type"
    path.write_bytes(bytes(data))

    with pytest.raises(DownloadIncomplete):
        validate_workbook(path)


def test_check_writable_should_create_the_folder(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b"

    check_writable(target)

    assert target.is_dir()
    assert list(target.iterdir()) == []  # the probe file is gone


def test_check_writable_should_reject_a_folder_that_cannot_be_made(tmp_path: Path) -> None:
    # Under a regular file: chmod would not stop root, this does.
    (tmp_path / "afile").write_text("", encoding="utf-8")
    target = tmp_path / "afile" / "sub"

    with pytest.raises(DownloadDirNotWritable) as info:
        check_writable(target)

    assert str(target) in str(info.value)
    assert info.value.exit_code == 6


def test_publish_should_give_the_partial_its_real_name(tmp_path: Path) -> None:
    partial = storage.partial_path(tmp_path / UID / "2026-11", "run1")
    partial.write_bytes(b"first")

    final = publish(partial, partial.parent, NAME).path

    assert final == partial.parent / NAME
    assert final.read_bytes() == b"first"
    assert not partial.exists()


def _publish_bytes(folder: Path, run_id: str, content: bytes, mtime: float) -> storage.Published:
    partial = storage.partial_path(folder, run_id)
    partial.write_bytes(content)
    os.utime(partial, (mtime, mtime))
    return publish(partial, folder, NAME, hashlib.sha256(content).hexdigest())


def test_publish_should_keep_the_newest_under_the_name_and_earlier_ones_in_versions(
    tmp_path: Path,
) -> None:
    folder = tmp_path / UID / "2026-11"
    first = datetime(2026, 11, 26, 11, 30, tzinfo=JST).timestamp()
    for i, content in enumerate((b"one", b"two", b"three")):
        published = _publish_bytes(folder, f"r{i}", content, first + i * 86400)

    stem = NAME.removesuffix(".xlsm")
    assert published.path == folder / NAME
    assert (folder / NAME).read_bytes() == b"three"
    versions = sorted((folder / "versions").iterdir())
    assert [p.name for p in versions] == [
        f"{stem} 20261126-113000.xlsm",
        f"{stem} 20261127-113000.xlsm",
    ]
    assert [p.read_bytes() for p in versions] == [b"one", b"two"]
    assert published.earlier == versions[1]
    assert sorted(p.name for p in folder.iterdir()) == sorted([NAME, "versions"])


def test_publish_should_not_save_a_byte_identical_file_twice(tmp_path: Path) -> None:
    folder = tmp_path / UID / "2026-11"
    _publish_bytes(folder, "r1", b"same", 1_700_000_000)

    again = _publish_bytes(folder, "r2", b"same", 1_700_086_400)

    assert again.unchanged
    assert again.earlier is None
    assert sorted(p.name for p in folder.iterdir()) == [NAME]
    assert (folder / NAME).stat().st_mtime == 1_700_000_000  # the first file, untouched


def test_publish_should_never_lose_a_version_with_the_same_download_time(tmp_path: Path) -> None:
    folder = tmp_path / UID / "2026-11"
    for i, content in enumerate((b"one", b"two", b"three")):
        _publish_bytes(folder, f"r{i}", content, 1_700_000_000)  # same second

    kept = sorted(p.read_bytes() for p in (folder / "versions").iterdir())
    assert kept == [b"one", b"two"]
    assert (folder / NAME).read_bytes() == b"three"


def test_publish_should_copy_the_earlier_file_when_hard_links_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_links(src: object, dst: object) -> None:
        raise PermissionError("no hard links on this share")

    monkeypatch.setattr(os, "link", no_links)
    folder = tmp_path / "share"
    folder.mkdir()
    (folder / NAME).write_bytes(b"earlier")
    partial = storage.partial_path(folder, "r1")
    partial.write_bytes(b"later")

    published = publish(partial, folder, NAME)

    assert (folder / NAME).read_bytes() == b"later"
    assert published.earlier is not None
    assert published.earlier.read_bytes() == b"earlier"
    assert not partial.exists()
    assert [p.name for p in (folder / "versions").iterdir()] == [published.earlier.name]


def test_partial_path_should_be_hidden_in_the_target_folder(tmp_path: Path) -> None:
    partial = storage.partial_path(tmp_path / "new", "abc123")

    assert partial.parent.is_dir()
    assert partial.name == ".download-abc123.part"


def test_discard_should_remove_a_file_and_accept_a_missing_one(tmp_path: Path) -> None:
    partial = tmp_path / ".download-x.part"
    partial.write_bytes(b"x")

    storage.discard(partial)
    storage.discard(partial)

    assert not partial.exists()


def test_sha256_of_should_hash_the_whole_file(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"abc")

    expected = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert storage.sha256_of(path) == expected


def test_record_and_read_manifest_should_round_trip(tmp_path: Path) -> None:
    (tmp_path / UID).mkdir()
    first, second = _saved(), _saved("2026-12", f"2026-12/{NAME}", "b2")

    record(tmp_path, first)
    record(tmp_path, second)

    assert read_manifest(tmp_path, UID) == [first, second]
    manifest = (tmp_path / UID / storage.MANIFEST).read_text(encoding="utf-8")
    assert NAME in manifest  # human-readable, not \\u escapes
    assert len(manifest.splitlines()) == 2


def test_read_manifest_should_be_empty_without_a_manifest(tmp_path: Path) -> None:
    assert read_manifest(tmp_path, UID) == []


def test_read_manifest_should_skip_a_torn_last_line(tmp_path: Path) -> None:
    (tmp_path / UID).mkdir()
    record(tmp_path, _saved())
    with (tmp_path / UID / storage.MANIFEST).open("a", encoding="utf-8") as fh:
        fh.write('{"user_id": "KNAB1234", "month": "2026-1')

    assert read_manifest(tmp_path, UID) == [_saved()]


def test_read_manifest_should_skip_lines_that_are_no_entry(tmp_path: Path) -> None:
    (tmp_path / UID).mkdir()
    manifest = tmp_path / UID / storage.MANIFEST
    manifest.write_text('42\n"text"\n{"user_id": "KNAB1234"}\n\n', encoding="utf-8")
    record(tmp_path, _saved())

    assert read_manifest(tmp_path, UID) == [_saved()]


def test_read_manifest_should_skip_a_line_torn_inside_a_character(tmp_path: Path) -> None:
    (tmp_path / UID).mkdir()
    record(tmp_path, _saved())
    line = json.dumps(_saved("2026-12", f"2026-12/{NAME}").to_json(), ensure_ascii=False)
    torn = line.encode("utf-8")[: line.encode("utf-8").index("ま".encode()) + 1]
    with (tmp_path / UID / storage.MANIFEST).open("ab") as fh:
        fh.write(torn)

    assert read_manifest(tmp_path, UID) == [_saved()]


def test_record_should_start_a_new_line_after_a_torn_one(tmp_path: Path) -> None:
    (tmp_path / UID).mkdir()
    with (tmp_path / UID / storage.MANIFEST).open("a", encoding="utf-8") as fh:
        fh.write('{"user_id": "KNAB1234", "month": "2026-1')
    entry = _saved("2026-12", f"2026-12/{NAME}")

    record(tmp_path, entry)

    assert read_manifest(tmp_path, UID) == [entry]


def test_already_saved_should_find_the_month_only_while_its_file_exists(tmp_path: Path) -> None:
    folder = tmp_path / UID / "2026-11"
    folder.mkdir(parents=True)
    entry = _saved()
    record(tmp_path, entry)

    assert already_saved(tmp_path, UID, "2026-11") is None  # listed, but not on disk

    (folder / NAME).write_bytes(b"PK")
    assert already_saved(tmp_path, UID, "2026-11") == entry
    assert already_saved(tmp_path, UID, "2026-12") is None
    assert already_saved(tmp_path, "KNAB9999", "2026-11") is None


def test_already_saved_should_return_the_newest_entry_of_the_month(tmp_path: Path) -> None:
    folder = tmp_path / UID / "2026-11"
    folder.mkdir(parents=True)
    stem = NAME.removesuffix(".xlsm")
    older, newer = _saved(run_id="r1"), _saved(path=f"2026-11/{stem} new.xlsm", run_id="r2")
    for entry in (older, newer):
        record(tmp_path, entry)
        (tmp_path / UID / entry.path).write_bytes(b"PK")

    assert already_saved(tmp_path, UID, "2026-11") == newer

    (tmp_path / UID / newer.path).unlink()
    assert already_saved(tmp_path, UID, "2026-11") == older


def test_read_manifest_checked_should_ignore_and_report_tampered_lines(tmp_path: Path) -> None:
    import json as json_module

    from koss_rpa.storage import read_manifest_checked

    folder = tmp_path / "KNAB1234"
    folder.mkdir()
    good = {
        "user_id": "KNAB1234",
        "month": "2026-11",
        "path": "2026-11/a.xlsm",
        "size": 1,
        "sha256": "0" * 64,
        "saved_at": "2026-11-01T09:00:00+09:00",
        "run_id": "abcdef",
    }
    bad = [
        {**good, "path": "../../victim.xlsm"},
        {**good, "path": 12345},
        {**good, "path": "/etc/passwd"},
        {**good, "path": "C:\\x.xlsm"},
        {**good, "size": "1"},
        {**good, "user_id": "KNCA6288"},
        {"path": "2026-11/a.xlsm"},
    ]
    lines = [json_module.dumps(good)] + [json_module.dumps(b) for b in bad] + ["[1, 2"]
    (folder / "manifest.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")

    entries, problems = read_manifest_checked(tmp_path, "KNAB1234")

    assert [e.path for e in entries] == ["2026-11/a.xlsm"]
    assert len(problems) == len(bad) + 1
    assert all("manifest.jsonl:" in p for p in problems)


def _save(download_dir: Path, source: Path, run_id: str = "r1") -> SavedFile:
    async def write(partial: Path) -> None:
        partial.write_bytes(source.read_bytes())

    return asyncrun.run(storage.save_download(download_dir, UID, "2026-11", run_id, NAME, write))


def test_save_download_should_publish_record_and_know_its_absolute_path(tmp_path: Path) -> None:
    source = _workbook(tmp_path / "source.xlsm")
    downloads = tmp_path / "downloads"
    saved = _save(downloads, source)
    assert saved.absolute_path == downloads / UID / "2026-11" / NAME
    assert saved.absolute_path.read_bytes() == source.read_bytes()
    line = json.loads((downloads / UID / storage.MANIFEST).read_text(encoding="utf-8"))
    assert line["path"] == f"2026-11/{NAME}"  # relative on disk, as before
    assert "account_folder" not in line
    [entry] = read_manifest(downloads, UID)
    assert entry == saved
    assert entry.absolute_path == saved.absolute_path
    assert list((downloads / UID / "2026-11").glob(f"*{storage.PARTIAL_SUFFIX}")) == []


def test_save_download_should_leave_nothing_behind_when_the_file_is_bad(tmp_path: Path) -> None:
    bad = tmp_path / "page.html"
    bad.write_bytes(b"<html>maintenance</html>")
    downloads = tmp_path / "downloads"
    with pytest.raises(DownloadIncomplete):
        _save(downloads, bad)
    assert [p.name for p in (downloads / UID / "2026-11").iterdir()] == []
    assert not (downloads / UID / storage.MANIFEST).exists()


def test_saved_file_should_refuse_an_absolute_path_it_cannot_know() -> None:
    with pytest.raises(ValueError, match="folder"):
        _ = _saved().absolute_path


# --- what a careless or hostile user leaves in the way (one line, exit 6, nothing lost) -------


def _save_file(tmp_path: Path, name: str = NAME, write: Any = None) -> SavedFile:
    async def fill(path: Path) -> None:
        _workbook(path)

    return asyncrun.run(storage.save_download(tmp_path, UID, "2026-11", "r1", name, write or fill))


def _nothing_partial(tmp_path: Path) -> bool:
    return not [p for p in tmp_path.rglob("*") if p.name.endswith(storage.PARTIAL_SUFFIX)]


def test_a_long_portal_file_name_should_be_shortened_not_fail(tmp_path: Path) -> None:
    long_name = "まとめ納付管理ファイル" * 30 + ".xlsm"  # 900+ bytes of UTF-8

    saved = _save_file(tmp_path, long_name)

    final = tmp_path / UID / saved.path
    assert final.is_file()
    assert len(final.stem.encode("utf-8")) <= storage.MAX_STEM_BYTES
    assert final.suffix == ".xlsm"


@pytest.mark.parametrize("what", ["folder", "dangling-link"])
def test_something_in_place_of_the_months_file_should_be_one_line(
    tmp_path: Path, what: str
) -> None:
    month = tmp_path / UID / "2026-11"
    month.mkdir(parents=True)
    if what == "folder":
        (month / NAME).mkdir()
    else:
        (month / NAME).symlink_to(tmp_path / "nowhere")

    with pytest.raises(DownloadDirNotWritable, match="in the way"):
        _save_file(tmp_path)
    assert _nothing_partial(tmp_path)


def test_versions_as_a_file_should_be_refused_before_the_browser(tmp_path: Path) -> None:
    month = tmp_path / UID / "2026-11"
    month.mkdir(parents=True)
    (month / "versions").write_bytes(b"not a folder")

    with pytest.raises(DownloadDirNotWritable, match="versions"):
        storage.check_account_folders(tmp_path, UID, "2026-11")
    _save_file(tmp_path)
    with pytest.raises(DownloadDirNotWritable, match="versions"):
        _save_file(tmp_path, write=lambda path: _other_workbook(path))
    assert (month / "versions").read_bytes() == b"not a folder"
    assert _nothing_partial(tmp_path)


async def _other_workbook(path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet["A1"] = "another month's content"
    workbook.save(path)


def test_a_manifest_that_is_a_link_should_never_be_written_through(tmp_path: Path) -> None:
    foreign = tmp_path / "someone-elses.txt"
    foreign.write_text("theirs\n", encoding="utf-8")
    (tmp_path / UID).mkdir()
    (tmp_path / UID / storage.MANIFEST).symlink_to(foreign)

    with pytest.raises(DownloadDirNotWritable, match="link"):
        storage.check_account_folders(tmp_path, UID, "2026-11")
    with pytest.raises(DownloadDirNotWritable, match="link"):
        record(tmp_path, _saved())
    assert foreign.read_text(encoding="utf-8") == "theirs\n"


@pytest.mark.parametrize("error", [errno.ENOSPC, errno.EFBIG, errno.EDQUOT])
def test_a_full_disk_should_be_exit_6_with_nothing_partial(tmp_path: Path, error: int) -> None:
    async def full(path: Path) -> None:
        path.write_bytes(b"PK\x03\x04 half")
        raise OSError(error, os.strerror(error))

    with pytest.raises(DownloadDirNotWritable) as caught:
        _save_file(tmp_path, write=full)

    assert caught.value.exit_code == 6
    assert os.strerror(error) in str(caught.value)
    assert _nothing_partial(tmp_path)


def test_every_manifest_line_should_name_a_file_with_its_sha256_after_several_downloads(
    tmp_path: Path,
) -> None:
    downloads = tmp_path / "downloads"
    sources = []
    for n in range(3):
        source = tmp_path / f"source{n}.xlsm"
        _workbook(source)
        with zipfile.ZipFile(source, "a") as archive:  # three different files
            archive.writestr(f"docProps/custom{n}.xml", f"<n>{n}</n>")
        sources.append(source)
    # new, the same again (unchanged), another, the first again, another
    for run, source in enumerate([sources[0], sources[0], sources[1], sources[0], sources[2]]):
        now = 1_790_000_000 + run * 60
        target = downloads / UID / "2026-11" / NAME
        if target.exists():  # each version is named by its own download time
            os.utime(target, (now, now))
        _save(downloads, source, run_id=f"r{run}")

    entries = read_manifest(downloads, UID)
    assert len(entries) == 5
    assert [e.unchanged for e in entries] == [False, True, False, False, False]
    for entry in entries:
        assert storage.sha256_of(entry.absolute_path) == entry.sha256, entry.path
    assert entries[-1].path == f"2026-11/{NAME}"
    assert all(e.path.startswith("2026-11/versions/") for e in entries[:-1])
    assert read_manifest_checked(downloads, UID)[1] == []


def test_repoint_should_keep_lines_that_are_no_entry(tmp_path: Path) -> None:
    folder = tmp_path / UID
    (folder / "2026-11" / "versions").mkdir(parents=True)
    entry = dict(_saved().to_json(), sha256="ab" * 32)
    other = dict(entry, sha256="cd" * 32)
    text = "not json\n" + json.dumps(entry) + "\n" + json.dumps(other) + "\n{torn"
    (folder / storage.MANIFEST).write_text(text, encoding="utf-8")

    storage.repoint(
        tmp_path, UID, folder / entry["path"], folder / "2026-11/versions/v.xlsm", "ab" * 32
    )

    lines = (folder / storage.MANIFEST).read_text(encoding="utf-8").split("\n")
    assert lines[0] == "not json"
    assert json.loads(lines[1])["path"] == "2026-11/versions/v.xlsm"
    assert json.loads(lines[2])["path"] == entry["path"]  # other bytes: left alone
    assert lines[3] == "{torn"
