"""Helpers for the portal tests: a small HTML reader and the common requests."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

import httpx

KNOWN_ID = "KNAB1234"
KNOWN_PASSWORD = "Keiji2019"
EXPIRED_ID = "KNCA6288"
EXPIRED_PASSWORD = "Minato2023"
LOCKED_ID = "KNLK0005"
LOCKED_PASSWORD = "Lock2024x"
TEMPORARY_ID = "KNTM0007"
TEMPORARY_PASSWORD = "Temp7Pass"
SERVICE = "軽自動車保有関係手続のワンストップサービス"
COPYRIGHT = "Copyright© 2019, Light Motor Vehicle Inspection Organization. All rights reserved."


@dataclass
class _Open:
    tag: str
    attrs: dict[str, str]
    text: list[str] = field(default_factory=list)


@dataclass
class Link:
    """An `<a>` with its text."""

    text: str
    href: str
    target: str | None


@dataclass
class Table:
    """A table: its accessible-name id and rows of cell texts (header cells marked)."""

    labelledby: str | None
    rows: list[list[tuple[str, str, str | None]]] = field(default_factory=list)


class PortalPage(HTMLParser):
    """What a person (or a robot using roles and labels) can find on a page."""

    _CAPTURED = frozenset(
        {"title", "h1", "h2", "label", "button", "a", "div", "p", "footer", "th", "td", "nav"}
    )

    def __init__(self, html: str) -> None:
        super().__init__()
        self.html = html
        self.title = ""
        self.h1: list[str] = []
        self.headings: dict[str, str] = {}
        self.h2: list[str] = []
        self.labels: dict[str, str] = {}
        self.inputs: dict[str, dict[str, str]] = {}
        self.buttons: list[dict[str, str]] = []
        self.links: list[Link] = []
        self.alerts: list[str] = []
        self.statuses: list[str] = []
        self.paragraphs: list[str] = []
        self.footer = ""
        self.tables: list[Table] = []
        self.lang: str | None = None
        self.forms: list[dict[str, str]] = []
        self._open: list[_Open] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key: value or "" for key, value in attrs}
        if tag == "html":
            self.lang = values.get("lang")
        elif tag == "input":
            self.inputs[values.get("id", values.get("name", ""))] = values
        elif tag == "form":
            self.forms.append(values)
        elif tag == "table":
            self.tables.append(Table(values.get("aria-labelledby")))
        elif tag == "tr" and self.tables:
            self.tables[-1].rows.append([])
        if tag in self._CAPTURED:
            self._open.append(_Open(tag, values))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index].tag == tag:
                self._close(self._open.pop(index))
                return

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element.text.append(data)

    def _close(self, element: _Open) -> None:
        text = " ".join("".join(element.text).split())
        attrs, tag = element.attrs, element.tag
        if tag == "title":
            self.title = text
        elif tag == "h1":
            self.h1.append(text)
        elif tag == "h2":
            self.h2.append(text)
            self.headings[attrs.get("id", "")] = text
        elif tag == "label":
            self.labels[attrs.get("for", "")] = text
        elif tag == "button":
            self.buttons.append({**attrs, "text": text})
        elif tag == "a":
            self.links.append(Link(text, attrs.get("href", ""), attrs.get("target")))
        elif tag == "div" and attrs.get("role") == "alert":
            self.alerts.append(text)
        elif tag == "div" and attrs.get("role") == "status":
            self.statuses.append(text)
        elif tag == "p":
            self.paragraphs.append(text)
        elif tag == "footer":
            self.footer = text
        elif tag in {"th", "td"} and self.tables and self.tables[-1].rows:
            self.tables[-1].rows[-1].append((tag, text, attrs.get("scope")))

    def button_names(self) -> list[str]:
        """Texts of every `<button>`."""
        return [button["text"] for button in self.buttons]

    def link(self, text: str) -> Link:
        """The link whose text is exactly `text`."""
        found = [link for link in self.links if link.text == text]
        assert len(found) == 1, f"{len(found)} links named {text!r}"
        return found[0]

    def label_of(self, field_id: str) -> str:
        """Text of the `<label for=field_id>`, checking the field exists."""
        assert field_id in self.inputs, f"no input #{field_id}"
        return self.labels[field_id]

    def table(self, name: str) -> Table:
        """The table whose `aria-labelledby` heading reads `name`."""
        for table in self.tables:
            if table.labelledby and self.headings.get(table.labelledby) == name:
                return table
        raise AssertionError(f"no table named {name!r}")


def page(response: httpx.Response) -> PortalPage:
    """Parse a response's HTML."""
    return PortalPage(response.text)


def login(http: httpx.Client, user_id: str, password: str) -> httpx.Response:
    """POST the login form (no redirects followed)."""
    return http.post("/mypage/login", data={"user_id": user_id, "password": password})


def change_password(
    http: httpx.Client,
    user_id: str,
    current: str,
    new: str,
    confirm: str | None = None,
    path: str = "/mypage/password",
) -> httpx.Response:
    """POST the パスワード変更 form (no redirects followed)."""
    return http.post(
        path,
        data={
            "user_id": user_id,
            "current_password": current,
            "new_password": new,
            "new_password_confirm": new if confirm is None else confirm,
        },
    )
