"""Every shipped scenario behaves as docs/mock-portal.md says, through HTTP."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from mock_portal import messages
from mock_portal.clock import JST
from mock_portal.faults import SCREEN_PATHS
from mock_portal.scenario import shipped_scenarios
from mock_portal.testing import ControlClient
from tests.mock_portal.server.support import KNOWN_ID, KNOWN_PASSWORD, change_password, login, page

DOC = Path(__file__).resolve().parents[3] / "docs" / "mock-portal.md"
ADMIN_EMAIL = "tsukiji@kyoubashi-car.co.jp"
EVERY_SCREEN_PATH = sorted({path for paths in SCREEN_PATHS.values() for path in paths})


def test_shipped_scenarios_should_be_the_documented_ones() -> None:
    documented = re.findall(r"^### Scenario `([a-z-]+)`", DOC.read_text("utf-8"), re.M)
    assert shipped_scenarios() == sorted(documented)
    assert set(documented) == {
        "first-login",
        "expired-password",
        "locked-account",
        "maintenance-month-end",
        "flaky-portal",
    }


def test_control_api_should_list_the_shipped_scenarios(mock_portal: ControlClient) -> None:
    listed = mock_portal.scenarios()
    assert [item["name"] for item in listed] == shipped_scenarios()
    assert all(item["description"] for item in listed)


@pytest.mark.mock_portal_scenario("first-login")
def test_first_login_should_force_a_change_of_the_temporary_password(
    web: httpx.Client, mock_portal: ControlClient
) -> None:
    answer = login(web, KNOWN_ID, KNOWN_PASSWORD)
    assert answer.headers["location"] == "/mypage/password/expired"
    forced = web.get("/mypage/password/expired")
    assert page(forced).statuses == [messages.TEMPORARY_NOTICE]
    assert web.get("/mypage").headers["location"] == "/mypage/password/expired"

    path = "/mypage/password/expired"
    assert change_password(web, KNOWN_ID, KNOWN_PASSWORD, "First2024x", path=path).is_redirect
    assert login(web, KNOWN_ID, "First2024x").headers["location"] == "/mypage"
    mock_portal.requests(outcome="login_must_change").exactly(1)
    assert mock_portal.get_account(KNOWN_ID)["must_change"] is False


@pytest.mark.mock_portal_scenario("expired-password")
def test_expired_password_should_lead_to_the_forced_change(
    web: httpx.Client, mock_portal: ControlClient
) -> None:
    assert mock_portal.get_account(KNOWN_ID)["password_age_days"] == pytest.approx(60, abs=0.01)
    assert login(web, KNOWN_ID, KNOWN_PASSWORD).headers["location"] == "/mypage/password/expired"
    assert page(web.get("/mypage/password/expired")).statuses == [messages.EXPIRED_NOTICE]
    mock_portal.requests(method="POST", screen="login", outcome="login_expired").exactly(1)


@pytest.mark.mock_portal_scenario("locked-account")
def test_locked_account_should_refuse_the_right_password_until_reset(
    web: httpx.Client, mock_portal: ControlClient
) -> None:
    refused = login(web, KNOWN_ID, KNOWN_PASSWORD)
    assert page(refused).alerts == [messages.LOCKED]
    reset = web.post("/mypage/reset", data={"user_id": KNOWN_ID, "admin_email": ADMIN_EMAIL})
    assert page(reset).statuses == [messages.RESET_SENT]
    temporary = mock_portal.get_account(KNOWN_ID)["temporary_password"]
    assert login(web, KNOWN_ID, temporary).headers["location"] == "/mypage/password/expired"
    assert [e.outcome for e in mock_portal.entries(method="POST")] == [
        "login_locked",
        "reset_ok",
        "login_must_change",
    ]


@pytest.mark.mock_portal_scenario("maintenance-month-end")
def test_maintenance_month_end_should_close_every_screen_from_23_to_24(
    web: httpx.Client, mock_portal: ControlClient
) -> None:
    assert mock_portal.now() == datetime(2024, 3, 31, 22, 50, tzinfo=JST)

    def statuses() -> set[int]:
        return {web.get(path).status_code for path in EVERY_SCREEN_PATH}

    assert 503 not in statuses()
    mock_portal.advance_clock(seconds=10 * 60)  # 23:00
    assert statuses() == {503}
    assert page(web.get("/mypage/login")).h1 == [messages.MAINTENANCE_TITLE]
    assert {fault["kind"] for fault in mock_portal.faults()} == {"maintenance"}
    mock_portal.advance_clock(seconds=59 * 60 + 59)  # 23:59:59
    assert statuses() == {503}
    mock_portal.advance_clock(seconds=1)  # 2024-04-01 00:00: over
    assert 503 not in statuses()
    assert mock_portal.faults() == []
    assert login(web, KNOWN_ID, KNOWN_PASSWORD).headers["location"] == "/mypage"


def _outcomes(web: httpx.Client, count: int) -> list[int | str]:
    seen: list[int | str] = []
    for _ in range(count):
        try:
            seen.append(web.get("/mypage/login").status_code)
        except httpx.TransportError:
            seen.append("drop")
    return seen


@pytest.mark.mock_portal_scenario("flaky-portal")
def test_flaky_portal_should_fail_at_random_but_repeatably(
    web: httpx.Client, mock_portal: ControlClient
) -> None:
    first = _outcomes(web, 40)
    assert set(first) == {200, 500, "drop"}
    assert 4 <= first.count(500) <= 14  # p = 0.2 of 40
    assert first.count(200) >= 20
    mock_portal.requests(outcome="fault:http_500").exactly(first.count(500))
    mock_portal.requests(outcome="fault:drop").exactly(first.count("drop"))

    mock_portal.use_scenario("flaky-portal")
    assert _outcomes(web, 40) == first
