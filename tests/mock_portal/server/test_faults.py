"""Injected faults: each kind, phases, counts, probability, and their journal entries."""

from __future__ import annotations

import time

import httpx
import pytest

from mock_portal.testing import ControlClient, PortalServer
from testkit.faultmatrix import wait_until_idle
from tests.mock_portal.server.support import KNOWN_ID, KNOWN_PASSWORD, change_password, login, page


def test_http_500_should_fail_once_then_serve(http: httpx.Client, portal: ControlClient) -> None:
    portal.add_fault("login", "http_500")
    assert http.get("/mypage/login").status_code == 500
    assert http.get("/mypage/login").status_code == 200
    assert [entry["outcome"] for entry in portal.journal()] == ["fault:http_500", "page"]
    assert portal.faults()[0]["fired"] == 1


def test_http_503_should_answer_service_unavailable(
    http: httpx.Client, portal: ControlClient
) -> None:
    portal.add_fault("top", "http_503", times=2)
    assert [http.get("/").status_code for _ in range(3)] == [503, 503, 200]


def test_maintenance_should_show_the_maintenance_page(
    http: httpx.Client, portal: ControlClient
) -> None:
    portal.add_fault("login", "maintenance", times=None)
    for _ in range(3):
        response = http.get("/mypage/login")
        assert response.status_code == 503
        shown = page(response)
        assert shown.h1 == ["ただいまメンテナンス中です"]
        assert any("メンテナンス" in text for text in shown.paragraphs)
    portal.clear_faults()
    assert http.get("/mypage/login").status_code == 200


def test_method_filter_should_spare_other_methods(
    http: httpx.Client, portal: ControlClient
) -> None:
    portal.add_fault("login", "http_500", method="POST")
    assert http.get("/mypage/login").status_code == 200
    assert login(http, KNOWN_ID, KNOWN_PASSWORD).status_code == 500
    assert portal.get_account(KNOWN_ID)["failed_logins"] == 0


def test_phase_before_should_not_process_the_request(
    http: httpx.Client, portal: ControlClient
) -> None:
    portal.add_fault("password_change", "http_500", method="POST")
    assert change_password(http, KNOWN_ID, KNOWN_PASSWORD, "NewPass42").status_code == 500
    assert portal.get_account(KNOWN_ID)["password"] == KNOWN_PASSWORD


def test_phase_after_should_change_the_password_but_lose_the_answer(
    http: httpx.Client, portal: ControlClient
) -> None:
    portal.add_fault("password_change", "http_500", method="POST", phase="after")
    response = change_password(http, KNOWN_ID, KNOWN_PASSWORD, "NewPass42")
    assert response.status_code == 500
    assert portal.get_account(KNOWN_ID)["password"] == "NewPass42"
    outcomes = [entry["outcome"] for entry in portal.journal(screen="password_change")]
    assert outcomes == ["password_changed", "fault:http_500"]
    assert login(http, KNOWN_ID, "NewPass42").headers["location"] == "/mypage"


def test_drop_should_close_the_connection_without_an_answer(
    http: httpx.Client, portal: ControlClient
) -> None:
    portal.add_fault("login", "drop")
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        http.get("/mypage/login")
    assert http.get("/mypage/login").status_code == 200
    entry = portal.journal()[0]
    assert (entry["outcome"], entry["status"]) == ("fault:drop", None)


def test_drop_after_should_log_in_although_the_client_saw_nothing(
    http: httpx.Client, portal: ControlClient
) -> None:
    portal.add_fault("login", "drop", method="POST", phase="after")
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        login(http, KNOWN_ID, KNOWN_PASSWORD)
    assert portal.journal(outcome="login_ok")


def test_truncate_should_cut_the_file_in_half_with_a_matching_length(
    http: httpx.Client, portal: ControlClient
) -> None:
    login(http, KNOWN_ID, KNOWN_PASSWORD)
    whole = http.get("/mypage/download").content
    portal.add_fault("download", "truncate")
    cut = http.get("/mypage/download")
    assert cut.status_code == 200
    assert cut.content == whole[: len(whole) // 2]
    assert int(cut.headers["content-length"]) == len(cut.content)
    assert cut.headers["content-disposition"].startswith("attachment;")
    assert [e["outcome"] for e in portal.journal(screen="download")][-2:] == [
        "download",
        "fault:truncate",
    ]


def test_html_200_should_replace_the_file_with_an_error_page(
    http: httpx.Client, portal: ControlClient
) -> None:
    login(http, KNOWN_ID, KNOWN_PASSWORD)
    portal.add_fault("download", "html_200")
    response = http.get("/mypage/download")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "content-disposition" not in response.headers
    assert page(response).h1 == ["システムエラー"]


def test_delay_should_serve_normally_after_waiting(
    http: httpx.Client, portal: ControlClient
) -> None:
    portal.add_fault("top", "delay", delay_seconds=0.3)
    started = time.monotonic()
    assert http.get("/").status_code == 200
    assert time.monotonic() - started >= 0.3
    assert [entry["outcome"] for entry in portal.journal()] == ["fault:delay", "page"]


def _give_up_on_a_login(base_url: str) -> None:
    """A login the client gives up on after half a second (httpx then closes the connection)."""
    form = {"user_id": KNOWN_ID, "password": KNOWN_PASSWORD}
    with (
        httpx.Client(base_url=base_url, timeout=0.5) as impatient,
        pytest.raises(httpx.ReadTimeout),
    ):
        impatient.post("/mypage/login", data=form)


def test_delay_should_end_unprocessed_when_the_client_goes_away(
    http: httpx.Client, portal: ControlClient, portal_server: PortalServer
) -> None:
    # A browser that gives up on a navigation closes the connection: the held login is dropped
    # at once, and never processed later (it would land in whatever the client does next).
    portal.add_fault("login", "delay", method="POST", delay_seconds=60)

    _give_up_on_a_login(str(http.base_url))
    wait_until_idle(portal_server, timeout=10)  # far less than the 60 seconds of the hold

    assert [entry["outcome"] for entry in portal.journal()] == ["fault:delay"]
    assert portal.get_account(KNOWN_ID)["failed_logins"] == 0


def test_delay_after_should_process_then_stop_holding_when_the_client_goes_away(
    http: httpx.Client, portal: ControlClient, portal_server: PortalServer
) -> None:
    portal.add_fault("login", "delay", method="POST", phase="after", delay_seconds=60)

    _give_up_on_a_login(str(http.base_url))
    wait_until_idle(portal_server, timeout=10)

    assert [entry["outcome"] for entry in portal.journal()] == ["login_ok", "fault:delay"]


def test_delay_should_not_block_other_requests(portal: ControlClient, http: httpx.Client) -> None:
    portal.add_fault("top", "delay", delay_seconds=2)
    with httpx.Client(base_url=str(http.base_url), timeout=0.5) as impatient:
        with pytest.raises(httpx.ReadTimeout):
            impatient.get("/")
        started = time.monotonic()
        assert impatient.get("/mypage/login").status_code == 200
        assert time.monotonic() - started < 0.5


def test_literal_path_should_be_a_target(http: httpx.Client, portal: ControlClient) -> None:
    portal.add_fault("/info/faq", "http_503")
    assert http.get("/info/faq").status_code == 503
    assert http.get("/info/contact").status_code == 200


def test_probability_with_a_seed_should_repeat(portal: ControlClient, http: httpx.Client) -> None:
    def run() -> list[int]:
        portal.clear_faults()
        portal.add_fault("top", "http_503", times=None, probability=0.5, seed=7)
        return [http.get("/").status_code for _ in range(20)]

    first = run()
    assert first == run()
    assert 0 < first.count(503) < 20


def test_fault_should_be_removable_by_id(http: httpx.Client, portal: ControlClient) -> None:
    fault = portal.add_fault("top", "http_500", times=None)
    assert http.get("/").status_code == 500
    response = httpx.delete(f"{http.base_url}/_control/faults/{fault['id']}")
    assert response.status_code == 204
    assert http.get("/").status_code == 200
    assert httpx.delete(f"{http.base_url}/_control/faults/{fault['id']}").status_code == 404


def test_control_api_should_never_be_faulted(http: httpx.Client, portal: ControlClient) -> None:
    response = http.post("/_control/faults", json={"target": "/_control/accounts", "kind": "drop"})
    assert response.status_code == 422
    portal.add_fault("/", "http_500", times=None)
    assert portal.accounts()


@pytest.mark.parametrize(
    "body",
    [
        {"target": "nowhere", "kind": "http_500"},
        {"target": "top", "kind": "explode"},
        {"target": "top", "kind": "delay"},
        {"target": "top", "kind": "http_500", "times": 0},
        {"target": "top", "kind": "http_500", "probability": 2},
        {"target": "top", "kind": "http_500", "phase": "during"},
        {"target": "top", "kind": "http_500", "method": "PUT"},
    ],
)
def test_bad_fault_should_be_refused(http: httpx.Client, body: dict[str, object]) -> None:
    assert http.post("/_control/faults", json=body).status_code == 422
