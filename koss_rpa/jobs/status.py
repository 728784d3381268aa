"""`koss-rpa status`: every account at a glance, from what is on this machine only.

Per account: this month's file (from the manifest), the password's age and the days left before
it expires or is rotated, a pending password, the login budget used, and the last run's outcome.
A row whose manifest, keyring metadata or state files are damaged says what is wrong; the others
stand. No browser and no portal access.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from koss_rpa import storage
from koss_rpa.account.protocol import safety_record
from koss_rpa.errors import KossError
from koss_rpa.evidence import outcomes
from koss_rpa.i18n import _
from koss_rpa.notify.messages import event_of
from koss_rpa.settings import Settings


@dataclass
class AccountStatus:
    user_id: str
    label: str = ""
    month: str = ""
    file: dict[str, Any] | None = None
    password_stored: bool | None = None
    password_age_days: float | None = None
    days_until_expiry: float | None = None
    days_until_rotation: float | None = None
    pending: bool = False
    rejected: bool = False
    budget_used: int | None = None
    budget_limit: int | None = None
    last_run: dict[str, Any] | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def needs_person(self) -> bool:
        if self.password_stored is False or self.pending or self.rejected:
            return True
        if self.days_until_expiry is not None and self.days_until_expiry <= 0:
            return True
        last = self.last_run
        return last is not None and event_of(int(last["exit_code"])) == "needs_person"

    @property
    def ok(self) -> bool:
        return self.file is not None and not self.needs_person and not self.problems

    def to_json(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "label": self.label,
            "month": self.month,
            "file": self.file,
            "password_stored": self.password_stored,
            "password_age_days": _round(self.password_age_days),
            "days_until_expiry": _round(self.days_until_expiry),
            "days_until_rotation": _round(self.days_until_rotation),
            "pending_password": self.pending,
            "rejected": self.rejected,
            "login_budget": {"used": self.budget_used, "limit": self.budget_limit},
            "last_run": self.last_run,
            "problems": self.problems,
            "needs_person": self.needs_person,
            "ok": self.ok,
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def manifest_problem(download_dir: Path, user_id: str) -> str | None:
    """What is wrong with the account's manifest, if anything."""
    path = storage.account_dir(download_dir, user_id) / storage.MANIFEST
    if not path.exists():
        return None
    try:
        lines = [line for line in path.read_bytes().splitlines() if line.strip()]
    except OSError as exc:
        return _("the manifest cannot be read: {error}").format(error=exc.strerror or exc)
    good = len(storage.read_manifest(download_dir, user_id))
    if good < len(lines):
        return _("the manifest has {n} damaged line(s)").format(n=len(lines) - good)
    return None


def _file(row: AccountStatus, settings: Settings) -> None:
    problem = manifest_problem(settings.download_dir, row.user_id)
    if problem:
        row.problems.append(problem)
    try:
        entry = storage.already_saved(settings.download_dir, row.user_id, row.month)
    except (OSError, ValueError, TypeError) as exc:
        row.problems.append(_("the manifest cannot be read: {error}").format(error=exc))
        return
    if entry is not None:
        row.file = {
            "path": str(entry.absolute_path),
            "saved_at": entry.saved_at,
            "size": entry.size,
            "sha256": entry.sha256[:12],
        }


def _password(row: AccountStatus, settings: Settings, store: Any, now: datetime) -> None:
    try:
        status = store.status(row.user_id)
    except KossError as exc:
        row.problems.append(_("keyring: {error}").format(error=exc))
        return
    except Exception as exc:  # a damaged entry must not hide the other accounts
        row.problems.append(_("keyring: {error}").format(error=type(exc).__name__))
        return
    row.password_stored = status.has_current
    row.pending = status.has_pending
    row.rejected = status.rejected_at is not None
    age = status.age_days(now)
    row.password_age_days = age
    if age is not None:
        row.days_until_expiry = settings.password_policy.valid_days - age
        if settings.rotate_after_days is not None:
            row.days_until_rotation = max(settings.rotate_after_days - age, 0.0)


def _state(row: AccountStatus, settings: Settings) -> None:
    try:
        budget = outcomes.read_budget(safety_record(settings, row.user_id))
    except ValueError as exc:
        row.problems.append(_("login budget record damaged ({error})").format(error=exc))
        budget = None
    if budget is not None:
        row.budget_used, row.budget_limit = budget.used, budget.limit
        if budget.locked:
            row.problems.append(_("locked by the portal: nothing is submitted until a person acts"))
    try:
        last = outcomes.read_outcome(settings.state_dir, row.user_id)
    except ValueError as exc:
        row.problems.append(_("last-run record damaged ({error})").format(error=exc))
        last = None
    if last is not None:
        row.last_run = last.to_json()


def account_status(
    settings: Settings, user_id: str, label: str, store: Any, now: datetime | None = None
) -> AccountStatus:
    """The status of one account (`settings` are that account's)."""
    moment = now or datetime.now(UTC)
    row = AccountStatus(user_id, label, storage.month_of(moment))
    _file(row, settings)
    _password(row, settings, store, moment)
    _state(row, settings)
    return row


def collect(
    settings: Settings, accounts_file: Path | None, user_id: str | None
) -> list[AccountStatus]:
    """One row per account of `accounts_file`, or for `user_id` (else the user_id setting)."""
    from koss_rpa.account.store import CredentialStore, check_backend

    store: Any = CredentialStore(settings.keyring_service, cache=True)
    keyring_problem: str | None = None
    try:
        check_backend()
    except KossError as exc:
        keyring_problem = str(exc)
    if accounts_file is not None:
        from koss_rpa.account.roster import load_accounts

        parsed, entries = load_accounts(accounts_file, settings)
        accounts = [
            (e.user_id, e.label, e.settings_for(settings, parsed.defaults)) for e in entries
        ]
    else:
        accounts = [(settings.validated_user_id(user_id), "", settings)]
    rows: list[AccountStatus] = []
    for user_id, label, account_settings in accounts:
        if keyring_problem is not None:
            row = AccountStatus(user_id, label, storage.month_of(datetime.now(UTC)))
            _file(row, account_settings)
            _state(row, account_settings)
            row.problems.append(_("keyring: {error}").format(error=keyring_problem))
        else:
            row = account_status(account_settings, user_id, label, store)
        rows.append(row)
    return rows


def _days(value: float | None) -> str:
    return "?" if value is None else _("{n:.0f} d").format(n=value)


def _file_cell(row: AccountStatus) -> str:
    if not row.file:
        return _("missing")
    saved = row.file["saved_at"].replace("T", " ")[:16]
    return f"{saved}\n{row.file['size']:,} B\nSHA-256 {row.file['sha256']}"


def _password_cell(row: AccountStatus) -> str:
    if row.password_stored is None:
        lines = ["?"]
    elif not row.password_stored:
        lines = [_("not stored")]
    else:
        lines = [
            _("age {age}, expires in {left}").format(
                age=_days(row.password_age_days), left=_days(row.days_until_expiry)
            )
        ]
        if row.password_age_days is None:  # stored without the day it was changed
            lines.append(
                _("age unknown: koss-rpa credentials set {user_id} --changed-on YYYY-MM-DD").format(
                    user_id=row.user_id
                )
            )
        if row.days_until_rotation is not None:
            lines.append(_("rotation in {left}").format(left=_days(row.days_until_rotation)))
    if row.pending:
        lines.append(_("pending password (a rotation to recover)"))
    if row.rejected:
        lines.append(_("rejected by the portal"))
    return "\n".join(lines)


def _run_cell(row: AccountStatus) -> str:
    last = row.last_run
    if not last:
        return "–"
    when = last["finished_at"][:16].replace("T", " ")
    if last.get("outcome") == "skipped":
        return f"{when} " + _("skipped (already saved)")
    return f"{when} {last['code']} ({last['exit_code']})\n{last['run_folder']}"


def render(console: Any, rows: list[AccountStatus]) -> None:
    """A rich table for people."""
    from rich.table import Table

    month = rows[0].month if rows else ""
    table = Table(title=_("koss-rpa status ({month})").format(month=month))
    for column in (
        _("納付利用者ID"),
        _("this month's file"),
        _("password"),
        _("login budget"),
        _("last run"),
        "",
    ):
        # Folded at the cell's display width: Japanese text has no spaces to wrap at, and an
        # ellipsis would cut it (a cron log is 80 columns wide).
        table.add_column(column, overflow="fold")
    for row in rows:
        limit = row.budget_limit if row.budget_limit is not None else "?"
        budget = "–" if row.budget_used is None else f"{row.budget_used}/{limit}"
        who = f"{'✓' if row.ok else '✗'} {row.user_id} {row.label}".strip()
        verdict = _("OK") if row.ok else _("needs attention")
        table.add_row(
            who,
            _file_cell(row),
            _password_cell(row),
            budget,
            _run_cell(row),
            "\n".join([verdict, *row.problems]),
        )
    console.print(table)
