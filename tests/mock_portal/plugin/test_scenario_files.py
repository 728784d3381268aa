"""Scenario files: the format, schedules, loading from a file or the control API, errors."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from mock_portal.faults import SCREEN_PATHS
from mock_portal.scenario import ScenarioError, load_scenario, parse_scenario
from mock_portal.testing import ControlClient, ControlError
from tests.mock_portal.server.support import KNOWN_ID, KNOWN_PASSWORD, login

CUSTOM = """
name = "custom"
description = "a bit of everything"

[config]
lockout_threshold = 2

[clock]
now = 2024-05-31T12:00:00

[[accounts]]
user_id = "KNCA6288"
password_age_days = 1

[[new_accounts]]
user_id = "KNXY0042"
password = "Start1234"
password_age_days = 59

[[faults]]
target = ["login", "/info/faq"]
kind = "http_503"
method = "GET"
times = 1
"""


def test_use_scenario_should_apply_every_section_of_a_file(
    tmp_path: Path, mock_portal: ControlClient, web: httpx.Client
) -> None:
    scenario_file = tmp_path / "custom.toml"
    scenario_file.write_text(CUSTOM, encoding="utf-8")
    assert mock_portal.use_scenario(scenario_file) == {
        "name": "custom",
        "description": "a bit of everything",
    }
    assert mock_portal.config()["lockout_threshold"] == 2
    assert mock_portal.now().isoformat() == "2024-05-31T12:00:00+09:00"
    assert mock_portal.get_account("KNCA6288")["password_age_days"] == pytest.approx(1)
    assert mock_portal.get_account("KNXY0042")["password_age_days"] == pytest.approx(59)
    assert [(f["target"], f["method"], f["times"]) for f in mock_portal.faults()] == [
        ("login", "GET", 1),
        ("/info/faq", "GET", 1),
    ]
    assert web.get("/mypage/login").status_code == 503
    assert web.get("/info/faq").status_code == 503
    assert web.get("/mypage/login").status_code == 200


def test_use_scenario_should_start_from_a_reset(
    mock_portal: ControlClient, web: httpx.Client
) -> None:
    mock_portal.lock_account(KNOWN_ID)
    mock_portal.add_fault("top", "http_500")
    web.get("/info/faq")
    mock_portal.use_scenario("expired-password")
    assert mock_portal.get_account(KNOWN_ID)["locked"] is False
    assert mock_portal.faults() == []
    assert mock_portal.journal() == []


def _use(client: ControlClient, folder: Path, text: str) -> None:
    scenario_file = folder / "scenario.toml"
    scenario_file.write_text(text, encoding="utf-8")
    client.use_scenario(scenario_file)


def test_after_requests_should_arm_a_fault_once_that_many_requests_were_journaled(
    tmp_path: Path, mock_portal: ControlClient, web: httpx.Client
) -> None:
    text = '[[faults]]\ntarget = "login"\nkind = "http_500"\nafter_requests = 2\ntimes = 1\n'
    _use(mock_portal, tmp_path, text)
    assert mock_portal.faults() == []
    web.get("/static/portal.css")  # static files do not count
    assert [web.get(path).status_code for path in ("/", "/mypage/login")] == [200, 200]
    assert [web.get("/mypage/login").status_code for _ in range(2)] == [500, 200]
    assert [fault["fired"] for fault in mock_portal.faults()] == [1]


def test_a_window_should_arm_and_disarm_by_the_mock_clock(
    tmp_path: Path, mock_portal: ControlClient, web: httpx.Client
) -> None:
    _use(
        mock_portal,
        tmp_path,
        "[clock]\nnow = 2024-06-30T08:00:00\n"
        '[[faults]]\ntarget = "mypage"\nkind = "maintenance"\n'
        "active_from = 2024-06-30T09:00:00\nactive_until = 2024-06-30T10:00:00\n",
    )
    assert login(web, KNOWN_ID, KNOWN_PASSWORD).status_code == 303
    assert web.get("/mypage").status_code == 200
    mock_portal.advance_clock(seconds=3600)
    assert web.get("/mypage").status_code == 503
    assert web.get("/mypage/login").status_code == 200  # only the target
    mock_portal.advance_clock(seconds=-1800)  # 09:30 -> 08:30, before the window again
    assert web.get("/mypage").status_code == 200
    mock_portal.clear_faults()  # forgets the schedule too
    mock_portal.advance_clock(seconds=1800)
    assert web.get("/mypage").status_code == 200


def test_a_reset_should_forget_the_scenario(mock_portal: ControlClient, web: httpx.Client) -> None:
    mock_portal.use_scenario("maintenance-month-end")
    mock_portal.reset()
    mock_portal.set_clock(datetime(2024, 3, 31, 23, 30))
    assert web.get("/").status_code == 200


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("name = [", "not valid TOML"),
        ("acounts = []", "acounts: Extra inputs are not permitted"),
        ('[[faults]]\ntarget = "nowhere"\nkind = "drop"', "target must be one of"),
        ('[[faults]]\ntarget = "login"\nkind = "delay"', "a delay fault needs delay_seconds"),
        ('[[faults]]\ntarget = "login"\nkind = "slow"', "faults.0.kind"),
        (
            '[[faults]]\ntarget = "*"\nkind = "drop"\n'
            "active_from = 2024-01-02T00:00:00\nactive_until = 2024-01-01T00:00:00",
            "active_from must be before active_until",
        ),
        ("[config]\nlockout_treshold = 3", "[config]: lockout_treshold"),
        ('[[accounts]]\nuser_id = "KNAB1234"\npasword = "x"', "accounts.0.pasword"),
    ],
)
def test_parse_scenario_should_name_the_problem(text: str, problem: str) -> None:
    with pytest.raises(ScenarioError, match=r"^mine: ") as raised:
        parse_scenario(text, "mine")
    assert problem in str(raised.value)


def test_load_scenario_should_refuse_an_unknown_name_or_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="unknown scenario 'nope': shipped ones are "):
        load_scenario("nope")
    with pytest.raises(ScenarioError, match="cannot read scenario file"):
        load_scenario(tmp_path / "missing.toml")


def test_control_api_should_answer_404_and_422_for_bad_scenarios(
    tmp_path: Path, mock_portal: ControlClient
) -> None:
    with pytest.raises(ControlError) as unknown:
        mock_portal.use_scenario("nope")
    assert unknown.value.status_code == 404
    with pytest.raises(ControlError, match="no account KNZZ9999 to change") as missing:
        _use(mock_portal, tmp_path, '[[accounts]]\nuser_id = "KNZZ9999"\nlocked = true\n')
    assert missing.value.status_code == 422


def test_docs_example_scenario_should_load_and_apply(
    tmp_path: Path, mock_portal: ControlClient
) -> None:
    doc = (Path(__file__).resolve().parents[3] / "docs" / "mock-portal.md").read_text("utf-8")
    [example] = [b for b in re.findall(r"```toml\n(.*?)```", doc, re.S) if "my-scenario" in b]
    scenario = parse_scenario(example)
    assert scenario.name == "my-scenario"
    assert scenario.faults[0].targets() == list(SCREEN_PATHS)
    _use(mock_portal, tmp_path, example)
    assert mock_portal.config()["lockout_threshold"] == 3
    assert mock_portal.get_account("KNXY0042")["password"] == "Start1234"
