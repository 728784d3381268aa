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
import logging
import os
import re
import zipfile
import zlib
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from koss_rpa.errors import DownloadDirNotWritable, DownloadIncomplete, FolderNotWritable
from koss_rpa.i18n import _

log = logging.getLogger("koss_rpa.storage")
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


def check_writable(download_dir: Path, error: type[FolderNotWritable] | None = None) -> None:
    """Create the folder if needed and prove it can be written, before any login.

    Raises `error` (by default `DownloadDirNotWritable`) naming the path and what to do.
    """
    kind = error or DownloadDirNotWritable
    blocking = next(
        (p for p in (download_dir, *download_dir.parents) if p.exists() and not p.is_dir()),
        None,
    )
    if blocking == download_dir:
        raise kind(
            _("{path} is a file, not a folder: move or rename the file.").format(path=blocking)
        )
    if blocking is not None:
        raise kind(
            _(
                "{path} is a file, not a folder, so {folder} cannot be made: move or rename "
                "the file."
            ).format(path=blocking, folder=download_dir)
        )
    try:
        download_dir.mkdir(parents=True, exist_ok=True)
        probe = download_dir / f".koss-rpa-write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise kind(
            _(
                "The folder {path} cannot be written ({error}): fix its permissions or choose "
                "another folder."
            ).format(path=download_dir, error=exc.strerror or exc)
        ) from exc


def check_account_folders(download_dir: Path, user_id: str, month: str) -> None:
    """The account's folder, its month's folder and its manifest can be written: checked
    before the browser starts, so that a file in the way never costs a login."""
    folder = account_dir(download_dir, user_id)
    check_writable(folder / month)
    manifest = folder / MANIFEST
    if manifest.exists() and (not manifest.is_file() or not os.access(manifest, os.W_OK)):
        raise DownloadDirNotWritable(
            _("The manifest {path} cannot be written: fix its permissions.").format(path=manifest)
        )


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


def _entry(line: bytes, user_id: str) -> SavedFile:
    """One manifest line, checked: every field of its type, a path inside the account's
    folder. Raises ValueError saying what is wrong."""
    try:
        data = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(_("not a JSON line")) from exc
    if not isinstance(data, dict) or set(data) != set(SavedFile.__dataclass_fields__):
        raise ValueError(_("not a manifest entry"))
    for name, kind in (("size", int), *((n, str) for n in _TEXT_FIELDS)):
        if not isinstance(data[name], kind) or isinstance(data[name], bool):
            raise ValueError(_("{name} is not a {kind}").format(name=name, kind=kind.__name__))
    path = data["path"]
    parts = path.split("/")
    if (
        not path
        or "\\" in path
        or ":" in path
        or path.startswith("/")
        or any(part in ("", ".", "..") for part in parts)
        or any(ord(c) < 0x20 for c in path)
    ):
        raise ValueError(_("its path leaves the account's folder"))
    if data["user_id"] != user_id or not re.fullmatch(r"\d{4}-\d{2}", data["month"]):
        raise ValueError(_("not an entry of this account"))
    return SavedFile(**data)


_TEXT_FIELDS = ("user_id", "month", "path", "sha256", "saved_at", "run_id")


def read_manifest_checked(download_dir: Path, user_id: str) -> tuple[list[SavedFile], list[str]]:
    """The account's manifest: its valid entries, and one note per line that was ignored
    (a torn last line after a crash, or a line edited by hand)."""
    manifest = account_dir(download_dir, user_id) / MANIFEST
    if not manifest.is_file():
        return [], []
    entries: list[SavedFile] = []
    problems: list[str] = []
    lines = manifest.read_bytes().splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            entries.append(_entry(line, user_id))
        except ValueError as exc:
            if number == len(lines) and not line.endswith(b"}"):
                reason = _("torn by a crash")
            else:
                reason = str(exc)
            problems.append(f"{manifest}:{number}: {reason}")
    for problem in problems:  # in the run's log; the CLI says it on stderr too
        log.info("manifest line ignored: %s", problem)
    return entries, problems


def read_manifest(download_dir: Path, user_id: str) -> list[SavedFile]:
    """Every valid entry of the account's manifest; bad lines are ignored (and logged)."""
    return read_manifest_checked(download_dir, user_id)[0]


def already_saved(download_dir: Path, user_id: str, month: str) -> SavedFile | None:
    """The month's file if the manifest lists one that is still on disk."""
    for entry in reversed(read_manifest(download_dir, user_id)):
        if entry.month == month and (account_dir(download_dir, user_id) / entry.path).is_file():
            return entry
    return None
