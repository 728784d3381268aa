"""The last run's outcome per account, and the login budget's record: small JSON files in the
state folder (`state_dir`), read by `koss-rpa status` and `koss-rpa schedule status`.

```
<state>/last-run/KNAB1234.json   {"command", "finished_at", "exit_code", "code", "run_folder",
                                  "outcome"}   outcome: downloaded, skipped, failed, ok
<state>/budget/KNAB1234.json     the account's safety record (account.budget; another keyring
                                 service than the default adds a digest of it to the name)
```
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from koss_rpa.account.budget import LoginBudget
from koss_rpa.storage import JST

log = logging.getLogger("koss_rpa")


@dataclass(frozen=True)
class Outcome:
    command: str
    finished_at: str
    exit_code: int
    code: str
    run_folder: str
    #: downloaded, skipped (already saved this month: no run folder), failed; ok for a command
    #: that saves nothing.
    outcome: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def record_outcome(
    state: Path,
    user_id: str,
    command: str,
    exit_code: int,
    code: str,
    run_folder: Path | None,
    outcome: str = "",
) -> None:
    """Remember in the state folder `state` how the last run of `user_id` ended, `run_folder`
    None when it needed none (a skip); never raises: a run's result stands."""
    record = Outcome(
        command,
        datetime.now(JST).isoformat(timespec="seconds"),
        exit_code,
        code,
        "" if run_folder is None else str(run_folder),
        outcome or ("failed" if exit_code else "ok"),
    )
    target = state / "last-run" / f"{user_id}.json"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        partial.write_text(json.dumps(record.to_json(), ensure_ascii=False), encoding="utf-8")
        partial.replace(target)
    except OSError as exc:
        log.warning("%s: could not record the run's outcome: %s", user_id, exc)


def read_outcome(state: Path, user_id: str) -> Outcome | None:
    """The last recorded outcome in the state folder `state`, None if there is none.

    Raises:
        ValueError: the record is damaged (the message says how).
    """
    return _read(state / "last-run" / f"{user_id}.json")


def read_outcomes(state: Path) -> dict[str, Outcome]:
    """Every account's last recorded outcome (damaged records left out)."""
    folder = state / "last-run"
    found: dict[str, Outcome] = {}
    if folder.is_dir():
        for path in sorted(folder.glob("*.json")):
            try:
                outcome = _read(path)
            except ValueError:
                continue
            if outcome is not None:
                found[path.stem] = outcome
    return found


def _read(path: Path) -> Outcome | None:
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Outcome(
            str(data["command"]),
            str(data["finished_at"]),
            int(data["exit_code"]),
            str(data["code"]),
            str(data["run_folder"]),
            str(data.get("outcome") or ("failed" if int(data["exit_code"]) else "ok")),
        )
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path.name}: {type(exc).__name__}") from exc


@dataclass(frozen=True)
class Budget:
    """How much of an account's login budget is used, and whether the portal locked it."""

    used: int
    limit: int | None
    locked: bool = False


def read_budget(budget: LoginBudget) -> Budget | None:
    """What the safety record `budget` of an account holds (`koss_rpa.account.budget`), None
    when there is none: the password submissions the portal has not confirmed that count now,
    and a lock.

    Raises:
        ValueError: the record is damaged.
    """
    if not budget.path.exists() and not any(p.exists() for p in budget.legacy):
        return None
    record = budget.load()
    if record.damaged:
        raise ValueError(f"{budget.path.name}: {record.damaged}")
    used = len(budget.counted(record))
    return Budget(used, budget.rules.limit, record.locked_at is not None)
