"""The last run's outcome per account, and the login budget's record: small JSON files in the
state folder (the parent of `run_dir`, beside `locks/`), read by `koss-rpa status`.

```
<state>/last-run/KNAB1234.json   {"command", "finished_at", "exit_code", "code", "run_folder"}
<state>/budget/KNAB1234.json     the login budget (koss_rpa.budget; see read_budget)
```
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from koss_rpa.account import safety_record
from koss_rpa.settings import Settings
from koss_rpa.storage import JST

log = logging.getLogger("koss_rpa")


def state_dir(run_dir: Path) -> Path:
    """The state folder: where `locks/`, `notify/`, `last-run/` and `budget/` live."""
    return run_dir.parent


@dataclass(frozen=True)
class Outcome:
    command: str
    finished_at: str
    exit_code: int
    code: str
    run_folder: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def record_outcome(
    run_dir: Path, user_id: str, command: str, exit_code: int, code: str, run_folder: Path
) -> None:
    """Remember how the last run of `user_id` ended (never raises: a run's result stands)."""
    outcome = Outcome(
        command,
        datetime.now(JST).isoformat(timespec="seconds"),
        exit_code,
        code,
        str(run_folder),
    )
    target = state_dir(run_dir) / "last-run" / f"{user_id}.json"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        partial.write_text(json.dumps(outcome.to_json(), ensure_ascii=False), encoding="utf-8")
        partial.replace(target)
    except OSError as exc:
        log.warning("%s: could not record the run's outcome: %s", user_id, exc)


def read_outcome(run_dir: Path, user_id: str) -> Outcome | None:
    """The last recorded outcome, None if there is none.

    Raises:
        ValueError: the record is damaged (the message says how).
    """
    path = state_dir(run_dir) / "last-run" / f"{user_id}.json"
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
        )
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path.name}: {type(exc).__name__}") from exc


@dataclass(frozen=True)
class Budget:
    """How much of an account's login budget is used, and whether the portal locked it."""

    used: int
    limit: int | None
    locked: bool = False


def read_budget(settings: Settings, user_id: str) -> Budget | None:
    """The safety record of `user_id` (`koss_rpa.budget`), None when there is none: the
    password submissions the portal has not confirmed that count now, and a lock.

    Raises:
        ValueError: the record is damaged.
    """
    budget = safety_record(settings, user_id)
    if not budget.path.exists() and not any(p.exists() for p in budget.legacy):
        return None
    record = budget.load()
    if record.damaged:
        raise ValueError(f"{budget.path.name}: {record.damaged}")
    used = len(budget.counted(record))
    return Budget(used, budget.rules.limit, record.locked_at is not None)
