"""The built wheel in fresh venvs: every command answers as documented, from a folder outside
the source tree, with and without the `mock` extra."""

from __future__ import annotations

from pathlib import Path

from tests.packaging.conftest import PACKAGING, Venv

pytestmark = PACKAGING

EXIT_COMPONENT_MISSING = 8
HINT = "pip install 'koss-rpa[mock]'"


def test_help_should_answer_without_extras(plain_venv: Venv, elsewhere: Path) -> None:
    done = plain_venv.run("koss-rpa", "--help", cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    assert "Usage: koss-rpa" in done.stdout
    for command in ("download", "batch", "credentials", "doctor", "demo"):
        assert command in done.stdout
    download = plain_venv.run("koss-rpa", "download", "--help", cwd=elsewhere)
    assert download.returncode == 0, download.stderr
    assert "--once-per" in download.stdout
    assert "koss-rpa download --user-id KNAB1234" in download.stdout


def test_doctor_should_report_each_check_without_extras(plain_venv: Venv, elsewhere: Path) -> None:
    env = {
        "KOSS_CONFIG": str(elsewhere.parent / "config.toml"),
        "KOSS_PORTAL_URL": "http://127.0.0.1:9",  # nothing listens there: no network needed
        "KOSS_DOWNLOAD_DIR": str(elsewhere / "downloads"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        "KOSS_LANG": "en",
    }
    done = plain_venv.run("koss-rpa", "doctor", cwd=elsewhere, env=env)
    lines = done.stdout.splitlines()
    assert any(line.startswith("✓ settings read") for line in lines), done.stdout
    assert any(line.startswith("✓ download folder") for line in lines), done.stdout
    assert any(line.startswith("✗ keyring") for line in lines), done.stdout
    assert any(line.startswith("✗ portal") for line in lines), done.stdout
    # The exit code of the first failed check: no usable keyring backend (README: 5).
    assert done.returncode == 5, done.stdout + done.stderr


def test_demo_should_name_the_extra_without_it(plain_venv: Venv, elsewhere: Path) -> None:
    done = plain_venv.run("koss-rpa", "demo", cwd=elsewhere, env={"KOSS_LANG": "en"})
    assert done.returncode == EXIT_COMPONENT_MISSING, done.stdout + done.stderr
    [line] = done.stderr.strip().splitlines()
    assert HINT in line
    assert "component_missing" in line


def test_mock_portal_should_name_the_extra_without_it(plain_venv: Venv, elsewhere: Path) -> None:
    done = plain_venv.run("koss-mock-portal", "--port", "0", cwd=elsewhere)
    assert done.returncode == EXIT_COMPONENT_MISSING, done.stdout + done.stderr
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("koss-mock-portal needs the mock extra")
    assert line.endswith(HINT)


def test_demo_should_run_through_with_the_extra(mock_venv: Venv, elsewhere: Path) -> None:
    done = mock_venv.run("koss-rpa", "demo", "--json", cwd=elsewhere, env={"KOSS_LANG": "en"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert '"keyring_matches_portal": true' in done.stdout
    assert '"rotated": true' in done.stdout


def test_mock_portal_should_check_a_scenario_with_the_extra(
    mock_venv: Venv, elsewhere: Path
) -> None:
    done = mock_venv.run(
        "koss-mock-portal", "--scenario", "expired-password", "--check", cwd=elsewhere
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("ok: expired-password")
