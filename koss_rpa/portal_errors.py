"""Playwright's errors in the project's terms, beside the error tree (`koss_rpa.errors`).

Kept out of `errors.py` so that the CLI, which imports the tree at every start, does not pay
for importing Playwright.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from koss_rpa.errors import KossError, PortalUnavailable
from koss_rpa.i18n import _


@contextmanager
def portal_errors() -> Iterator[None]:
    """Playwright's time-outs and network errors become the project's transient errors."""
    try:
        yield
    except KossError:
        raise
    except PlaywrightTimeoutError as exc:
        raise PortalUnavailable(
            _("The portal did not respond in time: {error}").format(error=first_line(exc))
        ) from exc
    except PlaywrightError as exc:
        raise PortalUnavailable(
            _("The connection to the portal failed: {error}").format(error=first_line(exc))
        ) from exc


def first_line(exc: BaseException) -> str:
    """The first line of an error's text (Playwright's run to a call log), or its type."""
    lines = [line for line in str(exc).strip().splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__
