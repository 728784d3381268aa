"""What was told on which day: `<state>/notify/sent.json`, under a file lock, remembers the
problems that reached at least one target, per account and day (JST), so that a daily schedule
does not flood anyone."""

from __future__ import annotations

import json
from pathlib import Path

from filelock import FileLock


class SentLog:
    """What problem was told on which day, per account: `<state>/notify/sent.json`."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "sent.json"
        self.lock = FileLock(folder / "sent.json.lock", thread_local=False)

    def _read(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def sent_today(self, key: str, today: str) -> bool:
        return self._read().get(key) == today

    def mark(self, key: str, today: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.lock:
            data = {k: v for k, v in self._read().items() if v == today}  # older days are moot
            data[key] = today
            partial = self.path.with_name(self.path.name + ".partial")
            partial.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
            partial.replace(self.path)


def sent_log(state_dir: Path) -> SentLog:
    """The log of the state folder `state_dir`."""
    return SentLog(state_dir / "notify")
