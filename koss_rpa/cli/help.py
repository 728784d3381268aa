"""`--help` in the user's language: the command tree's help texts through the catalogs.

The help texts stay in English in the command modules (`koss_rpa/cli/*.py`: docstrings and
`help=`); each paragraph of them is a message id of the catalogs (`scripts/update_catalogs.py`
collects them with `help_msgids()`; `tests/unit/foundation/test_i18n.py` checks each is
translated).
`localized(app)` builds the click command of the Typer app and replaces every text by its
translation in the language chosen by `set_language` — which `cli.app.main` calls before
anything is parsed, so that `--lang ja --help` (or a Japanese locale) shows Japanese help. The
epilog of the top-level help is the table of exit codes (`exit_codes()`, also the source of the
README's and the docs' tables); every command's points at it.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import typer
import typer.main

from koss_rpa import errors
from koss_rpa.i18n import SUPPORTED, _, normalize_language
from mock_portal.extra import fit_hints

#: Click's mark for a paragraph it must not rewrap (a line of its own before the paragraph).
NO_REWRAP = "\b\n"


class UnknownLanguage(ValueError):
    """`--lang` names a language koss-rpa has no catalog for."""


def requested_language(args: list[str]) -> str | None:
    """The `--lang` value of (hoisted) arguments, normalised (`ja_JP` → `ja`); None if absent.

    Raises:
        UnknownLanguage: The value is not a supported language; the message lists them.
    """
    value: str | None = None
    words = iter(args)
    for word in words:
        if word == "--":
            break
        if word == "--lang":
            value = next(words, None)
        elif word.startswith("--lang="):
            value = word.partition("=")[2]
    if value is None:
        return None
    lang = normalize_language(value)
    if lang is None:
        raise UnknownLanguage(
            _("unknown language {value!r} for --lang: choose one of {languages}").format(
                value=value, languages=", ".join(SUPPORTED)
            )
        )
    return lang


@dataclass(frozen=True)
class ExitCode:
    """One exit code: its number (from `koss_rpa.errors`), what it means, what to do."""

    code: int
    meaning: str
    remedy: str


def exit_codes() -> list[ExitCode]:
    """Every exit code of koss-rpa, what it means and what to do, in the current language:
    the one source of the tables of `--help`, the README and docs/scheduling.md
    (`scripts/update_exit_tables.py` writes those; a test holds them equal)."""
    e = errors
    rows = [
        (e.EXIT_OK, _("success (batch: every account succeeded or was already done)"), ""),
        (
            e.EXIT_INTERNAL,
            _("internal error: run again with --debug and report it"),
            _("run again with --debug, report it"),
        ),
        (e.EXIT_USAGE, _("bad command-line usage"), _("see --help")),
        (
            e.SettingsInvalid.exit_code,
            _("a setting or the config file is wrong"),
            _("fix the setting named in the message"),
        ),
        (
            e.BrowserNotFound.exit_code,
            _("no browser found, or it would not start"),
            _('playwright install chromium, or browser = "msedge"'),
        ),
        (
            e.KeyringUnavailable.exit_code,
            _("no usable keyring backend"),
            _("see the README: How passwords are kept safe"),
        ),
        (
            e.FolderNotWritable.exit_code,
            _(
                "a folder or file koss-rpa writes cannot be written (the download folder or a "
                "file in the way in it, a full disk, run_dir and the state folder, a --report "
                "file; schedule: the crontab, unit, task or agent)"
            ),
            _("fix the path named, or its permissions; run schedule as the job's user"),
        ),
        (
            e.PortalUnreachable.exit_code,
            _("the portal does not resolve or answer"),
            _("check the network, a proxy, portal_url"),
        ),
        (
            e.ComponentMissing.exit_code,
            _("a part that comes with an extra is missing: pip install 'koss-rpa[mock]'"),
            _("pip install 'koss-rpa[mock]'"),
        ),
        (
            e.LoginRejected.exit_code,
            _("the portal rejected the ID or password"),
            _("koss-rpa credentials set ID with the right password"),
        ),
        (
            e.AccountLocked.exit_code,
            _(
                "the account is locked: the portal said so, now or in an earlier run (nothing "
                "is submitted again until a person acts)"
            ),
            _(
                "パスワード初期化 on the portal, then koss-rpa credentials set ID (or "
                "credentials unlock ID --yes)"
            ),
        ),
        (
            e.PasswordRejected.exit_code,
            _("the portal refused the new password"),
            _("check password_policy"),
        ),
        (
            e.CredentialsMissing.exit_code,
            _("no password stored for the ID"),
            _("koss-rpa credentials set ID"),
        ),
        (
            e.PasswordExpired.exit_code,
            _("the password expired and on_expired is fail"),
            _("change it, or set on_expired = rotate"),
        ),
        (
            e.RunLocked.exit_code,
            _("another run is working on the same account"),
            _("try again later"),
        ),
        (
            e.AnswerUnrecognised.exit_code,
            _("the portal answered a password with an unknown screen (not retried)"),
            _("see the run folder; koss-rpa check"),
        ),
        (
            e.LoginBudgetSpent.exit_code,
            _(
                "the login budget is spent: earlier password submissions were not confirmed "
                "by the portal, or the account's safety record is damaged"
            ),
            _(
                "wait for the refill the message names, or check the password on the portal, "
                "then koss-rpa credentials set ID"
            ),
        ),
        (
            e.PortalUnavailable.exit_code,
            _("the portal did not answer (after retries)"),
            _("nothing: the next run tries again"),
        ),
        (
            e.Maintenance.exit_code,
            _("the portal is under maintenance (after retries)"),
            _("nothing: the next run tries again"),
        ),
        (
            e.ScreenNotReached.exit_code,
            _("an unexpected screen (after retries)"),
            _("see the run folder's screenshot; koss-rpa check (the portal may have changed)"),
        ),
        (
            e.DownloadIncomplete.exit_code,
            _("the download was incomplete (after retries)"),
            _("nothing: the next run tries again"),
        ),
        (
            e.EXIT_BATCH_PARTIAL,
            _("batch: at least one account failed"),
            _("see the report in the run folder"),
        ),
        (
            e.EXIT_STATUS_ATTENTION,
            _("status: an account lacks this month's file or needs a person"),
            _("see the table"),
        ),
        (
            e.EXIT_NOTIFY_FAILED,
            _("notify test: a target did not get the message"),
            _("fix the target named"),
        ),
        (e.EXIT_SIGHUP, _("stopped by SIGHUP (the terminal closed), handled as Ctrl-C"), ""),
        (e.EXIT_INTERRUPTED, _("interrupted (Ctrl-C)"), ""),
        (
            e.EXIT_SIGTERM,
            _("stopped by SIGTERM (a scheduler's time-out, systemctl stop, kill), as Ctrl-C"),
            "",
        ),
    ]
    return [ExitCode(code, meaning, remedy) for code, meaning, remedy in rows]


def exit_code_rows() -> list[tuple[int, str]]:
    """Every exit code and what it means, in the current language."""
    return [(row.code, row.meaning) for row in exit_codes()]


def exit_code_table() -> str:
    """The epilog of `koss-rpa --help`: the exit codes, one a line."""
    # --help names this installation's commands; the README's tables keep the plain ones.
    # `fit_hints` once for the whole table: each call reads the installation's metadata.
    rows = fit_hints("\n".join(f"  {code:>3}  {text}" for code, text in exit_code_rows()))
    documents = _("Documents: koss-rpa docs (where each is installed; NAME --show prints one).")
    return NO_REWRAP + _("Exit codes:") + "\n" + rows + "\n\n" + documents


def exit_code_markdown() -> str:
    """The exit codes as a Markdown table, in the current language (README, docs)."""
    header = (_("code"), _("meaning"), _("what to do"))
    lines = ["| " + " | ".join(header) + " |", "|---|---|---|"]
    lines += [f"| {r.code} | {r.meaning} | {r.remedy or '–'} |" for r in exit_codes()]
    return "\n".join(lines)


#: The files holding a generated exit-code table, and in which languages (between the marks
#: `<!-- exit-codes:LANG -->` and `<!-- /exit-codes:LANG -->`).
EXIT_TABLE_FILES = {"README.md": ("en",), "docs/scheduling.md": ("ja", "en")}


def exit_table_block(lang: str) -> str:
    """The generated block of `lang`, marks included."""
    from koss_rpa.i18n import set_language

    set_language(lang)
    try:
        table = exit_code_markdown()
    finally:
        set_language(None)
    return f"<!-- exit-codes:{lang} -->\n{table}\n<!-- /exit-codes:{lang} -->"


def replace_exit_tables(text: str, langs: tuple[str, ...]) -> str:
    """`text` with its exit-code blocks of `langs` generated anew."""
    import re

    for lang in langs:
        block = re.compile(rf"<!-- exit-codes:{lang} -->\n.*?<!-- /exit-codes:{lang} -->", re.S)
        if not block.search(text):
            raise ValueError(f"no exit-codes:{lang} block")
        text = block.sub(lambda _m, lang=lang: exit_table_block(lang), text)  # type: ignore[misc]
    return text


def _paragraphs(text: str) -> Iterator[tuple[str, str]]:
    """(mark, paragraph) pairs of a help text; the mark is NO_REWRAP or ''."""
    for paragraph in text.split("\n\n"):
        if paragraph.startswith(NO_REWRAP):
            yield NO_REWRAP, paragraph.removeprefix(NO_REWRAP)
        else:
            yield "", paragraph


def translate_help(text: str) -> str:
    """A help text with each paragraph translated (click's no-rewrap marks kept)."""
    return "\n\n".join(mark + _(paragraph) for mark, paragraph in _paragraphs(text))


def _first_sentence(text: str) -> str:
    first = text.split("\n\n", 1)[0].replace("\n", " ")
    for end in ("。", ". "):
        if end in first:
            return first.split(end, 1)[0] + end.strip()
    return first


def _walk(command: Any) -> Iterator[Any]:
    yield command
    for sub in getattr(command, "commands", {}).values():
        yield from _walk(sub)


def _texts(command: Any) -> Iterator[tuple[Any, str, str]]:
    """(object, attribute, English text) of every help text under `command`."""
    for node in _walk(command):
        if node.help:
            yield node, "help", node.help
        for param in node.params:
            if getattr(param, "help", None):
                yield param, "help", param.help


def localized(app: typer.Typer, only: str | None = None) -> Callable[..., Any]:
    """The click command of `app`, its help in the current language, exit codes as epilogs.

    With `only` (a command or group of `app`), the tree holds that one alone under the top
    level: a run of that command parses and behaves the same, and Typer does not inspect the
    signature of every other command first (`cli.app.main` passes the command it runs)."""
    command = typer.main.get_command(app if only is None else narrowed(app, only))
    for node, attribute, text in list(_texts(command)):
        setattr(node, attribute, translate_help(text))
    table = exit_code_table()
    for node in _walk(command):
        if node.help:
            node.short_help = _first_sentence(node.help)
        # The table once, under the top-level help; each command points at it.
        node.epilog = table if node is command else _("Exit codes: see koss-rpa --help.")
        help_option = node.get_help_option(node.context_class(node))
        if help_option is not None and help_option.help:
            help_option.help = _(help_option.help)
    return command


def narrowed(app: typer.Typer, name: str) -> typer.Typer:
    """`app` with its callback and only its command or group `name`; `app` itself when it has
    none of that name (click then says so, with the names it has)."""
    commands = [
        info
        for info in app.registered_commands
        if (info.name or typer.main.get_command_name(getattr(info.callback, "__name__", "")))
        == name
    ]
    groups = [info for info in app.registered_groups if info.name == name]
    if not commands and not groups:
        return app
    narrow = copy.copy(app)
    narrow.registered_commands, narrow.registered_groups = commands, groups
    return narrow


def help_msgids(app: typer.Typer | None = None) -> list[str]:
    """The message ids of the help texts (each paragraph, in English), for the catalogs."""
    if app is None:
        from koss_rpa.cli.app import app as cli_app

        app = cli_app
    command = typer.main.get_command(app)
    found: dict[str, None] = {}
    for _node, _attribute, text in _texts(command):
        for _mark, paragraph in _paragraphs(text):
            found.setdefault(paragraph)
    found.setdefault("Show this message and exit.")
    return list(found)
