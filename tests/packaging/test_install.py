"""The built wheel in fresh venvs: every command answers as documented, from a folder outside
the source tree, with and without the `mock` extra."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from tests.packaging.conftest import Venv, run

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


def test_help_should_be_japanese_under_a_japanese_locale(plain_venv: Venv, elsewhere: Path) -> None:
    done = plain_venv.run(
        "koss-rpa", "download", "--help", cwd=elsewhere, env={"LANG": "ja_JP.UTF-8"}
    )
    assert done.returncode == 0, done.stderr
    assert "今月の「まとめ納付管理ファイル」をダウンロードし" in done.stdout
    assert "終了コード:" in done.stdout
    refused = plain_venv.run("koss-rpa", "--lang", "fr", "--help", cwd=elsewhere)
    assert (refused.returncode, refused.stdout) == (2, "")
    assert refused.stderr.strip().endswith("choose one of ja, en")


def test_mock_portal_should_be_typed_for_mypy(mock_venv: Venv, elsewhere: Path) -> None:
    # The docs' quick start imports these; without py.typed, mypy --strict calls them untyped.
    example = elsewhere / "typed.py"
    example.write_text(
        "from mock_portal.config import MockConfig\n"
        "from mock_portal.testing import ControlClient, serve_in_thread\n\n\n"
        "def threshold(client: ControlClient) -> int:\n"
        "    return MockConfig().lockout_threshold + len(client.accounts())\n",
        encoding="utf-8",
    )
    # The web stack is not mock_portal's to check, and costs most of mypy's time: skipped.
    (elsewhere / "mypy.ini").write_text(
        "[mypy]\nstrict = True\nincremental = False\n"
        "[mypy-fastapi.*,starlette.*,uvicorn.*,httpx.*,httpcore.*,anyio.*,jinja2.*]\n"
        "follow_imports = skip\n",
        encoding="utf-8",
    )
    python = mock_venv.bin / "python"
    done = run(sys.executable, "-m", "mypy", "--python-executable", python, example, cwd=elsewhere)
    assert done.returncode == 0, done.stdout + done.stderr


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


def test_python_m_mock_portal_should_name_the_extra_without_it(
    plain_venv: Venv, elsewhere: Path
) -> None:
    # docs/mock-portal.md gives `python -m mock_portal` as a way to start the portal.
    done = plain_venv.run("python", "-m", "mock_portal", "--port", "0", cwd=elsewhere)
    assert (done.returncode, done.stdout) == (EXIT_COMPONENT_MISSING, ""), done.stderr
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("koss-mock-portal needs the mock extra")


def test_mock_portal_should_answer_help_and_list_without_the_extra(
    plain_venv: Venv, elsewhere: Path
) -> None:
    for command in (("koss-mock-portal",), ("python", "-m", "mock_portal")):
        helped = plain_venv.run(*command, "--help", cwd=elsewhere)
        assert (helped.returncode, helped.stderr) == (0, ""), helped.stderr
        assert "--list-scenarios" in helped.stdout
        listed = plain_venv.run(*command, "--list-scenarios", cwd=elsewhere)
        assert (listed.returncode, listed.stderr) == (0, ""), listed.stderr
        names = [line.split("\t")[0] for line in listed.stdout.splitlines()]
        assert "expired-password" in names
        assert all("\t" in line for line in listed.stdout.splitlines())


def test_mock_portal_should_tell_its_errors_on_stderr(mock_venv: Venv, elsewhere: Path) -> None:
    done = mock_venv.run("koss-mock-portal", "--scenario", "nope", "--check", cwd=elsewhere)
    assert (done.returncode, done.stdout) == (2, ""), done.stderr
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("koss-mock-portal: cannot use scenario: unknown scenario 'nope'")
    seeds = elsewhere / "accounts.toml"
    seeds.write_text('[[accounts]]\nuser_id = "bad"\n', encoding="utf-8")
    done = mock_venv.run("koss-mock-portal", "--accounts", str(seeds), cwd=elsewhere)
    assert (done.returncode, done.stdout) == (2, ""), done.stderr
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("koss-mock-portal: cannot read accounts: user_id:")


def test_demo_should_run_through_with_the_extra(mock_venv: Venv, elsewhere: Path) -> None:
    # A temp folder of the demo's own, with a short name: Chromium puts sockets there, whose
    # paths may not exceed 107 bytes.
    temp = Path(tempfile.mkdtemp(prefix="demo-"))
    try:
        env = {"KOSS_LANG": "en", "TMPDIR": str(temp)}
        done = mock_venv.run("koss-rpa", "demo", "--json", cwd=elsewhere, env=env)
        left = list(temp.glob("koss-rpa-demo-*"))
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert not left  # each demo used to leave one behind
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
