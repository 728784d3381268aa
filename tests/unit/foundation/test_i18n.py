"""The message catalogs, the `.po` reader and the choice of language (`koss_rpa.i18n`).

The catalog checks extract the message ids from the code with Babel at test time, as
`scripts/update_catalogs.py` does; when one fails, run that script and translate what it lists.
"""

from __future__ import annotations

import io
import locale
import string
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from koss_rpa import i18n
from koss_rpa.cli.help import help_msgids
from koss_rpa.i18n import (
    SUPPORTED,
    POSyntaxError,
    POTranslations,
    _,
    catalog_path,
    detect_language,
    normalize_language,
    set_language,
)

PACKAGE = Path(i18n.__file__).parent
FIX = "run `python scripts/update_catalogs.py` and translate the entries it lists"
LOCALE_VARIABLES = ("KOSS_LANG", "LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE")


def placeholders(text: str) -> set[str]:
    """`{name!conv:spec}` fields, as `str.format` sees them."""
    return {
        "{" + name + (f"!{conv}" if conv else "") + (f":{spec}" if spec else "") + "}"
        for _literal, name, spec, conv in string.Formatter().parse(text)
        if name is not None
    }


def read(text: str) -> POTranslations:
    return POTranslations(io.BytesIO(text.encode()), name="test.po")


def shipped(lang: str) -> dict[str, str]:
    """The messages koss_rpa uses, as its own reader reads them."""
    return POTranslations.from_path(catalog_path(lang)).messages()


def written(lang: str) -> dict[str, str]:
    """The translated entries of a catalog as Babel reads them (fuzzy ones left out)."""
    with catalog_path(lang).open("rb") as fp:
        catalog = read_po(fp, locale=lang)
    return {str(m.id): str(m.string) for m in catalog if m.id and m.string and not m.fuzzy}


@pytest.fixture(scope="module")
def code_msgids() -> frozenset[str]:
    found = extract_from_dir(
        PACKAGE, method_map=[("**.py", "python")], keywords={"_": None}, comment_tags=()
    )
    msgids = frozenset(message for _f, _n, message, _c, _x in found if isinstance(message, str))
    assert len(msgids) > 50, "Babel found next to no `_()` calls: is the extraction broken?"
    # The CLI's help texts, a paragraph each (koss_rpa/cli/help.py).
    return msgids | frozenset(help_msgids())


@pytest.fixture(autouse=True)
def english_afterwards() -> Iterator[None]:
    yield
    set_language("en")


@pytest.fixture
def no_locale_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in LOCALE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


# --- the shipped catalogs -------------------------------------------------------------------


@pytest.mark.parametrize("lang", SUPPORTED)
def test_catalog_should_translate_every_msgid_of_the_code(
    lang: str, code_msgids: frozenset[str]
) -> None:
    translated = {msgid for msgid, text in shipped(lang).items() if text.strip()}
    missing = sorted(code_msgids - translated)
    assert not missing, f"{len(missing)} messages lack a {lang} translation ({FIX}): {missing}"


@pytest.mark.parametrize("lang", SUPPORTED)
def test_catalog_should_keep_every_placeholder_of_its_msgid(lang: str) -> None:
    wrong = {
        msgid: text
        for msgid, text in written(lang).items()
        if placeholders(text) != placeholders(msgid)
    }
    assert not wrong, f"{lang}: the translation must keep each {{placeholder}} exactly: {wrong}"


@pytest.mark.parametrize("lang", SUPPORTED)
def test_catalog_should_hold_no_obsolete_entry(lang: str, code_msgids: frozenset[str]) -> None:
    with catalog_path(lang).open("rb") as fp:
        catalog = read_po(fp, locale=lang)
    in_catalog = {str(message.id) for message in catalog if message.id}
    obsolete = sorted(in_catalog - code_msgids) + sorted(str(m) for m in catalog.obsolete)
    assert not obsolete, f"{lang}: msgids no longer in the code ({FIX}): {obsolete}"


@pytest.mark.parametrize("lang", SUPPORTED)
def test_po_translations_should_read_the_catalogs_as_babel_does(lang: str) -> None:
    expected = {m: t for m, t in written(lang).items() if placeholders(m) == placeholders(t)}
    assert shipped(lang) == expected


# --- the .po reader -------------------------------------------------------------------------

SAMPLE = r"""# Japanese messages of a sample.
#, fuzzy
msgid ""
msgstr ""
"Language: ja\n"
"Content-Type: text/plain; charset=utf-8\n"

#: koss_rpa/x.py
#, python-brace-format
msgid ""
"Saved "
"{path}"
msgstr ""
"保存しました: "
"{path}"

msgid "tab\there \"quoted\" back\\slash\nnext line\r"
msgstr "タブ\tここ「\"」\\\n次の行\r"

#, fuzzy, python-format
msgid "Fuzzy"
msgstr "あいまい"

msgid "Untranslated"
msgstr ""
msgid "No blank line before"
msgstr "前に空行なし"
# a comment right after an entry starts the next one
msgid "After a comment"
msgstr "コメントの後"

#~ msgid "Obsolete"
#~ msgstr "廃止"
"""


def test_po_translations_should_join_strings_continued_over_lines() -> None:
    assert read(SAMPLE).gettext("Saved {path}") == "保存しました: {path}"


def test_po_translations_should_unescape_c_escapes() -> None:
    translated = read(SAMPLE).gettext('tab\there "quoted" back\\slash\nnext line\r')
    assert translated == 'タブ\tここ「"」\\\n次の行\r'


def test_po_translations_should_read_the_header_even_when_fuzzy() -> None:
    info = read(SAMPLE).info()
    assert info["language"] == "ja"
    assert info["content-type"] == "text/plain; charset=utf-8"


def test_po_translations_should_skip_fuzzy_untranslated_and_obsolete_entries() -> None:
    translations = read(SAMPLE)
    assert translations.gettext("Fuzzy") == "Fuzzy"
    assert translations.gettext("Untranslated") == "Untranslated"
    assert translations.gettext("Obsolete") == "Obsolete"
    assert set(translations.messages()) == {
        "Saved {path}",
        'tab\there "quoted" back\\slash\nnext line\r',
        "No blank line before",
        "After a comment",
    }


def test_po_translations_should_end_an_entry_at_the_next_msgid_or_comment() -> None:
    translations = read(SAMPLE)
    assert translations.gettext("No blank line before") == "前に空行なし"
    assert translations.gettext("After a comment") == "コメントの後"


def test_po_translations_should_leave_out_a_translation_with_other_placeholders() -> None:
    translations = read(
        'msgid "Saved {path}"\nmsgstr "保存しました: {file}"\n\n'
        'msgid "{n} days"\nmsgstr "{n:d} 日"\n\n'
        'msgid "{value!r}"\nmsgstr "{value!r}"\n'
    )
    assert translations.gettext("Saved {path}") == "Saved {path}"
    assert translations.gettext("{n} days") == "{n} days"
    assert translations.messages() == {"{value!r}": "{value!r}"}


def test_po_translations_should_ask_its_fallback_for_a_missing_message() -> None:
    translations = read('msgid "a"\nmsgstr "あ"\n')
    translations.add_fallback(read('msgid "b"\nmsgstr "B, in English"\n'))
    assert translations.gettext("a") == "あ"
    assert translations.gettext("b") == "B, in English"
    assert translations.gettext("c") == "c"


def test_po_translations_should_read_an_empty_file() -> None:
    assert read("").messages() == {}


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('msgid "a"\nmsgstr "\\q"\n', r"test\.po:2: unknown escape \\q"),
        ('msgctxt "menu"\nmsgid "a"\nmsgstr "b"\n', r"test\.po:1: 'msgctxt' is not supported"),
        ('msgid "a"\nmsgid_plural "as"\n', r"test\.po:2: 'msgid_plural' is not supported"),
        ('"stray"\n', r"test\.po:1: a string that continues no msgid"),
        ('msgid "a\nmsgstr "b"\n', r"test\.po:1: expected a quoted string"),
        ('msgid "a"\n\nmsgstr "b"\n', r"test\.po:2: msgid without msgstr"),
        ('msgstr "b"\n', r"test\.po:1: msgstr out of place"),
        ('msgid "a"\nmsgstr "b"\nmsgstr "c"\n', r"test\.po:3: msgstr out of place"),
        ('msgid "a"\n', r"test\.po: the last msgid has no msgstr"),
    ],
)
def test_po_translations_should_name_the_line_of_a_syntax_error(text: str, problem: str) -> None:
    with pytest.raises(POSyntaxError, match=problem):
        read(text)


# --- choosing the language ------------------------------------------------------------------


def test_set_language_should_make_messages_japanese() -> None:
    ja = shipped("ja")
    assert set_language("ja") == "ja"
    assert {msgid: _(msgid) for msgid in ja} == ja
    assert _("Logging in…") == "ログインしています…"


def test_set_language_should_make_messages_english() -> None:
    set_language("ja")
    en = shipped("en")
    assert set_language("en") == "en"
    assert {msgid: _(msgid) for msgid in en} == en
    assert _("Logging in…") == "Logging in…"


@pytest.mark.parametrize("lang", ["fr", "zz", "C"])
def test_set_language_should_fall_back_to_english_for_an_unknown_language(
    lang: str, no_locale_env: pytest.MonkeyPatch
) -> None:
    set_language("ja")
    assert set_language(lang) == "en"
    assert _("Logging in…") == "Logging in…"


def test_set_language_should_accept_a_locale_name() -> None:
    assert set_language("ja_JP.UTF-8") == "ja"
    assert _("Logging in…") == "ログインしています…"


def test_set_language_should_detect_the_language_when_none_is_given(
    no_locale_env: pytest.MonkeyPatch,
) -> None:
    no_locale_env.setenv("KOSS_LANG", "ja")
    assert set_language(None) == "ja"


def test_translation_should_show_the_msgid_of_an_unknown_message() -> None:
    set_language("ja")
    assert _("A message nobody translated {x}") == "A message nobody translated {x}"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ja", "ja"),
        ("ja_JP.UTF-8", "ja"),
        ("ja-JP", "ja"),
        ("JA_jp.eucJP", "ja"),
        ("Japanese_Japan", "ja"),
        ("en_US.UTF-8", "en"),
        ("English_United States", "en"),
        ("jv_ID", None),
        ("C", None),
        ("", None),
    ],
)
def test_normalize_language_should_reduce_a_locale_to_a_supported_language(
    value: str, expected: str | None
) -> None:
    assert normalize_language(value) == expected


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"KOSS_LANG": "ja"}, "ja"),
        ({"KOSS_LANG": "en", "LANG": "ja_JP.UTF-8"}, "en"),
        ({"KOSS_LANG": "fr"}, "en"),
        ({"LANG": "ja_JP.UTF-8"}, "ja"),
        ({"LANG": "C"}, "en"),
        ({"LANG": "C.UTF-8", "LANGUAGE": "ja"}, "en"),
        ({"LANG": "POSIX"}, "en"),
        ({"LANG": "fr_FR.UTF-8"}, "en"),
        ({"LC_ALL": "ja_JP.eucJP", "LANG": "en_US.UTF-8"}, "ja"),
        ({"LC_MESSAGES": "en_GB.UTF-8", "LANG": "ja_JP.UTF-8"}, "en"),
        ({"LANG": "en_US.UTF-8", "LANGUAGE": "ja:en"}, "ja"),
        ({"LANG": "en_US.UTF-8", "LANGUAGE": "fr:en"}, "en"),
    ],
)
def test_detect_language_should_follow_the_environment(
    env: dict[str, str], expected: str, no_locale_env: pytest.MonkeyPatch
) -> None:
    # The OS locale says Japanese: each case shows that the variables come first.
    no_locale_env.setattr(locale, "getlocale", lambda *_a: ("Japanese_Japan", "932"))
    for name, value in env.items():
        no_locale_env.setenv(name, value)
    assert detect_language() == expected


@pytest.mark.parametrize(
    ("os_locale", "expected"),
    [
        (("Japanese_Japan", "932"), "ja"),  # Windows
        (("ja_JP", "UTF-8"), "ja"),
        (("English_United States", "1252"), "en"),
        ((None, None), "en"),
    ],
)
def test_detect_language_should_use_the_os_locale_without_locale_variables(
    os_locale: tuple[str | None, str | None], expected: str, no_locale_env: pytest.MonkeyPatch
) -> None:
    no_locale_env.setattr(locale, "getlocale", lambda *_a: os_locale)
    assert detect_language() == expected


def test_detect_language_should_give_english_for_an_unreadable_os_locale(
    no_locale_env: pytest.MonkeyPatch,
) -> None:
    def unreadable(*_args: object) -> tuple[str | None, str | None]:
        raise ValueError("unknown locale: UTF-8")

    no_locale_env.setattr(locale, "getlocale", unreadable)
    assert detect_language() == "en"


def test_detect_language_should_raise_no_deprecation_warning(
    no_locale_env: pytest.MonkeyPatch,
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        detect_language()
