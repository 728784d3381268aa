"""evidence.sanitise and jobs.capture without a browser: canaries in every encoding, the
screens told by their words, the capture folder checked before anything starts."""

from __future__ import annotations

import html
import json
from pathlib import Path
from urllib.parse import quote

import pytest

from koss_rpa.cli.app import main
from koss_rpa.errors import CaptureDirNotEmpty, FolderNotWritable
from koss_rpa.evidence.sanitise import Known, learn, sanitise
from koss_rpa.jobs.capture import Capturer, RawScreen, classify, prepare_folder
from testkit.leaks import every_encoding

PASSWORD = "Canary7Pass9"
TOKEN = "tok3nCanaryAbCdEf0123456789"
USER_ID = "KNCN0042"
NAME = "漏洩 花子"
KANA = "ロウエイ ハナコ"
EMAIL = "canary.leak@dealer-example.jp"
ACCOUNT_ID = "KKCN0099"
CANARIES = [PASSWORD, TOKEN, USER_ID, NAME, NAME.replace(" ", ""), KANA, EMAIL, ACCOUNT_ID]


def assert_no_canary(data: bytes, where: str) -> None:
    for canary in CANARIES:
        for name, form in every_encoding(canary).items():
            assert form not in data, f"{canary!r} ({name}) in {where}"


#: A マイページ holding every canary, in every place and encoding a page can hold it.
PAGE = f"""<!DOCTYPE html><html><head><meta charset="Shift_JIS">
<meta name="csrf-token" content="{TOKEN}"><title>マイページ {USER_ID}</title>
<script>var session = "{TOKEN}"; var who = {json.dumps(NAME)};</script>
<script src="/static/app.js?sid={TOKEN}"></script></head><body>
<!-- debug: {USER_ID} {PASSWORD} -->
<h1>マイページ</h1>
<a href="/mypage/download?token={TOKEN}&amp;u={quote(USER_ID)}">まとめ納付管理ファイル</a>
<a href="/x;jsessionid={TOKEN}">link</a>
<form action="/mypage/logout?sid={TOKEN}" method="post" onsubmit="go('{TOKEN}')">
<input type="hidden" name="t" value="{TOKEN}">
<input type="text" name="id" value="{USER_ID}">
<input type="password" name="pw" value="{PASSWORD}">
<input type="text" name="mail" value="{html.escape(EMAIL)}">
<textarea name="note">{PASSWORD} {NAME}</textarea>
<input type="submit" value="終了"><button type="button">最新の情報に更新</button>
</form>
<table><tr><th>納付利用者ID</th><td>{USER_ID}</td></tr>
<tr><th>氏名（フリガナ）</th><td>{KANA}</td></tr>
<tr><th>氏名</th><td>{"".join(f"&#{ord(c)};" for c in NAME)}</td></tr>
<tr><th>利用者管理用メールアドレス</th><td>{EMAIL}</td></tr></table>
<table><tr><th>口座ID</th><th>口座名義（フリガナ）</th></tr><tr><td>{ACCOUNT_ID}</td><td>ﾛｳｴｲ</td></tr></table>
<div data-state="{TOKEN}" data-name="{NAME.replace(" ", "")}">{NAME.replace(" ", "　")}</div>
</body></html>"""


def known() -> Known:
    found = Known()
    found.add("納付利用者ID", USER_ID)
    found.add_secret(PASSWORD)
    found.add_secret(TOKEN)
    learn(PAGE, found)
    return found


def test_sanitise_should_leave_no_canary_in_any_encoding() -> None:
    clean = sanitise(PAGE, known())

    assert_no_canary(clean.encode("utf-8"), "the sanitised page")
    assert_no_canary(clean.encode("utf-16"), "the sanitised page as UTF-16")


def test_sanitise_should_keep_the_words_and_the_placeholders() -> None:
    clean = sanitise(PAGE, known())

    for words in ("マイページ", "まとめ納付管理ファイル", 'value="終了"', "最新の情報に更新"):
        assert words in clean
    for placeholder in ("KNXX0000", "ミホン タロウ", "見本 太郎", "KKXX0000", "example.invalid"):
        assert placeholder in clean
    assert 'charset="utf-8"' in clean
    assert "Content-Security-Policy" in clean
    assert "script-src 'none'" in clean
    assert "var session" not in clean


def test_capturer_should_write_sanitised_screens_and_a_manifest(tmp_path: Path) -> None:
    capturer = Capturer(tmp_path)
    capturer.known.add("納付利用者ID", USER_ID)
    capturer.known.add_secret(PASSWORD)
    capturer.known.add_secret(TOKEN)
    at = __import__("datetime").datetime(2026, 11, 1)
    url = f"https://portal.example/mypage/{USER_ID}?sid={TOKEN}"
    capturer.screens.append(RawScreen(PAGE, url, f"マイページ {NAME}", "Shift_JIS", "main", at))

    [entry] = capturer.write()

    assert entry["screen"] == "mypage"
    assert entry["path"] == "/mypage/KNXX0000"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["01-mypage.html", "manifest.json"]
    for path in tmp_path.iterdir():
        assert_no_canary(path.read_bytes(), path.name)


def test_capturer_should_withhold_a_page_a_secret_survives_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Should sanitising ever miss a secret, the last check still keeps it off the disk.
    monkeypatch.setattr("koss_rpa.jobs.capture.sanitise", lambda text, known: text)
    capturer = Capturer(tmp_path)
    capturer.known.add_secret(PASSWORD)
    at = __import__("datetime").datetime(2026, 11, 1)
    page = f"<html><body><p>{quote(PASSWORD)}</p></body></html>"
    capturer.screens.append(RawScreen(page, "https://p.example/", "t", "UTF-8", "main", at))

    [entry] = capturer.write()

    assert entry["withheld"] is True
    assert entry["file"] is None
    assert [p.name for p in tmp_path.iterdir()] == ["manifest.json"]


@pytest.mark.parametrize(
    ("words", "screen"),
    [
        ("<h1>パスワード変更結果通知</h1><p>正常に変更されました。</p>", "password_result"),
        ("<h1>パスワード変更</h1><label>新しいパスワード</label>", "password_change"),
        ("<b>マイページログイン</b> 納付利用者パスワード <a>パスワード変更</a>", "login"),
        ("<h2>マイページ</h2><a>まとめ納付管理ファイル</a>", "mypage"),
        ('<a><img alt="まとめ納付管理ファイル"></a> 利用者管理用メールアドレス', "mypage"),
        ('<input type="password"><input type="image" alt="ログイン">納付利用者パスワード', "login"),
        ("<a>事前の準備が整った方</a>", "top"),
        ("<p>ただいまメンテナンス中です</p>", "maintenance"),
        ("<title>何か</title><p>別の画面</p>", "page"),
    ],
)
def test_classify_should_tell_the_screen_by_its_words(words: str, screen: str) -> None:
    assert classify(f"<html><body>{words}</body></html>")[0] == screen


def test_prepare_folder_should_refuse_a_folder_with_files_unless_forced(tmp_path: Path) -> None:
    (tmp_path / "01-login.html").write_text("old", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")

    with pytest.raises(CaptureDirNotEmpty):
        prepare_folder(tmp_path, force=False)
    prepare_folder(tmp_path, force=True)

    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_prepare_folder_should_refuse_a_folder_it_cannot_write(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")

    with pytest.raises(FolderNotWritable):
        prepare_folder(blocker / "capture", force=False)


def test_cli_should_check_the_capture_folder_before_any_browser_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_browser(*args: object, **kwargs: object) -> None:
        raise AssertionError("a browser was started")

    monkeypatch.setattr("koss_rpa.flows.browser.start_driver", no_browser)
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    full = tmp_path / "full"
    full.mkdir()
    (full / "x.html").write_text("x", encoding="utf-8")
    base = ["--lang", "en"]

    assert main([*base, "capture", str(blocker / "c")]) == FolderNotWritable.exit_code == 6
    assert "cannot be written" in capsys.readouterr().err
    args = ["download", "--user-id", "KNAB1234", "--capture", str(full)]
    assert main([*base, *args]) == CaptureDirNotEmpty.exit_code
    assert "--force" in capsys.readouterr().err
    assert main([*base, "check", "--capture", str(blocker / "c")]) == 6
