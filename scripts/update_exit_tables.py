"""Write the exit-code tables of the README and docs/scheduling.md from `koss_rpa.errors`
(through `koss_rpa.cli.help.exit_codes`, in each language). Run it after changing an exit code
or its text, and after `scripts/update_catalogs.py` and translating; a test holds the files
equal to what this writes."""

from __future__ import annotations

from pathlib import Path

from koss_rpa.cli.help import EXIT_TABLE_FILES, replace_exit_tables

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    for name, langs in EXIT_TABLE_FILES.items():
        path = ROOT / name
        text = path.read_text(encoding="utf-8")
        new = replace_exit_tables(text, langs)
        if new != text:
            path.write_text(new, encoding="utf-8")
            print(f"updated {name}")


if __name__ == "__main__":
    main()
