"""The layers of docs/architecture.md, as the imports have them: no module imports one above it.

Every import counts, at module level, inside a function (the CLI imports lazily) or for type
checking only: each is a dependency a reader has to follow.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[3] / "koss_rpa"

#: Lowest first. A module may import its own layer and those below it, never one above.
LAYERS: dict[str, tuple[str, ...]] = {
    "foundation": (
        "koss_rpa",
        "i18n",
        "errors",
        "settings",
        "asyncrun",
        "private",
        "storage",
        "portal_errors",
    ),
    "pages": ("pages",),
    "services": ("account", "evidence", "notify"),
    "flows": ("flows",),
    "jobs": ("jobs", "schedule"),
    "command line": ("cli", "__main__"),
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts).removesuffix(".__init__")


def _layer_of(module: str) -> int:
    """The rank of a `koss_rpa...` module: its first name below the package decides."""
    parts = module.split(".")
    key = parts[1] if len(parts) > 1 else parts[0]
    for rank, names in enumerate(LAYERS.values()):
        if key in names:
            return rank
    raise AssertionError(f"{module} is in no layer of docs/architecture.md: add it there and here")


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] == "koss_rpa":
                found.add(node.module)
                # `from koss_rpa import storage` imports the module storage.
                found.update(
                    f"{node.module}.{alias.name}"
                    for alias in node.names
                    if _is_module(f"{node.module}.{alias.name}")
                )
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "koss_rpa")
    return found


def _is_module(dotted: str) -> bool:
    relative = Path(*dotted.split(".")[1:])
    return (PACKAGE / relative).with_suffix(".py").exists() or (PACKAGE / relative).is_dir()


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_module_should_stand_in_a_layer() -> None:
    for path in MODULES:
        _layer_of(_module_name(path))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: _module_name(p))
def test_a_module_should_import_nothing_above_its_layer(path: Path) -> None:
    name = _module_name(path)
    rank = _layer_of(name)
    above = sorted(m for m in _imports(path) if _layer_of(m) > rank)
    assert not above, f"{name} ({list(LAYERS)[rank]}) imports from above: {above}"


def test_services_should_know_no_screen() -> None:
    services = [p for p in MODULES if _layer_of(_module_name(p)) == 2]
    for path in services:
        screens = sorted(m for m in _imports(path) if m.startswith("koss_rpa.pages"))
        assert not screens, f"{_module_name(path)} imports {screens}"


def test_the_layer_check_should_catch_an_import_from_above(tmp_path: Path) -> None:
    """The check itself can fail: a page that imported a flow would be caught."""
    page = tmp_path / "page.py"
    page.write_text("from koss_rpa.flows.login import sign_in\n", encoding="utf-8")
    imported = _imports(page)
    assert imported == {"koss_rpa.flows.login"}
    assert _layer_of("koss_rpa.flows.login") > _layer_of("koss_rpa.pages.login")
