"""The pytest plugin's markup-variant marker, fixture and `all_variants` helper."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from mock_portal.pytest_plugin import MARKERS, all_variants
from mock_portal.testing import VARIANTS, ControlClient


@pytest.mark.mock_portal_variant("table")
def test_variant_marker_should_switch_the_portal(
    mock_portal: ControlClient, web: httpx.Client
) -> None:
    assert mock_portal.variant() == "table"
    assert '<div class="title">マイページログイン</div>' in web.get("/mypage/login").text


@pytest.mark.mock_portal_variant("sjis")
@pytest.mark.mock_portal_scenario("expired-password")
def test_variant_marker_should_apply_after_a_scenario(mock_portal: ControlClient) -> None:
    assert mock_portal.variant() == "sjis"
    assert mock_portal.get_account("KNAB1234")["password_age_days"] >= 60


def test_without_a_marker_the_portal_should_be_modern(
    mock_portal: ControlClient, mock_portal_variant: str | None
) -> None:
    assert mock_portal_variant is None
    assert mock_portal.variant() == "modern"


@all_variants
def test_all_variants_should_run_once_per_variant(
    mock_portal: ControlClient, mock_portal_variant: str, request: pytest.FixtureRequest
) -> None:
    assert mock_portal.variant() == mock_portal_variant
    assert request.node.name.endswith(f"[{mock_portal_variant}]")


def test_marker_should_be_registered() -> None:
    assert "mock_portal_variant" in MARKERS
    assert all_variants.mark.args == ("mock_portal_variant", VARIANTS)


PROJECT_TEST = """
import pytest

from mock_portal.pytest_plugin import all_variants


@all_variants
def test_each(mock_portal, mock_portal_variant):
    assert mock_portal.variant() == mock_portal_variant


@pytest.mark.mock_portal_variant("fancy")
def test_bad(mock_portal):
    pass
"""


def test_a_project_should_parametrize_in_one_line_and_hear_of_a_bad_name(tmp_path: Path) -> None:
    (tmp_path / "test_project.py").write_text(PROJECT_TEST, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert f"{len(VARIANTS)} passed, 1 error" in done.stdout, done.stdout
    assert f"@pytest.mark.mock_portal_variant takes one of: {', '.join(VARIANTS)}" in done.stdout, (
        done.stdout
    )
