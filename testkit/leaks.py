"""The leak canary: look for passwords in every file a run leaves, trace archives unpacked.

A password is looked for as it is, and in every encoding a browser or a server can give it:
URL-encoded (Python's way, WHATWG form encoding, upper- and lower-case hex, Shift_JIS bytes),
JSON-escaped, UTF-16, HTML character references, and base64-encoded at each of the three byte
alignments it can have inside a longer base64 text (a trace's network resources, a data: URL).
These encoders are written independently of the redactor's patterns (`evidence.runs`), so that
the scan checks them.
"""

from __future__ import annotations

import base64
import html
import json
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from urllib.parse import quote, quote_plus

from koss_rpa.account.store import MemoryKeyring


@dataclass(frozen=True)
class Leak:
    """Where a secret was found (never the secret itself: the finding may be printed)."""

    where: str
    encoding: str
    secret_index: int

    def __str__(self) -> str:
        return f"password #{self.secret_index} ({self.encoding}) in {self.where}"


def _base64_cores(secret: bytes) -> Iterator[bytes]:
    """The part of base64(prefix + secret) that depends on the secret alone, per alignment."""
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + secret)
        start = -(-4 * shift // 3)  # ceil: characters that also carry prefix bits are dropped
        end = ((shift + len(secret)) // 3) * 4  # the last, padded quantum is dropped too
        core = encoded[start:end]
        if len(core) >= 8:
            yield core


def whatwg_form(secret: str, charset: str = "utf-8") -> str:
    """application/x-www-form-urlencoded as a browser writes it (URL Standard §5.2): ASCII
    letters, digits and `*-._` kept, a space as `+`, every other byte as %XX."""
    out = []
    for byte in secret.encode(charset):
        char = chr(byte)
        if char.isascii() and (char.isalnum() or char in "*-._"):
            out.append(char)
        elif char == " ":
            out.append("+")
        else:
            out.append(f"%{byte:02X}")
    return "".join(out)


def _lower_hex(text: str, pattern: str) -> str:
    return re.sub(pattern, lambda m: m.group().lower(), text)


def _json_escaped(secret: str, ascii_only: bool) -> str:
    return json.dumps(secret, ensure_ascii=ascii_only)[1:-1]


def encodings(secret: str) -> dict[str, bytes]:
    """Every form of `secret` the scan looks for, by name."""
    raw = secret.encode()
    _json_ascii = _json_escaped(secret, ascii_only=True)
    forms = {
        "plain": raw,
        "url": quote(secret).encode(),
        "url+": quote_plus(secret).encode(),
        "url-lower": _lower_hex(quote(secret, safe=""), r"%[0-9A-F]{2}").encode(),
        "form": whatwg_form(secret).encode(),
        "form-lower": _lower_hex(whatwg_form(secret), r"%[0-9A-F]{2}").encode(),
        "json": _json_escaped(secret, ascii_only=False).encode(),
        "json-ascii": _json_escaped(secret, ascii_only=True).encode(),
        "json-ASCII": re.sub(
            r"\\u[0-9a-f]{4}", lambda m: "\\u" + m.group()[2:].upper(), _json_ascii
        ).encode(),
        "utf-16-le": secret.encode("utf-16-le"),
        "utf-16-be": secret.encode("utf-16-be"),
        "html": html.escape(secret).encode(),
        "html-decimal": "".join(f"&#{ord(c)};" for c in secret).encode(),
        "html-hex": "".join(f"&#x{ord(c):x};" for c in secret).encode(),
        "html-HEX": "".join(f"&#X{ord(c):X};" for c in secret).encode(),
    }
    try:
        forms["sjis"] = secret.encode("cp932")
        forms["form-sjis"] = whatwg_form(secret, "cp932").encode()
    except UnicodeEncodeError:
        pass
    for n, core in enumerate(_base64_cores(raw)):
        forms[f"base64/{n}"] = core
    return forms


def every_encoding(value: str) -> dict[str, bytes]:
    """Each way a value can sit in a captured page: raw, percent-encoded, HTML entities (named
    and numeric), JSON-escaped, UTF-16 (for `--capture`, whose files are HTML and JSON)."""
    forms = {
        "raw": value,
        "percent": quote(value, safe=""),
        "percent+": quote_plus(value),
        "entities": html.escape(value),
        "decimal refs": "".join(f"&#{ord(c)};" for c in value),
        "hex refs": "".join(f"&#x{ord(c):x};" for c in value),
        "json": json.dumps(value)[1:-1],
    }
    found = {name: text.encode() for name, text in forms.items()}
    found["utf-16-le"] = value.encode("utf-16-le")
    found["utf-16-be"] = value.encode("utf-16-be")
    return found


def scan_capture(folder: Path, values: Iterable[str]) -> list[str]:
    """Every (value index, encoding, file) of `values` found in the files of a capture."""
    found: list[str] = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        for index, value in enumerate(values):
            found += [
                f"value #{index} ({name}) in {path.name}"
                for name, form in every_encoding(value).items()
                if form in data
            ]
    return found


def _members(data: bytes, where: str) -> Iterator[tuple[str, bytes]]:
    """The bytes themselves and, for a zip archive (a trace), each member, recursively."""
    yield where, data
    if data[:4] != b"PK\x03\x04":
        return
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            for name in archive.namelist():
                yield from _members(archive.read(name), f"{where}!{name}")
    except zipfile.BadZipFile:
        return


def scan_bytes(data: bytes, where: str, secrets: Iterable[str]) -> list[Leak]:
    """Leaks of any of `secrets` in `data` (and inside it, if it is a zip archive)."""
    wanted = [(i, encodings(s)) for i, s in enumerate(secrets) if s]
    found: list[Leak] = []
    for place, content in _members(data, where):
        for index, forms in wanted:
            found.extend(
                Leak(place, name, index) for name, form in forms.items() if form in content
            )
    return found


def scan_paths(roots: Iterable[Path], secrets: Iterable[str]) -> tuple[list[Leak], int]:
    """Leaks in every file under `roots`, and how many files (archive members too) were read."""
    wanted = list(secrets)
    found: list[Leak] = []
    scanned = 0
    for root in roots:
        if not root.exists():
            continue
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            data = path.read_bytes()
            scanned += sum(1 for _ in _members(data, str(path)))
            found.extend(scan_bytes(data, str(path), wanted))
    return found, scanned


def scan_text(text: str, where: str, secrets: Iterable[str]) -> list[Leak]:
    """Leaks in captured output."""
    return scan_bytes(text.encode(), where, secrets)


class RecordingKeyring(MemoryKeyring):
    """An in-memory keyring that remembers every password ever stored in it, so that a scan
    also looks for the ones a run generated and replaced (a pending password it discarded)."""

    def __init__(self) -> None:
        super().__init__()
        self.ever_stored: set[str] = set()

    def set_password(self, service: str, username: str, password: str) -> None:
        if not username.endswith(":meta"):
            self.ever_stored.add(password)
        super().set_password(service, username, password)
