"""`--screens DIR`: serve captured screens (`koss-rpa capture`) in place of the mock's templates.

The mock's rules, state and journal stay the mock's: only the HTML of a screen changes. A
captured page is mapped to the mock's routes by screen (see docs/mock-portal.md, "Captured
screens"): forms get the mock's action and field names, links and buttons the mock's targets,
found by the manual's words; the mock's own messages (alerts, notices) are put in at a marked
place; the 利用者情報 placeholders of the capture become the logged-in account's values.

A screen the folder lacks is rendered by the mock's own template.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bs4 import BeautifulSoup, Tag
from pydantic import BaseModel, ConfigDict, Field

from mock_portal.schema import local_path_pattern

MANIFEST = "manifest.json"
#: The screens the mock can serve from a capture: template → screen key of the manifest.
TEMPLATE_SCREENS = {
    "top.html": "top",
    "login.html": "login",
    "password.html": "password_change",
    "password_done.html": "password_result",
    "mypage.html": "mypage",
    "reset.html": "reset",
}
#: `evidence.sanitise.PLACEHOLDERS`, by the label of the mock's 利用者情報 rows (a unit test
#: keeps the two equal; the mock does not import koss_rpa).
PLACEHOLDERS = {
    "納付利用者ID": "KNXX0000",
    "一括利用者ID": "KIXX0000",
    "氏名（フリガナ）": "ミホン タロウ",
    "氏名": "見本 太郎",
    "利用者管理用メールアドレス": "admin@example.invalid",
    "申請状況通知用メールアドレス": "notify@example.invalid",
    "口座ID": "KKXX0000",
    "口座名義（フリガナ）": "ミホンコウザ",
}
#: Marks the place for the mock's messages; a developer may add it to a captured page.
ALERT_MARK = "data-koss-alert"
CAPTURE_MARK = "data-koss-capture"
_TEXT_INPUTS = frozenset({"", "text", "email", "tel", "number", "search", "url"})
_MENU = {
    "利用者情報変更": "/mypage/menu/user-info",
    "一括利用者パスワード初期化": "/mypage/menu/bulk-password-reset",
    "国庫金ダイレクト納付口座新規作成": "/mypage/menu/national-direct-account",
    "地方税ダイレクト納付口座新規作成": "/mypage/menu/local-direct-account",
    "詳細": "/mypage/menu/direct-account",
}


class ScreensError(ValueError):
    """A capture folder or manifest that cannot be used."""


class ScreensNotFound(ScreensError):
    """No capture at that path: no such folder (or a name no file system takes), or a folder
    without a manifest."""


def _words(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@dataclass
class CapturedScreens:
    """The captured screens of one folder, by screen key (the first capture of each)."""

    folder: Path
    pages: dict[str, str] = field(default_factory=dict)

    @property
    def missing(self) -> list[str]:
        """Screens the mock renders itself, as the folder lacks them."""
        return [key for key in TEMPLATE_SCREENS.values() if key not in self.pages]

    def describe(self) -> str:
        served = ", ".join(sorted(self.pages)) or "none"
        text = f"{self.folder} (captured: {served})"
        if self.missing:
            text += f"; the mock's own rendering for: {', '.join(self.missing)}"
        return text

    def render(self, template: str, context: dict[str, Any]) -> str | None:
        """The captured page for `template`, mapped to the mock; None: render the template."""
        key = TEMPLATE_SCREENS.get(template)
        if key is None or key not in self.pages:
            return None
        soup = BeautifulSoup(self.pages[key], "html.parser")
        for policy in soup.find_all(lambda tag: tag.has_attr(CAPTURE_MARK)):
            policy.decompose()
        _MAPPERS[key](soup, context)
        html = str(soup)
        if key == "mypage":
            html = _account_values(html, context)
        return html


def _existing_folder(folder: Path) -> Path:
    try:
        folder = folder.expanduser()
    except RuntimeError as exc:  # `~name` of no such user
        raise ScreensNotFound(f"{folder}: not a folder ({exc})") from None
    try:
        is_folder = folder.is_dir()
    except (OSError, ValueError) as exc:  # a name too long for the file system, a NUL
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ScreensNotFound(f"{folder}: not a folder ({reason})") from None
    if not is_folder:
        raise ScreensNotFound(f"{folder}: not a folder")
    return folder


def load_screens(folder: Path) -> CapturedScreens:
    """Read a capture folder.

    Raises:
        ScreensError: no such folder, or a manifest that is missing or malformed (the reason).
    """
    folder = _existing_folder(Path(folder))
    path = folder / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ScreensNotFound(f"{path}: no such file: not a capture folder") from exc
    except OSError as exc:
        raise ScreensError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise ScreensError(f"{path}: not JSON: {exc}") from exc
    entries = data.get("screens") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ScreensError(f"{path}: no 'screens' list")
    captured = CapturedScreens(folder)
    for n, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("screen"), str):
            raise ScreensError(f"{path}: screens[{n}] has no 'screen' name")
        name = entry.get("file")
        if name is None:
            continue  # withheld by the capture
        if not isinstance(name, str) or Path(name).name != name or not name.endswith(".html"):
            raise ScreensError(f"{path}: screens[{n}].file must be an .html file in the folder")
        if entry["screen"] in captured.pages:
            continue
        try:
            captured.pages[entry["screen"]] = (folder / name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ScreensError(f"{path}: screens[{n}]: cannot read {name}: {exc}") from exc
    return captured


# --- the per-request switch -------------------------------------------------------------------

#: The captured screens of the app serving the current request (set by `PortalApp`).
ACTIVE: ContextVar[CapturedScreens | None] = ContextVar("mock_portal_screens", default=None)


def captured_page(template: str, context: dict[str, Any]) -> str | None:
    """The captured page to send instead of `template`, if the serving app has one."""
    screens = ACTIVE.get()
    return screens.render(template, context) if screens is not None else None


# --- mapping a captured page to the mock's routes ------------------------------------------------


def _label(tag: Tag) -> str:
    parts = [tag.get_text(" ")]
    for name in ("value", "alt", "title", "aria-label"):
        value = tag.get(name)
        if isinstance(value, str):
            parts.append(value)
    for image in tag.find_all("img"):
        parts.append(str(image.get("alt", "")))
    return _words(" ".join(parts))


def _controls(soup: BeautifulSoup, words: str) -> list[Tag]:
    """Links and buttons whose text (caption, alt) holds `words`, innermost first."""
    wanted = _words(words)
    kinds = ["a", "button", "area", "input"]
    found = [
        tag
        for tag in soup.find_all(kinds)
        if wanted in _label(tag)
        and (
            tag.name != "input" or str(tag.get("type", "")).lower() in ("submit", "image", "button")
        )
    ]
    return found


def _route(soup: BeautifulSoup, words: str, url: str, method: str = "get") -> None:
    """Send every control named `words` to `url`: a link's href; a button's own `formaction`
    (so that other buttons of its form keep theirs); a link that has to POST becomes a button."""
    for found in _controls(soup, words):
        _route_one(soup, found, url, method)


def _route_one(soup: BeautifulSoup, found: Tag, url: str, method: str) -> None:
    tag = found
    for name in [a for a in tag.attrs if a.startswith("on")]:
        del tag[name]
    if tag.name in ("a", "area"):
        if method == "get":
            tag["href"] = url
            return
        button = soup.new_tag("button", attrs={"type": "submit"})
        for child in list(tag.contents):  # the words, or an image with its alt
            button.append(child.extract())
        tag.replace_with(button)
        tag = button
    if not isinstance(tag.find_parent("form"), Tag):
        tag.wrap(soup.new_tag("form", attrs={"action": url, "method": method}))
    tag["formaction"], tag["formmethod"] = url, method
    if tag.name == "button" or str(tag.get("type", "")).lower() == "button":
        tag["type"] = "submit"


def _form_with(soup: BeautifulSoup, selector: str) -> Tag | None:
    for form in soup.find_all("form"):
        if form.select(selector):
            return form
    found = soup.select_one(selector)
    if found is None:
        return None
    # No form around the fields (a script submitted them): one around their common parent.
    parent = found.find_parent(["table", "div", "main", "body"])
    if parent is None:
        return None
    wrapper = soup.new_tag("form")
    parent.wrap(wrapper)
    return wrapper


def _fields(form: Tag, kinds: Iterable[str]) -> list[Tag]:
    wanted = set(kinds)
    return [f for f in form.find_all("input") if str(f.get("type", "")).lower() in wanted]


def _set_form(form: Tag, action: str, names: dict[str, list[Tag]], values: dict[str, str]) -> None:
    form["action"], form["method"] = action, "post"
    for attr in [a for a in form.attrs if a.startswith("on")]:
        del form[attr]
    for name, inputs in names.items():
        for field_ in inputs[:1]:
            field_["name"] = name
            if values.get(name):
                field_["value"] = values[name]


def _messages(soup: BeautifulSoup, context: dict[str, Any]) -> None:
    """The captured page's own messages out; the mock's in, at the marked place."""
    marked = soup.find(lambda tag: tag.has_attr(ALERT_MARK))
    for old in soup.find_all(lambda tag: tag.get("role") in ("alert", "status")):
        if old is not marked:
            old.decompose()
    alerts, notices = list(context.get("alerts") or []), list(context.get("notices") or [])
    if not (alerts or notices):
        return
    boxes = []
    for role, texts in (("alert", alerts), ("status", notices)):
        if texts:
            box = soup.new_tag("div", attrs={"role": role})
            for text in texts:
                paragraph = soup.new_tag("p")
                paragraph.string = text
                box.append(paragraph)
            boxes.append(box)
    if isinstance(marked, Tag):
        marked.clear()
        for box in boxes:
            marked.append(box)
        return
    anchor = soup.find("form") or soup.find("main") or soup.body
    if not isinstance(anchor, Tag):
        return
    for box in boxes:
        if anchor.name == "form":
            anchor.insert_before(box)
        else:
            anchor.insert(0, box)


def _top(soup: BeautifulSoup, context: dict[str, Any]) -> None:
    _route(soup, "利用者情報の確認・変更を行う", "/mypage/login")


def _login(soup: BeautifulSoup, context: dict[str, Any]) -> None:
    form = _form_with(soup, "input[type=password]")
    if form is not None:
        texts = [
            f for f in form.find_all("input") if str(f.get("type", "")).lower() in _TEXT_INPUTS
        ]
        passwords = _fields(form, ["password"])
        _set_form(
            form,
            "/mypage/login",
            {"user_id": texts, "password": passwords},
            {"user_id": str(context.get("user_id", ""))},
        )
    _route(soup, "パスワード変更", "/mypage/password")
    _route(soup, "パスワード初期化", "/mypage/reset")
    for control in _controls(soup, "ログイン"):
        # A link or script button that submitted the form by script: the mock's own submit.
        if control.name in ("a", "area") or str(control.get("type", "")).lower() == "button":
            _route_one(soup, control, "/mypage/login", "post")
    _messages(soup, context)


def _password_change(soup: BeautifulSoup, context: dict[str, Any]) -> None:
    form = _form_with(soup, "input[type=password]")
    if form is not None:
        texts = [
            f for f in form.find_all("input") if str(f.get("type", "")).lower() in _TEXT_INPUTS
        ]
        passwords = _fields(form, ["password"])
        names = ("current_password", "new_password", "new_password_confirm")
        _set_form(
            form,
            str(context.get("action", "/mypage/password")),
            {"user_id": texts, **{n: passwords[i : i + 1] for i, n in enumerate(names)}},
            {"user_id": str(context.get("user_id", ""))},
        )
    _messages(soup, context)


def _password_result(soup: BeautifulSoup, context: dict[str, Any]) -> None:
    _route(soup, "ログインへ戻る", "/mypage/login")


def _mypage(soup: BeautifulSoup, context: dict[str, Any]) -> None:
    _route(soup, "まとめ納付管理ファイル", "/mypage/download")
    for words, url in _MENU.items():
        _route(soup, words, url)
    _route(soup, "最新の情報に更新", "/mypage")
    _route(soup, "終了", "/mypage/logout", method="post")


def _reset(soup: BeautifulSoup, context: dict[str, Any]) -> None:
    form = _form_with(soup, "input")
    if form is not None:
        texts = [
            f for f in form.find_all("input") if str(f.get("type", "")).lower() in _TEXT_INPUTS
        ]
        _set_form(
            form,
            "/mypage/reset",
            {"user_id": texts[:1], "admin_email": texts[1:2]},
            {"user_id": str(context.get("user_id", ""))},
        )
    _messages(soup, context)


_MAPPERS: dict[str, Callable[[BeautifulSoup, dict[str, Any]], None]] = {
    "top": _top,
    "login": _login,
    "password_change": _password_change,
    "password_result": _password_result,
    "mypage": _mypage,
    "reset": _reset,
}


def _account_values(html: str, context: dict[str, Any]) -> str:
    """The capture's placeholders become the logged-in account's values (the first direct
    payment account's, for the account columns)."""
    values: dict[str, str] = {label: str(value) for label, value in context.get("user_rows", [])}
    direct = list(context.get("direct_accounts") or [])
    if direct:
        values["口座ID"] = str(getattr(direct[0], "account_id", ""))
        values["口座名義（フリガナ）"] = str(getattr(direct[0], "holder_kana", ""))
    for label, placeholder in sorted(PLACEHOLDERS.items(), key=lambda p: -len(p[1])):
        if values.get(label):
            html = html.replace(placeholder, _escape(values[label]))
    return html


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --- the control API's screens routes ------------------------------------------------------------


class ScreensRequest(BaseModel):
    """Body of `PUT /_control/screens`: a capture folder on the mock's machine."""

    model_config = ConfigDict(extra="forbid")
    path: str = Field(
        min_length=1,
        max_length=4096,
        pattern=local_path_pattern(),
        description="A folder on the mock's machine; no name in it longer than 255 characters.",
    )


def install_screens_api(app: Any) -> None:
    """`PUT /_control/screens` {"path": DIR} serves a capture until the next reset;
    `DELETE /_control/screens` goes back to the mock's own rendering."""
    from fastapi import APIRouter, FastAPI, HTTPException
    from starlette.routing import Mount

    from mock_portal.control import error_responses, unprocessable

    state = app.state.portal
    control = next(
        (r.app for r in app.routes if isinstance(r, Mount) and r.path == "/_control"), None
    )
    if not isinstance(control, FastAPI):
        raise TypeError("not an app of mock_portal.app.create_app (no /_control mount)")
    router = APIRouter(tags=["screens"])

    @router.put(
        "/screens",
        responses=error_responses(400, 404)
        | {422: {"description": "The folder's manifest or pages cannot be used."}},
    )
    def use_screens(body: ScreensRequest) -> dict[str, Any]:
        try:
            captured = load_screens(Path(body.path))
        except ScreensNotFound as exc:
            raise HTTPException(404, detail=str(exc)) from exc
        except ScreensError as exc:
            raise unprocessable(str(exc)) from exc
        with state.lock:
            state.screens = captured
        return {"served": sorted(captured.pages), "missing": captured.missing}

    @router.delete("/screens")
    def clear_screens() -> dict[str, bool]:
        with state.lock:
            state.screens = None
        return {"ok": True}

    control.include_router(router)
