"""`--help` in Japanese (`--lang ja` or a Japanese locale), `--lang` checked before anything
runs, the exit-code table of the epilogs, and `demo` without the `mock` extra."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
import typer.main

from koss_rpa import errors
from koss_rpa.cli import help as help_
from koss_rpa.cli.app import main
from koss_rpa.i18n import set_language
from mock_portal.extra import install_command

ROOT = Path(__file__).resolve().parents[3]
LOCALE_VARIABLES = ("KOSS_LANG", "LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE")


@pytest.fixture(autouse=True)
def no_locale(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    for name in LOCALE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.setenv("KOSS_RUN_DIR", str(tmp_path / "runs"))
    yield
    set_language("en")


def test_lang_ja_should_give_japanese_help_of_the_app(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "ja", "--help"]) == 0
    out = capsys.readouterr().out
    assert "「まとめ納付管理ファイル」を無人で取得します。" in out
    assert "結果をJSONで標準出力に出します。" in out  # an option's help
    assert "ログインして今月の「まとめ納付管理ファイル」をダウンロードし" in out  # a command's
    assert "終了コード:" in out
    assert "  8  追加インストールが必要な部品がない" in out
    assert "Fetch the" not in out


def test_lang_ja_should_give_japanese_help_of_a_command_wherever_it_stands(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["download", "--help", "--lang", "ja"]) == 0
    out = capsys.readouterr().out
    assert "'month': 今月のファイルが保存済みなら何もしません。" in out
    assert "# cron やタスク スケジューラから" in out
    assert "このメッセージを表示して終了します。" in out
    assert "終了コード: koss-rpa --help を見てください。" in out
    assert " 14  " not in out  # the table stands once, under koss-rpa --help


def test_japanese_locale_should_give_japanese_help(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    assert main(["credentials", "set", "--help"]) == 0
    out = capsys.readouterr().out
    assert "現在のポータル用パスワードをOSのキーリングに保存します。" in out
    assert "パスワードを標準入力から読みます。" in out


def test_english_should_stay_the_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "unattended." in out
    assert "Exit codes:" in out
    assert "  8  a part that comes with an extra is missing" in out


@pytest.mark.parametrize("args", [["--lang", "fr", "--help"], ["download", "--lang=fr"]])
def test_unknown_lang_should_be_refused_with_the_languages(
    capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    assert main(args) == errors.EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "koss-rpa: unknown language 'fr' for --lang: choose one of ja, en\n"


def test_exit_code_table_should_list_every_code_once() -> None:
    leaves = {cls.exit_code for cls in errors.ALL_ERRORS if not cls.__subclasses__()}
    others = {
        errors.EXIT_OK,
        errors.EXIT_INTERNAL,
        errors.EXIT_USAGE,
        errors.EXIT_BATCH_PARTIAL,
        errors.EXIT_STATUS_ATTENTION,
        errors.EXIT_NOTIFY_FAILED,
        errors.EXIT_INTERRUPTED,
        errors.EXIT_SIGHUP,
        errors.EXIT_SIGTERM,
    }
    codes = [code for code, _text in help_.exit_code_rows()]
    assert len(codes) == len(set(codes))
    assert set(codes) == leaves | others


def test_exit_code_table_should_match_the_readme() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    table = readme.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    documented = {int(code) for code in re.findall(r"^\| (\d+) \|", table, re.M)}
    assert documented == {code for code, _text in help_.exit_code_rows()}


@pytest.mark.parametrize(
    ("name", "lang"),
    [(name, lang) for name, langs in help_.EXIT_TABLE_FILES.items() for lang in langs],
)
def test_exit_code_tables_of_the_docs_should_be_the_generated_ones(name: str, lang: str) -> None:
    text = (ROOT / name).read_text("utf-8")

    assert help_.exit_table_block(lang) in text  # else: python scripts/update_exit_tables.py


def test_docs_should_name_only_exit_codes_that_exist() -> None:
    known = {code for code, _text in help_.exit_code_rows()}
    for name in ("README.md", "docs/scheduling.md"):
        text = (ROOT / name).read_text("utf-8")
        said = re.findall(r"(?:exits? (?:with )?|exit code |終了コード ?)(\d+)", text)
        assert said, name
        assert {int(code) for code in said} <= known, name


def test_docs_should_give_status_and_notify_test_their_exit_codes() -> None:
    text = (ROOT / "docs" / "scheduling.md").read_text("utf-8")
    readme = (ROOT / "README.md").read_text("utf-8")
    status = str(errors.EXIT_STATUS_ATTENTION)
    assert f"そうでなければ {status}" in text
    assert f"{status} otherwise" in text
    assert f"exit 0 all done, {status} otherwise" in readme
    assert f"終了コード {errors.EXIT_NOTIFY_FAILED}" in text
    assert f"(exit {errors.EXIT_NOTIFY_FAILED})" in text


def test_demo_without_the_extra_should_exit_with_component_missing(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # As in `pip install koss-rpa`: httpx (and the rest of the extra) cannot be imported.
    monkeypatch.delitem(sys.modules, "mock_portal.testing", raising=False)
    monkeypatch.setitem(sys.modules, "httpx", None)
    assert main(["--lang", "en", "demo"]) == errors.ComponentMissing.exit_code == 8
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "error [component_missing]: The demo needs the bundled mock portal: "
        f"{install_command()}."  # this installation's command (mock_portal.extra)
    ]


def _commands_and_groups() -> list[str]:
    from koss_rpa.cli.app import app

    return [
        info.name or typer.main.get_command_name(info.callback.__name__)  # type: ignore[union-attr]
        for info in app.registered_commands
    ] + [str(info.name) for info in app.registered_groups]


@pytest.mark.parametrize("name", _commands_and_groups())
def test_a_tree_narrowed_to_one_command_should_give_that_command_as_the_whole_tree_does(
    name: str,
) -> None:
    """What `cli.app.main` runs a command with: the same help (the command's and every
    subcommand's), options and global options as in the whole tree."""
    from koss_rpa.cli.app import app

    whole = help_.localized(app)
    narrow = help_.localized(app, only=name)
    assert list(narrow.commands) == [name]  # type: ignore[attr-defined]
    assert _described(narrow.commands[name]) == _described(whole.commands[name])  # type: ignore[attr-defined]
    assert [p.opts for p in narrow.params] == [p.opts for p in whole.params]  # type: ignore[attr-defined]


def _described(command: click.Command) -> object:
    """The help of `command` and of each command under it, and their options."""
    ctx = click.Context(command, info_name="koss-rpa")
    subs = getattr(command, "commands", {})
    return (
        command.get_help(ctx),
        [(p.opts, p.secondary_opts, p.required, p.default) for p in command.params],
        {name: _described(sub) for name, sub in subs.items()},
    )


def test_a_tree_narrowed_to_an_unknown_name_should_be_the_whole_tree() -> None:
    from koss_rpa.cli.app import app

    assert help_.narrowed(app, "downlod") is app


@pytest.mark.parametrize(
    ("args", "command"),
    [
        (["--json", "--config", "c.toml", "download", "--debug"], "download"),
        (["--lang=ja", "credentials", "set"], "credentials"),
        (["--help", "download"], None),
        (["--config"], None),
        (["-x", "download"], None),
        ([], None),
    ],
)
def test_leading_command_should_be_the_command_only_when_nothing_else_comes_first(
    args: list[str], command: str | None
) -> None:
    from koss_rpa.cli.args import leading_command

    assert leading_command(args) == command
