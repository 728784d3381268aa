"""Matching the manual's words: the form both sides of a comparison are brought to, in Python
(`normalize`, `words_pattern`) and in XPath (`xpath_normalized`, `xpath_equals`), so that the
browser and Python agree on what matches.

Matching ignores character width (NFKC, half-width katakana), spacing and the decorations a
form puts beside a label or a control's name (必須, ※, ＊, ？, a colon).
"""

from __future__ import annotations

import functools
import re
import unicodedata

#: Marks a form puts beside a label or a control's name, never part of the manual's words.
DECORATION_CHARS = "※*?:«»<>▶►▸・[]【】〔〕"
DECORATION_WORDS = ("必須", "任意")
_SPACES = " \t\r\n\u3000\u00a0"

#: Full-width ASCII and the ideographic space, for XPath's translate() (its quotes left out:
#: they could not stand in an XPath literal).
_WIDE = "".join(chr(c) for c in range(0xFF01, 0xFF5F) if chr(c) not in "＂＇")
_NARROW = "".join(unicodedata.normalize("NFKC", c) for c in _WIDE)
#: Half-width katakana that NFKC maps to one full-width character.
_HALF_KANA = "".join(
    chr(c) for c in range(0xFF61, 0xFFA0) if len(unicodedata.normalize("NFKC", chr(c))) == 1
)
_FULL_KANA = "".join(unicodedata.normalize("NFKC", c) for c in _HALF_KANA)
_XPATH_FROM = _WIDE + _HALF_KANA
_XPATH_TO = _NARROW + _FULL_KANA
#: Stands between the forms a text may equal (`xpath_equals`): a private-use character, which
#: matching drops, so that no text compared can hold it.
_BETWEEN = "\ue000"
_XPATH_DROP = _SPACES + DECORATION_CHARS + "".join(DECORATION_WORDS) + _BETWEEN


def normalize(text: str) -> str:
    """The form of a text that matching compares: NFKC, no spaces, no decorations.

    Both sides of every comparison go through the same steps as `xpath_normalized` (so that
    Python and the browser agree on what matches).
    """
    folded = unicodedata.normalize("NFKC", text)
    # A decoration in brackets, （必須）, leaves an empty pair behind.
    return "".join(c for c in folded if c not in _XPATH_DROP).replace("()", "")


def xpath_literal(text: str) -> str:
    """`text` as an XPath 1.0 string literal."""
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    parts = text.split("'")
    return "concat(" + ', "\'", '.join(f"'{p}'" for p in parts) + ")"


@functools.cache  # the manual's words are few; each screen asks for them anew
def xpath_normalized(expr: str, wanted: str) -> str:
    """An XPath expression for `normalize(expr)` (as far as XPath 1.0's translate() can), for
    comparing it with texts made of the characters of `wanted` (normalized).

    Only the characters that fold into one of those, or into one that matching drops, are
    folded: any other one is not in `wanted` whether it is folded or not (a normalized text
    holds no full-width ASCII and no half-width kana), and the folded text keeps its length.
    The comparison comes out the same, and the expression is short: the whole width tables
    are hundreds of characters, which the browser would read again for every lookup."""
    keep = set(wanted) | set(_XPATH_DROP)
    pairs = [(raw, to) for raw, to in zip(_XPATH_FROM, _XPATH_TO, strict=True) if to in keep]
    raw, to = "".join(p[0] for p in pairs), "".join(p[1] for p in pairs)
    mapped = f"translate({expr}, {xpath_literal(raw)}, {xpath_literal(to)})" if pairs else expr
    return f"translate({mapped}, {xpath_literal(_XPATH_DROP)}, '')"


def _raw_forms(char: str) -> list[str]:
    """The characters that fold into `char` (itself among them): its full-width or half-width
    forms, as `xpath_normalized` maps them and `words_pattern` accepts them."""
    mapped = zip(_XPATH_FROM, _XPATH_TO, strict=True)
    return [char, *(raw for raw, folded in mapped if folded == char and raw != char)]


def _char_class(char: str) -> str:
    variants = _raw_forms(char)
    if len(variants) == 1:
        return re.escape(char)
    return "[" + "".join(re.escape(v) for v in sorted(variants)) + "]"


_DECORATION_RE = (
    r"(?:[\s"
    + re.escape(DECORATION_CHARS + "＊？：＜＞［］")
    + "]|"
    + "|".join(DECORATION_WORDS)
    + r"|[(（](?:"
    + "|".join(DECORATION_WORDS)
    + r")[)）])*"
)


@functools.cache  # the manual's words are few; each screen asks for them anew
def words_pattern(words: str) -> re.Pattern[str]:
    """A regular expression for an accessible name that is `words` and nothing else, whatever
    the width of its characters, its spacing and the decorations around it."""
    core = normalize(words)
    body = r"\s*".join(_char_class(c) for c in core)
    return re.compile(rf"^{_DECORATION_RE}{body}{_DECORATION_RE}$")


@functools.cache  # the manual's words are few; each screen asks for them anew
def xpath_equals(expr: str, words: str) -> str:
    """XPath: `expr` is `words` (as `normalize` compares; an emptied （必須） may follow).

    Folding a text costs the browser a pass over the translation tables for each of its
    characters, for every element it asks about; so a cheap test comes first (XPath's `and`
    stops at a false left side): a text that is `words` holds, in some width, the first
    character of `words`."""
    core = normalize(words)
    if not core:
        folded = xpath_normalized(expr, "()")
        return f"({folded} = '' or {folded} = '()')"
    # Either form at once, the text folded once: it stands between two `_BETWEEN`s in the
    # list of both forms, each between two as well (and no folded text holds one).
    forms = xpath_literal(_BETWEEN + core + _BETWEEN + core + "()" + _BETWEEN)
    between = xpath_literal(_BETWEEN)
    equal = (
        f"contains({forms}, concat({between}, {xpath_normalized(expr, core + '()')}, {between}))"
    )
    holds = " or ".join(f"contains({expr}, {xpath_literal(c)})" for c in _raw_forms(core[0]))
    return f"(({holds}) and {equal})"
