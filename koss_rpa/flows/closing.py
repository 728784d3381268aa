"""終了 at the end of a job whose work is done: a failure is a warning, not the job's failure."""

from __future__ import annotations

import logging

from playwright.async_api import Error as PlaywrightError

from koss_rpa.errors import KossError
from koss_rpa.flows.runtime import AccountRun
from koss_rpa.i18n import _
from koss_rpa.pages import MyPage
from koss_rpa.portal_errors import first_line

log = logging.getLogger("koss_rpa.flows")


async def close_quietly(
    mypage: MyPage, run: AccountRun | None = None, timeout_ms: float | None = None
) -> None:
    """終了 (`MyPage.close`); the work is safe already, so a failure is logged as a warning and
    kept in `run.warnings` (the JSON's `warnings`, and a notification)."""
    try:
        await mypage.close(timeout_ms)
    except (PlaywrightError, KossError) as exc:
        warning = _("終了 could not be done: {error}").format(error=first_line(exc))
        log.warning("%s: %s", run.user_id if run else "-", warning)
        if run is not None:
            run.warnings.append(warning)
