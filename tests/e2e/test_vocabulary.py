# ruff: noqa: E501 - each markup is one line of HTML, as a person reads it
"""The page objects' vocabulary against markups the manual cannot rule out.

Each case is a small page served to a real Chromium (through `page.route`, no server): the same
words in another element. A lookup must find exactly the element meant, or say that it cannot.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import pytest
from playwright.async_api import Page, Route
from pydantic import SecretStr

from koss_rpa.errors import (
    AccountLocked,
    AnswerUnrecognised,
    ControlMissing,
    LoginRejected,
    Maintenance,
)
from koss_rpa.pages import LoginPage, MyPage, PasswordChangePage, PortalTopPage, words
from koss_rpa.pages.lookups import TITLE_SEPARATORS, Lookup, control, field, screen_name, title_is
from koss_rpa.pages.words import normalize, words_pattern
from testkit.sharedbrowser import SharedBrowser

pytestmark = pytest.mark.e2e

T = TypeVar("T")
SITE = "http://portal.test"
Run = Callable[[dict[str, str], Callable[[Page], Awaitable[T]]], T]


def _html(body: str, title: str = "K-OSS") -> str:
    return f"<!DOCTYPE html><html lang=ja><head><meta charset=utf-8><title>{title}</title></head><body>{body}</body></html>"


@pytest.fixture(scope="module")
def shared(browser_type_launch_args: dict[str, Any]) -> Iterator[SharedBrowser]:
    browser = SharedBrowser.like(browser_type_launch_args)
    yield browser
    browser.close()


@pytest.fixture
def on_site(shared: SharedBrowser) -> Run[Any]:
    """Serve `pages` ({path: html}; a POST is answered by the page of path + ' POST') and run
    `check(page)` on the first path."""

    def run(pages: dict[str, str], check: Callable[[Page], Awaitable[T]]) -> T:
        async def go() -> T:
            browser = await shared.browser()
            context = await browser.new_context()
            context.set_default_timeout(3000)

            async def serve(route: Route) -> None:
                path = route.request.url.removeprefix(SITE)
                key = f"{path} POST" if route.request.method == "POST" else path
                body = pages.get(key, pages.get(path.split("?")[0], ""))
                await route.fulfill(
                    status=200 if body else 404, body=body, content_type="text/html; charset=utf-8"
                )

            await context.route(f"{SITE}/**", serve)
            try:
                page = await context.new_page()
                await page.goto(SITE + next(iter(pages)))
                return await check(page)
            finally:
                await context.close()

        return shared.run(go())

    return run


async def _ids(lookup: Lookup) -> list[str]:
    return [str(i) for i in await lookup.visible.evaluate_all("els => els.map(e => e.id)")]


# --- words ------------------------------------------------------------------------------------


def test_normalize_should_ignore_width_spacing_and_decorations() -> None:
    assert normalize("新しいパスワード（確認用）") == normalize("新しいパスワード (確認用)")
    assert normalize("納付利用者ＩＤ ※必須") == normalize("納付利用者ID")
    assert normalize("« ログインへ戻る") == normalize("ログインへ戻る")
    assert normalize("マイページ") != normalize("マイページログイン")


def test_words_pattern_should_match_the_words_alone() -> None:
    pattern = words_pattern("新しいパスワード")
    assert pattern.search("新しいパスワード 必須")
    assert pattern.search("＊新しいパスワード：")
    assert not pattern.search("新しいパスワード（確認用）")
    assert words_pattern("ログイン").search("ﾛｸﾞｲﾝ") is None  # two-char kana is not folded
    assert words_pattern("納付利用者ID").search("納付利用者ＩＤ")


#: Every word the page objects look for, and what a page may make of them.
_MANUAL_WORDS = (
    "マイページ",
    "まとめ納付管理ファイル",
    "納付利用者ID",
    "新しいパスワード（確認用）",
    "ログイン",
    "終了",
    "ｶﾅ",
)
_NOISE = "ＡＢａｂ０１（）＊：＜＞［］ｰｲﾏｶﾅｯﾞ･｡!()*:<>[]ーイマカナッ・。必須任意※【】〔〕«» \t\n\u3000\u00a0\ue000漢字x|-/｜"
_TO_WIDE = {n: w for w, n in zip(words._XPATH_FROM, words._XPATH_TO, strict=True)}


def _spellings(word: str, rng: random.Random) -> list[str]:
    """`word` as a page may spell it (other widths, spaces, decorations, a required mark), and
    texts near it (a character more or less, noise)."""
    core = normalize(word)
    wide = "".join(_TO_WIDE.get(c, c) for c in core)
    texts = [core, wide, f"※{core}", f"{wide}　（必須）", f" {core[:1]} {core[1:]}：", core + "()"]
    texts += [core + "x", core[1:], core + "\ue000", core + "()()", "（" + core + "）"]
    for _ in range(30):
        chars = list(rng.choice(texts[:4]))
        for _ in range(rng.randint(1, 3)):
            chars.insert(rng.randint(0, len(chars)), rng.choice(_NOISE))
        texts.append("".join(chars))
    return texts


def _reference_normalized(expr: str) -> str:
    """The folding as XPath did it with the whole width tables."""
    mapped = f"translate({expr}, {words.xpath_literal(words._XPATH_FROM)}, {words.xpath_literal(words._XPATH_TO)})"
    return f"translate({mapped}, {words.xpath_literal(words._XPATH_DROP)}, '')"


def _reference_equals(expr: str, word: str) -> str:
    folded, wanted = _reference_normalized(expr), words.xpath_literal(normalize(word))
    return f"({folded} = {wanted} or {folded} = concat({wanted}, '()'))"


def _reference_title_is(word: str) -> str:
    """A title that is the name, alone or beside a separator, one comparison per separator."""
    title, name = _reference_normalized("string(.)"), words.xpath_literal(normalize(word))
    return " or ".join(
        [f"{title} = {name}"]
        + [f"starts-with({title}, concat({name}, '{s}'))" for s in TITLE_SEPARATORS]
        + [
            f"substring({title}, string-length({title}) - string-length({name})) "
            f"= concat('{s}', {name})"
            for s in TITLE_SEPARATORS
        ]
    )


def _titles(word: str) -> list[str]:
    core = normalize(word)
    site = "軽自動車保有関係手続のワンストップサービス"
    return [
        *(f"{core} {s} {site}" for s in TITLE_SEPARATORS),
        *(f"{site}{s}{core}" for s in TITLE_SEPARATORS),
        f"{core}｜{site}",
        f"{core}:{site}",
        f"{site} {core}",
        f"{core}{core}",
        f"-{core}-",
        f"x{core}|",
        f"|{core}x",
        core[:-1] + "|",
        "|",
        "",
    ]


def test_xpath_folding_should_compare_as_the_whole_width_tables_would(on_site: Run[Any]) -> None:
    # The XPath folds only the characters that can matter for the words compared with
    # (`xpath_normalized`): shorter, and the same answer as folding every width, asked of
    # Chromium's own XPath for each spelling of each word.
    rng = random.Random(20261207)
    cases = [
        (word, text) for word in _MANUAL_WORDS for text in [*_spellings(word, rng), *_titles(word)]
    ]
    wanted_chars = {word: normalize(word) + "()|-/–—" for word in _MANUAL_WORDS}
    queries = [
        [
            f"boolean({words.xpath_equals('@data-t', word)})",
            f"boolean({_reference_equals('@data-t', word)})",
            f"string({words.xpath_normalized('@data-t', wanted_chars[word])})",
            f"string({_reference_normalized('@data-t')})",
            f"boolean(self::*[{title_is(word)}])",
            f"boolean(self::*[{_reference_title_is(word)}])",
        ]
        for word, text in cases
    ]

    async def ask(page: Page) -> list[list[Any]]:
        answers: list[list[Any]] = await page.evaluate(
            """([texts, queries]) => texts.map((text, i) => {
                const e = document.createElement('i');
                e.setAttribute('data-t', text);
                e.textContent = text;
                return queries[i].map((q) => {
                    const r = document.evaluate(q, e, null, XPathResult.ANY_TYPE, null);
                    return r.resultType === XPathResult.BOOLEAN_TYPE ? r.booleanValue : r.stringValue;
                });
            })""",
            [[text for _word, text in cases], queries],
        )
        return answers

    answers = on_site({"/": _html("")}, ask)

    for (word, text), answer in zip(cases, answers, strict=True):
        equal, reference, folded, full, titled, reference_titled = answer
        assert equal == reference, (word, text)
        assert titled == reference_titled, (word, text)
        # Position by position: the same character, or one the words do not hold either way.
        assert len(folded) == len(full), (word, text)
        for short, whole in zip(folded, full, strict=True):
            assert short == whole or not {short, whole} & set(wanted_chars[word]), (word, text)
    # Matches were among them, of the words and of titles.
    assert sum(answer[0] for answer in answers) >= 5 * len(_MANUAL_WORDS)
    assert sum(answer[4] for answer in answers) >= 12 * len(_MANUAL_WORDS)


# --- fields ---------------------------------------------------------------------------------

FIELD_MARKUPS = {
    "label for": '<label for="x">納付利用者ID</label><input id="x"><label for="p">納付利用者パスワード</label><input id="p" type=password>',
    "wrapping label": "<label>納付利用者ID <input id=x></label><label>納付利用者パスワード <input id=p type=password></label>",
    "aria-label": '<input id=x aria-label="納付利用者ID"><input id=p type=password aria-label="納付利用者パスワード">',
    "aria-labelledby": "<span id=l1>納付利用者ID</span><input id=x aria-labelledby=l1><span id=l2>納付利用者パスワード</span><input id=p type=password aria-labelledby=l2>",
    "th beside": "<table><tr><th>納付利用者ID<font color=red>※</font></th><td><input id=x></td></tr><tr><th>納付利用者パスワード</th><td><input id=p type=password></td></tr></table>",
    "td beside, full width": "<table><tr><td class=label>納付利用者ＩＤ　（必須）</td><td><input id=x></td></tr><tr><td>納付利用者パスワード</td><td><input id=p type=password></td></tr></table>",
    "dt dd": "<dl><dt>納付利用者ID</dt><dd><input id=x></dd><dt>納付利用者パスワード</dt><dd><input id=p type=password></dd></dl>",
    "text before": "<p>納付利用者ID：<input id=x></p><p>納付利用者パスワード：<input id=p type=password></p>",
    "div row with required mark": "<div class=row><span>納付利用者ID</span><span class=req>必須</span><input id=x></div><div class=row><span>納付利用者パスワード</span><input id=p type=password></div>",
}


@pytest.mark.parametrize("markup", FIELD_MARKUPS, ids=list(FIELD_MARKUPS))
def test_field_should_find_the_input_its_label_names(on_site: Run[Any], markup: str) -> None:
    async def check(page: Page) -> tuple[list[str], list[str]]:
        return await _ids(field(page, "納付利用者ID")), await _ids(
            field(page, "納付利用者パスワード")
        )

    assert on_site({"/": _html(FIELD_MARKUPS[markup])}, check) == (["x"], ["p"])


CONFIRM_MARKUPS = {
    "full-width label": "<label for=n>新しいパスワード</label><input id=n type=password><label for=c>新しいパスワード（確認用）</label><input id=c type=password>",
    "manual's half-width": "<table><tr><th>新しいパスワード</th><td><input id=n type=password></td></tr><tr><th>新しいパスワード (確認用)</th><td><input id=c type=password></td></tr></table>",
}


@pytest.mark.parametrize("markup", CONFIRM_MARKUPS, ids=list(CONFIRM_MARKUPS))
def test_field_should_tell_the_new_password_from_its_confirmation(
    on_site: Run[Any], markup: str
) -> None:
    async def check(page: Page) -> tuple[list[str], list[str]]:
        new = await _ids(field(page, "新しいパスワード"))
        return new, await _ids(field(page, "新しいパスワード (確認用)"))

    assert on_site({"/": _html(CONFIRM_MARKUPS[markup])}, check) == (["n"], ["c"])


def test_field_should_find_nothing_when_the_id_is_shown_as_text(on_site: Run[Any]) -> None:
    body = "<table><tr><th>納付利用者ID</th><td>KNAB1234</td></tr><tr><th>現在のパスワード</th><td><input id=c type=password></td></tr><tr><th>新しいパスワード</th><td><input id=n type=password></td></tr></table>"

    async def check(page: Page) -> tuple[list[str], list[str]]:
        return await _ids(field(page, "納付利用者ID")), await _ids(field(page, "現在のパスワード"))

    assert on_site({"/": _html(body)}, check) == ([], ["c"])


def test_a_field_named_twice_should_raise_an_error_naming_both(on_site: Run[Any]) -> None:
    body = "<h1>マイページログイン</h1><label>納付利用者ID <input id=a></label><label>納付利用者ID <input id=b name=second></label>"

    async def check(page: Page) -> str:
        login = await LoginPage(page).wait_displayed()
        with pytest.raises(ControlMissing) as caught:
            await login.one(login.user_id)
        return str(caught.value)

    message = on_site({"/": _html(body)}, check)
    assert "納付利用者ID" in message
    assert 'id="a"' in message
    assert 'name="second"' in message


# --- controls -----------------------------------------------------------------------------

CONTROL_MARKUPS = {
    "button": "<button id=t>ログイン</button>",
    "link": "<a id=t href=/x>ログイン</a>",
    "link without href": '<a id=t onclick="go()">ログイン</a>',
    "input submit": "<input id=t type=submit value='ログイン'>",
    "input image": "<input id=t type=image alt='ログイン' src=/b.png>",
    "image in a link": "<a id=t href=/x><img src=/b.png alt='ログイン'></a>",
    "role button": "<div id=t role=button tabindex=0>ロ グ イ ン</div>",
    "clickable cell": "<table><tr><td id=t onclick='go()'>ログイン</td></tr></table>",
    "full-width with marks": "<a id=t href=/x>▶ ログイン</a>",
    # One control, one match: words nested in inner elements are the outermost control's.
    "button with its words in a span": "<button id=t class='v-btn'><span class='v-btn__content'>ログイン</span></button>",
    "link with its words in a strong": "<a id=t class=btn href=/x><strong class=btn-label>ログイン</strong></a>",
    "clickable div with a clickable span": "<div id=t class=btn onclick='go()'><span class=btn-text>ログイン</span></div>",
    "link around a clickable image": "<a id=t href=/x><span class=btn><img src=/b.png alt='ログイン'></span></a>",
}


@pytest.mark.parametrize("markup", CONTROL_MARKUPS, ids=list(CONTROL_MARKUPS))
def test_control_should_find_its_name_in_any_element(on_site: Run[Any], markup: str) -> None:
    decoys = "<h1>マイページログイン</h1><a href=/back>« ログインへ戻る</a><p>「ログイン」ボタンを押してください。</p>"

    async def check(page: Page) -> list[str]:
        return await _ids(control(page, "ログイン"))

    assert on_site({"/": _html(decoys + CONTROL_MARKUPS[markup])}, check) == ["t"]


def test_control_should_take_the_link_inside_a_clickable_cell(on_site: Run[Any]) -> None:
    body = "<table><tr><td onclick='go()'><a id=t href=/x>ログイン</a></td></tr></table>"

    async def check(page: Page) -> list[str]:
        return await _ids(control(page, "ログイン"))

    assert on_site({"/": _html(body)}, check) == ["t"]


# --- screens ----------------------------------------------------------------------------

SCREEN_MARKUPS = {
    "h1": "<h1>マイページ</h1>",
    "h3": "<h3>マイページ</h3>",
    "div.title": "<div class=pageTitle>マイページ</div>",
    "caption": "<table><caption>マイページ</caption><tr><td>x</td></tr></table>",
    "image": "<img src=/t.png alt='マイページ'>",
    "plain block": "<table><tr><td><b>マイページ</b></td></tr></table>",
}


@pytest.mark.parametrize("markup", SCREEN_MARKUPS, ids=list(SCREEN_MARKUPS))
def test_screen_should_be_known_by_its_name_anywhere(on_site: Run[Any], markup: str) -> None:
    async def check(page: Page) -> tuple[bool, bool]:
        mypage = await MyPage(page).wait_displayed()
        return await mypage.is_displayed(), await LoginPage(page).is_displayed()

    assert on_site({"/": _html(SCREEN_MARKUPS[markup])}, check) == (True, False)


def test_screen_should_be_known_by_the_document_title(on_site: Run[Any]) -> None:
    async def check(page: Page) -> tuple[str, ...]:
        return (await screen_name(page, "マイページ").probe()).how + tuple(
            [str(await screen_name(page, "マイページ").ways[3][1].count())]
        )

    assert on_site({"/": _html("<p>x</p>", title="マイページ｜軽自動車OSS")}, check)[-1] == "1"


def test_screen_in_a_frame_should_be_found_there(on_site: Run[Any]) -> None:
    inner = _html(
        "<div class=title>マイページログイン</div>"
        + FIELD_MARKUPS["th beside"]
        + "<input type=image alt=ログイン id=go>"
    )

    async def check(page: Page) -> list[str]:
        login = await LoginPage(page).wait_displayed()
        return await _ids(login.password) + await _ids(login.login_button)

    pages = {"/": _html('<iframe src="/inner" width=800 height=600></iframe>'), "/inner": inner}
    assert on_site(pages, check) == ["p", "go"]


# --- the menu ---------------------------------------------------------------------------

HOVER_MENU = """<style>li ul{display:none} li:hover > ul{display:block}</style>
<h1>軽自動車保有関係手続のワンストップサービス</h1>
<ul><li>事前の準備が整った方<ul><li>画面申請の方<ul>
<li><a href="/login">利用者情報の確認・変更を行う</a></li></ul></li></ul></li></ul>"""
CLICK_MENU = """<div class=title>軽自動車保有関係手続のワンストップサービス</div>
<a href="#" onclick="document.getElementById('m1').hidden=false">事前の準備が整った方</a>
<div id=m1 hidden><a href="#" onclick="document.getElementById('m2').hidden=false">画面申請の方</a>
<div id=m2 hidden><a href="/login" target="_blank">利用者情報の確認・変更を行う</a></div></div>"""
LOGIN = _html(
    "<h2>マイページログイン</h2>" + FIELD_MARKUPS["label for"] + "<button>ログイン</button>"
)


@pytest.mark.parametrize(
    "menu", [HOVER_MENU, CLICK_MENU], ids=["css hover, same window", "click, new window"]
)
def test_menu_should_open_the_login_however_it_is_made(on_site: Run[Any], menu: str) -> None:
    async def check(page: Page) -> bool:
        top = await PortalTopPage(page).wait_displayed()
        login = await (await top.open_user_info()).wait_displayed()
        return await login.is_displayed()

    assert on_site({"/": _html(menu), "/login": LOGIN}, check)


# --- an error page that bears a screen's name -------------------------------------------

MAINTENANCE_HEADING = "<h1>ただいまメンテナンス中です</h1>"
LOGIN_FORM_ONLY = '<form method=post action="/login"><table><tr><th>納付利用者ID</th><td><input name=u></td></tr><tr><th>納付利用者パスワード</th><td><input type=password name=p></td></tr></table><input type=submit value="ログイン"></form>'


@pytest.mark.parametrize(
    "deferred", [False, True], ids=["checked at once", "checked with next step"]
)
def test_an_error_page_with_the_login_form_should_stop_before_any_password(
    on_site: Run[Any], deferred: bool
) -> None:
    """A maintenance page that also shows the login form (and its name in the title): the
    robot stops with Maintenance, the budget's hook never runs and no password is typed."""

    async def check(page: Page) -> str:
        spent: list[bool] = []

        async def before() -> None:
            spent.append(True)

        try:
            login = await LoginPage(page).wait_displayed(checked_with_next_step=deferred)
            await login.submit_credentials("KNAB1234", SecretStr("Secret123"), before=before)
        except Maintenance:
            typed = await page.locator("input[type=password]").input_value()
            return f"Maintenance; budget spent: {bool(spent)}; password typed: {typed!r}"
        return "went on"

    page = _html(MAINTENANCE_HEADING + LOGIN_FORM_ONLY, title="マイページログイン")
    assert on_site({"/": page}, check) == "Maintenance; budget spent: False; password typed: ''"


@pytest.mark.parametrize(
    "deferred", [False, True], ids=["checked at once", "checked with next step"]
)
def test_an_error_page_with_the_portals_name_and_menu_should_stop_at_the_menu(
    on_site: Run[Any], deferred: bool
) -> None:
    async def check(page: Page) -> str:
        try:
            top = await PortalTopPage(page).wait_displayed(checked_with_next_step=deferred)
            await top.open_user_info()
        except Maintenance:
            return "Maintenance"
        return "went on"

    page = _html(MAINTENANCE_HEADING + HOVER_MENU)
    assert on_site({"/": page, "/login": LOGIN}, check) == "Maintenance"


# --- the answer to a login -------------------------------------------------------------


def _answer(answer_body: str) -> Callable[[Page], Awaitable[str]]:
    del answer_body

    async def check(page: Page) -> str:
        login = await LoginPage(page).wait_displayed()
        await login.submit_credentials("KNAB1234", SecretStr("Secret123"))
        try:
            outcome = await login.outcome(3000)
        except (LoginRejected, AccountLocked, AnswerUnrecognised) as exc:
            return f"{type(exc).__name__}: {exc}"
        return type(outcome).__name__

    return check


LOGIN_FORM = '<form method=post action="/login"><table><tr><th>納付利用者ID</th><td><input name=u></td></tr><tr><th>納付利用者パスワード</th><td><input type=password name=p></td></tr></table><input type=submit value="ログイン"></form>'

ANSWERS = {
    "rejection in a font tag": (
        _html(
            "<div class=title>マイページログイン</div><font color=red>入力内容をご確認ください。</font>"
            + LOGIN_FORM
        ),
        "LoginRejected: 入力内容をご確認ください。",
    ),
    "lock in a plain paragraph": (
        _html("<h2>マイページログイン</h2><p>アカウントがロックされました。</p>" + LOGIN_FORM),
        "AccountLocked: アカウントがロックされました。",
    ),
    "マイページ": (_html("<h3>マイページ</h3><a href=/dl>まとめ納付管理ファイル</a>"), "MyPage"),
    "forced change without a title": (
        _html(
            "<p>パスワードを変更してください。</p><table><tr><th>現在のパスワード</th><td><input type=password></td></tr><tr><th>新しいパスワード</th><td><input type=password></td></tr><tr><th>新しいパスワード (確認用)</th><td><input type=password></td></tr></table><a href=#>変更</a>"
        ),
        "PasswordChangePage",
    ),
    "a page koss-rpa does not know": (_html("<p>お知らせ</p>"), "AnswerUnrecognised"),
}


@pytest.mark.parametrize("answer", ANSWERS, ids=list(ANSWERS))
def test_login_outcome_should_be_told_by_content(on_site: Run[Any], answer: str) -> None:
    body, expected = ANSWERS[answer]
    start = _html("<div class=title>マイページログイン</div>" + LOGIN_FORM)
    result = on_site({"/login": start, "/login POST": body}, _answer(body))
    assert result.startswith(expected), result


def test_a_change_screen_outcome_should_be_told_from_the_login_screen(on_site: Run[Any]) -> None:
    async def check(page: Page) -> bool:
        return await PasswordChangePage(page).is_displayed()

    assert (
        on_site({"/": _html("<h1>マイページログイン</h1><a href=/x>パスワード変更</a>")}, check)
        is False
    )


def _login_form(onsubmit: str) -> str:
    return LOGIN_FORM.replace("<form ", f'<form onsubmit="{onsubmit}" ', 1)


MYPAGE = _html("<h3>マイページ</h3><a href=/dl>まとめ納付管理ファイル</a>")
DIALOG_ANSWERS = {
    "a lock in an alert, and no new document": (
        _login_form("alert('アカウントがロックされています。'); return false"),
        "",
        "AccountLocked: アカウントがロックされています。",
    ),
    "an alert, then the form sent": (_login_form("alert('送信します。')"), MYPAGE, "MyPage"),
    "a confirm of the click": (
        _login_form("return confirm('ログインしますか？')"),
        MYPAGE,
        "MyPage",
    ),
    "a refusal in an alert of the answer": (
        LOGIN_FORM,
        _html(
            "<div class=title>マイページログイン</div>"
            + LOGIN_FORM
            + "<script>alert('パスワードが違います。')</script>"
        ),
        "LoginRejected: パスワードが違います。",
    ),
}


@pytest.mark.parametrize("case", DIALOG_ANSWERS, ids=list(DIALOG_ANSWERS))
def test_login_outcome_should_read_dialogs_as_a_person_would(on_site: Run[Any], case: str) -> None:
    form, body, expected = DIALOG_ANSWERS[case]
    start = _html("<div class=title>マイページログイン</div>" + form)
    pages = {"/login": start, "/login POST": body} if body else {"/login": start}
    result = on_site(pages, _answer(body))
    assert result.startswith(expected), result


def test_a_menu_link_no_pointing_shows_should_be_activated_as_its_script_would(
    on_site: Run[Any],
) -> None:
    """Levels that are plain text on display (passed), and a final link that stays hidden."""
    top = _html(
        "<h1>軽自動車保有関係手続のワンストップサービス</h1><div>事前の準備が整った方</div>"
        "<div><b>画面申請の方</b></div>"
        "<div style='display:none'><a href=/login>利用者情報の確認・変更を行う</a></div>"
    )

    async def check(page: Page) -> tuple[str, dict[str, str]]:
        screen = await PortalTopPage(page).wait_displayed()
        login = await screen.open_user_info()
        await login.wait_displayed()
        return login.page.url, screen.walked

    url, walked = on_site({"/": top, "/login": _html("<h1>マイページログイン</h1>")}, check)
    assert url == f"{SITE}/login"
    assert walked == {
        "事前の準備が整った方": "passed: the next level was on display",
        "画面申請の方": "clicked",
        "利用者情報の確認・変更を行う": "activated by script: no pointing showed it",
    }
