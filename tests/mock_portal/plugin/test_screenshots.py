"""docs/screens: the committed pictures belong to the current templates, in every markup variant
(no pixels compared)."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from mock_portal.testing import ControlClient

ROOT = Path(__file__).resolve().parents[3]
SCREENS = ROOT / "docs" / "screens"
FIX = "run `python scripts/screenshots.py` and commit docs/screens"


@pytest.fixture(scope="module")
def script() -> ModuleType:
    """scripts/screenshots.py, imported from its file (scripts/ is not a package)."""
    path = ROOT / "scripts" / "screenshots.py"
    spec = importlib.util.spec_from_file_location("screenshots", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def committed() -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads((SCREENS / "manifest.json").read_text("utf-8"))
    return manifest


def test_screenshots_should_match_the_current_templates(
    script: ModuleType,
    committed: dict[str, Any],
    mock_portal: ControlClient,
    mock_portal_url: str,
) -> None:
    current: dict[str, Any] = script.html_manifest(mock_portal_url, mock_portal)
    assert current["static_sha256"] == committed["static_sha256"], f"CSS, JS or images: {FIX}"
    assert committed["variants"].keys() == current["variants"].keys(), FIX
    stale = sorted(
        f"{variant}/{name}"
        for variant, screens in current["variants"].items()
        for name, screen in screens.items()
        if committed["variants"][variant].get(name, {}).get("html_sha256") != screen["html_sha256"]
    )
    assert stale == [], f"screens whose HTML changed: {', '.join(stale)}: {FIX}"
    for variant, screens in current["variants"].items():
        assert committed["variants"][variant].keys() == screens.keys(), FIX


def test_screenshots_should_be_the_files_the_manifest_lists(committed: dict[str, Any]) -> None:
    listed = {
        screen["file"]: screen["png_sha256"]
        for screens in committed["variants"].values()
        for screen in screens.values()
    }
    on_disk = {path.relative_to(SCREENS).as_posix(): path for path in SCREENS.rglob("*.png")}
    assert sorted(on_disk) == sorted(listed), FIX
    changed = sorted(
        name
        for name, path in on_disk.items()
        if hashlib.sha256(path.read_bytes()).hexdigest() != listed[name]
    )
    assert changed == [], f"pictures not from the last run of the script: {changed}: {FIX}"
    assert sum(path.stat().st_size for path in on_disk.values()) < 3.5 * 1024 * 1024


def test_screenshots_should_show_every_screen_in_every_variant(
    script: ModuleType, committed: dict[str, Any]
) -> None:
    from mock_portal.variants import BY_NAME, VARIANTS

    names = [screen.name for screen in script.SCREENS]
    markup = [name for name in VARIANTS if not BY_NAME[name].behaviour]
    assert markup
    assert len(markup) < len(VARIANTS)  # behaviour variants look like the default
    assert sorted(committed["variants"]) == sorted(markup) == sorted(script.PICTURED)
    for variant, screens in committed["variants"].items():
        assert sorted(screens) == sorted(names), variant
        assert all(screen["file"] == f"{variant}/{name}.png" for name, screen in screens.items())


def test_normalise_should_remove_the_port(script: ModuleType) -> None:
    html = '<a href="http://127.0.0.1:54321/x">\r\n</a>  \n'
    assert (
        script.normalise(html, "http://127.0.0.1:54321")
        == '<a href="http://mock-portal/x">\n</a>\n'
    )
