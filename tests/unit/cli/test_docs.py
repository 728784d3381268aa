"""`koss-rpa docs`: one list of the documents, the README's table generated from it, every
docs/*.md in it, and each name answering with its path and text (from the source tree here;
tests/packaging/test_docs.py runs it from the built wheel)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from koss_rpa.cli import docs
from koss_rpa.cli.app import main

ROOT = Path(__file__).resolve().parents[3]


def test_readme_table_should_be_the_generated_one() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    assert docs.readme_table() in readme  # else: python scripts/update_docs_table.py
    section = readme.split("## Documentation", 1)[1].split("\n## ", 1)[0]
    assert docs.TABLE_START in section


def test_every_document_should_be_listed() -> None:
    shipped = {"README.md"} | {
        p.relative_to(ROOT).as_posix()
        for pattern in ("docs/*.md", "docs/reference/*.md")
        for p in ROOT.glob(pattern)
    }
    assert {g.source for g in docs.guides()} == shipped
    assert "docs/real-portal.md" in shipped


def test_names_should_be_unique_and_each_file_should_exist() -> None:
    names = [g.name for g in docs.guides()]
    assert len(names) == len(set(names))
    for guide in docs.guides():
        assert docs.path_of(guide).is_file(), guide


@pytest.mark.parametrize(
    "name", ["real-portal", "docs/real-portal.md", "real-portal.md", "Real-Portal"]
)
def test_a_name_should_find_its_document(name: str) -> None:
    assert docs.find(name).source == "docs/real-portal.md"


def test_docs_should_list_every_path(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "en", "docs"]) == 0
    out = capsys.readouterr().out
    for guide in docs.guides():
        assert str(docs.path_of(guide)) in out
        assert guide.description in out


def test_docs_json_should_list_existing_files(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["docs", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["ok"] is True
    documents = payload["result"]["documents"]
    assert [d["name"] for d in documents] == [g.name for g in docs.guides()]
    assert all(Path(d["path"]).is_file() for d in documents)


def test_docs_name_should_print_the_path_and_show_the_text(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["docs", "scheduling"]) == 0
    path = Path(capsys.readouterr().out.strip())
    assert path.name == "scheduling.md"
    assert main(["docs", "real-portal", "--show"]) == 0
    assert capsys.readouterr().out == (ROOT / "docs/real-portal.md").read_text("utf-8")


@pytest.mark.parametrize("argv", [["docs", "nosuch"], ["docs", "--show"]])
def test_a_wrong_name_should_be_a_usage_error(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--lang", "en", "--json", *argv]) == 2
    captured = capsys.readouterr()
    assert json.loads(captured.out)["ok"] is False
    if "nosuch" in argv:
        assert re.search(r"choose one of readme, scheduling, real-portal", captured.err)


def test_help_should_name_the_docs_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lang", "en", "--help"]) == 0
    assert "Documents: koss-rpa docs" in capsys.readouterr().out


def test_a_missing_document_should_say_so(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(docs, "PACKAGE", tmp_path / "koss_rpa")
    assert main(["--lang", "en", "docs", "markup"]) == 1
    assert "installed without its documents" in capsys.readouterr().err
