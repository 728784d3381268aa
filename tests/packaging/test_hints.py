"""Hints that fit the installer: the built wheel in fresh venvs marked the way pip, `uv pip`,
`uv tool` and pipx leave them (INSTALLER, `uv-receipt.toml`, `pipx_metadata.json`), with a PATH
on which neither `pip` nor `playwright` is found.

The four installers share the session's venv without extras (`plain_venv`): each test leaves its
installer's marks in it and takes them away again, so the venv is built once, not four times."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.packaging.conftest import Venv

#: What each installer leaves in the venv, and the command the hints must name.
INSTALLERS = {
    "pip": ({}, "pip install 'koss-rpa[mock]'"),
    "uv": ({"INSTALLER": "uv"}, "uv pip install --python "),
    "uv-tool": ({"INSTALLER": "uv", "uv-receipt.toml": ""}, "uv tool install --reinstall"),
    "pipx": ({"pipx_metadata.json": "{}"}, "pipx install --force 'koss-rpa[mock]'"),
}


@contextmanager
def marked_as(venv: Venv, files: dict[str, str]) -> Iterator[None]:
    """Leave the marks an installer leaves (INSTALLER in the dist-info, the rest at the root)
    for the block, then the venv as pip made it again."""
    [dist_info] = venv.path.glob("lib/python*/site-packages/koss_rpa-*.dist-info")
    installer = dist_info / "INSTALLER"
    as_pip_left_it = installer.read_bytes()
    try:
        for name, text in files.items():
            target = installer if name == "INSTALLER" else venv.path / name
            target.write_text(text + "\n" if name == "INSTALLER" else text, encoding="utf-8")
        yield
    finally:
        installer.write_bytes(as_pip_left_it)
        for name in files:
            if name != "INSTALLER":
                (venv.path / name).unlink(missing_ok=True)


@pytest.mark.parametrize("how", list(INSTALLERS))
def test_hints_should_name_the_installers_command(
    how: str, plain_venv: Venv, tmp_path: Path, elsewhere: Path
) -> None:
    files, command = INSTALLERS[how]
    with marked_as(plain_venv, files):
        _check_hints(how, plain_venv, command, tmp_path, elsewhere)


def _check_hints(how: str, venv: Venv, command: str, tmp_path: Path, elsewhere: Path) -> None:
    # Venv.run puts the venv's bin first on PATH, as an activated venv has it; under uv tool
    # or pipx only the tool's own commands are linked onto PATH, which the hints cannot see.
    env = {"KOSS_LANG": "en", "PATH": os.defpath}

    demo = venv.run("koss-rpa", "demo", cwd=elsewhere, env=env)
    assert demo.returncode == 8, demo.stdout + demo.stderr
    [line] = demo.stderr.strip().splitlines()
    assert command in line, line

    mock = venv.run("koss-mock-portal", "--port", "0", cwd=elsewhere, env=env)
    [line] = mock.stderr.strip().splitlines()
    assert command in line, line

    empty = tmp_path / "no-browsers"
    empty.mkdir()
    browser = {
        "KOSS_BROWSER": "chromium",
        "PLAYWRIGHT_BROWSERS_PATH": str(empty),
        "KOSS_PORTAL_URL": "http://127.0.0.1:9",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    doctor = venv.run("koss-rpa", "doctor", cwd=elsewhere, env=env | browser)
    [line] = [line for line in doctor.stdout.splitlines() if line.startswith("✗ browser")]
    if how == "pip":  # this venv's `playwright` is the one on PATH
        assert "run 'playwright install chromium'" in line, line
    else:
        assert f"run '{venv.bin}/python" in line, line
        assert "-m playwright install chromium'" in line, line
