"""The documents from the built wheel, outside the source tree and without the `mock` extra:
`koss-rpa docs` names files inside the installed package, and prints one's text."""

from __future__ import annotations

import json
import re
from pathlib import Path

from koss_rpa.cli import docs
from tests.packaging.conftest import ROOT, Venv


def test_docs_should_list_the_installed_files(plain_venv: Venv, elsewhere: Path) -> None:
    done = plain_venv.run("koss-rpa", "docs", "--json", cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    documents = json.loads(done.stdout)["result"]["documents"]
    assert [d["name"] for d in documents] == [g.name for g in docs.guides()]
    for document in documents:
        path = Path(document["path"])
        assert path.is_file(), path
        assert plain_venv.path in path.parents, path  # the installed copy, not the source tree
    listed = plain_venv.run("koss-rpa", "--lang", "en", "docs", cwd=elsewhere)
    assert listed.returncode == 0, listed.stderr
    assert all(d["path"] in listed.stdout for d in documents)


def test_docs_show_should_print_the_text(plain_venv: Venv, elsewhere: Path) -> None:
    expected = (ROOT / "docs" / "real-portal.md").read_bytes()
    # A Japanese Windows' code page on a pipe: the text still comes whole, as UTF-8.
    for env in ({}, {"PYTHONIOENCODING": "cp932"}):
        done = plain_venv.run("koss-rpa", "docs", "real-portal", "--show", cwd=elsewhere, env=env)
        assert done.returncode == 0, done.stderr
        assert done.stdout.encode("utf-8") == expected.replace(b"\r\n", b"\n")


def test_the_mock_portals_help_should_point_at_a_working_docs_command(
    plain_venv: Venv, elsewhere: Path
) -> None:
    help_text = plain_venv.run("koss-mock-portal", "--help", cwd=elsewhere).stdout
    [command] = re.findall(r"koss-rpa docs(?: [\w-]+)?", " ".join(help_text.split()))
    done = plain_venv.run(*command.split(), cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    assert "mock-portal.md" in done.stdout
