"""`--screens DIR`: captured screens served in place of the mock's own, with the mock's rules."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from koss_rpa.evidence.sanitise import PLACEHOLDERS as CAPTURE_PLACEHOLDERS
from mock_portal.playback import PLACEHOLDERS, ScreensError, load_screens
from mock_portal.testing import ControlClient, ControlError
from tests.mock_portal.server.test_cli import running

#: A login screen as an older portal might write it: a table, its own field names, a script
#: link for ログイン, a hidden token, and a message box with the capture's stale message.
LOGIN = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>ログイン</title></head><body>
<table><tr><td><b>マイページログイン</b></td></tr></table>
<p class="msg" role="alert">古いメッセージ</p>
<form name="f1" action="https://portal.example/Login.do;jsessionid=x" method="post">
<input type="hidden" name="token" value="x">
<table>
<tr><th>納付利用者ID</th><td><input type="text" name="loginId" size="10"></td></tr>
<tr><th>納付利用者パスワード</th><td><input type="password" name="passwd"></td></tr>
</table>
<a href="javascript:document.f1.submit()">ログイン</a>
<a href="https://portal.example/PwChange.do">パスワード変更</a>
</form></body></html>"""
MYPAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>マイページ</title></head><body>
<h1>マイページ</h1><a href="https://portal.example/Dl.do?id=x">まとめ納付管理ファイル</a>
<table><tr><th>納付利用者ID</th><td>KNXX0000</td></tr><tr><th>氏名</th><td>見本 太郎</td></tr>
</table><a href="javascript:logout()">終了</a></body></html>"""


def write_capture(folder: Path, pages: dict[str, str]) -> Path:
    folder.mkdir()
    screens = []
    for n, (screen, html) in enumerate(pages.items(), start=1):
        name = f"{n:02d}-{screen}.html"
        (folder / name).write_text(html, encoding="utf-8")
        screens.append({"screen": screen, "file": name, "path": "/", "title": screen})
    (folder / "manifest.json").write_text(json.dumps({"format": 1, "screens": screens}), "utf-8")
    return folder


def test_placeholders_should_be_the_captures_own() -> None:
    assert PLACEHOLDERS == CAPTURE_PLACEHOLDERS


def test_captured_login_should_be_served_with_the_mocks_names_and_messages(
    portal: ControlClient, http: httpx.Client, tmp_path: Path
) -> None:
    served = portal.use_screens(write_capture(tmp_path / "c", {"login": LOGIN}))
    assert served["served"] == ["login"]
    assert "top" in served["missing"]

    page = http.get("/mypage/login").text
    assert "古いメッセージ" not in page
    assert 'name="user_id"' in page
    assert 'name="password"' in page
    assert 'formaction="/mypage/login"' in page
    assert 'href="/mypage/password"' in page
    wrong = http.post("/mypage/login", data={"user_id": "KNAB1234", "password": "Wrong1234"})
    assert "納付利用者IDまたは納付利用者パスワードが正しくありません。" in wrong.text
    assert '<div role="alert">' in wrong.text
    assert 'value="KNAB1234"' in wrong.text
    right = http.post("/mypage/login", data={"user_id": "KNAB1234", "password": "Keiji2019"})
    assert right.status_code == 303
    assert [e["outcome"] for e in portal.journal(method="POST")] == ["login_failed", "login_ok"]


def test_captured_mypage_should_show_the_logged_in_account(
    portal: ControlClient, http: httpx.Client, tmp_path: Path
) -> None:
    portal.use_screens(write_capture(tmp_path / "c", {"mypage": MYPAGE}))
    http.post("/mypage/login", data={"user_id": "KNAB1234", "password": "Keiji2019"})

    page = http.get("/mypage").text

    assert "KNAB1234" in page
    assert "軽自 太郎" in page
    assert "KNXX0000" not in page
    assert 'href="/mypage/download"' in page
    assert 'formaction="/mypage/logout"' in page
    # A screen the folder lacks is the mock's own.
    assert "事前の準備が整った方" in http.get("/").text


def test_reset_should_stop_serving_a_capture(
    portal: ControlClient, http: httpx.Client, tmp_path: Path
) -> None:
    portal.use_screens(write_capture(tmp_path / "c", {"login": LOGIN}))
    portal.reset()

    assert "loginId" not in http.get("/mypage/login").text
    assert "パスワード表示" in http.get("/mypage/login").text


@pytest.mark.parametrize(
    ("manifest", "reason"),
    [
        (None, "no such file: not a capture folder"),
        ("{not json", "not JSON"),
        ('{"screens": 3}', "no 'screens' list"),
        ('{"screens": [{"file": "a.html"}]}', "no 'screen' name"),
        ('{"screens": [{"screen": "login", "file": "../x.html"}]}', "file in the folder"),
        ('{"screens": [{"screen": "login", "file": "gone.html"}]}', "cannot read gone.html"),
    ],
)
def test_a_malformed_manifest_should_be_refused_with_its_reason(
    portal: ControlClient, tmp_path: Path, manifest: str | None, reason: str
) -> None:
    folder = tmp_path / "c"
    folder.mkdir()
    if manifest is not None:
        (folder / "manifest.json").write_text(manifest, encoding="utf-8")

    with pytest.raises(ScreensError, match=reason):
        load_screens(folder)
    # No manifest: no capture there (404); a capture that cannot be used: 422.
    with pytest.raises(ControlError, match="404" if manifest is None else "422"):
        portal.use_screens(folder)


def test_command_should_refuse_a_name_too_long_in_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mock_portal", "--screens", str(tmp_path / ("a" * 300))],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert (result.returncode, result.stdout) == (2, "")
    [line] = result.stderr.splitlines()
    assert line.startswith("koss-mock-portal: cannot use screens:")
    assert "not a folder" in line


def test_command_should_exit_2_on_a_malformed_manifest(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "manifest.json").write_text("[]", encoding="utf-8")

    result = subprocess.run(
        [sys.executable, "-m", "mock_portal", "--screens", str(folder)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert result.returncode == 2
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("koss-mock-portal: cannot use screens")
    assert "no 'screens' list" in line


def test_command_should_say_which_screens_fall_back_to_the_mocks_own(tmp_path: Path) -> None:
    folder = write_capture(tmp_path / "c", {"login": LOGIN})
    with running("--screens", str(folder)) as started:
        url, printed = started.read_until_url()
        assert "Screens:" in printed
        assert "captured: login" in printed
        assert "the mock's own rendering for: top, password_change" in printed
        assert 'name="user_id"' in httpx.get(url + "/mypage/login").text
        status, _ = started.interrupt()
    assert status == 0


def test_a_scenario_should_serve_screens(
    portal: ControlClient, http: httpx.Client, tmp_path: Path
) -> None:
    folder = write_capture(tmp_path / "c", {"login": LOGIN})
    scenario = tmp_path / "captured.toml"
    scenario.write_text(f'name = "captured"\nscreens = {json.dumps(str(folder))}\n', "utf-8")

    portal.use_scenario(scenario)

    assert 'name="user_id"' in http.get("/mypage/login").text
