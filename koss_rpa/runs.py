"""Run folders: the log of every run, and the evidence of a failed one, with secrets kept out.

```
<run_dir>/20261126-113000-download-KNAB1234-1a2b3c/
    run.log          always
    screenshot.png   on failure (password fields masked)
    page.html        on failure (password field values removed)
    trace-N.zip      on failure: Playwright traces, paused while credentials are typed
```
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import quote, quote_plus

from pydantic import SecretStr

from koss_rpa.storage import JST

log = logging.getLogger("koss_rpa")
MASK = "********"
#: A trace chunk as Playwright wrote it, before its secrets were blanked out. Only a run killed
#: in that instant leaves one behind; the next run removes it.
UNSCRUBBED_SUFFIX = ".unscrubbed"


class Redactor:
    """Knows the secrets of a run and blanks them out of any text written anywhere."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()

    def add(self, *values: SecretStr | None) -> None:
        for value in values:
            if value is not None and value.get_secret_value():
                self._secrets.add(value.get_secret_value())

    @property
    def secrets(self) -> frozenset[str]:
        """The secrets known so far (for `--capture`, which must leave them out as well)."""
        return frozenset(self._secrets)

    def redact(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, MASK)
        return text

    def redact_bytes(self, data: bytes) -> bytes:
        """Blank every secret out of raw bytes, also as a submitted form encodes it."""
        forms = {
            form.encode()
            for secret in self._secrets
            for form in (secret, quote(secret, safe=""), quote_plus(secret))
        }
        for form in sorted(forms, key=len, reverse=True):
            data = data.replace(form, MASK.encode())
        return data

    def scrub_archive(self, source: Path, target: Path) -> None:
        """Copy a zip archive (a Playwright trace) to `target` with every secret blanked out of
        each member, and remove `source`. Pausing the trace while credentials are typed is not
        enough: Playwright records a request's network entry, form body included, once the
        answer has been read, which may be after the trace was resumed."""
        partial = target.with_name(target.name + ".partial")
        try:
            with zipfile.ZipFile(source) as raw, zipfile.ZipFile(partial, "w") as clean:
                for info in raw.infolist():
                    clean.writestr(info, self.redact_bytes(raw.read(info)))
            partial.replace(target)
        except (zipfile.BadZipFile, OSError) as exc:  # a trace that cannot be read is dropped
            log.warning("could not scrub the trace %s: %s", source.name, exc)
        finally:
            partial.unlink(missing_ok=True)
            source.unlink(missing_ok=True)


class RedactingFilter(logging.Filter):
    """Rewrites every record's message so that no known secret reaches a handler."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg = self.redactor.redact(message)
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = self.redactor.redact(
                logging.Formatter().formatException(record.exc_info)
            )
        return True


@dataclass
class RunFolder:
    """One run's folder with its log."""

    path: Path
    run_id: str
    redactor: Redactor = field(default_factory=Redactor)
    _handler: logging.Handler | None = None

    @classmethod
    def create(cls, run_dir: Path, command: str, label: str = "") -> RunFolder:
        run_id = secrets.token_hex(3)
        stamp = datetime.now(JST).strftime("%Y%m%d-%H%M%S")
        name = "-".join(part for part in (stamp, command, label, run_id) if part)
        path = run_dir / name
        path.mkdir(parents=True, exist_ok=True)
        return cls(path=path, run_id=run_id)

    @property
    def log_path(self) -> Path:
        return self.path / "run.log"

    def start_logging(self, level: int = logging.INFO) -> None:
        handler = logging.FileHandler(self.log_path, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler.addFilter(RedactingFilter(self.redactor))
        handler.setLevel(level)
        log.addHandler(handler)
        log.setLevel(min(log.level or logging.INFO, level))
        self._handler = handler

    def stop_logging(self) -> None:
        if self._handler is not None:
            log.removeHandler(self._handler)
            self._handler.close()
            self._handler = None

    def evidence_path(self, name: str, label: str = "") -> Path:
        stem, suffix = Path(name).stem, Path(name).suffix
        return self.path / (f"{stem}-{label}{suffix}" if label else name)

    def drop_evidence(self) -> None:
        """After a success: keep only the log."""
        for item in self.path.iterdir():
            if item.name != "run.log":
                with contextlib.suppress(OSError):
                    shutil.rmtree(item) if item.is_dir() else item.unlink()


def prune_runs(run_dir: Path, keep: int) -> list[Path]:
    """Remove all but the `keep` newest run folders, and any trace a killed run left
    unscrubbed; returns the folders removed."""
    if not run_dir.is_dir():
        return []
    for raw in run_dir.glob(f"*/*{UNSCRUBBED_SUFFIX}"):
        raw.unlink(missing_ok=True)
    folders = sorted((p for p in run_dir.iterdir() if p.is_dir()), key=lambda p: p.name)
    removed = folders[:-keep] if keep else folders
    for folder in removed:
        shutil.rmtree(folder, ignore_errors=True)
    return removed


@contextlib.contextmanager
def run_folder(run_dir: Path, command: str, label: str, keep: int) -> Iterator[RunFolder]:
    """A run folder with logging attached for the duration of the block; prunes old ones."""
    prune_runs(run_dir, max(keep - 1, 0))
    folder = RunFolder.create(run_dir, command, label)
    folder.start_logging()
    try:
        yield folder
    finally:
        folder.stop_logging()
