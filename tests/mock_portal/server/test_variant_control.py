"""Choosing a markup variant (control API, scenario key, command line, create_app) and changing
the wording of messages (`MockConfig.messages`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from mock_portal import messages
from mock_portal.app import create_app
from mock_portal.scenario import ScenarioError, parse_scenario
from mock_portal.testing import VARIANTS, ControlClient, ControlError, serve_in_thread
from mock_portal.variants import UnknownVariant
from tests.mock_portal.server.support import (
    EXPIRED_ID,
    EXPIRED_PASSWORD,
    KNOWN_ID,
    LOCKED_ID,
    LOCKED_PASSWORD,
    change_password,
    login,
)
from tests.mock_portal.server.test_cli import running

UNSEEN_LOGIN = "入力内容に誤りがあります。もう一度ご確認ください。"
UNSEEN_REFUSAL = "ご指定の内容では登録できません。"


def test_variants_should_be_listed_modern_first() -> None:
    assert VARIANTS[0] == "modern"
    assert len(VARIANTS) >= 8
    assert {"literal", "table", "imagebuttons", "samewindow", "iframe", "sjis", "jslinks"} <= set(
        VARIANTS
    )


def test_control_api_should_get_and_set_the_variant(
    portal: ControlClient, http: httpx.Client
) -> None:
    view = http.get("/_control/variant").json()
    assert (view["variant"], view["start_up"]) == ("modern", "modern")
    assert list(view["variants"]) == list(VARIANTS)
    assert all(view["variants"].values())  # each says what it changes
    assert portal.set_variant("table")["variant"] == "table"
    assert portal.variant() == "table"
    assert portal.config()["variant"] == "table"
    assert '<div class="title">マイページログイン</div>' in http.get("/mypage/login").text
    portal.reset()
    assert portal.variant() == "modern"
    assert "<h1>マイページログイン</h1>" in http.get("/mypage/login").text


def test_unknown_variant_should_be_422_naming_the_valid_ones(
    portal: ControlClient, http: httpx.Client
) -> None:
    answer = http.put("/_control/variant", json={"variant": "fancy"})
    assert answer.status_code == 422
    [error] = answer.json()["detail"]  # the declared 422 body: a list of errors
    assert error["loc"] == ["body", "variant"]
    assert error["msg"].endswith(str(UnknownVariant("fancy")))
    assert all(name in error["msg"] for name in VARIANTS)
    assert http.put("/_control/variant", json={}).status_code == 422
    with pytest.raises(ControlError) as caught:
        portal.update_config(variant="fancy")
    assert caught.value.status_code == 422
    assert portal.variant() == "modern"


def test_variant_routes_should_be_in_the_openapi_document(http: httpx.Client) -> None:
    paths = http.get("/_control/openapi.json").json()["paths"]
    assert {"get", "put"} <= set(paths["/variant"])
    assert "VariantChoice" in str(paths["/variant"]["put"])


def test_reset_should_return_to_the_start_up_variant() -> None:
    with serve_in_thread(variant="sjis") as server, ControlClient(server.url) as control:
        assert control.variant() == "sjis"
        control.set_variant("literal")
        control.reset()
        assert control.variant() == "sjis"
        assert "Shift_JIS" in httpx.get(server.url + "/").headers["content-type"]
    with pytest.raises(UnknownVariant, match="the variants are modern, literal"):
        create_app(variant="fancy")


def test_scenario_key_should_choose_the_variant(portal: ControlClient, tmp_path: Path) -> None:
    scenario = parse_scenario('name = "old"\nvariant = "table"\n')
    assert scenario.variant == "table"
    with pytest.raises(ScenarioError, match="unknown variant 'fancy'"):
        parse_scenario('variant = "fancy"\n')
    (tmp_path / "old.toml").write_text('variant = "imagebuttons"\n', encoding="utf-8")
    portal.use_scenario(tmp_path / "old.toml")
    assert portal.variant() == "imagebuttons"
    portal.use_scenario("expired-password")  # a scenario without the key: the start-up one
    assert portal.variant() == "modern"


def test_command_line_should_start_in_the_chosen_variant() -> None:
    with running("--variant", "iframe") as started:
        url, printed = started.read_until_url()
        assert "Markup variant: iframe" in printed
        framed = httpx.get(url + "/mypage/login", headers={"sec-fetch-dest": "document"})
        assert '<iframe name="main"' in framed.text
        status, _ = started.interrupt()
    assert status == 0
    refused = subprocess.run(
        [sys.executable, "-m", "mock_portal", "--variant", "fancy"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert refused.returncode == 2
    assert "invalid choice: 'fancy'" in refused.stderr


# --- wording overrides ------------------------------------------------------------------------


def test_login_messages_should_take_overridden_wording(
    portal: ControlClient, http: httpx.Client
) -> None:
    portal.update_config(messages={"login_wrong": UNSEEN_LOGIN})
    portal.update_config(messages={"locked": "現在ご利用いただけません。"})
    assert portal.config()["messages"] == {
        "login_wrong": UNSEEN_LOGIN,
        "locked": "現在ご利用いただけません。",
    }
    wrong = login(http, KNOWN_ID, "Wrong2024").text
    assert UNSEEN_LOGIN in wrong
    assert messages.LOGIN_WRONG not in wrong
    assert "現在ご利用いただけません。" in login(http, LOCKED_ID, LOCKED_PASSWORD).text
    assert portal.get_account(KNOWN_ID)["failed_logins"] == 1  # the rules are unchanged
    portal.reset()
    assert messages.LOGIN_WRONG in login(http, KNOWN_ID, "Wrong2024").text


@pytest.mark.parametrize(
    ("new", "confirm"),
    [("Minato2024x", "Other2024x"), ("short1", "short1"), ("Minato2023", "Minato2023")],
    ids=["mismatch", "length", "same_as_current"],
)
def test_every_refusal_of_a_new_password_should_take_the_override(
    portal: ControlClient, http: httpx.Client, new: str, confirm: str
) -> None:
    portal.update_config(
        messages={"password_refused": UNSEEN_REFUSAL, "change_wrong": "照合できません。"}
    )
    refused = change_password(http, EXPIRED_ID, EXPIRED_PASSWORD, new, confirm).text
    assert UNSEEN_REFUSAL in refused
    assert "パスワード" not in UNSEEN_REFUSAL
    wrong = change_password(http, EXPIRED_ID, "Wrong2024", "Minato2024x").text
    assert "照合できません。" in wrong
    assert portal.password_of(EXPIRED_ID) == EXPIRED_PASSWORD


def test_notices_should_take_overridden_wording(portal: ControlClient, http: httpx.Client) -> None:
    portal.update_config(messages={"expired_notice": "期限切れです。", "session_timeout": "再度"})
    forced = login(http, EXPIRED_ID, EXPIRED_PASSWORD)
    assert "期限切れです。" in http.get(forced.headers["location"]).text
    assert "再度" in http.get("/mypage/login?timeout=1").text
    assert messages.EXPIRED_NOTICE not in http.get(forced.headers["location"]).text


def test_unknown_or_empty_message_names_should_be_422(
    portal: ControlClient, http: httpx.Client
) -> None:
    answer = http.patch("/_control/config", json={"messages": {"login_failed": "x"}})
    assert answer.status_code == 422
    assert "unknown message 'login_failed'" in str(answer.json())
    assert all(name in str(answer.json()) for name in messages.OVERRIDABLE)
    assert http.patch("/_control/config", json={"messages": {"locked": " "}}).status_code == 422
    assert portal.config()["messages"] == {}
