"""`koss-mock-portal --scenario`, `--check` and `--list-scenarios`."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from mock_portal.cli import main
from mock_portal.scenario import load_scenario, shipped_scenarios
from tests.mock_portal.server.test_cli import running


@pytest.mark.parametrize("name", shipped_scenarios())
def test_check_should_load_and_apply_every_shipped_scenario(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--scenario", name, "--check"]) == 0
    description = load_scenario(name).description
    assert capsys.readouterr().out == f"ok: {name} — {description}\n"


def test_list_scenarios_should_print_names_and_descriptions(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--list-scenarios"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[0] for line in lines] == shipped_scenarios()
    assert all(line.split("\t")[1] for line in lines)


def test_check_should_refuse_a_bad_scenario_with_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--scenario", "nope", "--check"]) == 2
    assert "cannot use scenario: unknown scenario 'nope'" in capsys.readouterr().err
    broken = tmp_path / "broken.toml"
    broken.write_text('[[new_accounts]]\nuser_id = "KNAB1234"\npassword = "x"\n', "utf-8")
    assert main(["--scenario", str(broken), "--check"]) == 2
    assert "broken: account KNAB1234 exists" in capsys.readouterr().err


def test_command_should_serve_a_scenario_from_the_start() -> None:
    with running("--scenario", "expired-password") as started:
        url, printed = started.read_until_url()
        assert f"Scenario: expired-password — {load_scenario('expired-password').description}" in (
            printed
        )
        with httpx.Client(base_url=url) as web:
            answer = web.post(
                "/mypage/login", data={"user_id": "KNAB1234", "password": "Keiji2019"}
            )
            assert answer.headers["location"] == "/mypage/password/expired"
            switched = web.put("/_control/scenario", json={"name": "locked-account"})
            assert switched.json()["name"] == "locked-account"
            assert web.get("/_control/accounts/KNAB1234").json()["locked"] is True
        status, stderr = started.interrupt()
    assert status == 0
    assert "Traceback" not in stderr
