"""Markup variants: the same screens rendered the ways the real portal's markup could be.

The manual shows words, never markup, so the mock renders every screen in several variants. A
variant changes markup only: rules, state, journal, URLs, cookies, form field names and POST
targets are the same in all of them. Each variant is a folder of templates under
`templates/variants/<name>/` that override the base templates (a Jinja `ChoiceLoader`), and
optionally inherits another variant's folder first (`parents`).

The variant in effect is `MockConfig.variant`; `VariantLayer` (mock_portal.frames) copies it into
`CURRENT` at the start of each request, and `rendering.render` reads it from there, so the
screen modules call `render()` without knowing about variants.

This module is pure data (no Jinja, no FastAPI): the pytest plugin imports it at collection.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Variant:
    """One markup variant.

    Attributes:
        name: Its name (`--variant NAME`, `variant = "NAME"`, the control API).
        summary: What it changes, one line (docs, `GET /_control/variant`).
        parents: Variants whose templates it inherits, nearest first (before the base ones).
        encoding: Python codec of its pages and of the forms posted from them.
        charset: The charset it declares (Content-Type, `<meta charset>`).
        framed: Whether its マイページ screens are shown inside an `<iframe>` of a frame page.
        behaviour: Whether it renders a behaviour (dialogs, a menu, nesting) on the default
            markup, rather than a markup of its own.
        download_page: Whether a window's navigation to the まとめ納付管理ファイル gets a page
            between (mock_portal.downloadpage) that starts the file, before the file itself.
    """

    name: str
    summary: str
    parents: tuple[str, ...] = ()
    encoding: str = "utf-8"
    charset: str = "utf-8"
    framed: bool = False
    behaviour: bool = False
    download_page: bool = False


_ALL = (
    Variant(
        "modern",
        "HTML5 with ARIA: <h1> titles, <label for>, <button>s, role=alert/status messages, "
        "a menu of disclosure buttons, the マイページ in a new window",
    ),
    Variant(
        "literal",
        "the manual's literal wording and element kinds: <h2> titles (no <h1>), "
        "「新しいパスワード (確認用)」, ログイン/終了/最新の情報に更新 as links, "
        "パスワード変更 as a button, messages in plain <p>",
    ),
    Variant(
        "table",
        "an older table layout: screen names in <div class=title>, no headings, labels in <th> "
        "without for, <input type=submit>, errors in <font color=red>, a click-to-open menu of "
        "links",
    ),
    Variant(
        "imagebuttons",
        "images for words: ログイン/変更/終了 as <input type=image alt>, 最新の情報に更新 and the "
        "download as links around <img alt>, title images, labels wrapping their inputs, "
        "messages in span.error",
    ),
    Variant(
        "samewindow",
        "a plain nested <ul> menu opened by CSS :hover (no buttons, no ARIA); the login screen "
        "opens in the same window; messages in div.message",
    ),
    Variant(
        "iframe",
        "the マイページ screens inside an <iframe> of a frame page; fields named by "
        "aria-labelledby cells; Struts-style <ul class=errorMessage> messages; 終了 leaves the "
        "frame",
        framed=True,
    ),
    Variant(
        "sjis",
        "Shift_JIS pages (<meta charset=Shift_JIS>, forms with accept-charset=Shift_JIS), "
        "<h3> titles, labels as <dt> text before the inputs, <input type=button> controls, a "
        "CSS :hover menu",
        encoding="cp932",
        charset="Shift_JIS",
    ),
    Variant(
        "jslinks",
        "every navigation a javascript: or # link that submits a hidden form; the マイページ in "
        "a pop-up window opened by window.open; messages in div#errorArea",
    ),
    Variant(
        "dialogs",
        "JavaScript dialogs: the portal's messages (refusals, the lock) only in alert(), a "
        "confirm() before ログイン, 変更 and 終了, a beforeunload guard on an edited password "
        "form, a notice alert on arrival at the マイページ, an unasked confirm() and prompt() on "
        "the top page",
        behaviour=True,
    ),
    Variant(
        "nested",
        "words nested in each other, as component libraries draw them: every button and link "
        "with its words in an inner <span>/<strong> of class c-btn__label, headings, labels "
        "and table headers with theirs in an inner <span>",
        behaviour=True,
    ),
    Variant(
        "menuheading",
        "a mega-menu: 事前の準備が整った方 a button opening a panel whose column heading "
        "画面申請の方 (<h3>) is no entry, its links on display with the panel",
        behaviour=True,
    ),
    Variant(
        "menuscript",
        "a menu of plain <div>s whose sub-menus a mouseover listener shows (no list, button, "
        "ARIA or CSS :hover)",
        behaviour=True,
    ),
    Variant(
        "interstitial",
        "a page between まとめ納付管理ファイル and the file: 「ダウンロードを開始します」, a meta "
        "refresh after 1 s and a 「こちら」 link to the file, no 終了 and no way back",
        behaviour=True,
        download_page=True,
    ),
    Variant(
        "clickthrough",
        "a page between まとめ納付管理ファイル and the file that starts nothing by itself: the "
        "file only by its 「ファイルを保存する」 button, a 「マイページへ戻る」 link, no 終了",
        parents=("interstitial",),
        behaviour=True,
        download_page=True,
    ),
)

#: Every variant by name, in documentation order.
BY_NAME: dict[str, Variant] = {variant.name: variant for variant in _ALL}
#: Every variant's name, `DEFAULT` first.
VARIANTS: tuple[str, ...] = tuple(BY_NAME)
DEFAULT = "modern"

#: The variant of the request being answered (set by `frames.VariantLayer`).
CURRENT: ContextVar[Variant] = ContextVar("mock_portal_variant", default=BY_NAME[DEFAULT])


class UnknownVariant(ValueError):
    """A name that is not one of `VARIANTS`."""

    def __init__(self, name: object) -> None:
        super().__init__(f"unknown variant {name!r}: the variants are {', '.join(VARIANTS)}")


def get(name: str) -> Variant:
    """The variant called `name`; raises `UnknownVariant` naming the valid ones."""
    try:
        return BY_NAME[name]
    except (KeyError, TypeError):
        raise UnknownVariant(name) from None


def current() -> Variant:
    """The variant of the request being answered (the default outside a request)."""
    return CURRENT.get()


def template_folders(variant: Variant) -> list[str]:
    """Template folders to search, most specific first (relative to the package)."""
    names = [variant.name, *variant.parents]
    folders = [f"templates/variants/{name}" for name in names if name != DEFAULT]
    return [*folders, "templates"]
