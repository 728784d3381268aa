"""What the built sdist and wheel hold, and that their dependencies are exactly the imports."""

from __future__ import annotations

import ast
import sys
import tarfile
import zipfile
from email.parser import Parser
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.packaging.conftest import ROOT, Dist, ok, run

PYTHON_3_MINOR = "Programming Language :: Python :: 3."

#: Imports that are not dependencies, and why.
NOT_DEPENDENCIES = {
    # mock_portal/pytest_plugin.py is loaded by pytest itself: pytest is there when it runs.
    ("mock_portal", "pytest"),
}
#: Dependencies no module imports by name, and why.
NOT_IMPORTED = {
    # uvicorn's fast HTTP parser and event loop, picked up by uvicorn when installed.
    "httptools",
    "uvloop",
    # FastAPI's form parsing (the portal's login and password forms).
    "python-multipart",
}


def metadata(wheel: Path) -> dict[str, list[str]]:
    with zipfile.ZipFile(wheel) as archive:
        [name] = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        message = Parser().parsestr(archive.read(name).decode("utf-8"))
    return {key: message.get_all(key) or [] for key in set(message.keys())}


def requirements(wheel: Path, extra: str | None) -> set[str]:
    """The distributions required without extras, or with `extra` too (on this platform)."""
    found: set[str] = set()
    for line in metadata(wheel)["Requires-Dist"]:
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate({"extra": extra or ""}):
            found.add(canonicalize_name(requirement.name))
    return found


def third_party_imports(package: str) -> dict[str, set[str]]:
    """Top-level modules imported anywhere in `package`, outside the stdlib and this project,
    with the files that import them."""
    found: dict[str, set[str]] = {}
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top not in ("koss_rpa", "mock_portal"):
                    found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


def distributions_of(package: str) -> dict[str, set[str]]:
    modules = packages_distributions()
    found: dict[str, set[str]] = {}
    for module, files in third_party_imports(package).items():
        if (package, module) in NOT_DEPENDENCIES:
            continue
        assert module in modules, f"{module} (imported by {sorted(files)}) is not installed"
        for dist_name in modules[module]:
            found.setdefault(canonicalize_name(dist_name), set()).update(files)
    return found


@pytest.mark.parametrize(("package", "extra"), [("koss_rpa", None), ("mock_portal", "mock")])
def test_requires_dist_should_cover_every_import(
    dist: Dist, package: str, extra: str | None
) -> None:
    declared = requirements(dist.wheel, extra)
    imported = distributions_of(package)
    undeclared = {name: sorted(files) for name, files in imported.items() if name not in declared}
    assert not undeclared, f"imported by {package} but not in Requires-Dist: {undeclared}"


def test_every_dependency_should_be_imported_or_explained(dist: Dist) -> None:
    used = set(distributions_of("koss_rpa")) | set(distributions_of("mock_portal"))
    declared = requirements(dist.wheel, "mock")
    assert declared - used == {canonicalize_name(n) for n in NOT_IMPORTED}


def test_base_requirements_should_not_pull_in_the_mock(dist: Dist) -> None:
    base = requirements(dist.wheel, None)
    assert {"fastapi", "uvicorn", "httpx", "jinja2"}.isdisjoint(base)
    assert "click" in base  # koss_rpa/cli/args.py imports it; typer no longer installs it


def test_metadata_should_name_license_urls_and_readme(dist: Dist) -> None:
    meta = metadata(dist.wheel)
    assert meta["License-Expression"] == ["MIT"]
    assert meta["License-File"] == ["LICENSE"]
    # No public home yet: no Project-URL rather than an index's page posing as documentation
    # (the documents are installed: `koss-rpa docs`, which the description names).
    urls = meta.get("Project-URL", [])
    assert not [url for url in urls if "pypi.org" in url], urls
    assert meta["Description-Content-Type"] == ["text/markdown"]


def test_wheel_should_hold_the_package_data(dist: Dist) -> None:
    with zipfile.ZipFile(dist.wheel) as archive:
        names = set(archive.namelist())
    expected = {
        "koss_rpa/py.typed",
        "mock_portal/py.typed",
        "koss_rpa/locale/ja/LC_MESSAGES/koss_rpa.po",
        "koss_rpa/locale/en/LC_MESSAGES/koss_rpa.po",
        "mock_portal/templates/login.html",
        "mock_portal/static/portal.css",
        "mock_portal/data/accounts.toml",
        "mock_portal/scenarios/expired-password.toml",
        # The documents (setup.py), for `koss-rpa docs`; not the screenshots.
        "koss_rpa/docs/README.md",
        "koss_rpa/docs/real-portal.md",
        "koss_rpa/docs/scheduling.md",
        "koss_rpa/docs/reference/manual-matome-nofu-kanri-file-v1.2.md",
    }
    assert expected <= names, expected - names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert not [n for n in names if n.startswith(("tests/", "docs/", "bench/", "scripts/"))]
    assert not [n for n in names if n.endswith(".png")]


def test_check_wheel_contents_should_pass(dist: Dist) -> None:
    # Run from the root: the expected top-level packages are in pyproject.toml.
    ok(run(sys.executable, "-m", "check_wheel_contents", dist.wheel, cwd=ROOT))


def test_sdist_should_carry_the_docs_the_readme_links_to(dist: Dist) -> None:
    with tarfile.open(dist.sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    tracked = ok(run("git", "ls-files", "docs", cwd=ROOT)).stdout.split()
    expected = {"LICENSE", "README.md", "pyproject.toml", *tracked}
    assert expected <= names, sorted(expected - names)


def test_classifiers_should_name_every_python_supported(dist: Dist) -> None:
    classifiers = metadata(dist.wheel)["Classifier"]
    versions = {c.rsplit(" :: ", 1)[1] for c in classifiers if c.startswith(PYTHON_3_MINOR)}
    assert versions == {"3.11", "3.12", "3.13"}
    assert metadata(dist.wheel)["Requires-Python"] == [">=3.11"]


def test_make_test_should_take_another_python_as_the_readme_says(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    assert "make test PYTHON=python3.13 VENV=.venv-3.13" in readme
    venv_dir = tmp_path / "venv-3.13"
    done = ok(run("make", "-n", "test", "PYTHON=python3.13", f"VENV={venv_dir}", cwd=ROOT))
    assert f"python3.13 -m venv {venv_dir}" in done.stdout
    assert f"{venv_dir}/bin/pytest" in done.stdout
