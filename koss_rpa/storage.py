"""Where downloads go: per account and month, written atomically, listed in a manifest.

```
<download_dir>/KNAB1234/2026-11/まとめ納付管理ファイル_軽自動車OSS用.xlsm      the newest
<download_dir>/KNAB1234/2026-11/versions/まとめ納付管理ファイル_軽自動車OSS用 20261126-113000.xlsm
<download_dir>/KNAB1234/manifest.jsonl      one JSON line per saved file
```
A file is saved under a temporary name in the target folder, validated, and only then given its
real name. The month's folder always holds the newest file under the manual's name; an earlier,
different file of the month is kept in `versions/`, named by the time it was downloaded, before the
new one takes its name (so no version is ever lost), and a file byte-identical to the newest is not
saved twice (the manifest records it as `unchanged`). Every manifest line's path holds the bytes
its SHA-256 names: when a file moves into `versions/`, its lines are rewritten to follow it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
import zipfile
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
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
#: Earlier files of a month, inside the month's folder.
VERSIONS_DIR = "versions"


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
    #: The download was byte-identical to the newest file of the month, so nothing was written.
    unchanged: bool = False
    #: The account's folder, which `path` is relative to; not written to the manifest.
    account_folder: Path | None = field(default=None, compare=False, repr=False)

    @property
    def absolute_path(self) -> Path:
        """Where the file is. Raises ValueError for an entry that does not know its folder."""
        if self.account_folder is None:
            raise ValueError(f"{self.path}: the account's folder is not known")
        return self.account_folder / self.path

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        del data["account_folder"]
        return data


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
    if not name.lower().endswith(EXPECTED_SUFFIXES):
        return FALLBACK_NAME
    return _shortened(name)


#: A file name's longest stem, in UTF-8 bytes: file systems allow 255 bytes (NTFS 255 UTF-16
#: units), and `versions/` adds a 16-character time to it.
MAX_STEM_BYTES = 200


def _shortened(name: str) -> str:
    """`name` with its stem cut (at a character) to `MAX_STEM_BYTES`, its suffix kept."""
    stem, suffix = Path(name).stem, Path(name).suffix
    encoded = stem.encode("utf-8")
    if len(encoded) <= MAX_STEM_BYTES:
        return name
    return encoded[:MAX_STEM_BYTES].decode("utf-8", errors="ignore").rstrip(" .") + suffix


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
    versions = folder / month / VERSIONS_DIR
    if versions.is_symlink() or (versions.exists() and not versions.is_dir()):
        raise DownloadDirNotWritable(
            _("{path} is a file, not a folder: move or rename the file.").format(path=versions)
        )
    manifest = folder / MANIFEST
    if manifest.is_symlink():
        raise DownloadDirNotWritable(
            _(
                "The manifest {path} is a link: koss-rpa appends only to a file of its own; "
                "move the link away."
            ).format(path=manifest)
        )
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


@dataclass(frozen=True)
class Published:
    """Where `publish` put a download, and what became of the file it replaced."""

    path: Path
    #: Byte-identical to the month's newest file: nothing was written.
    unchanged: bool = False
    #: The earlier file, moved into `versions/`.
    earlier: Path | None = None


def version_name(path: Path) -> str:
    """`NAME 20261126-113000.xlsm`: the file's name with the time it was downloaded (JST)."""
    stamp = datetime.fromtimestamp(path.stat().st_mtime, JST).strftime("%Y%m%d-%H%M%S")
    return f"{path.stem} {stamp}{path.suffix}"


def _keep_version(current: Path) -> Path:
    """Put a copy of `current` into `versions/` (a hard link, else a copy), never over a file."""
    versions = current.parent / VERSIONS_DIR
    if versions.is_symlink() or (versions.exists() and not versions.is_dir()):
        raise DownloadDirNotWritable(
            _("{path} is a file, not a folder: move or rename the file.").format(path=versions)
        )
    versions.mkdir(exist_ok=True)
    while True:
        target = _free_name(versions, version_name(current))
        try:
            os.link(current, target)
        except FileExistsError:
            continue
        except OSError:
            # No hard links here (FAT, some shares): copy through a temporary name.
            partial = versions / f".{target.name}{PARTIAL_SUFFIX}"
            shutil.copy2(current, partial)
            if target.exists():
                partial.unlink()
                continue
            partial.replace(target)
        return target


def publish(
    partial: Path,
    folder: Path,
    name: str,
    sha256: str | None = None,
    kept: Callable[[Path, Path, str], None] | None = None,
) -> Published:
    """Give the validated `partial` the month's name, keeping what it replaces.

    A file already under that name is kept in `versions/` first, then `partial` takes the name
    in one atomic rename, so the name always holds a whole file and no version is lost. When the
    file there has the digest `sha256`, nothing is written and `partial` is removed.
    `kept(name's path, version's path, its digest)` is called while both paths hold the earlier
    bytes, before the name is given to `partial` (the manifest follows the bytes there).
    """
    final = folder / name
    if final.is_symlink() or (final.exists() and not final.is_file()):
        raise DownloadDirNotWritable(
            _(
                "{path} is in the way of the month's file (a folder or a link): move or rename "
                "it (the download is not saved)."
            ).format(path=final)
        )
    if final.is_file():
        current = sha256_of(final)
        if sha256 is not None and current == sha256:
            partial.unlink()
            return Published(final, unchanged=True)
        earlier = _keep_version(final)
        if kept is not None:
            kept(final, earlier, current)
        partial.replace(final)
        return Published(final, earlier=earlier)
    try:
        os.link(partial, final)  # fails if `final` appeared meanwhile: never overwrites
    except FileExistsError:
        return publish(partial, folder, name, sha256, kept)
    except OSError:
        # File systems without hard links: the per-account lock keeps other runs out.
        partial.replace(final)
        return Published(final)
    partial.unlink()
    return Published(final)


def partial_path(folder: Path, run_id: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f".download-{run_id}{PARTIAL_SUFFIX}"


def discard(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


async def save_download(
    download_dir: Path,
    user_id: str,
    month: str,
    run_id: str,
    suggested_name: str,
    write: Callable[[Path], Awaitable[None]],
) -> SavedFile:
    """Save a download atomically and list it in the manifest: `write` puts it under a
    temporary name in the month's folder, where it is validated, then `publish`ed under its
    real name. Nothing partial is left behind, whatever fails.

    Raises:
        DownloadIncomplete: what is wrong with the file (raised by `write` too).
    """
    folder = account_dir(download_dir, user_id)
    partial = partial_path(folder / month, run_id)
    try:
        await write(partial)
        validate_workbook(partial)
        # The content was checked above; the name only has to be a good one.
        size, digest = partial.stat().st_size, sha256_of(partial)

        def kept(final: Path, version: Path, sha256: str) -> None:
            repoint(download_dir, user_id, final, version, sha256)

        published = publish(partial, folder / month, safe_name(suggested_name), digest, kept)
    except OSError as exc:
        raise not_written(folder / month, exc) from exc
    finally:
        discard(partial)
    saved = SavedFile(
        user_id=user_id,
        month=month,
        path=published.path.relative_to(folder).as_posix(),
        size=size,
        sha256=digest,
        saved_at=datetime.now(JST).isoformat(timespec="seconds"),
        run_id=run_id,
        unchanged=published.unchanged,
        account_folder=folder,
    )
    if published.earlier is not None:
        log.info("%s: the earlier file of %s is kept as %s", user_id, month, published.earlier)
    try:
        record(download_dir, saved)
    except OSError as exc:
        raise not_written(folder, exc) from exc
    return saved


def not_written(folder: Path, exc: OSError) -> DownloadDirNotWritable:
    """A write that failed in the download folder (full, a file size limit, read-only, no
    permission): one line, exit 6, never retried (another try would fail the same way)."""
    return DownloadDirNotWritable(
        _(
            "The download could not be written to {path} ({error}): free space or fix its "
            "permissions; nothing partial was left, and earlier files are untouched."
        ).format(path=folder, error=exc.strerror or type(exc).__name__)
    )


def _refuse_link(manifest: Path) -> None:
    if manifest.is_symlink():
        raise DownloadDirNotWritable(
            _(
                "The manifest {path} is a link: koss-rpa appends only to a file of its own; "
                "move the link away."
            ).format(path=manifest)
        )


def record(download_dir: Path, saved: SavedFile) -> None:
    """Append one line to the account's manifest, flushed to disk."""
    manifest = account_dir(download_dir, saved.user_id) / MANIFEST
    _refuse_link(manifest)
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


def repoint(download_dir: Path, user_id: str, old: Path, new: Path, sha256: str) -> None:
    """The manifest lines of the bytes `sha256` at `old` say `new` instead: the file moved
    (into `versions/`), and every line's path holds the bytes its SHA-256 names. The manifest
    is rewritten whole (a temporary file, flushed, renamed over it); lines that are not
    entries are kept as they are. Runs under the account's lock, as every manifest write."""
    folder = account_dir(download_dir, user_id)
    manifest = folder / MANIFEST
    _refuse_link(manifest)
    if not manifest.is_file():
        return
    before, after = old.relative_to(folder).as_posix(), new.relative_to(folder).as_posix()
    lines = manifest.read_bytes().splitlines(keepends=True)
    changed = False
    for index, line in enumerate(lines):
        try:
            data = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue
        if isinstance(data, dict) and data.get("path") == before and data.get("sha256") == sha256:
            data["path"] = after
            end = b"\n" if line.endswith(b"\n") else b""
            lines[index] = json.dumps(data, ensure_ascii=False).encode("utf-8") + end
            changed = True
    if not changed:
        return
    partial = manifest.with_name(f".{MANIFEST}{PARTIAL_SUFFIX}")
    with partial.open("wb") as fh:
        fh.write(b"".join(lines))
        fh.flush()
        os.fsync(fh.fileno())
    partial.replace(manifest)


def _entry(line: bytes, user_id: str, folder: Path) -> SavedFile:
    """One manifest line of the account in `folder`, checked: every field of its type, a path
    inside the account's folder. Raises ValueError saying what is wrong."""
    try:
        data = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(_("not a JSON line")) from exc
    fields = set(SavedFile.__dataclass_fields__) - {"account_folder"}
    # `unchanged` came later: lines written before it lack it.
    if not isinstance(data, dict) or not fields - {"unchanged"} <= set(data) <= fields:
        raise ValueError(_("not a manifest entry"))
    if not isinstance(data.get("unchanged", False), bool):
        raise ValueError(_("{name} is not a {kind}").format(name="unchanged", kind="bool"))
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
    return SavedFile(**data, account_folder=folder)


_TEXT_FIELDS = ("user_id", "month", "path", "sha256", "saved_at", "run_id")


def read_manifest_checked(download_dir: Path, user_id: str) -> tuple[list[SavedFile], list[str]]:
    """The account's manifest: its valid entries, and one note per line that was ignored
    (a torn last line after a crash, or a line edited by hand)."""
    folder = account_dir(download_dir, user_id)
    manifest = folder / MANIFEST
    if not manifest.is_file():
        return [], []
    entries: list[SavedFile] = []
    problems: list[str] = []
    lines = manifest.read_bytes().splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            entries.append(_entry(line, user_id, folder))
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
        if entry.month == month and entry.absolute_path.is_file():
            return entry
    return None
