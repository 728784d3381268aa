"""The main job: log in, download the まとめ納付管理ファイル, save it safely, 終了."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from playwright.async_api import Download

from koss_rpa import storage
from koss_rpa.errors import DownloadIncomplete
from koss_rpa.flows.closing import close_quietly as close_quietly  # jobs/check.py's, too
from koss_rpa.flows.retry import attempts
from koss_rpa.flows.runtime import AccountRun, Runtime
from koss_rpa.flows.signin import rotate_if_due, sign_in
from koss_rpa.i18n import _
from koss_rpa.portal_errors import written_by_driver
from koss_rpa.storage import SavedFile

log = logging.getLogger("koss_rpa.flows")


@dataclass
class DownloadResult:
    """What a download run did for one account."""

    user_id: str
    month: str
    outcome: str  # "downloaded" | "skipped"
    path: Path | None = None
    size: int | None = None
    sha256: str | None = None
    rotated: bool = False
    attempts: int = 0
    retries: list[str] = field(default_factory=list)
    #: Byte-identical to the month's newest file, which was kept as it was.
    unchanged: bool = False
    #: Notifications that could not be delivered (redacted target, reason).
    notify_failures: list[str] = field(default_factory=list)
    #: What went wrong after the file was saved (a 終了 that failed): the run still succeeded.
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "month": self.month,
            "outcome": self.outcome,
            "path": str(self.path) if self.path else None,
            "size": self.size,
            "sha256": self.sha256,
            "rotated": self.rotated,
            "attempts": self.attempts,
            "retries": self.retries,
            "unchanged": self.unchanged,
            "notify_failures": self.notify_failures,
            "warnings": self.warnings,
        }


def skipped_if_done(download_dir: Path, user_id: str, month: str) -> DownloadResult | None:
    """`--once-per month`: the month's file is in the manifest already, so nothing to do."""
    entry = storage.already_saved(download_dir, user_id, month)
    if entry is None:
        return None
    return DownloadResult(user_id, month, "skipped", entry.absolute_path, entry.size, entry.sha256)


async def save_download(rt: Runtime, download: Download, user_id: str, month: str) -> SavedFile:
    """The portal's file, saved atomically (`storage.save_download`) once it is whole."""

    async def write(partial: Path) -> None:
        failure = await download.failure()
        if failure:
            raise DownloadIncomplete(_("The download broke off: {error}").format(error=failure))
        with written_by_driver():  # the driver copies the file: a refused write is an OSError
            await download.save_as(partial)

    return await storage.save_download(
        rt.settings.download_dir,
        user_id,
        month,
        rt.folder.run_id,
        download.suggested_filename,
        write,
    )


async def download(rt: Runtime, user_id: str, *, now: datetime | None = None) -> DownloadResult:
    """Download this month's まとめ納付管理ファイル for `user_id`, retrying transient faults."""
    month = storage.month_of(now or datetime.now(UTC))
    run = AccountRun(user_id)
    saved: SavedFile | None = None
    async for attempt in attempts(rt, run):
        async with attempt as session:
            signed = await sign_in(rt, session)
            if saved is None:
                session.step("download", _("Downloading the まとめ納付管理ファイル…"))
                timeout = rt.settings.timeouts.download_seconds * 1000
                got = await signed.mypage.download_summary_file(timeout)
                saved = await save_download(rt, got, user_id, month)
                session.step("saved", _("Saved {path}").format(path=saved.absolute_path))
            await rotate_if_due(rt, session, signed)
            await close_quietly(signed.mypage, run, rt.navigation_timeout_ms)
    assert saved is not None  # the loop returns only after a successful attempt
    # The caller tells people (koss_rpa.notify.delivery.notify_download): it knows the label.
    return DownloadResult(
        user_id=user_id,
        month=month,
        outcome="downloaded",
        path=saved.absolute_path,
        size=saved.size,
        sha256=saved.sha256,
        rotated=run.rotated,
        attempts=run.attempts,
        retries=run.retry_reasons,
        unchanged=saved.unchanged,
        warnings=run.warnings,
    )
