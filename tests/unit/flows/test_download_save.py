"""A download the disk refuses (written by Playwright's driver, so its error is in words) is
exit 6 with nothing partial, like a write of koss-rpa's own; other driver errors stay."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from playwright.async_api import Error as PlaywrightError

from koss_rpa import asyncrun
from koss_rpa.errors import DownloadDirNotWritable
from koss_rpa.flows.download import save_download


class _RefusedDownload:
    suggested_filename = "matome.xlsm"

    def __init__(self, message: str) -> None:
        self.message = message

    async def failure(self) -> None:
        return None

    async def save_as(self, path: Path) -> None:
        path.write_bytes(b"PK\x03\x04 half")  # the driver had begun
        raise PlaywrightError(self.message)


def _save(tmp_path: Path, message: str) -> Any:
    rt = SimpleNamespace(
        settings=SimpleNamespace(download_dir=tmp_path / "downloads"),
        folder=SimpleNamespace(run_id="r1"),
    )
    download: Any = _RefusedDownload(message)
    # asyncrun: an E2E test earlier in the worker may have left a loop running in this thread
    return asyncrun.run(save_download(rt, download, "KNAB1234", "2026-12"))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "message",
    [
        "ENOSPC: no space left on device, copyfile '/tmp/a' -> '/d/x.part'",
        "EFBIG: file too large, copyfile '/tmp/a' -> '/d/x.part'",
        "EACCES: permission denied, copyfile '/tmp/a' -> '/d/x.part'",
    ],
)
def test_a_download_the_disk_refuses_should_be_exit_6_with_nothing_partial(
    tmp_path: Path, message: str
) -> None:
    with pytest.raises(DownloadDirNotWritable) as caught:
        _save(tmp_path, message)

    assert caught.value.exit_code == 6
    assert "\n" not in str(caught.value)
    assert [p for p in (tmp_path / "downloads").rglob("*") if p.is_file()] == []


def test_another_driver_error_should_stay_a_driver_error(tmp_path: Path) -> None:
    with pytest.raises(PlaywrightError, match="Target closed"):
        _save(tmp_path, "Target closed")
