"""Keep the message catalogs in step with the `_()` calls in koss_rpa/.

Every string literal passed to `_()` under `koss_rpa/` is a message id, and so is every
paragraph of the CLI's help texts (`koss_rpa.cli.help.help_msgids`). This script extracts them
with Babel and merges them into `koss_rpa/locale/{ja,en}/LC_MESSAGES/koss_rpa.po`:

- existing translations are kept;
- new message ids are added untranslated (empty `msgstr`; never guessed from a similar one);
- message ids no longer in the code are dropped.

Then it lists what still needs a person: untranslated (or `fuzzy`) entries, and translations
whose `{placeholders}` differ from their message id's (the code calls `.format()` on the
translation, so each one must keep every placeholder exactly, `{age:.0f}` and `{value!r}` too).

Usage (from the repository root, with the test extra installed, which brings Babel)::

    .venv/bin/python scripts/update_catalogs.py            # update both .po files, list gaps
    .venv/bin/python scripts/update_catalogs.py --fill-en  # also copy new ids as English text
    .venv/bin/python scripts/update_catalogs.py --check    # change nothing; exit 1 on any gap

Then translate the listed entries in the `.po` files (the `msgstr` lines) and run `--check`
again. `tests/unit/foundation/test_i18n.py` makes the same checks. The `.mo` files are not
needed: koss_rpa reads the `.po` files directly.

Exit status: 0 when every message id has a Japanese and an English translation with the same
placeholders and no catalog holds an obsolete entry; 1 otherwise; 2 on a usage error.
"""

from __future__ import annotations

import argparse
import io
import sys
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from koss_rpa.i18n import placeholders

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "koss_rpa"
# The same values as koss_rpa.i18n; not imported, so the script runs even while the package is
# mid-edit.
DOMAIN = "koss_rpa"
LOCALE_DIR = PACKAGE / "locale"
LANGUAGES = ("ja", "en")
LANGUAGE_NAMES = {"ja": "Japanese", "en": "English"}
HEADER_COMMENT = """\
# {name} messages of koss-rpa.
# Updated by scripts/update_catalogs.py (see its docstring); translate the msgstr lines.
# Keep every {{placeholder}} of a msgid in its msgstr, exactly."""


def catalog_path(lang: str) -> Path:
    """The `.po` file of `lang`."""
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def extract_template(package: Path = PACKAGE) -> Catalog:
    """Every message id passed to `_()` in the package's Python files, with where it is used."""
    with (ROOT / "pyproject.toml").open("rb") as fp:
        project = tomllib.load(fp)["project"]
    template = Catalog(
        domain=DOMAIN,
        project=project["name"],
        version=project["version"],
        msgid_bugs_address="the koss-rpa issue tracker",
        fuzzy=False,
    )
    found = extract_from_dir(
        package, method_map=[("**.py", "python")], keywords={"_": None}, comment_tags=()
    )
    for filename, lineno, message, comments, _context in found:
        if not isinstance(message, str):  # only `_("...")` is used; no plurals
            continue
        location = (f"{package.name}/{Path(filename).as_posix()}", lineno)
        existing = template.get(message)
        if existing is None:
            template.add(message, locations=[location], auto_comments=comments)
        else:
            existing.locations.append(location)
    # The CLI's help texts (docstrings and help=) are message ids too, a paragraph each: see
    # koss_rpa/cli/help.py.
    from koss_rpa.cli.help import help_msgids

    for message in help_msgids():
        if template.get(message) is None:
            template.add(message, locations=[(f"{package.name}/cli/app.py", 0)])
    return template


@dataclass
class Report:
    """What one catalog lacks after the merge."""

    lang: str
    added: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    untranslated: list[tuple[str, str]] = field(default_factory=list)  # (msgid, where)
    mismatched: list[tuple[str, str]] = field(default_factory=list)  # (msgid, msgstr)

    @property
    def gaps(self) -> bool:
        return bool(self.untranslated or self.mismatched)


def read_catalog(lang: str) -> Catalog | None:
    """The current catalog of `lang`, or None when there is none yet."""
    path = catalog_path(lang)
    if not path.is_file():
        return None
    with path.open("rb") as fp:
        return read_po(fp, locale=lang, domain=DOMAIN, abort_invalid=True)


def merge(template: Catalog, lang: str, *, fill_en: bool) -> tuple[Catalog, Report]:
    """The catalog of `lang` updated to the template's message ids, and what changed."""
    catalog = read_catalog(lang)
    if catalog is None:
        catalog = Catalog(
            locale=lang,
            domain=DOMAIN,
            header_comment=HEADER_COMMENT.format(name=LANGUAGE_NAMES.get(lang, lang)),
            last_translator="koss-rpa developers",
            language_team=LANGUAGE_NAMES.get(lang, lang),
            creation_date=template.creation_date,
            fuzzy=False,
        )
    catalog.project, catalog.version = template.project, template.version
    catalog.msgid_bugs_address = template.msgid_bugs_address
    before = {str(m.id) for m in catalog if m.id}
    catalog.update(template, no_fuzzy_matching=True, update_creation_date=False)
    # `update` keeps dropped entries as `#~` lines; the code no longer needs them.
    catalog.obsolete.clear()
    report = Report(lang)
    for message in catalog:
        if not message.id:
            continue
        msgid = str(message.id)
        if msgid not in before:
            report.added.append(msgid)
        if fill_en and lang == "en" and not message.string:
            message.string = msgid
    report.dropped = sorted(before - {str(m.id) for m in catalog if m.id})
    _collect_gaps(catalog, report)
    return catalog, report


def _collect_gaps(catalog: Catalog, report: Report) -> None:
    for message in catalog:
        if not message.id:
            continue
        msgid, msgstr = str(message.id), str(message.string or "")
        if not msgstr or message.fuzzy:
            where = ", ".join(f"{f}:{n}" for f, n in message.locations[:2])
            report.untranslated.append((msgid, where))
        elif placeholders(msgstr) != placeholders(msgid):
            report.mismatched.append((msgid, msgstr))


def render(catalog: Catalog) -> bytes:
    """The `.po` text: file names without line numbers, so that edits elsewhere do not churn."""
    out = io.BytesIO()
    write_po(out, catalog, ignore_obsolete=True, include_lineno=False, width=100)
    return out.getvalue()


def write_if_changed(catalog: Catalog, path: Path) -> bool:
    """Write the catalog when its content changed; the revision date moves only then."""
    old = path.read_bytes() if path.is_file() else None
    if old is not None and render(catalog) == old:
        return False
    catalog.revision_date = datetime.now(UTC)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(render(catalog))
    return True


def _print_list(title: str, items: Iterable[str]) -> None:
    lines = list(items)
    if lines:
        print(f"  {title} ({len(lines)}):")
        for line in lines:
            print(f"    {line}")


def print_report(report: Report, *, total: int, written: bool | None) -> None:
    """A summary of one catalog, then every entry that needs a person."""
    state = {None: "checked", True: "updated", False: "unchanged"}[written]
    translated = total - len(report.untranslated)
    name = LANGUAGE_NAMES.get(report.lang, report.lang)
    verb_added, verb_dropped = ("missing", "obsolete") if written is None else ("new", "dropped")
    print(
        f"{report.lang} ({name}): {catalog_path(report.lang).relative_to(ROOT)} {state}; "
        f"{translated}/{total} translated; {len(report.added)} {verb_added}, "
        f"{len(report.dropped)} {verb_dropped}"
    )
    verb = "obsolete, would drop" if written is None else "dropped (no longer in the code)"
    _print_list(verb, (repr(m) for m in report.dropped))
    _print_list(
        "not translated (or fuzzy)", (f"{m!r}  [{where}]" for m, where in report.untranslated)
    )
    _print_list(
        "placeholders differ from the msgid",
        (f"{m!r}\n      -> {s!r}" for m, s in report.mismatched),
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Update (or with --check, verify) the catalogs; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--check",
        action="store_true",
        help="change nothing; exit 1 if a msgid lacks a ja or en translation, a placeholder "
        "differs, or a catalog holds a msgid no longer in the code",
    )
    parser.add_argument(
        "--fill-en",
        action="store_true",
        help="give untranslated English entries their msgid as text (the ids are English)",
    )
    args = parser.parse_args(argv)
    if args.check and args.fill_en:
        parser.error("--fill-en changes the catalogs; it cannot go with --check")

    template = extract_template()
    total = sum(1 for m in template if m.id)
    print(f"{total} message ids in {PACKAGE.relative_to(ROOT)}/")
    failed = False
    for lang in LANGUAGES:
        catalog, report = merge(template, lang, fill_en=args.fill_en)
        written = None if args.check else write_if_changed(catalog, catalog_path(lang))
        print_report(report, total=total, written=written)
        # Without --check the added and dropped entries are already merged; with it they are
        # what the catalog on disk gets wrong.
        failed = failed or report.gaps or (args.check and bool(report.added or report.dropped))
    if failed:
        hint = "" if args.check else "; translate them in the .po files and run --check"
        print(f"catalogs incomplete{hint}")
    else:
        print("catalogs complete")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
