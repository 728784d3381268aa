"""`--help` in the user's language: the command tree's help texts through the catalogs.

The help texts stay in English in the command modules (`koss_rpa/cli.py`, `commands.py`,
`clicredentials.py`: docstrings and `help=`); each paragraph of them is a message id of the
catalogs (`scripts/update_catalogs.py` collects them with `help_msgids()`,
`tests/unit/test_i18n.py` checks that each is translated). `localized(app)` builds the click
command of the Typer app and replaces every text by its translation in the language chosen by
`set_language` — which `cli._main` calls before anything is parsed, so that `--lang ja --help`
(or a Japanese locale) shows Japanese help. The epilog of every command is the table of exit
codes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
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


def exit_code_rows() -> list[tuple[int, str]]:
    """Every exit code of koss-rpa and what it means, in the current language."""
    return [
        (errors.EXIT_OK, _("success (batch: every account succeeded or was already done)")),
        (errors.EXIT_INTERNAL, _("internal error: run again with --debug and report it")),
        (errors.EXIT_USAGE, _("bad command-line usage")),
        (errors.SettingsInvalid.exit_code, _("a setting or the config file is wrong")),
        (errors.BrowserNotFound.exit_code, _("no browser found, or it would not start")),
        (errors.KeyringUnavailable.exit_code, _("no usable keyring backend")),
        (errors.DownloadDirNotWritable.exit_code, _("the download folder cannot be written")),
        (errors.PortalUnreachable.exit_code, _("the portal does not resolve or answer")),
        (
            errors.ComponentMissing.exit_code,
            fit_hints(
                _("a part that comes with an extra is missing: pip install 'koss-rpa[mock]'")
            ),
        ),
        (errors.LoginRejected.exit_code, _("the portal rejected the ID or password")),
        (errors.AccountLocked.exit_code, _("the account is locked")),
        (errors.PasswordRejected.exit_code, _("the portal refused the new password")),
        (errors.CredentialsMissing.exit_code, _("no password stored for the ID")),
        (errors.PasswordExpired.exit_code, _("the password expired and on_expired is fail")),
        (errors.RunLocked.exit_code, _("another run is working on the same account")),
        (
            errors.AnswerUnrecognised.exit_code,
            _("the portal answered a password with an unknown screen (not retried)"),
        ),
        (
            errors.LoginBudgetSpent.exit_code,
            _("the login budget is spent: check the password, then credentials set"),
        ),
        (errors.PortalUnavailable.exit_code, _("the portal did not answer (after retries)")),
        (errors.Maintenance.exit_code, _("the portal is under maintenance (after retries)")),
        (errors.ScreenNotReached.exit_code, _("an unexpected screen (after retries)")),
        (errors.DownloadIncomplete.exit_code, _("the download was incomplete (after retries)")),
        (errors.EXIT_BATCH_PARTIAL, _("batch: at least one account failed")),
        (
            errors.EXIT_STATUS_ATTENTION,
            _("status: an account lacks this month's file or needs a person"),
        ),
        (errors.EXIT_NOTIFY_FAILED, _("notify test: a target did not get the message")),
        (errors.EXIT_INTERRUPTED, _("interrupted")),
    ]


def exit_code_table() -> str:
    """The epilog of every command: the exit codes, one a line."""
    rows = "\n".join(f"  {code:>3}  {text}" for code, text in exit_code_rows())
    return NO_REWRAP + _("Exit codes:") + "\n" + rows


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


def localized(app: typer.Typer) -> Callable[..., Any]:
    """The click command of `app`, its help in the current language, exit codes as epilogs."""
    command = typer.main.get_command(app)
    for node, attribute, text in list(_texts(command)):
        setattr(node, attribute, translate_help(text))
    table = exit_code_table()
    for node in _walk(command):
        if node.help:
            node.short_help = _first_sentence(node.help)
        node.epilog = table
        help_option = node.get_help_option(node.context_class(node))
        if help_option is not None and help_option.help:
            help_option.help = _(help_option.help)
    return command


def help_msgids(app: typer.Typer | None = None) -> list[str]:
    """The message ids of the help texts (each paragraph, in English), for the catalogs."""
    if app is None:
        from koss_rpa.cli import app as cli_app

        app = cli_app
    command = typer.main.get_command(app)
    found: dict[str, None] = {}
    for _node, _attribute, text in _texts(command):
        for _mark, paragraph in _paragraphs(text):
            found.setdefault(paragraph)
    found.setdefault("Show this message and exit.")
    return list(found)
