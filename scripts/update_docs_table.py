"""Write the README's "Documentation" table from `koss_rpa.cli.docs.guides` (the documents
`koss-rpa docs` lists). Run it after adding a document or changing its description; a test
holds the README equal to what this writes."""

from __future__ import annotations

from pathlib import Path

from koss_rpa.cli.docs import replace_table

README = Path(__file__).resolve().parents[1] / "README.md"


def main() -> None:
    text = README.read_text(encoding="utf-8")
    new = replace_table(text)
    if new != text:
        README.write_text(new, encoding="utf-8")
        print("updated README.md")


if __name__ == "__main__":
    main()
