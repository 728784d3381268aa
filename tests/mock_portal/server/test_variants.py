"""Markup variants: every screen in every variant shows the manual's words, each variant has the
markup it promises, and rules and journal are the same whatever the markup."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from html.parser import HTMLParser
from urllib.parse import quote

import httpx
import pytest

from mock_portal import messages, variants
from mock_portal.pytest_plugin import all_variants
from mock_portal.testing import VARIANTS, ControlClient, PortalServer
from tests.mock_portal.server.support import (
    COPYRIGHT,
    EXPIRED_ID,
    EXPIRED_PASSWORD,
    KNOWN_ID,
    KNOWN_PASSWORD,
    LOCKED_ID,
    LOCKED_PASSWORD,
    SERVICE,
    change_password,
    login,
)

NEW_PASSWORD = "Minato2024x"


class _Words(HTMLParser):
    """What a person can read on a page: text (not scripts or styles), image alt texts and the
    captions of input buttons."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key: value or "" for key, value in attrs}
        if tag in {"script", "style"}:
            self._skip += 1
        elif tag == "img":
            self.parts.append(values.get("alt", ""))
        elif tag == "input" and values.get("type") in {"submit", "button", "image"}:
            self.parts.append(values.get("value") or values.get("alt", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"}:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def readable(html: str) -> str:
    """The page's readable words, width- and space-insensitive (NFKC, no white space); the
    texts of the alerts it raises on arrival too (the dialogs variant's messages)."""
    parser = _Words()
    parser.feed(html)
    alerts = [text for found in ALERTS.findall(html) for text in json.loads(found)]
    return _squash("".join([*parser.parts, *alerts]))


#: The dialogs variant's messages, raised as alerts on arrival.
ALERTS = re.compile(r"const alerts = (\[.*?\]);")


def assert_words(response: httpx.Response, *words: str) -> None:
    assert response.status_code == 200, response.status_code
    text = readable(response.text)
    missing = [word for word in words if _squash(word) not in text]
    assert missing == [], f"missing {missing} in:\n{response.text}"


LOGIN_WORDS = (
    "マイページログイン",
    messages.LOGIN_GUIDE,
    "納付利用者ID",
    "納付利用者パスワード",
    "パスワード表示",
    "パスワード変更",
    "パスワード初期化",
    "ログイン",
    "終了",
    COPYRIGHT,
)
PASSWORD_WORDS = (
    "パスワード変更",
    messages.PASSWORD_GUIDE,
    "納付利用者ID",
    "現在のパスワード",
    "新しいパスワード",
    "新しいパスワード (確認用)",
    "パスワード表示",
    "変更",
)
MYPAGE_WORDS = (
    "マイページ",
    "メニュー",
    "利用者情報変更",
    "一括利用者パスワード初期化",
    "国庫金ダイレクト納付口座新規作成",
    "地方税ダイレクト納付口座新規作成",
    "ダウンロード",
    "まとめ納付管理ファイル",
    "利用者情報",
    "一括利用者ID",
    "氏名（フリガナ）",
    "利用者管理用メールアドレス",
    "申請状況通知用メールアドレス",
    "利用者情報更新日時",
    "国庫金ダイレクト納付口座情報",
    "口座ID",
    "口座名義（フリガナ）",
    "金融機関名",
    "本支店名",
    "口座情報",
    "最新の情報に更新",
    "終了",
)


@pytest.fixture
def web(portal: ControlClient, portal_server: PortalServer) -> Iterator[httpx.Client]:
    """A client that follows redirects, as a browser does."""
    with httpx.Client(base_url=portal_server.url, follow_redirects=True, timeout=10) as client:
        yield client


@all_variants
def test_every_screen_should_show_the_manuals_words(
    portal: ControlClient, web: httpx.Client, mock_portal_variant: str
) -> None:
    assert portal.variant() == mock_portal_variant
    top = web.get("/")
    assert_words(
        top,
        SERVICE,
        "お問い合わせ",
        "よくあるご質問",
        "サイトマップ",
        "軽自動車OSS申請",
        "一括申請",
        "はじめての方",
        "事前の準備が整った方",
        "画面申請の方",
        "利用者情報の確認・変更を行う",
        "申請を行う",
        "申請状況の照会を行う",
        "個別納付を行う",
        "まとめ納付を行う",
        "申請した内容の補正を行う",
    )
    assert_words(web.get("/mypage/login"), *LOGIN_WORDS)
    assert_words(login(web, KNOWN_ID, "Wrong2024"), *LOGIN_WORDS, messages.LOGIN_WRONG)
    assert_words(login(web, LOCKED_ID, LOCKED_PASSWORD), *LOGIN_WORDS, messages.LOCKED)
    assert_words(web.get("/mypage/password"), *PASSWORD_WORDS)
    assert_words(web.get("/mypage/reset"), "パスワード初期化", messages.RESET_GUIDE, "初期化")
    mypage = login(web, KNOWN_ID, KNOWN_PASSWORD)
    assert_words(mypage, *MYPAGE_WORDS, KNOWN_ID, "KIAB1234", "ケイジ タロウ", "軽自 太郎")
    assert_words(web.get("/mypage"), *MYPAGE_WORDS)
    assert_words(web.post("/mypage/logout"), "終了", messages.CLOSE_WINDOW)
    forced = login(web, EXPIRED_ID, EXPIRED_PASSWORD)
    assert_words(forced, *PASSWORD_WORDS, messages.EXPIRED_NOTICE)
    assert f'value="{EXPIRED_ID}"' in forced.text
    refused = change_password(
        web, EXPIRED_ID, EXPIRED_PASSWORD, NEW_PASSWORD, "Other2024x", "/mypage/password/expired"
    )
    assert_words(refused, *PASSWORD_WORDS, "一致しません")
    done = change_password(
        web, EXPIRED_ID, EXPIRED_PASSWORD, NEW_PASSWORD, path="/mypage/password/expired"
    )
    assert_words(done, "パスワード変更結果通知", messages.PASSWORD_CHANGED, "ログインへ戻る")
    portal.add_fault("login", "maintenance")
    maintenance = web.get("/mypage/login")
    assert maintenance.status_code == 503
    assert messages.MAINTENANCE_TITLE in readable(maintenance.text)


def _journal_of_a_session(web: httpx.Client, portal: ControlClient) -> list[tuple[object, ...]]:
    portal.clear_journal()
    login(web, KNOWN_ID, "Wrong2024")
    login(web, KNOWN_ID, KNOWN_PASSWORD)
    web.get("/mypage")
    assert web.get("/mypage/download").headers["content-type"].startswith("application/")
    web.post("/mypage/logout")
    login(web, EXPIRED_ID, EXPIRED_PASSWORD)
    change_password(web, EXPIRED_ID, EXPIRED_PASSWORD, "short", path="/mypage/password/expired")
    change_password(
        web, EXPIRED_ID, EXPIRED_PASSWORD, NEW_PASSWORD, path="/mypage/password/expired"
    )
    keys = ("method", "path", "screen", "outcome", "status", "account", "detail")
    return [tuple(entry[key] for key in keys) for entry in portal.journal()]


@all_variants
def test_rules_and_journal_should_be_the_same_in_every_variant(
    portal: ControlClient, portal_server: PortalServer, mock_portal_variant: str
) -> None:
    portal.set_variant("modern")
    with httpx.Client(base_url=portal_server.url, follow_redirects=True) as web:
        expected = _journal_of_a_session(web, portal)
    portal.reset()
    portal.set_variant(mock_portal_variant)
    with httpx.Client(base_url=portal_server.url, follow_redirects=True) as web:
        assert _journal_of_a_session(web, portal) == expected
    assert portal.password_of(EXPIRED_ID) == NEW_PASSWORD
    assert portal.get_account(KNOWN_ID)["failed_logins"] == 0
    assert ("POST", "/mypage/login", "login", "login_failed", 200, KNOWN_ID, None) in expected


# --- the markup each variant promises ------------------------------------------------------


def _login_page(web: httpx.Client, portal: ControlClient, variant: str) -> str:
    portal.set_variant(variant)
    return login(web, KNOWN_ID, "Wrong2024").text


def test_modern_should_keep_headings_labels_and_alert_regions(
    portal: ControlClient, web: httpx.Client
) -> None:
    html = _login_page(web, portal, "modern")
    assert "<h1>マイページログイン</h1>" in html
    assert '<label for="user_id">' in html
    assert '<div role="alert" class="alert">' in html
    assert '<button type="submit" class="primary">ログイン</button>' in html


def test_literal_should_use_the_manuals_wording_and_element_kinds(
    portal: ControlClient, web: httpx.Client
) -> None:
    html = _login_page(web, portal, "literal")
    assert "<h1" not in html
    assert '<h2 class="page-title">マイページログイン</h2>' in html
    assert 'role="alert"' not in html
    assert f'<p class="error">{messages.LOGIN_WRONG}</p>' in html
    assert re.search(r"<a [^>]*onclick=\"return submitForm\('loginForm'\);\">ログイン</a>", html)
    assert re.search(r"<a [^>]*data-close-window>終了</a>", html)
    assert re.search(r"<button type=\"button\"[^>]*>パスワード変更</button>", html)
    assert ">パスワード変更</a>" not in html
    password = web.get("/mypage/password").text
    assert '<label for="new_password_confirm">新しいパスワード (確認用)</label>' in password
    assert "（確認用）" not in password
    mypage = login(web, KNOWN_ID, KNOWN_PASSWORD).text
    assert '<a href="/mypage" class="link-button">最新の情報に更新</a>' in mypage
    assert "submitForm('logoutForm')" in mypage
    assert '<form name="logoutForm" method="post" action="/mypage/logout">' in mypage
    assert "<button" not in mypage


def test_table_should_have_no_headings_labels_or_roles(
    portal: ControlClient, web: httpx.Client
) -> None:
    html = _login_page(web, portal, "table")
    pages = [html, web.get("/").text, web.get("/mypage/password").text]
    pages.append(login(web, KNOWN_ID, KNOWN_PASSWORD).text)
    for text in pages:
        assert re.search(r"<h[1-6]", text) is None
        assert "<label" not in text
        assert "role=" not in text
        assert "<button" not in text
        assert "aria-" not in text
    assert '<div class="title">マイページログイン</div>' in html
    assert '<th>納付利用者ID<span class="req">※</span></th>' in html
    assert '<input type="submit" value="ログイン">' in html
    assert re.search(r'<font color="red">\s*' + re.escape(messages.LOGIN_WRONG), html)
    assert '<div class="title">マイページ</div>' in pages[3]
    assert '<input type="submit" value="最新の情報に更新">' in pages[3]
    assert '<input type="submit" value="終了">' in pages[3]


def test_imagebuttons_should_carry_the_words_in_alt_texts(
    portal: ControlClient, web: httpx.Client
) -> None:
    html = _login_page(web, portal, "imagebuttons")
    assert re.search(r'<input type="image" src="/static/img/btn-login.svg" alt="ログイン"', html)
    assert re.search(r'<input type="image" [^>]*alt="終了"[^>]*data-close-window>', html)
    assert '<img src="/static/img/title-login.svg" alt="マイページログイン"' in html
    assert f'<span class="error">{messages.LOGIN_WRONG}</span>' in html
    assert "<label>納付利用者ID" in html
    assert 'alt="変更"' in web.get("/mypage/password").text
    mypage_html = login(web, KNOWN_ID, KNOWN_PASSWORD).text
    assert re.search(
        r'<a href="/mypage/download"><img [^>]*alt="まとめ納付管理ファイル"[^>]*></a>', mypage_html
    )
    assert re.search(r'<a href="/mypage"><img [^>]*alt="最新の情報に更新"', mypage_html)
    assert re.search(r'<input type="image" [^>]*alt="終了"', mypage_html)
    for source in sorted(set(re.findall(r'src="(/static/img/[^"]+)"', html + mypage_html))):
        image = web.get(source)
        assert (image.status_code, image.headers["content-type"]) == (200, "image/svg+xml")


def test_samewindow_should_open_the_login_in_the_same_window_by_a_hover_menu(
    portal: ControlClient, web: httpx.Client
) -> None:
    portal.set_variant("samewindow")
    top = web.get("/").text
    assert "<button" not in top
    assert "aria-" not in top
    assert "target=" not in top
    assert '<li><a href="/mypage/login">利用者情報の確認・変更を行う</a></li>' in top
    assert "<li><span>画面申請の方</span>" in top
    assert ".hover-menu li:hover > ul { display: block; }" in web.get("/static/portal.css").text
    assert (
        f'<div class="message error">{messages.LOGIN_WRONG}</div>'
        in login(web, KNOWN_ID, "Wrong2024").text
    )


def test_iframe_should_frame_the_mypage_screens_for_a_browser_window(
    portal: ControlClient, web: httpx.Client
) -> None:
    portal.set_variant("iframe")
    window = {"sec-fetch-dest": "document"}
    frame = web.get("/mypage/login?timeout=1", headers=window)
    assert '<iframe name="main" class="main-frame" src="/mypage/login?timeout=1"' in frame.text
    assert "<form" not in frame.text
    inner = web.get("/mypage/login", headers={"sec-fetch-dest": "iframe"})
    assert "<iframe" not in inner.text
    assert '<input name="user_id" type="text" value="" aria-labelledby="lbl_user_id"' in inner.text
    assert "<iframe" not in web.get("/mypage/login").text  # no Sec-Fetch-Dest: the screen
    assert "<iframe" not in web.get("/", headers=window).text  # the top is not framed
    # The frame page is markup, not a screen: neither journaled nor faulted.
    portal.clear_journal()
    portal.add_fault("login", "maintenance")
    assert web.get("/mypage/login", headers=window).status_code == 200
    assert portal.journal() == []
    assert web.get("/mypage/login", headers={"sec-fetch-dest": "iframe"}).status_code == 503
    error = login(web, KNOWN_ID, "Wrong2024").text
    assert f'<ul class="errorMessage">\n  <li><span>{messages.LOGIN_WRONG}</span></li>' in error
    mypage_html = login(web, KNOWN_ID, KNOWN_PASSWORD).text
    assert '<form method="post" action="/mypage/logout" target="_top">' in mypage_html


def test_sjis_should_serve_and_read_shift_jis(
    portal: ControlClient, web: httpx.Client, portal_server: PortalServer
) -> None:
    portal.set_variant("sjis")
    portal.update_account(KNOWN_ID, password="軽自動車2024")
    answer = web.get("/mypage/login")
    assert answer.headers["content-type"] == "text/html; charset=Shift_JIS"
    with pytest.raises(UnicodeDecodeError):
        answer.content.decode("utf-8")
    html = answer.content.decode("cp932")
    assert '<meta charset="Shift_JIS">' in html
    assert 'accept-charset="Shift_JIS"' in html
    assert "Copyright&#169; 2019" in html  # © is not in Shift_JIS: a character reference
    assert '<h3 class="ttl">マイページログイン</h3>' in html
    assert '<dt>納付利用者ID <span class="required">必須</span></dt>' in html

    def post(password: str, encoding: str) -> httpx.Response:
        body = f"user_id={KNOWN_ID}&password={quote(password, encoding=encoding)}"
        return web.post(
            "/mypage/login",
            content=body.encode("ascii"),
            headers={"content-type": "application/x-www-form-urlencoded"},
            follow_redirects=False,
        )

    # UTF-8 is not what Shift_JIS pages send: read as Shift_JIS it is a wrong password.
    assert post("軽自動車2024", "utf-8").status_code == 200
    assert post("軽自動車2024", "cp932").status_code == 303
    assert [e["outcome"] for e in portal.journal(path="/mypage/login", method="POST")] == [
        "login_failed",
        "login_ok",
    ]
    portal.set_variant("modern")
    assert post("軽自動車2024", "utf-8").status_code == 303


def test_jslinks_should_navigate_only_by_script(portal: ControlClient, web: httpx.Client) -> None:
    html = _login_page(web, portal, "jslinks")
    top = web.get("/").text
    mypage_html = login(web, KNOWN_ID, KNOWN_PASSWORD).text
    for text in (html, top, mypage_html):
        hrefs = re.findall(r'<a [^>]*href="([^"]*)"', text)
        assert hrefs, text
        assert {href for href in hrefs} <= {"javascript:void(0)", "#"}
        assert "<button" not in text
    assert "openMyPage('/mypage/login')" in top
    assert "target=" not in top
    assert '<form name="dlForm" method="get" action="/mypage/download"></form>' in mypage_html
    assert '<form name="logoutForm" method="post" action="/mypage/logout"></form>' in mypage_html
    assert "onclick=\"submitForm('loginForm');\">ログイン</a>" in html
    assert f'<div id="errorArea" class="errorArea">\n  <p>{messages.LOGIN_WRONG}</p>' in html


@pytest.mark.parametrize(
    "variant", [v for v in VARIANTS if v != "modern" and not variants.get(v).behaviour]
)
def test_no_variant_but_modern_should_use_aria_roles_for_messages(
    portal: ControlClient, web: httpx.Client, variant: str
) -> None:
    html = _login_page(web, portal, variant)
    assert messages.LOGIN_WRONG in html
    assert 'role="alert"' not in html
    assert 'role="status"' not in login(web, EXPIRED_ID, EXPIRED_PASSWORD).text


def test_docs_should_list_every_variant_in_the_table_of_its_kind() -> None:
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[3] / "docs" / "mock-portal.md").read_text("utf-8")
    markup_part = doc.split("## Markup variants", 1)[1].split("### Behaviour variants", 1)
    behaviour_part = markup_part[1].split("Details a robot", 1)[0]

    def rows(text: str) -> list[str]:
        return re.findall(r"^\| `(\w+)`", text, flags=re.M)

    by_name = variants.BY_NAME
    assert rows(markup_part[0]) == [v for v in VARIANTS if not by_name[v].behaviour]
    assert rows(behaviour_part) == [v for v in VARIANTS if by_name[v].behaviour]
