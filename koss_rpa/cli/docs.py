"""`koss-rpa docs`: where each document installed with koss-rpa is, and its text.

`guides()` is the one list of the documents: the command lists it, and the README's
"Documentation" table is generated from it (`scripts/update_docs_table.py`; a test holds the
README equal to it and every docs/*.md in it). The build copies the files into the package as
`koss_rpa/docs/` (setup.py); an editable install reads them from the source tree.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from koss_rpa.cli.args import invocation
from koss_rpa.errors import KossError
from koss_rpa.i18n import _

PACKAGE = Path(__file__).resolve().parent.parent
#: Between these marks in the README: the generated table.
TABLE_START, TABLE_END = "<!-- docs-table -->", "<!-- /docs-table -->"


class DocumentsMissing(KossError):
    """The documents are not where the installation puts them (a broken install)."""

    code = "docs_missing"


@dataclass(frozen=True)
class Guide:
    """One document: its name for `koss-rpa docs NAME`, its file in the source tree, what it
    covers (in the current language)."""

    name: str
    source: str
    description: str

    @property
    def installed(self) -> str:
        """Its path inside `koss_rpa/docs/`."""
        return self.source.removeprefix("docs/")


def guides() -> list[Guide]:
    """Every document shipped with koss-rpa, in the current language."""
    rows = [
        ("readme", "README.md", _("installing, settings, commands, exit codes, passwords")),
        (
            "scheduling",
            "docs/scheduling.md",
            _("cron, systemd and Task Scheduler set-ups, keyrings on servers, batches"),
        ),
        (
            "real-portal",
            "docs/real-portal.md",
            _("when the real portal changed: check, capture, what to send the developers"),
        ),
        (
            "mock-portal",
            "docs/mock-portal.md",
            _("the mock portal: screens, control API, faults, scenarios, the pytest plugin"),
        ),
        (
            "markup",
            "docs/markup.md",
            _(
                "how the robot finds screens and controls by the manual's words in any markup, "
                "and the assumptions that remain"
            ),
        ),
        (
            "architecture",
            "docs/architecture.md",
            _(
                "the layers of the code (pages, services, flows, jobs, command line) and one "
                "account followed through them"
            ),
        ),
        (
            "reliability",
            "docs/reliability.md",
            _("faults survived, passwords never lost, measured over every fault of the mock"),
        ),
        (
            "manual",
            "docs/reference/manual-matome-nofu-kanri-file-v1.2.md",
            _("the portal manual's text that koss-rpa follows"),
        ),
    ]
    return [Guide(name, source, description) for name, source, description in rows]


def docs_folder() -> tuple[Path, bool]:
    """The folder holding the documents and whether it is the installed copy (else the source
    tree of an editable install)."""
    installed = PACKAGE / "docs"
    if installed.is_dir():
        return installed, True
    return PACKAGE.parent, False


def path_of(guide: Guide) -> Path:
    folder, installed = docs_folder()
    return folder / (guide.installed if installed else guide.source)


def find(name: str) -> Guide:
    """The guide `name` names: its name, file name or source path (`docs/real-portal.md`)."""
    wanted = name.strip().replace("\\", "/").lower()
    for guide in guides():
        source = guide.source.lower()
        if wanted in (
            guide.name,
            source,
            source.rsplit("/", 1)[-1],
            source.rsplit("/", 1)[-1][:-3],
        ):
            return guide
    raise typer.BadParameter(
        _("no document {name!r}: choose one of {names}").format(
            name=name, names=", ".join(g.name for g in guides())
        ),
        param_hint="NAME",
    )


def readme_table() -> str:
    """The README's "Documentation" table (English), marks included."""
    from koss_rpa.i18n import set_language

    set_language("en")
    try:
        lines = ["| file | `koss-rpa docs NAME` | what it covers |", "|---|---|---|"]
        lines += [f"| `{g.source}` | `{g.name}` | {g.description} |" for g in guides()]
    finally:
        set_language(None)
    return "\n".join([TABLE_START, *lines, TABLE_END])


def replace_table(text: str) -> str:
    """`text` (the README) with its documentation table generated anew."""
    start, end = text.index(TABLE_START), text.index(TABLE_END) + len(TABLE_END)
    return text[:start] + readme_table() + text[end:]


def _write_text(text: str) -> None:
    """A document's text on stdout: as text on a terminal (a Windows console takes any
    character), as the file's UTF-8 bytes otherwise (a pipe or file whatever the code page)."""
    stream = sys.stdout
    buffer = getattr(stream, "buffer", None)
    if stream.isatty() or buffer is None:
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")  # a character the terminal lacks: "?", no traceback
        stream.write(text)
        stream.flush()
        return
    stream.flush()
    buffer.write(text.encode("utf-8"))
    buffer.flush()


def docs(
    ctx: typer.Context,
    name: Annotated[
        str | None,
        typer.Argument(
            metavar="NAME", help="A document (e.g. scheduling, real-portal); none: list them all."
        ),
    ] = None,
    show: Annotated[bool, typer.Option("--show", help="Print the document's text.")] = False,
) -> None:
    """Where each document installed with koss-rpa is, or one document's path or text.

    \b
    Examples:
      koss-rpa docs
      koss-rpa docs real-portal --show
    """
    inv = invocation(ctx)
    out = inv.output()
    if name is None:
        if show:
            raise typer.BadParameter(_("--show needs a document's name"), param_hint="--show")
        listed: list[dict[str, Any]] = []
        for guide in guides():
            path = _existing(guide)
            out.line(f"{guide.name:<13} {path}\n{'':<13} {guide.description}")
            listed.append({"name": guide.name, "path": str(path), "description": guide.description})
        out.result("docs", {"documents": listed})
        return
    guide = find(name)
    path = _existing(guide)
    result: dict[str, Any] = {
        "name": guide.name,
        "path": str(path),
        "description": guide.description,
    }
    if show:
        text = path.read_text(encoding="utf-8")
        result["text"] = text
        if not inv.as_json:
            _write_text(text)
    else:
        out.line(str(path))
    out.result("docs", result)


def _existing(guide: Guide) -> Path:
    path = path_of(guide)
    if not path.is_file():
        raise DocumentsMissing(
            _(
                "{path} is missing: koss-rpa was installed without its documents; install it "
                "again, or read {source} in the source distribution"
            ).format(path=path, source=guide.source)
        )
    return path
