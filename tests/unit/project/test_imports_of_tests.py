"""Nothing outside tests/ imports `tests`: the tool, the mock portal, the test kit, the scripts
and the benchmarks work without the test folder (what they share with it is in testkit/).

An import counts wherever it stands (module level, a function, type checking only), and so does
a dotted name handed to an importer as a string (`PYTHON_KEYRING_BACKEND=tests.x.Y`).
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
OUTSIDE = ("koss_rpa", "mock_portal", "testkit", "scripts", "bench")


def _is_tests(dotted: str) -> bool:
    return dotted == "tests" or dotted.startswith("tests.")


def imports_of_tests(path: Path) -> list[str]:
    """`line: what` for each import of `tests` (or dotted name of it) in the file at `path`."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            dotted = all(part.isidentifier() for part in node.value.split("."))
            names = [node.value] if dotted and "." in node.value else []
        else:
            continue
        found += [(node.lineno, name) for name in names if _is_tests(name)]
    return [f"{line}: {name}" for line, name in sorted(found)]


FILES = sorted(path for folder in OUTSIDE for path in (REPO / folder).rglob("*.py"))


def test_the_folders_outside_tests_should_hold_python_files() -> None:
    for folder in OUTSIDE:
        assert any(path.is_relative_to(REPO / folder) for path in FILES), folder


def test_no_file_outside_tests_should_import_tests() -> None:
    found = {
        str(path.relative_to(REPO)): imports
        for path in FILES
        if (imports := imports_of_tests(path))
    }

    assert found == {}


def test_the_check_should_see_every_kind_of_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import tests.support.cron\n"
        "from tests import support\n"
        "def f():\n"
        "    from tests.e2e.conftest import USER_ID\n"
        "BACKEND = 'tests.support.memkeyring.MemoryKeyring'\n"
        "import testkit.leaks\n"
        "TEXT = 'the tests. see tests/unit'\n",
        encoding="utf-8",
    )

    assert imports_of_tests(sample) == [
        "1: tests.support.cron",
        "2: tests",
        "4: tests.e2e.conftest",
        "5: tests.support.memkeyring.MemoryKeyring",
    ]
