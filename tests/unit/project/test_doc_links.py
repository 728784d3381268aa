"""Every reference in README.md and docs/ resolves inside the repository."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
DOCS = sorted((ROOT / "docs").rglob("*.md"))
#: `[text](target)` and `![alt](target)`, outside code spans.
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)
CODE = re.compile(r"`[^`\n]*`")


def links(path: Path) -> list[str]:
    text = CODE.sub("", FENCE.sub("", path.read_text("utf-8")))
    return LINK.findall(text)


def anchors(path: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    text = FENCE.sub("", path.read_text("utf-8"))
    found = set()
    for heading in re.findall(r"^#{1,6} +(.+?) *$", text, re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        found.add(slug)
    return found


def relative(target: str) -> bool:
    return not re.match(r"^[a-z][a-z0-9+.\-]*:", target, re.I)


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_should_resolve_inside_the_repository(doc: Path) -> None:
    for target in filter(relative, links(doc)):
        file_part, _hash, anchor = target.partition("#")
        resolved = (doc.parent / file_part).resolve() if file_part else doc
        assert resolved.is_relative_to(ROOT), f"{doc.name}: {target} points outside"
        assert resolved.exists(), f"{doc.name}: {target} does not exist"
        if anchor and resolved.suffix == ".md":
            assert anchor in anchors(resolved), f"{doc.name}: no heading for #{anchor}"


def test_readme_should_link_nothing_relative_as_it_is_the_package_page() -> None:
    # Relative links break on a package index; the README names the docs instead.
    assert [t for t in links(ROOT / "README.md") if relative(t)] == []


@pytest.mark.parametrize("doc", [ROOT / "README.md", *DOCS], ids=lambda p: p.name)
def test_docs_should_name_no_file_outside_the_repository(doc: Path) -> None:
    text = doc.read_text("utf-8")
    assert "../shared" not in text
    assert "DESIGN.md" not in text


def test_every_file_named_in_the_readme_should_exist() -> None:
    named = re.findall(r"`((?:docs|scripts|bench)/[^`\s]+)`", (ROOT / "README.md").read_text())
    assert named
    for name in named:
        assert (ROOT / name).exists(), name
