"""Journal assertions: filters, counts, and failure messages a person can read."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mock_portal import pytest_plugin
from mock_portal.assertions import JournalQuery, assert_journal, expect_requests, parse_expected
from mock_portal.testing import ControlClient
from tests.mock_portal.server.support import KNOWN_ID, KNOWN_PASSWORD, change_password, login


def _row(
    seq: int,
    method: str,
    path: str,
    screen: str | None,
    outcome: str,
    status: int | None,
    account: str | None = "KNAB1234",
    detail: str | None = None,
) -> dict[str, Any]:
    return {
        "seq": seq,
        "at": "2024-04-01T09:00:00+09:00",
        "method": method,
        "path": path,
        "screen": screen,
        "account": account,
        "outcome": outcome,
        "status": status,
        "detail": detail,
    }


ROWS = [
    _row(1, "GET", "/mypage/login", "login", "page", 200, account=None),
    _row(2, "POST", "/mypage/login", "login", "login_failed", 200),
    _row(3, "POST", "/mypage/login", "login", "login_ok", 303),
    _row(4, "GET", "/mypage", "mypage", "fault:http_500", 500, account=None, detail="before"),
    _row(5, "GET", "/mypage", "mypage", "page", 200),
]


def test_journal_query_should_filter_by_patterns_lists_and_status() -> None:
    assert JournalQuery(ROWS, method="POST").count() == 2
    assert JournalQuery(ROWS, outcome="fault:*").count() == 1
    assert JournalQuery(ROWS, path="/mypage*", status=200).count() == 3
    assert JournalQuery(ROWS, outcome=["login_ok", "login_failed"]).count() == 2
    assert JournalQuery(ROWS, status="5??").count() == 1
    assert JournalQuery(ROWS, account="KNAB1234").where(screen="mypage").count() == 1
    assert [entry.seq for entry in JournalQuery(ROWS, screen="login").entries()] == [1, 2, 3]


def test_journal_query_should_refuse_an_unknown_field() -> None:
    with pytest.raises(TypeError, match=r"unknown journal field.* outcom; use method"):
        JournalQuery(ROWS, outcom="page")


def test_counting_assertions_should_pass_and_return_the_entries() -> None:
    assert [e.seq for e in JournalQuery(ROWS, outcome="login_ok").exactly(1)] == [3]
    assert len(JournalQuery(ROWS, method="POST").at_least(2)) == 2
    assert len(JournalQuery(ROWS, outcome="password_changed").at_most(1)) == 0
    JournalQuery(ROWS, outcome="login_locked").none()


def test_exactly_should_list_the_matches_and_mark_them_in_the_journal() -> None:
    with pytest.raises(AssertionError) as failed:
        expect_requests(ROWS, method="POST", screen="login").exactly(1)
    assert str(failed.value).splitlines() == [
        "expected exactly 1 request matching JournalQuery(method='POST', screen='login'), found 2:",
        "  #2 POST /mypage/login [login] → login_failed 200 account=KNAB1234",
        "  #3 POST /mypage/login [login] → login_ok 303 account=KNAB1234",
        "the whole journal (> marks the matches):",
        "  #1 GET /mypage/login [login] → page 200",
        "> #2 POST /mypage/login [login] → login_failed 200 account=KNAB1234",
        "> #3 POST /mypage/login [login] → login_ok 303 account=KNAB1234",
        "  #4 GET /mypage [mypage] → fault:http_500 500 detail=before",
        "  #5 GET /mypage [mypage] → page 200 account=KNAB1234",
    ]


def test_at_most_and_none_should_say_what_was_expected() -> None:
    with pytest.raises(AssertionError, match=r"^expected at most 1 request matching .*found 2"):
        JournalQuery(ROWS, method="POST").at_most(1)
    with pytest.raises(AssertionError, match=r"^expected exactly 0 requests matching"):
        JournalQuery(ROWS, outcome="fault:*").none()
    with pytest.raises(AssertionError, match=r"^expected at least 3 requests matching"):
        JournalQuery(ROWS, screen="mypage").at_least(3)


def test_assert_journal_should_accept_the_journal_in_order() -> None:
    entries = assert_journal(
        ROWS,
        [
            "GET login page",
            "POST /mypage/login login_failed",
            {"method": "POST", "outcome": "login_*"},
            "GET mypage fault:http_500 500",
            "GET mypage",
        ],
    )
    assert [entry.seq for entry in entries] == [1, 2, 3, 4, 5]


def test_assert_journal_should_show_a_diff_of_expected_and_actual() -> None:
    with pytest.raises(AssertionError) as failed:
        assert_journal(ROWS, ["POST login login_ok", "POST login login_ok"], method="POST")
    assert str(failed.value).splitlines() == [
        "JournalQuery(method='POST'): the journal does not match: 2 requests expected, 2 found",
        "--- expected",
        "+++ actual",
        "@@ -1,2 +1,2 @@",
        "+#2 POST /mypage/login [login] → login_failed 200 account=KNAB1234",
        " POST login login_ok",
        "-POST login login_ok",
        "actual entries:",
        "  #2 POST /mypage/login [login] → login_failed 200 account=KNAB1234",
        "  #3 POST /mypage/login [login] → login_ok 303 account=KNAB1234",
    ]


@pytest.mark.parametrize("item", ["GET", "GET login page 200 extra"])
def test_parse_expected_should_refuse_a_malformed_line(item: str) -> None:
    with pytest.raises(ValueError, match="METHOD TARGET"):
        parse_expected(item)


def test_assertrepr_compare_should_explain_a_failed_comparison(
    pytestconfig: pytest.Config,
) -> None:
    query = JournalQuery(ROWS, screen="mypage")
    expected = ["GET mypage page"]
    assert query != expected
    lines = pytest_plugin.pytest_assertrepr_compare(pytestconfig, "==", query, expected)
    assert lines is not None
    assert lines[0] == "JournalQuery(screen='mypage') == the expected requests"
    assert "+#4 GET /mypage [mypage] → fault:http_500 500 detail=before" in lines
    assert pytest_plugin.pytest_assertrepr_compare(pytestconfig, "==", 1, expected) is None


def test_requests_should_read_the_live_journal(
    mock_portal: ControlClient, web: httpx.Client
) -> None:
    # What a robot's test asserts: one login POST, one password change and no second one.
    assert login(web, KNOWN_ID, KNOWN_PASSWORD).status_code == 303
    assert change_password(web, KNOWN_ID, KNOWN_PASSWORD, "Rotated2024").status_code == 303
    mock_portal.requests(method="POST", screen="login").exactly(1)
    mock_portal.requests(outcome="password_changed").at_most(1)
    assert mock_portal.requests(method="POST") == [
        "POST login login_ok 303",
        "POST password_change password_changed",
    ]
    change_password(web, KNOWN_ID, "Rotated2024", "Rotated2025")
    with pytest.raises(AssertionError, match="found 2"):
        mock_portal.requests(outcome="password_changed").at_most(1)
