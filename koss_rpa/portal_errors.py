"""Playwright's errors in the project's terms, beside the error tree (`koss_rpa.errors`): the
one place that catches them.

- `portal_errors()`: around a flow's steps, a time-out or a network error becomes
  `PortalUnavailable`.
- `translated(into)`: around a page's step, Playwright's error becomes the error the page makes
  of it from what is on display (`into`), raised from Playwright's.
- `tolerated()`, `said()`: what a page may fail to say (a page gone, a frame detached) ends the
  step, nothing more, or gives a stated answer.
- `ambiguous()`, `timed_out()`: what a Playwright error says, for the pages' decisions.
- `written_by_driver()`: a file the driver writes (a download's `save_as`) that the disk or
  the system refused is the `OSError` it stands for, as if Python had written it.

Kept out of `errors.py` so that the CLI, which imports the tree at every start, does not pay
for importing Playwright.
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import TypeVar

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from koss_rpa.errors import KossError, PortalUnavailable
from koss_rpa.i18n import _

T = TypeVar("T")

#: Playwright's words for a locator that resolved to more than one element in strict mode.
STRICT_VIOLATION = "strict mode violation"


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


@asynccontextmanager
async def translated(
    into: Callable[[PlaywrightError], Awaitable[KossError | None]],
) -> AsyncIterator[None]:
    """Playwright's error in the block raised as the project's error `into` makes of it (from
    Playwright's); where `into` makes none, Playwright's own goes on."""
    try:
        yield
    except PlaywrightError as exc:
        error = await into(exc)
        if error is None:
            raise
        raise error from exc


@contextmanager
def tolerated(note: Callable[[str], object] | None = None) -> Iterator[None]:
    """Playwright's error in the block ends the block, nothing more (`note` hears its first
    line): for a step a page may fail to take or to answer, a page gone or a frame detached."""
    try:
        yield
    except PlaywrightError as exc:
        if note is not None:
            note(first_line(exc))


async def said(step: Awaitable[T], otherwise: T) -> T:
    """What `step` answers, or `otherwise` when the page cannot say (Playwright's error)."""
    with tolerated():
        return await step
    return otherwise


def ambiguous(exc: BaseException) -> bool:
    """Whether Playwright refused a locator that found more than one element (strict mode)."""
    return STRICT_VIOLATION in str(exc)


def timed_out(exc: BaseException | None) -> bool:
    """Whether `exc` is Playwright's time-out."""
    return isinstance(exc, PlaywrightTimeoutError)


def first_line(exc: BaseException) -> str:
    """The first line of an error's text (Playwright's run to a call log), or its type."""
    lines = [line for line in str(exc).strip().splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


#: The driver's (Node's) codes of a write the disk or the system refused: the same again would
#: fail the same way, so it is exit 6 (`storage.not_written`), not a transient fault.
_WRITE_ERRNOS = {
    name: getattr(errno, name)
    for name in ("ENOSPC", "EFBIG", "EDQUOT", "EROFS", "EACCES", "EPERM", "EISDIR")
    if hasattr(errno, name)
}


@contextmanager
def written_by_driver() -> Iterator[None]:
    """A write the driver made (its errno is in words) and the disk or the system refused,
    raised as the `OSError` it stands for; any other error of Playwright's goes on."""
    try:
        yield
    except PlaywrightError as exc:
        found = re.search(r"\b(E[A-Z]+)\b", exc.message)
        if found and found.group(1) in _WRITE_ERRNOS:
            code = _WRITE_ERRNOS[found.group(1)]
            raise OSError(code, os.strerror(code)) from exc
        raise
