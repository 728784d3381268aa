"""Sanitising a captured screen's HTML before anything of it is written (docs/real-portal.md).

Two passes, both in memory:

1. Structure (Beautiful Soup): every input value and textarea emptied (button captions kept),
   hidden inputs and URL parameters replaced, comments and inline scripts removed, token-like
   strings in script attributes and `data-*` replaced, a Content-Security-Policy that forbids
   scripts and connections added (a person looking at the file runs nothing of the portal's).
2. Words: every known personal value (the account's ID, name, kana, addresses, account numbers,
   read from the 利用者情報 tables and the settings) and every secret (passwords, cookie values)
   is replaced by a fixed placeholder, as it is and in the encodings a page can hold it in
   (HTML entities, percent-encoding, JSON escapes). E-mail addresses and IDs of the portal's
   shape are replaced wherever they stand.

A file in which a secret is still found after both passes is not written at all.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit, urlunsplit

from bs4 import BeautifulSoup, Comment, Tag

from koss_rpa.evidence.runs import MASK

#: The fixed placeholders, by the 利用者情報 / 国庫金ダイレクト納付口座情報 label they replace.
PLACEHOLDERS: dict[str, str] = {
    "納付利用者ID": "KNXX0000",
    "一括利用者ID": "KIXX0000",
    "氏名（フリガナ）": "ミホン タロウ",
    "氏名": "見本 太郎",
    "利用者管理用メールアドレス": "admin@example.invalid",
    "申請状況通知用メールアドレス": "notify@example.invalid",
    "口座ID": "KKXX0000",
    "口座名義（フリガナ）": "ミホンコウザ",
}
EMAIL_PLACEHOLDER = "mail@example.invalid"
SECRET_PLACEHOLDER = MASK  # the same mask as every other artifact (koss_rpa.evidence.runs)
TOKEN_PLACEHOLDER = "TOKEN"
HIDDEN_PLACEHOLDER = "x"
#: Marks the policy the capture adds; the mock removes exactly this element when serving.
CAPTURE_MARK = "data-koss-capture"
CAPTURE_POLICY = "script-src 'none'; connect-src 'none'; form-action 'none'; frame-src 'none'"

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
#: IDs of the portal's shape (納付利用者ID KN…, 一括利用者ID KI…, 口座ID KK… in the mock).
_PORTAL_ID = re.compile(r"(?<![A-Za-z0-9])K([A-Z])[A-Z]{2}[0-9]{4}(?![A-Za-z0-9])")
_TOKENISH = re.compile(r"[A-Za-z0-9+/=_\-.]{16,}")
_SECRET_META = re.compile(r"csrf|token|session|nonce", re.IGNORECASE)
_SESSION_PATH_PARAM = re.compile(r";(?:jsessionid|sessionid|sid|phpsessid)=[^/?#]*", re.I)
_URL_ATTRIBUTES = ("href", "src", "action", "formaction", "data", "poster", "background")
_VALUE_KEPT = frozenset({"submit", "button", "reset", "image", "checkbox", "radio"})
_PLACEHOLDER_VALUES = frozenset(PLACEHOLDERS.values())


def normalise(text: str) -> str:
    """Width- and space-insensitive form of a label, as the page objects compare words."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


_LABELS = {normalise(label): label for label in PLACEHOLDERS}


@dataclass
class Known:
    """What must not stay in a capture: personal values (→ placeholders) and secrets."""

    values: dict[str, str] = field(default_factory=dict)  # value → placeholder
    secrets: set[str] = field(default_factory=set)

    def add(self, label: str, value: str) -> None:
        """A value the page shows under `label` (a 利用者情報 label, or any other name)."""
        value = value.strip()
        if len(value) < 2 or value in _PLACEHOLDER_VALUES:
            return
        placeholder = PLACEHOLDERS.get(_LABELS.get(normalise(label), label), TOKEN_PLACEHOLDER)
        for variant in _spellings(value):
            self.values.setdefault(variant, placeholder)

    def add_table(self, rows: dict[str, str]) -> None:
        for label, value in rows.items():
            if normalise(label) in _LABELS:
                self.add(label, value)

    def long_values(self) -> set[str]:
        """Personal values long enough to look for in a final check without false alarms."""
        return {value for value in self.values if len(value) >= 4}

    def add_secret(self, secret: str) -> None:
        if len(secret) >= 4:
            self.secrets.add(secret)


def _spellings(value: str) -> set[str]:
    """A name with its space half-width, full-width, or none at all."""
    found = {value}
    if re.search(r"[ \u3000]", value):
        found |= {re.sub(r"[ \u3000]+", s, value) for s in ("", " ", "\u3000")}
    return found


def encodings(value: str) -> set[str]:
    """The ways `value` may be written into HTML: raw, entity-escaped, percent-encoded (both
    cases), form-encoded, JSON-escaped, as numeric character references."""
    percent = quote(value, safe="")
    forms = {
        value,
        html.escape(value),
        html.escape(value, quote=False),
        percent,
        re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), percent),
        quote_plus(value),
        json.dumps(value)[1:-1],
        "".join(f"&#{ord(c)};" for c in value),
        "".join(f"&#x{ord(c):x};" for c in value),
    }
    return {form for form in forms if form}


def personal_values(soup: BeautifulSoup) -> dict[str, str]:
    """{label: value} of the sensitive labels the page shows, in a table row (th → td), a
    column (the header's column in the rows below) or a definition list (dt → dd)."""
    found: dict[str, str] = {}
    for cell in soup.find_all(["th", "td", "dt", "dd", "label", "span", "div", "p"]):
        label = _LABELS.get(normalise(cell.get_text()))
        if label is None or any(
            normalise(child.get_text()) == normalise(label) for child in cell.find_all(True)
        ):
            continue  # not the label, or a wrapper around the element that is the label
        following = cell.find_next_sibling()
        if cell.name == "th" and isinstance(following, Tag) and following.name == "th":
            for n, value in enumerate(_column(cell)):
                found[f"{label}#{n}"] = value
        elif isinstance(following, Tag):
            found[label] = following.get_text(" ", strip=True)
    return found


def _column(header: Tag) -> Iterator[str]:
    row = header.find_parent("tr")
    table = header.find_parent("table")
    if row is None or table is None:
        return
    index = row.find_all(["th", "td"], recursive=False).index(header)
    for other in table.find_all("tr"):
        if other is row:
            continue
        cells = other.find_all(["td", "th"], recursive=False)
        if index < len(cells):
            yield cells[index].get_text(" ", strip=True)


def learn(html_text: str, known: Known) -> None:
    """Add the personal values a page shows to `known`."""
    soup = BeautifulSoup(html_text, "html.parser")
    for label, value in personal_values(soup).items():
        known.add(label.split("#")[0], value)


def _clean_url(value: str) -> str:
    if value.lower().lstrip().startswith("javascript:"):
        return _TOKENISH.sub(TOKEN_PLACEHOLDER, value)
    value = _SESSION_PATH_PARAM.sub("", value)
    try:
        parts = urlsplit(value)
    except ValueError:
        return "#"
    if not parts.query:
        return value
    query = urlencode(
        [(k, HIDDEN_PLACEHOLDER if v else "") for k, v in parse_qsl(parts.query, True)]
    )
    return urlunsplit(parts._replace(query=query))


def _structure(soup: BeautifulSoup) -> None:
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    for script in soup.find_all("script"):
        if script.get("src"):
            script.clear()
        else:
            script.decompose()  # inline code can hold tokens and the page's data
    _empty_fields(soup)
    _clean_meta(soup)
    for tag in soup.find_all(True):
        for name in list(tag.attrs):
            value = tag.attrs[name]
            if not isinstance(value, str):
                continue
            if name in _URL_ATTRIBUTES:
                tag[name] = _clean_url(value)
            elif name.startswith(("on", "data-")):
                tag[name] = _TOKENISH.sub(TOKEN_PLACEHOLDER, value)
    _add_policy(soup)


def _empty_fields(soup: BeautifulSoup) -> None:
    """Input values emptied (a button's caption kept), hidden ones replaced, textareas emptied."""
    for field_ in soup.find_all("input"):
        kind = str(field_.get("type", "text")).lower()
        if kind == "hidden":
            field_["value"] = HIDDEN_PLACEHOLDER
        elif kind not in _VALUE_KEPT and field_.has_attr("value"):
            del field_["value"]
    for area in soup.find_all("textarea"):
        area.clear()


def _clean_meta(soup: BeautifulSoup) -> None:
    """Tokens in meta tags replaced; the charset becomes the file's own, UTF-8."""
    for meta in soup.find_all("meta"):
        name = str(meta.get("name", "")) + str(meta.get("http-equiv", ""))
        if _SECRET_META.search(name) and meta.has_attr("content"):
            meta["content"] = TOKEN_PLACEHOLDER
        if meta.has_attr("charset"):
            meta["charset"] = "utf-8"
        elif str(meta.get("http-equiv", "")).lower() == "content-type":
            meta["content"] = "text/html; charset=utf-8"


def _add_policy(soup: BeautifulSoup) -> None:
    head = soup.find("head")
    if not isinstance(head, Tag):
        head = soup.new_tag("head")
        root = soup.find("html")
        (root if isinstance(root, Tag) else soup).insert(0, head)
    policy = soup.new_tag(
        "meta", attrs={"http-equiv": "Content-Security-Policy", "content": CAPTURE_POLICY}
    )
    policy[CAPTURE_MARK] = "policy"
    head.insert(0, policy)


def _replace_words(text: str, known: Known) -> str:
    pairs: list[tuple[str, str]] = []
    for secret in known.secrets:
        pairs += [(form, SECRET_PLACEHOLDER) for form in encodings(secret)]
    for value, placeholder in known.values.items():
        pairs += [(form, placeholder) for form in encodings(value)]
    for form, placeholder in sorted(set(pairs), key=lambda p: -len(p[0])):
        text = text.replace(form, placeholder)
    text = _EMAIL.sub(
        lambda m: m.group(0) if m.group(0).endswith(".invalid") else EMAIL_PLACEHOLDER, text
    )
    return _PORTAL_ID.sub(lambda m: f"K{m.group(1)}XX0000", text)


def sanitise(html_text: str, known: Known) -> str:
    """The page's HTML with nothing personal or secret left (see the module's docstring)."""
    soup = BeautifulSoup(html_text, "html.parser")
    _structure(soup)
    return _replace_words(str(soup), known)


def sanitise_text(text: str, known: Known) -> str:
    """A title or a URL path for the manifest."""
    return _replace_words(text, known)


def leaks(text: str, secrets: Iterable[str]) -> bool:
    """Whether any of `secrets` is still in `text`, in any encoding `encodings` knows."""
    return any(form in text for secret in secrets for form in encodings(secret))
