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
    page.write_text("from koss_rpa.flows.signin import sign_in\n", encoding="utf-8")
    imported = _imports(page)
    assert imported == {"koss_rpa.flows.signin"}
    assert _layer_of("koss_rpa.flows.signin") > _layer_of("koss_rpa.pages.login")


# --- flows: the keyring is the account protocol's, and no flow module needs another in a circle

FLOWS = [p for p in MODULES if _module_name(p).startswith("koss_rpa.flows")]

#: The one flow module that holds the run's keyring, to hand it to `Account` (and read nothing).
KEYRING_HOLDER = "koss_rpa.flows.runtime"


def _store_reads(path: Path) -> list[str]:
    """Every `<x>.store` of a module but the runtime's own `self.store`, as `x.store` (line)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and node.attr == "store":
            owner = ast.unparse(node.value)
            if not (owner == "self" and _module_name(path) == KEYRING_HOLDER):
                found.append(f"{owner}.store (line {node.lineno})")
    return found


@pytest.mark.parametrize("path", FLOWS, ids=lambda p: _module_name(p))
def test_a_flow_should_never_touch_the_keyring(path: Path) -> None:
    """The password protocol has one home, `Account`: a flow asks it, never the keyring."""
    name = _module_name(path)
    imported = {m for m in _imports(path) if m.startswith("koss_rpa.account.store")}
    if name == KEYRING_HOLDER:
        imported.clear()
    assert not imported, f"{name} imports the keyring store: {sorted(imported)}"
    reads = _store_reads(path)
    assert not reads, f"{name} reads the keyring store: {reads}"


def _flow_imports(paths: list[Path]) -> dict[str, set[str]]:
    """Which flow modules each flow module imports (lazily or not)."""
    names = {_module_name(p) for p in paths}
    return {_module_name(p): {m for m in _imports(p) if m in names} for p in paths}


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The circles of `graph` (each once, from its smallest name)."""
    found: list[list[str]] = []

    def walk(path: list[str]) -> None:
        for following in sorted(graph.get(path[-1], ())):
            if following == path[0]:
                found.append(path)
            elif following > path[0] and following not in path:
                walk([*path, following])

    for start in sorted(graph):
        walk([start])
    return found


def test_no_flow_module_should_import_another_in_a_circle() -> None:
    circles = _circles(_flow_imports(FLOWS))
    assert not circles, "flow modules in a circle: " + "; ".join(" → ".join(c) for c in circles)


def test_the_circle_check_should_catch_a_lazy_import(tmp_path: Path) -> None:
    """The check itself can fail: an import inside a function closes a circle too."""
    flows = tmp_path / "koss_rpa" / "flows"
    flows.mkdir(parents=True)
    first, second = flows / "first.py", flows / "second.py"
    first.write_text("from koss_rpa.flows.second import b\n", encoding="utf-8")
    second.write_text("def b():\n    from koss_rpa.flows.first import a\n", encoding="utf-8")
    graph = {"koss_rpa.flows.first": _imports(first), "koss_rpa.flows.second": _imports(second)}
    assert _circles(graph) == [["koss_rpa.flows.first", "koss_rpa.flows.second"]]


def test_the_keyring_check_should_catch_a_flow_reading_the_store(tmp_path: Path) -> None:
    flow = tmp_path / "flow.py"
    flow.write_text("def f(rt):\n    return rt.store.pending('x')\n", encoding="utf-8")
    assert _store_reads(flow) == ["rt.store (line 2)"]


# ------------------------------------------------------------------- what services are given

#: The services, and the foundation's storage: each takes the few settings it uses (a small typed
#: object such as `settings.NotifyConfig`, or plain values), never `Settings`.
SMALL_SETTINGS = ("koss_rpa.notify", "koss_rpa.evidence", "koss_rpa.account", "koss_rpa.storage")

#: Not checked: the sign-in protocol's `Account`, whose settings are another change.
UNCHECKED = ("koss_rpa.account.protocol",)

#: Modules that still take `Settings`, each with its reason.
TAKES_SETTINGS = {
    "koss_rpa.account.preflight": (
        "checks the whole set-up before a run (folders, keyring, portal name, notification "
        "targets) and builds an Account, which takes Settings"
    ),
    "koss_rpa.account.roster": (
        "an account's options are a layer over the settings: it makes each account's Settings "
        "(`settings_for`) and checks IDs against the settings' pattern"
    ),
}


def _imports_settings(path: Path) -> bool:
    """Whether `path` names `koss_rpa.settings.Settings`: `from koss_rpa.settings import
    Settings` (for type checking too), or `Settings` of the module imported as a whole."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules = {"koss_rpa.settings"}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0:
            if node.module == "koss_rpa.settings":
                if any(alias.name in ("Settings", "*") for alias in node.names):
                    return True
            elif node.module == "koss_rpa":
                modules.update(a.asname or a.name for a in node.names if a.name == "settings")
        elif isinstance(node, ast.Import):
            modules.update(
                a.asname for a in node.names if a.name == "koss_rpa.settings" and a.asname
            )
    return any(
        isinstance(node, ast.Attribute)
        and node.attr == "Settings"
        and ast.unparse(node.value) in modules
        for node in ast.walk(tree)
    )


def _given_small_settings(name: str) -> bool:
    inside = any(name == top or name.startswith(top + ".") for top in SMALL_SETTINGS)
    return inside and name not in UNCHECKED


SERVICES = [p for p in MODULES if _given_small_settings(_module_name(p))]


@pytest.mark.parametrize("path", SERVICES, ids=lambda p: _module_name(p))
def test_a_service_should_take_small_settings_not_settings(path: Path) -> None:
    name = _module_name(path)
    if name in TAKES_SETTINGS:
        assert _imports_settings(path), f"{name} no longer takes Settings: take it off the list"
    else:
        assert not _imports_settings(path), f"{name} imports Settings: give it what it uses"


def test_the_settings_check_should_catch_a_type_checking_import(tmp_path: Path) -> None:
    """The check itself can fail, whichever way a service names `Settings`."""
    service = tmp_path / "service.py"
    service.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from koss_rpa.settings import Settings\n",
        encoding="utf-8",
    )
    assert _imports_settings(service)
    service.write_text("from koss_rpa import settings\nx: settings.Settings\n", encoding="utf-8")
    assert _imports_settings(service)
    service.write_text("from koss_rpa.settings import NotifyConfig\n", encoding="utf-8")
    assert not _imports_settings(service)
