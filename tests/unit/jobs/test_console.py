"""What a person sees: progress lines, the live batch display, the summary, JSON."""

from __future__ import annotations

import io
import json

import pytest
from rich.console import Console

from koss_rpa.account.roster import AccountEntry
from koss_rpa.errors import LoginRejected
from koss_rpa.flows.batch import AccountReport, BatchReport
from koss_rpa.flows.runtime import Step
from koss_rpa.jobs.console import BatchDisplay, Output


def _capture(output: Output, *, terminal: bool) -> tuple[io.StringIO, io.StringIO]:
    out, err = io.StringIO(), io.StringIO()
    output.out = Console(file=out, force_terminal=terminal, width=120, highlight=False)
    output.err = Console(file=err, force_terminal=terminal, width=120, highlight=False)
    return out, err


def _report() -> BatchReport:
    report = BatchReport(started_at="2026-11-26T09:00:00+09:00", month="2026-11")
    report.accounts = [
        AccountReport("KNAB1234", "本店", "downloaded", file="/d/KNAB1234/2026-11/f.xlsm"),
        AccountReport(
            "KNCA6288", "", "failed", error_code="login_rejected", error="違います", exit_code=10
        ),
    ]
    return report


def test_batch_display_should_draw_a_line_per_account_on_a_terminal() -> None:
    output = Output()
    _, err = _capture(output, terminal=True)
    with BatchDisplay(output, {"KNAB1234": "本店", "KNCA6288": ""}) as display:
        assert display.live
        display.started(AccountEntry(user_id="KNAB1234"))
        display.step(Step("KNAB1234", "login", "Logging in…"))
        display.finished(_report().accounts[1])

    text = err.getvalue()
    assert "KNAB1234 本店" in text
    assert "Logging in…" in text
    assert "failed: login_rejected" in text


def test_batch_display_should_print_plain_lines_without_a_terminal() -> None:
    output = Output()
    _, err = _capture(output, terminal=False)
    with BatchDisplay(output, {"KNAB1234": ""}) as display:
        assert not display.live
        display.step(Step("KNAB1234", "login", "Logging in…"))

    assert err.getvalue().splitlines() == ["[KNAB1234] Logging in…"]


def test_batch_display_summary_should_list_every_account() -> None:
    output = Output()
    out, _ = _capture(output, terminal=False)
    display = BatchDisplay(output, {})

    display.summary(_report())

    table = out.getvalue()
    assert "KNAB1234 本店" in table
    assert "/d/KNAB1234/2026-11/f.xlsm" in table
    assert "login_rejected: 違います" in table


def test_output_should_print_one_json_object_for_an_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    Output(as_json=True).error("download", LoginRejected("違います"))

    captured = capsys.readouterr()
    payload = json.loads(captured.out)
    assert payload == {
        "ok": False,
        "command": "download",
        "exit_code": 10,
        "error": {"code": "login_rejected", "exit_code": 10, "message": "違います"},
    }
    assert captured.err.strip() == "error [login_rejected]: 違います"


AS_IS = [
    "→ [KNAB1234] Opening the portal and its menu…",
    "Saved: /d/KNAB1234/2026-12/まとめ納付管理ファイル_軽自動車OSS用.xlsm",
    "error [login_rejected]: the portal rejected the ID or password",
    "✓ two lines\n    → and a remedy ",
    "[bold]not markup[/bold] \\ 'quoted' \"double\" C:\\Users\\x",
    "trailing spaces   ",
    "",
    "全角　スペース and ｶﾀｶﾅ",
]
THROUGH_RICH = [
    "an :ok: emoji code",
    "a\ttab",
    "a bell\x07",
    "a carriage return\r\n",
    "an escape \x1b[31m",
    "x" * 5000,
]


@pytest.mark.parametrize("text", AS_IS + THROUGH_RICH)
def test_a_line_should_read_as_rich_prints_it(
    text: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`Output` writes plain text itself (rich is not even imported for a download's lines),
    only where rich's console would print it unchanged."""
    for name in ("TTY_COMPATIBLE", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    output = Output()

    output.line(text)
    output.progress(Step(None, "download", text))

    captured = capsys.readouterr()
    assert captured.out == _printed_by_rich(text)
    assert captured.err == _printed_by_rich("→ " + text)
    assert ("out" in output.__dict__) is (text in THROUGH_RICH)  # rich only where it is needed


def _printed_by_rich(text: str) -> str:
    """What `Output`'s consoles printed for `text` into a file (no terminal) before."""
    file = io.StringIO()
    Console(file=file, highlight=False, soft_wrap=True).print(text, markup=False)
    return file.getvalue()


def test_a_batch_display_with_json_should_make_no_console(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A `--json` batch prints its one JSON object alone: no console is made for it (nor rich
    imported in the program)."""
    output = Output(as_json=True)
    with BatchDisplay(output, {"KNAB1234": ""}) as display:
        assert not display.live
        display.step(Step("KNAB1234", "login", "Logging in…"))
        display.finished(_report().accounts[0])
    display.summary(_report())

    assert not {"out", "err"} & set(output.__dict__)
    assert capsys.readouterr() == ("", "")
