"""The `credentials` commands: an account's passwords in the OS keyring, from the command line.

Each reaches the account's keyring entries the same way (`_keyring`: the settings, the validated
ID, the store); a password typed or piped in is checked against what the portal can ever accept
before anything is stored.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cached_property
from typing import TYPE_CHECKING, Annotated

import typer

from koss_rpa import storage
from koss_rpa.cli.args import Invocation, invocation
from koss_rpa.errors import SettingsInvalid
from koss_rpa.i18n import _

if TYPE_CHECKING:
    from koss_rpa.account.store import CredentialStore
    from koss_rpa.settings import Settings

app = typer.Typer(
    help="Passwords in the OS keyring: set, status, delete, show, unlock.", no_args_is_help=True
)


@dataclass
class _Keyring:
    """The `credentials` commands' account: the settings, the validated ID and the keyring
    store, whose backend is checked when the store is first used."""

    settings: Settings
    user_id: str

    @cached_property
    def store(self) -> CredentialStore:
        from koss_rpa.account.preflight import checked_backend
        from koss_rpa.account.store import CredentialStore

        checked_backend()
        return CredentialStore(self.settings.keyring_service)


def _keyring(inv: Invocation, user_id: str | None) -> _Keyring:
    settings = inv.settings()
    return _Keyring(settings, settings.validated_user_id(user_id))


@app.command("set")
def credentials_set(
    ctx: typer.Context,
    user_id: Annotated[str | None, typer.Argument(help="納付利用者ID.")] = None,
    stdin: Annotated[bool, typer.Option(help="Read the password from standard input.")] = False,
    changed_on: Annotated[
        str | None,
        typer.Option(help="When it was last changed on the portal (YYYY-MM-DD), for its age."),
    ] = None,
    discard_pending: Annotated[
        bool,
        typer.Option(
            help="Drop a pending password left by an interrupted change (normally it is kept"
            " as a login candidate: the portal may have accepted it)."
        ),
    ] = False,
) -> None:
    """Store the current portal password of an account in the OS keyring.

    Also resets the account's login budget (the count of password submissions the portal has
    not confirmed).

    \b
    Examples:
      koss-rpa credentials set KNAB1234                  # asks, without echo
      printf '%s\\n' "$PW" | koss-rpa credentials set KNAB1234 --stdin
    """
    from pydantic import SecretStr

    from koss_rpa.account.store import meets_policy

    inv = invocation(ctx)
    keyring = _keyring(inv, user_id)
    settings, user_id, store = keyring.settings, keyring.user_id, keyring.store
    when = _parse_date(changed_on)
    if stdin:
        password = _read_stdin_password(settings.password_policy.max_length)
    else:
        _require_terminal(_("Pipe the password in with --stdin instead."))
        password = typer.prompt(
            _("納付利用者パスワード for {user_id}").format(user_id=user_id),
            hide_input=True,
            confirmation_prompt=True,
        )
    _check_password(password, settings.password_policy.max_length)
    out = inv.output()
    if not meets_policy(password, settings.password_policy):
        out.line(_("Note: this password does not meet the configured password policy."))
    kept = store.set_password(user_id, SecretStr(password), when, discard_pending=discard_pending)
    from koss_rpa.account.protocol import Account, AccountSettings

    account = Account(store, user_id, AccountSettings.of(settings))
    account.budget.reset()  # a person looked: a new login budget, and no lock
    account.move_state_home()
    out.line(_("Stored the password of {user_id} in the keyring.").format(user_id=user_id))
    if kept:
        out.line(
            _(
                "A pending password from an interrupted change is kept: the portal may have "
                "accepted it, so the next run tries it once before this one. To drop it, run "
                "again with --discard-pending."
            )
        )
    out.result("credentials set", {"user_id": user_id, "pending_kept": kept})


def _require_terminal(remedy: str) -> None:
    """A question needs a person at a terminal; from a pipe or a scheduler, say what to use."""
    if not sys.stdin.isatty():
        raise SettingsInvalid(
            _("No terminal to ask on (standard input is not a terminal). {remedy}").format(
                remedy=remedy
            )
        )


#: Byte order marks a pipe may put first (PowerShell 5.1 writes UTF-8's; UTF-16's both ways).
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def _read_stdin_password(max_length: int) -> str:
    """One line of standard input, read as bytes with a bound (a password is never a
    megabyte); only its line end (LF or CR LF) is removed. A byte order mark or bytes that are
    not UTF-8 are refused: stored, they would fail a login later."""
    limit = max(4 * max_length, 1024) + 2
    raw = getattr(sys.stdin, "buffer", None)
    line = raw.readline(limit) if raw is not None else sys.stdin.readline(limit).encode()
    rest = raw.read(1) if raw is not None else sys.stdin.read(1).encode()
    if line and not line.endswith(b"\n") and rest:
        raise SettingsInvalid(
            _(
                "The password on standard input is longer than password_policy.max_length "
                "({max_length}): the portal can never accept it. Give the right password."
            ).format(max_length=max_length)
        )
    if line.startswith(_BOMS):
        raise SettingsInvalid(
            _(
                "The password on standard input starts with a byte order mark (BOM), which "
                "PowerShell 5.1 adds: pipe it without one (e.g. $OutputEncoding = "
                "[Text.UTF8Encoding]::new($false)), or type it at the prompt (nothing was stored)."
            )
        )
    line = line.removesuffix(b"\n").removesuffix(b"\r")
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SettingsInvalid(
            _(
                "The password on standard input is not UTF-8 text: pipe it as UTF-8, or type "
                "it at the prompt (nothing was stored)."
            )
        ) from exc


def _check_password(password: str, max_length: int) -> None:
    """Refuse what the portal can never accept: nothing, only blanks, a control character (a
    tab, a carriage return: no one can type them into the portal's field), longer than its
    limit."""
    import unicodedata

    if not password:
        raise SettingsInvalid(_("No password given."))
    control = next((c for c in password if unicodedata.category(c) in ("Cc", "Cf")), None)
    if control is not None:
        raise SettingsInvalid(
            _(
                "The password holds a control character (U+{code:04X}), which cannot be typed "
                "on the portal: give the password as it is typed there (nothing was stored)."
            ).format(code=ord(control))
        )
    if not password.strip():
        raise SettingsInvalid(
            _("The password is only blanks: give the portal's password (nothing was stored).")
        )
    if len(password) > max_length:
        raise SettingsInvalid(
            _(
                "The password is longer than password_policy.max_length ({max_length}): the "
                "portal can never accept it. Give the right password (nothing was stored)."
            ).format(max_length=max_length)
        )


def _parse_date(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        when = datetime.combine(date.fromisoformat(value), time(), tzinfo=storage.JST)
    except ValueError as exc:
        raise SettingsInvalid(
            _("--changed-on must be a date like 2026-11-01, not {value!r}.").format(value=value)
        ) from exc
    if when.date() > datetime.now(storage.JST).date():
        raise SettingsInvalid(
            _("--changed-on {value} is in the future: give the day it was changed.").format(
                value=value
            )
        )
    return when


@app.command("unlock")
def credentials_unlock(
    ctx: typer.Context,
    user_id: Annotated[str, typer.Argument(help="納付利用者ID.")],
    yes: Annotated[
        bool, typer.Option("--yes", help="Confirm that the lock was lifted on the portal.")
    ] = False,
) -> None:
    """Say that the portal's lock of an account was lifted (パスワード初期化), when its
    password stays the one stored: runs submit it again. Also resets its login budget.

    A new password is stored with 'credentials set' instead, which does the same.
    """
    inv = invocation(ctx)
    keyring = _keyring(inv, user_id)
    if not yes:
        raise SettingsInvalid(
            _(
                "Lift the lock on the portal first (パスワード初期化), then run "
                "'koss-rpa credentials unlock {user_id} --yes'."
            ).format(user_id=keyring.user_id)
        )
    from koss_rpa.account.protocol import Account, AccountSettings

    account = Account(keyring.store, keyring.user_id, AccountSettings.of(keyring.settings))
    account.budget.reset()
    account.move_state_home()
    inv.output().line(
        _("{user_id}: the lock and the login budget are cleared; runs log in again.").format(
            user_id=keyring.user_id
        )
    )
    inv.output().result("credentials unlock", {"user_id": keyring.user_id})


@app.command("status")
def credentials_status(
    ctx: typer.Context,
    user_id: Annotated[str | None, typer.Argument(help="納付利用者ID.")] = None,
) -> None:
    """Which keyring entries exist for an account, and the password's age. Never the value."""
    inv = invocation(ctx)
    keyring = _keyring(inv, user_id)
    user_id = keyring.user_id
    status = keyring.store.status(user_id)
    has_previous = keyring.store.previous(user_id) is not None
    out = inv.output()
    age = status.age_days()
    out.check(status.has_current, _("current password stored"), _("koss-rpa credentials set"))
    out.line(_("pending password: {v}").format(v=_("yes") if status.has_pending else _("no")))
    out.line(_("previous password: {v}").format(v=_("yes") if has_previous else _("no")))
    out.line(
        _("password age: {age}").format(
            age=f"{age:.1f} " + _("days") if age is not None else _("unknown")
        )
    )
    if status.rejected_at:
        out.line(_("rejected by the portal at {when}").format(when=status.rejected_at))
    out.result(
        "credentials status",
        {
            "user_id": user_id,
            "current": status.has_current,
            "pending": status.has_pending,
            "previous": has_previous,
            "age_days": age,
            "rejected_at": status.rejected_at,
        },
    )
    if not status.has_current:
        raise typer.Exit(13)


@app.command("delete")
def credentials_delete(
    ctx: typer.Context,
    user_id: Annotated[str, typer.Argument(help="納付利用者ID.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask.")] = False,
) -> None:
    """Remove every keyring entry of an account (current, pending, previous)."""
    inv = invocation(ctx)
    keyring = _keyring(inv, user_id)
    user_id, store = keyring.user_id, keyring.store
    if not yes:
        _require_terminal(_("Add --yes to delete without asking."))
    if not yes and not typer.confirm(_("Delete the stored passwords of {u}?").format(u=user_id)):
        raise typer.Exit(1)
    store.delete(user_id)
    inv.output().line(_("Deleted the stored passwords of {user_id}.").format(user_id=user_id))


@app.command("show")
def credentials_show(
    ctx: typer.Context,
    user_id: Annotated[str, typer.Argument(help="納付利用者ID.")],
    reveal: Annotated[bool, typer.Option("--reveal", help="Really print the password.")] = False,
) -> None:
    """Print an account's current password — only with --reveal, and only to a terminal."""
    keyring = _keyring(invocation(ctx), user_id)
    user_id = keyring.user_id
    if not reveal:
        raise SettingsInvalid(_("Add --reveal to print the password."))
    if not sys.stdout.isatty():
        raise SettingsInvalid(_("The password is printed only to a terminal, never to a pipe."))
    password = keyring.store.current(user_id)  # the keyring is checked only now
    if password is None:
        raise SettingsInvalid(_("No password is stored for {user_id}.").format(user_id=user_id))
    typer.echo(password.get_secret_value())
