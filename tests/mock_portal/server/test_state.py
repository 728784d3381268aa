"""The state and the test server without HTTP: sessions, threads, custom config and seeds."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

import httpx

from mock_portal.accounts import AccountSeed, hash_password, verify_password
from mock_portal.clock import JST
from mock_portal.config import MockConfig
from mock_portal.sessions import SessionStatus, SessionStore
from mock_portal.state import LoginOutcome, PortalState
from mock_portal.testing import ControlClient, serve_in_thread

T0 = datetime(2024, 4, 1, 9, 0, tzinfo=JST)


def test_password_hash_should_be_salted_and_verifiable() -> None:
    first, second = hash_password("Keiji2019"), hash_password("Keiji2019")
    assert first != second
    assert "Keiji2019" not in first
    assert verify_password("Keiji2019", first)
    assert not verify_password("Keiji2018", first)
    assert not verify_password("Keiji2019", "garbage")


def test_session_store_should_prune_idle_sessions_as_it_grows() -> None:
    store = SessionStore()
    idle = timedelta(minutes=30)
    old = [store.create("KNAB1234", T0, idle, None) for _ in range(999)]
    later = T0 + timedelta(hours=1)
    fresh = store.create("KNAB1234", later, idle, None)
    assert store.lookup(old[0], later, idle)[0] is SessionStatus.MISSING
    assert store.lookup(fresh, later, idle)[0] is SessionStatus.VALID


def test_state_should_count_failures_exactly_under_concurrent_logins() -> None:
    state = PortalState(
        MockConfig(lockout_threshold=1_000),
        [AccountSeed(user_id="KNAB1234", password="Keiji2019")],
    )
    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(lambda _: state.login("KNAB1234", "Wrong1234"), range(200)))
    assert {result.outcome for result in outcomes} == {LoginOutcome.FAILED}
    account = state.account("KNAB1234")
    assert account is not None
    assert account.failed_logins == 200


def test_serve_in_thread_should_take_a_config_and_seeds(tmp_path: Path) -> None:
    seeds = tmp_path / "accounts.toml"
    seeds.write_text(
        "[[accounts]]\n"
        'user_id = "KNQQ0001"\n'
        'password = "Seeded123"\n'
        "password_changed_at = 2024-03-01T09:00:00\n"
        "updated_at = 2024-03-01\n",
        encoding="utf-8",
    )
    with (
        serve_in_thread(config=MockConfig(password_valid_days=30), accounts_file=seeds) as server,
        ControlClient(server.url) as control,
    ):
        assert server.url.startswith("http://127.0.0.1:")
        assert not server.url.endswith("/")
        control.set_clock(datetime(2024, 3, 31, 9, 0))
        [account] = control.accounts()
        assert account["password_changed_at"] == "2024-03-01T09:00:00+09:00"
        assert account["bulk_user_id"] == "KIQQ0001"
        with httpx.Client(base_url=server.url) as http:
            response = http.post(
                "/mypage/login", data={"user_id": "KNQQ0001", "password": "Seeded123"}
            )
        assert response.headers["location"] == "/mypage/password/expired"
        control.reset()
        assert control.config()["password_valid_days"] == 30
    assert not server._thread.is_alive()
