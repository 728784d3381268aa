"""Run folders: the log of every run, and the evidence of a failed one, with secrets kept out.

```
<run_dir>/20261126-113000-download-KNAB1234-1a2b3c/
    .koss-rpa-run    always: marks the folder as one koss-rpa made (only such folders are pruned)
    .koss-rpa-run.lock  held while the run goes on: pruning never touches a live run's folder
    run.log          always
    screenshot.png   on failure (password fields masked)
    page.html        on failure (password field values removed)
    trace-N.zip      on failure: Playwright traces, paused while credentials are typed
```

Run folders and everything in them are private to the user (`koss_rpa.private`).
"""

from __future__ import annotations

import base64
import contextlib
import html.entities
import importlib
import json
import logging
import os
import re
import secrets
import shutil
import struct
import sys
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout
from pydantic import SecretStr

from koss_rpa.i18n import _
from koss_rpa.private import FILE_MODE, make_private_tree, private_dir
from koss_rpa.storage import JST

log = logging.getLogger("koss_rpa")
#: What stands where a password stood: black circles, as Japanese forms show a hidden password,
#: and no character a password of the policy (half-width letters and digits) or of any keyboard
#: holds, so that the mask can never spell a password itself (a password of "****" would have
#: stood in a mask of asterisks).
MASK = "●●●●●●●●"
#: A trace chunk as Playwright wrote it, before its secrets were blanked out. Only a run killed
#: in that instant leaves one behind; the next run removes it.
UNSCRUBBED_SUFFIX = ".unscrubbed"
#: The file that marks a run folder as koss-rpa's own: pruning never touches another folder.
RUN_MARKER = ".koss-rpa-run"
#: The lock a run holds on its folder while it goes on.
RUN_LOCK = RUN_MARKER + ".lock"
#: A form field (name, possibly URL- or JSON-encoded) that holds a password: a request body
#: with one never reaches a trace, whatever the password's characters. (Also パス, in UTF-8 and
#: percent-encoded, for a portal whose field names are Japanese.)
SECRET_FIELD = re.compile(
    rb"(?i)pass|pwd|secret|(?<![a-z])pw(?![a-z])|%E3%83%91%E3%82%B9|\xe3\x83\x91\xe3\x82\xb9"
)


def _hex(value: int, width: int) -> bytes:
    """A pattern for `value` in hexadecimal, digits of either case."""
    return b"".join(
        b"[" + d.encode() + d.upper().encode() + b"]" if d.isalpha() else d.encode()
        for d in f"{value:0{width}x}"
    )


def _percent(byte: int, keep: bool) -> bytes:
    """One byte percent-encoded, or as it is if it is printable ASCII (the second byte of a
    Shift_JIS character may be a letter, which a form encoding leaves as it is)."""
    kept = b"|" + re.escape(bytes([byte])) if keep and 0x20 < byte < 0x7F else b""
    return b"(?:%" + _hex(byte, 2) + kept + b")"


#: JSON's and JavaScript's one-letter escapes of control characters.
_SHORT_ESCAPES = {
    "\t": b"t",
    "\n": b"n",
    "\r": b"r",
    "\b": b"b",
    "\f": b"f",
    "\v": b"v",
    "\0": b"0",
}


def _char_forms(char: str) -> list[bytes]:
    """Regex alternatives for one character of a secret, in every encoding a browser or a
    server may give it: the character itself (UTF-8, and Shift_JIS/EUC-JP for a page in a
    Japanese charset), percent-encoded bytes with upper- or lower-case hex (`+` for a space:
    WHATWG form encoding), JSON and JavaScript escapes (`\\uXXXX`, `\\xXX`, `\\/`, `\\t`), and HTML
    character references (decimal, hexadecimal, named)."""
    forms: list[bytes] = []
    literal: list[bytes] = []  # tried last: `&` must not stop short of `&amp;`
    for charset in ("utf-8", "cp932", "euc_jp"):
        try:
            encoded = char.encode(charset)
        except UnicodeEncodeError:
            continue
        literal.append(re.escape(encoded))
        forms.append(b"".join(_percent(byte, len(encoded) > 1) for byte in encoded))
    if char == " ":
        forms.append(rb"\+")
    point = ord(char)
    units = [point] if point < 0x10000 else list(struct.unpack(">2H", char.encode("utf-16-be")))
    forms.append(b"".join(rb"\\u" + _hex(unit, 4) for unit in units))
    if point < 0x100:
        forms.append(rb"\\x" + _hex(point, 2))
    if char in "\"\\/'":
        forms.append(re.escape(b"\\" + char.encode()))
    if char in _SHORT_ESCAPES:  # JSON's and JavaScript's: a tab in a DOM snapshot is `\t`
        forms.append(re.escape(b"\\" + _SHORT_ESCAPES[char]))
    forms.append(b"&#0*" + str(point).encode() + b";?")
    # A character the page's charset lacks: Chromium submits it as `&#NNNN;`, percent-encoded.
    forms.append(b"%26%23" + str(point).encode() + b"%3[bB]")
    forms.append(b"&#[xX]0*" + _hex(point, 1).lstrip(b"0") + b";?")
    forms.extend(re.escape(b"&" + name.encode()) for name in _ENTITY_NAMES.get(char, ()))
    # Each form once: an ASCII character is the same in all three charsets, and a form said
    # twice only makes the pattern longer to compile and to try.
    return list(dict.fromkeys(forms)) + list(dict.fromkeys(literal))


def _entity_names() -> dict[str, list[str]]:
    names: dict[str, list[str]] = {}
    for name, value in html.entities.html5.items():
        if len(value) == 1:
            names.setdefault(value, []).append(name)
    for found in names.values():  # `&amp;` before `&amp`: the longest spelling first
        found.sort(key=len, reverse=True)
    return names


_ENTITY_NAMES = _entity_names()


def secret_pattern(secret: str) -> bytes:
    """A regex (over bytes) matching `secret` in any encoding, each character in any form;
    and the secret as UTF-16 (either byte order), and its base64 cores."""
    chars = b"".join(b"(?:" + b"|".join(_char_forms(c)) + b")" for c in secret)
    whole = [chars]
    whole += [re.escape(secret.encode(codec)) for codec in ("utf-16-le", "utf-16-be")]
    whole += [re.escape(core) for core in _base64_cores(secret.encode())]
    return b"|".join(whole)


def _base64_cores(secret: bytes) -> list[bytes]:
    """The part of base64(prefix + secret) that depends on the secret alone, per alignment."""
    cores = []
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + secret)
        start = -(-4 * shift // 3)
        end = ((shift + len(secret)) // 3) * 4
        if len(encoded[start:end]) >= 8:
            cores.append(encoded[start:end])
    return cores


def first_byte_guard(pattern: bytes, first: set[int] | None) -> bytes:
    """`pattern`, matching the same, with a look at the first byte in front, one of `first`
    (the bytes every match starts with: `_first_bytes`): the regex engine then passes over a
    byte that no match can start with (in a trace, nearly every byte) without trying each of
    the pattern's alternatives there. `pattern` itself when `first` is not known (None)."""
    if first is None:
        return pattern
    return (
        b"(?=[" + b"".join(re.escape(bytes([b])) for b in sorted(first)) + b"])(?:" + pattern + b")"
    )


def _first_bytes(pattern: bytes) -> set[int] | None:
    """The bytes every match of `pattern` starts with one of; None when unsure (a part that
    may match nothing, an anchor, a flag, a class this does not read)."""
    try:  # the regex parser of the standard library (Python ≥ 3.11), not a public interface
        parser = importlib.import_module("re._parser")
        constants = importlib.import_module("re._constants")
        parsed = parser.parse(pattern)
    except (ImportError, AttributeError, re.error):
        return None
    if parsed.state.flags & (re.IGNORECASE | re.VERBOSE):
        return None
    return _first_of(list(parsed), constants)


def _first_of(items: list[tuple[Any, Any]], c: Any) -> set[int] | None:
    if not items:
        return None  # an empty alternative matches nothing
    op, av = items[0]
    if op is c.LITERAL:
        return {av}
    if op is c.IN:
        found: set[int] = set()
        for kind, value in av:
            if kind is c.LITERAL:
                found.add(value)
            elif kind is c.RANGE:
                found.update(range(value[0], value[1] + 1))
            else:  # NEGATE, CATEGORY, …
                return None
        return found
    if op is c.BRANCH:
        union: set[int] = set()
        for alternative in av[1]:
            first = _first_of(list(alternative), c)
            if first is None:
                return None
            union |= first
        return union
    if op is c.SUBPATTERN and not av[1] and not av[2]:  # a group without flags
        return _first_of(list(av[3]), c)
    if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT) and av[0] >= 1:
        return _first_of(list(av[2]), c)
    return None


class Redactor:
    """Knows the secrets of a run and blanks them out of any text written anywhere, in any
    encoding (see `secret_pattern`)."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()
        #: The secrets in groups, each with its pattern: a batch learns a password per account,
        #: and one pattern of all, made again for each, cost the square of their number.
        self._groups: list[tuple[tuple[str, ...], re.Pattern[bytes]]] = []
        #: Secrets added since the patterns were last made.
        self._pending: list[str] = []
        #: Each secret's pattern and the bytes a match of it starts with, made once: a group
        #: merged into a larger one is compiled again, but from these.
        self._made: dict[str, tuple[bytes, set[int] | None]] = {}
        # Traces are scrubbed in worker threads while the job adds the secrets it types.
        self._lock = threading.Lock()

    def add(self, *values: SecretStr | None) -> None:
        with self._lock:
            for value in values:
                secret = value.get_secret_value() if value is not None else ""
                if secret and secret not in self._secrets:
                    self._secrets.add(secret)
                    self._pending.append(secret)

    def patterns(self) -> list[re.Pattern[bytes]]:
        """One pattern per group of secrets. Groups double in size as they merge (a binary
        counter), so each secret's pattern is made again only as often as the number of
        secrets doubles. A secret that stands inside another, or holds one, puts all in one
        group, the longest first, so that no shorter one ever cuts a longer one apart."""
        with self._lock:
            if self._pending:
                pending, self._pending = self._pending, []
                known = [secret for group, _pattern in self._groups for secret in group]
                if any(a in b or b in a for a in pending for b in known):
                    group, self._groups = [*known, *pending], []
                else:
                    group = pending
                    while self._groups and len(self._groups[-1][0]) <= len(group):
                        group = [*self._groups.pop()[0], *group]
                ordered = tuple(sorted(group, key=len, reverse=True))  # the longest first
                self._groups.append((ordered, self._compiled(ordered)))
            return [pattern for _group, pattern in self._groups]

    def _compiled(self, secrets: tuple[str, ...]) -> re.Pattern[bytes]:
        """One pattern of `secrets`, in their order, behind the guard of their first bytes
        (the union of each one's: known only when each one's is)."""
        made = [self._pattern_of(secret) for secret in secrets]
        joined = b"|".join(b"(?:" + pattern + b")" for pattern, _first in made)
        known = [first for _pattern, first in made if first is not None]
        first = set[int]().union(*known) if len(known) == len(made) else None
        return re.compile(first_byte_guard(joined, first))

    def _pattern_of(self, secret: str) -> tuple[bytes, set[int] | None]:
        made = self._made.get(secret)
        if made is None:
            pattern = secret_pattern(secret)
            made = self._made[secret] = (pattern, _first_bytes(pattern))
        return made

    @property
    def secrets(self) -> frozenset[str]:
        """The secrets known so far (for `--capture`, which must leave them out as well)."""
        with self._lock:
            return frozenset(self._secrets)

    def redact(self, text: str) -> str:
        if not self._secrets:
            return text
        data = text.encode("utf-8", "surrogatepass")
        return self.redact_bytes(data).decode("utf-8", "replace")

    def redact_bytes(self, data: bytes) -> bytes:
        """Blank every secret out of raw bytes, in whatever encoding it stands there."""
        for pattern in self.patterns():
            data = pattern.sub(MASK.encode(), data)
        return data

    def holds_secret(self, data: bytes) -> bool:
        return any(pattern.search(data) is not None for pattern in self.patterns())

    def scrub_archive(self, source: Path, target: Path) -> None:
        """Copy a zip archive (a Playwright trace) to `target` with every secret blanked out of
        each member, and remove `source`. Pausing the trace while credentials are typed is not
        enough: Playwright records a request's network entry, form body included, once the
        answer has been read, which may be after the trace was resumed. So the body of every
        request that carries a password field or a known secret is dropped from the trace
        altogether (`trace.network`'s `postData` and its `resources/*.dat`), and every other
        member is redacted."""
        partial = target.with_name(target.name + ".partial")
        try:
            with zipfile.ZipFile(source) as raw, zipfile.ZipFile(partial, "w") as clean:
                members = {info.filename: raw.read(info) for info in raw.infolist()}
                dropped = self._drop_secret_bodies(members)
                for info in raw.infolist():
                    if info.filename in dropped:
                        continue
                    clean.writestr(info, self.redact_bytes(members[info.filename]))
            partial.replace(target)
        except (zipfile.BadZipFile, OSError) as exc:  # a trace that cannot be read is dropped
            log.warning("could not scrub the trace %s: %s", source.name, exc)
        finally:
            partial.unlink(missing_ok=True)
            source.unlink(missing_ok=True)

    def _drop_secret_bodies(self, members: dict[str, bytes]) -> set[str]:
        """Remove the request bodies that carry a secret from every `*.network` member (and
        the members holding them); returns the names of the members to leave out."""
        dropped: set[str] = set()
        for name in [n for n in members if n.endswith(".network")]:
            members[name] = b"".join(
                self._without_secret_body(line, members, dropped)
                for line in members[name].splitlines(keepends=True)
            )
        return dropped

    def _without_secret_body(
        self, line: bytes, members: dict[str, bytes], dropped: set[str]
    ) -> bytes:
        end = line[len(line.rstrip(b"\r\n")) :]
        try:
            event = json.loads(line)
            request = event["snapshot"]["request"]
            post = request["postData"]
        except (ValueError, KeyError, TypeError):
            return line
        if not isinstance(post, dict):
            return line
        sha1 = post.get("_sha1")
        resource = f"resources/{sha1}" if isinstance(sha1, str) else None
        body = members.get(resource, b"") if resource else b""
        body += json.dumps(post, ensure_ascii=False).encode()
        if not (SECRET_FIELD.search(body) or self.holds_secret(body)):
            return line
        request["postData"] = {"mimeType": post.get("mimeType", ""), "text": ""}
        request["bodySize"] = 0
        if resource:
            dropped.add(resource)
        return json.dumps(event, ensure_ascii=False).encode() + end


class RedactingFilter(logging.Filter):
    """Rewrites every record's message so that no known secret reaches a handler."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg = self.redactor.redact(message)
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = self.redactor.redact(
                logging.Formatter().formatException(record.exc_info)
            )
        return True


class _RunLogHandler(logging.FileHandler):
    """The run log's handler: a log that cannot be written (a full disk) is said once, in one
    line, instead of a traceback for every record."""

    failed = False

    def handleError(self, record: logging.LogRecord) -> None:
        del record
        if not self.failed:
            self.failed = True
            error = sys.exc_info()[1]
            with contextlib.suppress(OSError, ValueError):
                sys.stderr.write(
                    _("warning: the run log {path} cannot be written: {error}").format(
                        path=self.baseFilename, error=error
                    )
                    + "\n"
                )


@dataclass
class RunFolder:
    """One run's folder with its log, locked while the run goes on."""

    path: Path
    run_id: str
    redactor: Redactor = field(default_factory=Redactor)
    _handler: logging.Handler | None = None
    _lock: FileLock | None = None

    @classmethod
    def create(cls, run_dir: Path, command: str, label: str = "") -> RunFolder:
        run_id = secrets.token_hex(3)
        stamp = datetime.now(JST).strftime("%Y%m%d-%H%M%S")
        name = "-".join(part for part in (stamp, command, label, run_id) if part)
        path = run_dir / name
        private_dir(run_dir)
        path.mkdir(mode=0o700)
        private_dir(path)
        lock = FileLock(path / RUN_LOCK, thread_local=False, mode=FILE_MODE)
        lock.acquire(timeout=0)  # a new folder: nobody else holds it
        _write_private(path / RUN_MARKER, f"koss-rpa run {run_id}\n")
        return cls(path=path, run_id=run_id, _lock=lock)

    def release(self) -> None:
        """The run is over: its folder may be pruned from now on."""
        make_private_tree(self.path)
        if self._lock is not None:
            self._lock.release()
            self._lock = None
            with contextlib.suppress(OSError):
                (self.path / RUN_LOCK).unlink()

    def alive(self) -> bool:
        """Whether the folder is still this run's (nobody removed it): evidence goes only into
        the run's own marked folder, never into one made again."""
        return is_run_folder(self.path)

    @property
    def log_path(self) -> Path:
        return self.path / "run.log"

    def start_logging(self, level: int = logging.INFO) -> None:
        _write_private(self.log_path, "")
        handler = _RunLogHandler(self.log_path, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler.addFilter(RedactingFilter(self.redactor))
        handler.setLevel(level)
        log.addHandler(handler)
        log.setLevel(min(log.level or logging.INFO, level))
        self._handler = handler

    def stop_logging(self) -> None:
        if self._handler is not None:
            log.removeHandler(self._handler)
            self._handler.close()
            self._handler = None

    def evidence_path(self, name: str, label: str = "") -> Path:
        stem, suffix = Path(name).stem, Path(name).suffix
        return self.path / (f"{stem}-{label}{suffix}" if label else name)

    def drop_evidence(self) -> None:
        """After a success: keep only the log."""
        for item in self.path.iterdir():
            if item.name not in ("run.log", RUN_MARKER, RUN_LOCK):
                with contextlib.suppress(OSError):
                    shutil.rmtree(item) if item.is_dir() else item.unlink()


def _write_private(path: Path, text: str) -> None:
    """Create (or append to) a file readable by the user alone, whatever the umask."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
    with os.fdopen(fd, "a", encoding="utf-8") as out:
        out.write(text)


def is_live(folder: Path) -> bool:
    """Whether a run holds the folder's lock (it is going on). A folder without the lock file
    is a finished run's (or an earlier version's)."""
    if not (folder / RUN_LOCK).is_file():
        return False
    lock = FileLock(folder / RUN_LOCK, thread_local=False, mode=FILE_MODE)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        return True
    except OSError:
        return False
    lock.release()
    return False


def is_run_folder(path: Path) -> bool:
    """A folder koss-rpa made for a run: a real folder (not a link) holding the marker file."""
    marker = path / RUN_MARKER
    return not path.is_symlink() and path.is_dir() and not marker.is_symlink() and marker.is_file()


def prune_runs(run_dir: Path, keep: int) -> list[Path]:
    """Remove all but the `keep` newest run folders, and any trace a killed run left
    unscrubbed; returns the folders removed.

    Only folders koss-rpa made and marked (`RUN_MARKER`) are touched; anything else in
    `run_dir` (another program's folder, an account's downloads, a link) is left alone, and no
    link is followed. A run that is going on (it holds its folder's lock) keeps its folder,
    whatever its age."""
    if run_dir.is_symlink() or not run_dir.is_dir():
        return []
    folders = sorted((p for p in run_dir.iterdir() if is_run_folder(p)), key=lambda p: p.name)
    live = {folder for folder in folders if is_live(folder)}
    for folder in folders:
        if folder in live:
            continue
        for raw in folder.glob(f"*{UNSCRUBBED_SUFFIX}"):
            if not raw.is_symlink():
                raw.unlink(missing_ok=True)
    finished = [f for f in folders if f not in live]  # a live run does not count as kept
    removed = finished[:-keep] if keep else finished
    for folder in removed:
        shutil.rmtree(folder, ignore_errors=True)  # removes links inside, never their targets
    return removed


@contextlib.contextmanager
def run_folder(run_dir: Path, command: str, label: str, keep: int) -> Iterator[RunFolder]:
    """A run folder with logging attached for the duration of the block; prunes old ones."""
    prune_runs(run_dir, max(keep - 1, 0))
    folder = RunFolder.create(run_dir, command, label)
    folder.start_logging()
    try:
        yield folder
    finally:
        folder.stop_logging()
        folder.release()
