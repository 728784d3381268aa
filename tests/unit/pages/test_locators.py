"""`[locators]`: the names a user may set, read from the page objects, and the lines `check`
writes for them."""

from __future__ import annotations

import tomllib

import pytest

from koss_rpa.errors import SettingsInvalid
from koss_rpa.pages import LoginPage, MyPage, PortalTopPage, overrides
from koss_rpa.pages.portal_top import MENU_PATH
from koss_rpa.settings import Settings


def test_manual_words_should_be_what_the_page_objects_declare() -> None:
    words = overrides.manual_words()

    assert words[LoginPage.name] >= {"マイページログイン", "ログイン", "納付利用者ID"}
    assert words[MyPage.name] >= {"まとめ納付管理ファイル", "終了", "最新の情報に更新"}
    assert set(MENU_PATH) <= words[PortalTopPage.name]


def test_checked_should_accept_words_and_screen_qualified_words() -> None:
    chosen = overrides.checked(
        {
            "ログイン": "css=#signin",
            "ﾏｲﾍﾟｰｼﾞﾛｸﾞｲﾝ/パスワード変更": "text=パスワードを変更",  # width ignored
            "パスワード変更/パスワード変更": "css=h2",
        }
    )

    assert chosen == {
        (None, "ログイン"): "css=#signin",
        ("マイページログイン", "パスワード変更"): "text=パスワードを変更",
        ("パスワード変更", "パスワード変更"): "css=h2",
    }


@pytest.mark.parametrize(
    ("key", "named"),
    [
        ("サインイン", "「サインイン」"),
        ("マイページ/ログイン", "「マイページ/ログイン」"),
        ("パスワード変更", "「パスワード変更/パスワード変更」"),
    ],
)
def test_checked_should_refuse_a_name_in_one_line(key: str, named: str) -> None:
    with pytest.raises(SettingsInvalid) as raised:
        overrides.checked({key: "css=a"})

    assert named in str(raised.value)
    assert "\n" not in str(raised.value)
    assert raised.value.exit_code == 3


def test_an_empty_selector_should_be_refused_by_the_settings() -> None:
    from koss_rpa.settings import load_settings

    with pytest.raises(SettingsInvalid) as raised:
        load_settings(None, locators={"ログイン": " "})

    assert "ログイン" in str(raised.value)


@pytest.mark.parametrize(
    ("screen", "words", "selector"),
    [
        ("マイページログイン", "ログイン", "css=#signin"),
        ("マイページログイン", "パスワード変更", 'text="パスワードを変更"'),
        ("マイページ", "終了", 'css=[id="it\'s"]'),
    ],
)
def test_toml_line_should_read_back_as_the_setting(screen: str, words: str, selector: str) -> None:
    line = overrides.toml_line(screen, words, selector)

    ((key, value),) = tomllib.loads("[locators]\n" + line)["locators"].items()
    assert value == selector
    assert Settings(locators={key: value}).locators == {key: value}
    assert overrides.checked({key: value})
