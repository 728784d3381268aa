"""docs/architecture.md agrees with the code: its folder tree names every module, and only those."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "koss_rpa"
DOC = ROOT / "docs" / "architecture.md"


def _tree() -> str:
    text = DOC.read_text(encoding="utf-8")
    block = re.search(r"```\nkoss_rpa/\n(.*?)```", text, re.S)
    assert block, "docs/architecture.md has lost its folder tree"
    return block.group(1)


def _named(tree: str) -> set[str]:
    """Every `folder/module.py` or `module.py` the tree names, as a path below koss_rpa/."""
    return set(re.findall(r"(?<![\w./])((?:[a-z0-9_]+/)?[a-z0-9_]+\.py)\b", tree))


def _modules() -> set[str]:
    return {
        p.relative_to(PACKAGE).as_posix()
        for p in PACKAGE.rglob("*.py")
        if p.name != "__init__.py" and "__pycache__" not in p.parts and "docs" not in p.parts
    }


def test_the_tree_should_name_every_module_of_the_package() -> None:
    missing = sorted(_modules() - _named(_tree()))
    assert not missing, f"docs/architecture.md's tree lacks {missing}"


def test_the_tree_should_name_no_module_that_does_not_exist() -> None:
    stale = sorted(_named(_tree()) - _modules())
    assert not stale, f"docs/architecture.md's tree names {stale}, which the package lacks"


def test_the_check_should_see_a_module_the_tree_lacks() -> None:
    """The comparison can fail: a tree without flows/signin.py is caught."""
    tree = _tree().replace("flows/signin.py", "flows/other.py")
    assert "flows/signin.py" in _modules() - _named(tree)
