"""Messages for people, in Japanese or English (gettext)."""

from __future__ import annotations

import gettext
import locale
import os
from pathlib import Path

DOMAIN = "koss_rpa"
LOCALE_DIR = Path(__file__).parent / "locale"
SUPPORTED = ("ja", "en")

_translation: gettext.NullTranslations = gettext.NullTranslations()


def detect_language() -> str:
    """The user's language: `KOSS_LANG`, then the locale variables, then the OS locale."""
    for var in ("KOSS_LANG", "LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(var, "")
        if value:
            return "ja" if value.lower().startswith("ja") else "en"
    try:
        loc = locale.getlocale()[0] or ""
    except ValueError:
        loc = ""
    return "ja" if loc.lower().startswith(("ja", "japanese")) else "en"


def set_language(lang: str | None = None) -> str:
    """Switch every later message to `lang` (`ja` / `en`; detected when None)."""
    global _translation
    chosen = lang or detect_language()
    _translation = gettext.translation(
        DOMAIN, localedir=LOCALE_DIR, languages=[chosen], fallback=True
    )
    return chosen


def _(message: str) -> str:
    """Translate `message` into the current language."""
    return _translation.gettext(message)
