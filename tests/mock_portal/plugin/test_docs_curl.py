"""The curl examples of docs/mock-portal.md, run by bash against the plugin's portal."""

from __future__ import annotations

import re
import subprocess
import textwrap
from pathlib import Path

import pytest

from mock_portal.testing import ControlClient

DOC = (Path(__file__).resolve().parents[3] / "docs" / "mock-portal.md").read_text("utf-8")
DOC_URL = "http://127.0.0.1:8080"


def curl_blocks() -> list[str]:
    """Every sh block (list items' too) that talks to the control API."""
    blocks = re.findall(r"^( *)```sh\n(.*?)^\1```", DOC, re.S | re.M)
    return [textwrap.dedent(body) for _, body in blocks if "$P" in body]


def test_docs_should_have_curl_examples() -> None:
    assert len(curl_blocks()) == 3


@pytest.mark.parametrize("block", curl_blocks(), ids=["control-api", "set-up", "journal"])
def test_curl_examples_should_succeed(
    block: str, tmp_path: Path, mock_portal: ControlClient, mock_portal_url: str
) -> None:
    [example] = [b for b in re.findall(r"```toml\n(.*?)```", DOC, re.S) if "my-scenario" in b]
    (tmp_path / "my-scenario.toml").write_text(example, encoding="utf-8")
    script = 'set -euo pipefail\ncurl() { command curl --fail --silent --show-error "$@"; }\n'
    script += f"P={mock_portal_url}/_control\n"  # a block may go on from the one before
    script += block.replace(DOC_URL, mock_portal_url)
    done = subprocess.run(
        ["bash", "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(("{", "["))  # JSON answers
