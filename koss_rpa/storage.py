"""Where downloads go: per account and month, written atomically, listed in a manifest.

```
<download_dir>/KNAB1234/2026-11/まとめ納付管理ファイル_軽自動車OSS用.xlsm
<download_dir>/KNAB1234/manifest.jsonl      one JSON line per saved file
```
A file is saved under a temporary name in the target folder, validated, and only then given its
real name — never over an earlier file (a second file of the month gets ` (2)`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import zipfile
import zlib
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from koss_rpa.errors import DownloadDirNotWritable, DownloadIncomplete
from koss_rpa.i18n import _

#: The portal is Japanese and Japan has no daylight saving time: months are counted in JST.
JST = timezone(timedelta(hours=9), "JST")
MANIFEST = "manifest.jsonl"
#: The manual calls the file 「まとめ納付管理ファイル_軽自動車OSS用」; its format is inferred.
EXPECTED_SUFFIXES = (".xlsm", ".xlsx")
FALLBACK_NAME = "まとめ納付管理ファイル_軽自動車OSS用.xlsm"
PARTIAL_SUFFIX = ".part"


@dataclass(frozen=True)
class SavedFile:
    """One file in the manifest."""

    user_id: str
    month: str
    path: str
    size: int
    sha256: str
    saved_at: str
    run_id: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def month_of(moment: datetime) -> str:
    """`2026-11` for any time in November 2026, Japan time."""
    return moment.astimezone(JST).strftime("%Y-%m")


def account_dir(download_dir: Path, user_id: str) -> Path:
    return download_dir / user_id


def safe_name(suggested: str) -> str:
    """The portal's file name without any folder part or character a file system refuses.

    A browser that could not read the portal's name (Chromium in a locale that is not
    installed calls it `download`) gets the name the manual gives the file.
    """
    name = Path(suggested.replace("\\", "/")).name
    name = re.sub(r'[\x00-\x1f<>:"/\\|?*]', "_", name).strip(" .")
    return name if name.lower().endswith(EXPECTED_SUFFIXES) else FALLBACK_NAME


def check_writable(download_dir: Path) -> None:
    """Create the folder if needed and prove it can be written, before any login."""
    try:
        download_dir.mkdir(parents=True, exist_ok=True)
        probe = download_dir / f".koss-rpa-write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise DownloadDirNotWritable(
            _("The download folder {path} cannot be written: {error}").format(
                path=download_dir, error=exc.strerror or exc
            )
        ) from exc


def validate_workbook(path: Path) -> None:
    """An Excel workbook, not an empty file, a truncated one or an HTML page.

    Raises:
        DownloadIncomplete: what is wrong with it.
    """
    size = path.stat().st_size
    if size == 0:
        raise DownloadIncomplete(_("The downloaded file is empty."))
    with path.open("rb") as fh:
        head = fh.read(512)
    if head.lstrip().lower().startswith((b"<!doctype", b"<html", b"<?xml", b"<")):
        raise DownloadIncomplete(_("The portal sent a web page instead of the file."))
    if not head.startswith(b"PK\x03\x04"):
        raise DownloadIncomplete(_("The downloaded file is not an Excel workbook."))
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            broken = archive.testzip()
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
        raise DownloadIncomplete(
            _("The downloaded file is truncated or damaged ({size} bytes).").format(size=size)
        ) from exc
    if broken is not None or not {"[Content_Types].xml", "xl/workbook.xml"} <= names:
        raise DownloadIncomplete(
            _("The downloaded file is damaged ({size} bytes).").format(size=size)
        )


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def _free_name(folder: Path, name: str) -> Path:
    candidate = folder / name
    stem, suffix = Path(name).stem, Path(name).suffix
    n = 2
    while candidate.exists():
        candidate = folder / f"{stem} ({n}){suffix}"
        n += 1
    return candidate


def publish(partial: Path, folder: Path, name: str) -> Path:
    """Give the validated `partial` its real name without ever replacing an existing file."""
    while True:
        final = _free_name(folder, name)
        try:
            os.link(partial, final)  # fails if `final` appeared meanwhile: never overwrites
        except FileExistsError:
            continue
        except OSError:
            # File systems without hard links (FAT, some shares): the per-account lock keeps
            # other koss-rpa runs out, and the exists() check above keeps earlier files.
            partial.replace(final)
            return final
        partial.unlink()
        return final


def partial_path(folder: Path, run_id: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f".download-{run_id}{PARTIAL_SUFFIX}"


def discard(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def record(download_dir: Path, saved: SavedFile) -> None:
    """Append one line to the account's manifest, flushed to disk."""
    manifest = account_dir(download_dir, saved.user_id) / MANIFEST
    line = json.dumps(saved.to_json(), ensure_ascii=False) + "\n"
    with manifest.open("a+b") as fh:
        fh.seek(0, os.SEEK_END)
        if fh.tell():
            fh.seek(-1, os.SEEK_END)
            if fh.read(1) != b"\n":  # a line torn by a crash: start a new one
                line = "\n" + line
        fh.write(line.encode("utf-8"))
        fh.flush()
        os.fsync(fh.fileno())


def read_manifest(download_dir: Path, user_id: str) -> list[SavedFile]:
    """Every entry of the account's manifest; a torn last line (a crash) is skipped."""
    manifest = account_dir(download_dir, user_id) / MANIFEST
    if not manifest.is_file():
        return []
    entries: list[SavedFile] = []
    for line in manifest.read_bytes().splitlines():
        try:
            entries.append(SavedFile(**json.loads(line.decode("utf-8"))))
        except (UnicodeDecodeError, json.JSONDecodeError, TypeError):
            continue
    return entries


def already_saved(download_dir: Path, user_id: str, month: str) -> SavedFile | None:
    """The month's file if the manifest lists one that is still on disk."""
    for entry in reversed(read_manifest(download_dir, user_id)):
        if entry.month == month and (account_dir(download_dir, user_id) / entry.path).is_file():
            return entry
    return None
