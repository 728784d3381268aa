"""What to say: one message per event, already in the user's language, and what a person does
about an error (`remedy`). The events are listed in `koss_rpa.notify`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from koss_rpa.i18n import _
from koss_rpa.storage import JST

EVENTS = ("needs_person", "failed", "drift", "rotated", "saved", "batch")
DEFAULT_EVENTS = ("needs_person", "failed", "drift", "rotated", "batch")


@dataclass(frozen=True)
class Message:
    """One notification, already in the user's language."""

    event: str
    title: str
    body: str
    user_id: str | None = None
    #: The problem, for once-a-day; None: always sent.
    problem: str | None = None
    failure: bool = False
    #: A warning: the job succeeded, something after its work did not (apprise's warning type).
    warning: bool = False


def who(user_id: str, label: str = "") -> str:
    return f"{user_id} {label}".strip()


def _body(account: str | None, what: str, todo: str, run_folder: Path | None) -> str:
    lines = []
    if account:
        lines.append(_("Account: {account}").format(account=account))
    lines.append(_("What happened: {what}").format(what=what))
    lines.append(_("What to do: {todo}").format(todo=todo))
    if run_folder is not None:
        lines.append(_("Run folder: {path}").format(path=run_folder))
    return "\n".join(lines)


def remedy(exit_code: int, user_id: str) -> str:
    """What a person does about an error with this exit code."""
    remedies = {
        10: _("Store the right password: koss-rpa credentials set {user_id}"),
        11: _(
            "Unlock the account with パスワード初期化 on the portal, then store the new "
            "password: koss-rpa credentials set {user_id}"
        ),
        12: _("Check the password_policy setting against the portal's password rules."),
        13: _("Store the password: koss-rpa credentials set {user_id}"),
        14: _(
            "Change the password on the portal and store it (koss-rpa credentials set "
            '{user_id}), or set on_expired = "rotate".'
        ),
        15: _("Make sure no other koss-rpa run is working on the account, then run again."),
        16: _(
            "The portal answered the password with a screen koss-rpa does not know: look at "
            "the run folder, and run koss-rpa check. Nothing is retried until then."
        ),
        17: _(
            "Earlier password submissions were not confirmed by the portal. Check the password "
            "on the portal, then store it: koss-rpa credentials set {user_id}"
        ),
        22: _(
            "The portal may have changed: look at the screenshot in the run folder. The next "
            "scheduled run tries again."
        ),
    }
    default = (
        _(
            "Nothing if it passes: the next scheduled run tries again. If it keeps failing, "
            "see the run folder."
        )
        if 20 <= exit_code <= 29
        else _("See run.log in the run folder; run again with --debug and report it.")
    )
    return remedies.get(exit_code, default).format(user_id=user_id)


def event_of(exit_code: int) -> str | None:
    """`needs_person` for 10–17, `failed` for 20–29 and internal errors, else None."""
    if 10 <= exit_code <= 19:
        return "needs_person"
    if 20 <= exit_code <= 29 or exit_code == 1:
        return "failed"
    return None


def problem_message(
    user_id: str, label: str, code: str, exit_code: int, error: str, run_folder: Path | None
) -> Message | None:
    """The notification of a failed account, or None when nobody needs to hear of it."""
    event = event_of(exit_code)
    if event is None:
        return None
    account = who(user_id, label)
    # The title in words only; the code, for whoever looks it up, is in the body.
    title = (
        _("koss-rpa: {account} needs you")
        if event == "needs_person"
        else _("koss-rpa: {account}: the download failed")
    ).format(account=account)
    what = f"{error} ({code}, {_('exit code {code}').format(code=exit_code)})"
    body = _body(account, what, remedy(exit_code, user_id), run_folder)
    return Message(event, title, body, user_id, f"{event}:{code}", failure=True)


def rotated_message(
    user_id: str, label: str = "", run_folder: Path | None = None, when: datetime | None = None
) -> Message:
    account = who(user_id, label)
    changed = (when or datetime.now(JST)).astimezone(JST).strftime("%Y-%m-%d %H:%M")
    return Message(
        "rotated",
        _("koss-rpa: {account}: password changed").format(account=account),
        _body(
            account,
            _(
                "The 納付利用者パスワード was changed at {when} (JST); the new one is in the "
                "keyring."
            ).format(when=changed),
            _("Nothing. The previous password is kept in the keyring too."),
            run_folder,
        ),
        user_id,
    )


def saved_message(
    user_id: str, label: str, path: Path, unchanged: bool, run_folder: Path | None
) -> Message:
    account = who(user_id, label)
    what = (
        _("The file was downloaded again and is unchanged: {path}")
        if unchanged
        else _("Saved {path}")
    ).format(path=path)
    return Message(
        "saved",
        _("koss-rpa: {account}: file saved").format(account=account),
        _body(account, what, _("Nothing."), run_folder),
        user_id,
    )


def close_warning_message(
    user_id: str, label: str, warnings: Sequence[str], run_folder: Path | None
) -> Message:
    """The file is saved, but 終了 could not be done: a warning, told under `drift` (once per
    account and day), since a 終了 that keeps failing means the portal's screens changed."""
    account = who(user_id, label)
    return Message(
        "drift",
        _("koss-rpa: {account}: file saved, 終了 not done").format(account=account),
        _body(
            account,
            " ".join(warnings),
            _(
                "Nothing for this run: the file is saved and the run succeeded. If it happens "
                "on every run, run koss-rpa check: the portal may have changed."
            ),
            run_folder,
        ),
        user_id,
        "close",
        warning=True,
    )


def drift_message(user_id: str | None, label: str, what: str, run_folder: Path | None) -> Message:
    """The portal's screens no longer match what koss-rpa knows (for a check command)."""
    account = who(user_id, label) if user_id else None
    return Message(
        "drift",
        _("koss-rpa: the portal has changed"),
        _body(
            account,
            what,
            _("Scheduled runs may fail until koss-rpa is updated: tell whoever looks after it."),
            run_folder,
        ),
        user_id,
        "drift",
        failure=True,
    )


def batch_message(report: dict[str, Any], run_folder: Path | None) -> Message:
    """A batch's summary from its JSON report."""
    counts = report["counts"]
    lines = [
        _("{downloaded} downloaded, {skipped} already saved, {failed} failed").format(**counts)
    ]
    for account in report["accounts"]:
        name = who(account["user_id"], account.get("label", ""))
        if account["outcome"] == "failed":
            lines.append(
                f"✗ {name}: {account['error_code']} ({account['exit_code']}) — "
                + remedy(int(account["exit_code"]), account["user_id"])
            )
        else:
            state = _("downloaded") if account["outcome"] == "downloaded" else _("already saved")
            lines.append(f"✓ {name}: {state}")
    if run_folder is not None:
        lines.append(_("Run folder: {path}").format(path=run_folder))
    title = _("koss-rpa: batch {month}: {failed} of {total} failed").format(
        month=report["month"], failed=counts["failed"], total=len(report["accounts"])
    )
    # Once a day per problem, as for an account: the same failures again the same day are
    # not told again; a summary without failures (new files) always is.
    failed = sorted(
        f"{a['user_id']}={a['error_code']}" for a in report["accounts"] if a["outcome"] == "failed"
    )
    problem = "batch:" + ",".join(failed) if failed else None
    return Message("batch", title, "\n".join(lines), None, problem, failure=bool(counts["failed"]))


def test_message() -> Message:
    return Message(
        "test",
        _("koss-rpa: test notification"),
        _("If you can read this, koss-rpa's notifications reach you."),
    )
