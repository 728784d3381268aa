"""Playwright's errors become the project's in one place (`koss_rpa.portal_errors`): its helpers,
and no page object catching Playwright's errors itself."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from koss_rpa import asyncrun
from koss_rpa.errors import KossError, PortalUnavailable, ScreenNotReached
from koss_rpa.portal_errors import ambiguous, said, timed_out, tolerated, translated

PAGES = Path(__file__).resolve().parents[3] / "koss_rpa" / "pages"

#: The catches a page makes to decide something, not to translate: (module, function).
DECIDING = {
    # A time-out waiting for the user-info link, with the link in the page once: it is hidden,
    # and activated by script.
    ("portal_top.py", "walk_menu"),
}

_PLAYWRIGHT_ERRORS = {"Error", "TimeoutError"}
_BROAD = {"Exception", "BaseException"}


def _catches(source: str, *, broad: bool = True) -> list[tuple[str, int]]:
    """(function, line) of each handler or `suppress` in `source` that catches Playwright's
    errors: by the names they are imported as, or (`broad`) by catching everything."""
    tree = ast.parse(source)
    names = set(_BROAD) if broad else set()  # the names Playwright's error classes go by here
    modules: set[str] = set()  # the names Playwright's modules go by here
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("playwright"):
            for alias in node.names:
                bound = alias.asname or alias.name
                (names if alias.name in _PLAYWRIGHT_ERRORS else modules).add(bound)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("playwright"):
                    modules.add(alias.asname or alias.name.split(".")[0])

    def names_error(expr: ast.expr | None) -> bool:
        if expr is None:  # a bare `except:`
            return broad
        return any(
            (isinstance(n, ast.Name) and n.id in names)
            or (
                isinstance(n, ast.Attribute)
                and n.attr in _PLAYWRIGHT_ERRORS
                and isinstance(n.value, ast.Name)
                and n.value.id in modules
            )
            for n in ast.walk(expr)
        )

    found: list[tuple[str, int]] = []

    def visit(node: ast.AST, function: str) -> None:
        for child in ast.iter_child_nodes(node):
            inside = (
                child.name
                if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
                else function
            )
            if (isinstance(child, ast.ExceptHandler) and names_error(child.type)) or (
                isinstance(child, ast.Call)
                and (
                    (isinstance(child.func, ast.Name) and child.func.id == "suppress")
                    or (isinstance(child.func, ast.Attribute) and child.func.attr == "suppress")
                )
                and any(names_error(arg) for arg in child.args)
            ):
                found.append((function, child.lineno))
            visit(child, inside)

    visit(tree, "")
    return found


@pytest.mark.parametrize("path", sorted(PAGES.rglob("*.py")), ids=lambda p: p.name)
def test_a_page_should_leave_catching_playwright_errors_to_portal_errors(path: Path) -> None:
    catches = _catches(path.read_text(encoding="utf-8"))
    undecided = [(f, line) for f, line in catches if (path.name, f) not in DECIDING]
    assert not undecided, (
        f"{path.name} catches Playwright's errors itself at {undecided}: translate them "
        "with koss_rpa.portal_errors (translated, tolerated, said)"
    )


def test_every_allowed_catch_should_still_be_there() -> None:
    """An allowance outlives no catch: the pages' (a broad catch counts) and the flows' and
    jobs' (Playwright's errors by name)."""
    allowances = ((DECIDING, PAGES, True), (NOT_THE_PORTAL, PAGES.parent, False))
    for allowed, folder, broad in allowances:
        for module, function in allowed:
            catches = _catches((folder / module).read_text(encoding="utf-8"), broad=broad)
            functions = {f for f, _line in catches}
            assert function in functions, f"{module}: {function} no longer catches"


FLOWS_AND_JOBS = sorted(
    p for folder in ("flows", "jobs") for p in (PAGES.parent / folder).rglob("*.py")
)

#: Where a flow or a job names Playwright's errors itself, and why it is not a translation of
#: the portal's behaviour: (folder/module, function).
NOT_THE_PORTAL = {
    # A browser that cannot start (no display for a window, a missing binary) is BrowserNotFound.
    ("flows/browser.py", "launched"),
    # 終了 that fails after the work is done: a warning, whatever failed.
    ("flows/closing.py", "close_quietly"),
    # The evidence's HTML: Playwright's error and `evaluate`'s own time-out, one log line.
    ("flows/session.py", "capture_evidence"),
}


@pytest.mark.parametrize("path", FLOWS_AND_JOBS, ids=lambda p: p.name)
def test_a_flow_or_job_should_leave_playwright_errors_to_portal_errors(path: Path) -> None:
    name = path.relative_to(PAGES.parent).as_posix()
    catches = _catches(path.read_text(encoding="utf-8"), broad=False)
    own = [(f, line) for f, line in catches if (name, f) not in NOT_THE_PORTAL]
    assert not own, (
        f"{name} catches Playwright's errors itself at {own}: use koss_rpa.portal_errors "
        "(portal_errors, tolerated, written_by_driver) or say why in NOT_THE_PORTAL"
    )


CATCHING = {
    "as": """
from playwright.async_api import Error as PlaywrightError
async def f():
    try:
        pass
    except PlaywrightError:
        pass
""",
    "tuple": """
from playwright.async_api import TimeoutError
def f():
    try:
        pass
    except (KeyError, TimeoutError) as e:
        pass
""",
    "suppress": """
import contextlib
from playwright.async_api import Error
def f():
    with contextlib.suppress(Error):
        pass
""",
    "module": """
import playwright.async_api as pw
def f():
    try:
        pass
    except pw.Error:
        pass
""",
    "everything": """
def f():
    try:
        pass
    except Exception:
        pass
""",
}


@pytest.mark.parametrize("source", CATCHING.values(), ids=CATCHING.keys())
def test_the_check_should_catch_a_page_catching_playwright_errors(source: str) -> None:
    line = next(
        n for n, text in enumerate(source.splitlines(), 1) if "Error)" in text or "except" in text
    )
    assert _catches(source) == [("f", line)]


def test_the_check_should_pass_other_errors() -> None:
    source = (
        "from playwright.async_api import Error as PlaywrightError\n"
        "def f():\n    try:\n        pass\n    except KeyError:\n        pass\n"
    )
    assert _catches(source) == []


async def _fail(exc: BaseException) -> None:
    raise exc


def test_translated_should_raise_the_projects_error_from_playwrights() -> None:
    async def into(exc: PlaywrightError) -> KossError:
        return ScreenNotReached("ログイン", str(exc))

    async def run() -> None:
        async with translated(into):
            await _fail(PlaywrightTimeoutError("Timeout 30000ms exceeded."))

    with pytest.raises(ScreenNotReached) as raised:
        asyncrun.run(run())
    assert isinstance(raised.value.__cause__, PlaywrightTimeoutError)


def test_translated_should_let_playwrights_error_through_where_into_makes_none() -> None:
    async def into(_exc: PlaywrightError) -> KossError | None:
        return None

    async def run() -> None:
        async with translated(into):
            await _fail(PlaywrightError("Target closed"))

    with pytest.raises(PlaywrightError, match="Target closed"):
        asyncrun.run(run())


def test_translated_should_leave_other_errors_alone() -> None:
    async def into(_exc: PlaywrightError) -> KossError:
        raise AssertionError("not asked")

    async def run() -> None:
        async with translated(into):
            await _fail(PortalUnavailable("down"))

    with pytest.raises(PortalUnavailable):
        asyncrun.run(run())


def test_tolerated_should_end_the_block_and_tell_the_first_line() -> None:
    heard: list[str] = []
    with tolerated(heard.append):
        raise PlaywrightError("Target closed\nCall log:\n  - waiting")
    assert heard == ["Target closed"]
    with pytest.raises(KeyError), tolerated():
        raise KeyError("x")


def test_said_should_give_the_stated_answer_when_the_page_cannot_say() -> None:
    async def count() -> int:
        raise PlaywrightError("Frame was detached")

    async def three() -> int:
        return 3

    assert asyncrun.run(said(count(), 0)) == 0
    assert asyncrun.run(said(three(), 0)) == 3


def test_ambiguous_and_timed_out_should_read_playwrights_errors() -> None:
    strict = PlaywrightError("Locator.click: Error: strict mode violation: resolved to 2")
    assert ambiguous(strict)
    assert not ambiguous(PlaywrightError("Target closed"))
    assert timed_out(PlaywrightTimeoutError("Timeout 30000ms exceeded."))
    assert not timed_out(strict)
    assert not timed_out(None)
