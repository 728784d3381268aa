"""Messages for people, in Japanese or English (gettext).

The catalogs are `locale/<lang>/LC_MESSAGES/koss_rpa.po`. They are read as `.po` text by
`POTranslations`: compiled `.mo` files are build artifacts that are not kept in the repository,
so an installed package and a checkout behave the same. `scripts/update_catalogs.py` keeps the
catalogs in step with the `_()` calls in the code.

Message ids are English; a missing Japanese translation falls back to the English catalog, and a
message missing there too is shown as its id.
"""

from __future__ import annotations

import functools
import gettext
import locale
import os
import re
import string
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

DOMAIN = "koss_rpa"
LOCALE_DIR = Path(__file__).parent / "locale"
SUPPORTED = ("ja", "en")
DEFAULT_LANGUAGE = "en"

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
# "…" with \-escapes; written so that the engine does not branch at every character.
_QUOTED = re.compile(r'"([^"\\]*(?:\\.[^"\\]*)*)"')
_ESCAPE = re.compile(r"\\(.)")


class _BytesReader(Protocol):
    def read(self) -> bytes: ...


class POSyntaxError(ValueError):
    """A `.po` catalog that cannot be read; the message names the file and line."""


class POTranslations(gettext.NullTranslations):
    """A gettext translation read straight from a `.po` file.

    Understands what `scripts/update_catalogs.py` (Babel) writes: the header entry, comments,
    `msgid` / `msgstr` strings continued over several lines, and the escapes `\\n \\t \\r \\" \\\\`.
    Entries flagged `fuzzy`, entries with an empty `msgstr` and translations whose
    `{placeholders}` differ from their msgid's are left out, so those messages fall back.
    Contexts (`msgctxt`) and plural forms are not used by koss-rpa and are refused.
    """

    def __init__(self, fp: _BytesReader | None = None, name: str = "<po>") -> None:
        self._catalog: dict[str, str] = {}
        self._header: dict[str, str] = {}
        self._name = name
        super().__init__(fp)

    @classmethod
    def from_path(cls, path: Path) -> POTranslations:
        """Read the catalog at `path`."""
        with path.open("rb") as fp:
            return cls(fp, name=str(path))

    def _parse(self, fp: _BytesReader) -> None:
        for entry in _po_entries(fp.read().decode("utf-8-sig"), self._name):
            if entry.msgid == "":
                # The header is read even when fuzzy (Babel marks a fresh catalog's header so).
                for header in (entry.msgstr or "").splitlines():
                    key, sep, value = header.partition(":")
                    if sep:
                        self._header[key.strip().lower()] = value.strip()
            elif entry.msgid and entry.msgstr and not entry.fuzzy and _same_fields(entry):
                self._catalog[entry.msgid] = entry.msgstr

    def gettext(self, message: str) -> str:
        # Translations are never empty (empty ones are not stored), so `or` is safe.
        return self._catalog.get(message) or super().gettext(message)

    def info(self) -> dict[str, str]:
        """The header fields, keys in lower case (`content-type`, `language`, …)."""
        return dict(self._header)

    def messages(self) -> dict[str, str]:
        """The translated messages, id → text (a copy)."""
        return dict(self._catalog)


@dataclass
class _Entry:
    msgid: str | None = None
    msgstr: str | None = None
    fuzzy: bool = False

    def feed(self, line: str) -> None:
        """Take one `msgid`, `msgstr` or continued-string line; ValueError when out of place."""
        if line.startswith('"'):
            if self.msgstr is not None:
                self.msgstr += _unquote(line)
            elif self.msgid is not None:
                self.msgid += _unquote(line)
            else:
                raise ValueError("a string that continues no msgid or msgstr")
            return
        keyword, _sep, rest = line.partition(" ")
        if keyword == "msgid" and self.msgid is None:
            self.msgid = _unquote(rest.strip())
        elif keyword == "msgstr" and self.msgid is not None and self.msgstr is None:
            self.msgstr = _unquote(rest.strip())
        elif keyword in ("msgid", "msgstr"):
            raise ValueError(f"{keyword} out of place")
        else:
            raise ValueError(f"{keyword!r} is not supported")


def _po_entries(text: str, name: str) -> Iterator[_Entry]:
    entry = _Entry()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if entry.msgstr is not None and not line.startswith('"'):
            yield entry  # any line but a continued string ends a complete entry
            entry = _Entry()
        try:
            if not line:
                if entry.msgid is not None:
                    raise ValueError("msgid without msgstr")
                entry = _Entry()  # flags of a comment block with no entry apply to nothing
            elif line.startswith("#"):
                flags = line[2:].split(",") if line.startswith("#,") else []
                entry.fuzzy = entry.fuzzy or "fuzzy" in (flag.strip() for flag in flags)
            else:
                entry.feed(line)
        except ValueError as exc:
            raise POSyntaxError(f"{name}:{number}: {exc}") from None
    if entry.msgstr is not None:
        yield entry
    elif entry.msgid is not None:
        raise POSyntaxError(f"{name}: the last msgid has no msgstr")


def _same_fields(entry: _Entry) -> bool:
    # The caller applies `.format()` to the translation: one with other placeholders than its
    # msgid would crash a run, so the msgid is shown instead.
    return placeholders(entry.msgstr or "") == placeholders(entry.msgid or "")


def placeholders(text: str) -> frozenset[str] | None:
    """The `{name!conv:spec}` fields of a format string; None when `text` is not one."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        return None
    return frozenset(
        "{" + name + (f"!{conv}" if conv else "") + (f":{spec}" if spec else "") + "}"
        for _literal, name, spec, conv in parsed
        if name is not None
    )


def _unquote(token: str) -> str:
    match = _QUOTED.fullmatch(token)
    if match is None:
        raise ValueError(f"expected a quoted string, found {token!r}")
    text = match.group(1)
    return _ESCAPE.sub(_unescape, text) if "\\" in text else text


def _unescape(escape: re.Match[str]) -> str:
    char = escape.group(1)
    if char not in _ESCAPES:
        raise ValueError(f"unknown escape \\{char}")
    return _ESCAPES[char]


def catalog_path(lang: str) -> Path:
    """Where the `.po` catalog of `lang` lives."""
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def _translations(lang: str) -> gettext.NullTranslations:
    path = catalog_path(lang)
    # A catalog missing from an odd install degrades to English ids rather than failing a run.
    translations = POTranslations.from_path(path) if path.is_file() else POTranslations()
    if lang != DEFAULT_LANGUAGE:
        translations.add_fallback(_translations(DEFAULT_LANGUAGE))
    return translations


_translation: gettext.NullTranslations = gettext.NullTranslations()


def normalize_language(value: str) -> str | None:
    """`ja_JP.UTF-8`, `ja-JP`, `Japanese_Japan` → `ja`; `en_US` → `en`; others → None."""
    code = re.split(r"[_\-.@:]", value.strip().lower(), maxsplit=1)[0]
    code = {"japanese": "ja", "english": "en"}.get(code, code)
    return code if code in SUPPORTED else None


def detect_language() -> str:
    """The user's language: `KOSS_LANG`, then the locale variables, then the OS locale.

    The locale variables are read as gettext does: `LC_ALL`, `LC_MESSAGES`, `LANG` name the
    locale, and `LANGUAGE` (a `:`-separated preference list) overrides it unless it is `C`/`POSIX`.
    With none set (as on Windows), the OS locale decides, e.g. `('Japanese_Japan', '932')`.
    Anything that is not Japanese gives English.
    """
    koss_lang = os.environ.get("KOSS_LANG", "")
    if koss_lang:
        return normalize_language(koss_lang) or DEFAULT_LANGUAGE
    posix = next(
        (os.environ[v] for v in ("LC_ALL", "LC_MESSAGES", "LANG") if os.environ.get(v)), ""
    )
    if posix.split(".")[0] in ("C", "POSIX"):
        return DEFAULT_LANGUAGE
    for preferred in os.environ.get("LANGUAGE", "").split(":"):
        if preferred and (lang := normalize_language(preferred)):
            return lang
    if posix:
        return normalize_language(posix) or DEFAULT_LANGUAGE
    try:
        # getlocale, not the deprecated getdefaultlocale: Python sets LC_CTYPE from the user's
        # settings at start-up, so this is the OS locale on Windows too.
        os_locale = locale.getlocale()[0] or ""
    except ValueError:
        os_locale = ""
    return normalize_language(os_locale) or DEFAULT_LANGUAGE


def set_language(lang: str | None = None) -> str:
    """Switch every later message to `lang` (`ja` / `en`; detected when None).

    Returns the language chosen; an unknown one gives English.
    """
    global _translation
    chosen = normalize_language(lang) if lang else detect_language()
    chosen = chosen or DEFAULT_LANGUAGE
    _translation = _translations(chosen)
    return chosen


def _(message: str) -> str:
    """Translate `message` into the current language."""
    return _translation.gettext(message)
