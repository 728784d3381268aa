"""The build's one addition to pyproject.toml: the documents installed with the package.

README.md and the guides stay in the repository's docs/ folder (its links use them); `build_py`
copies them into the built package as `koss_rpa/docs/` (README.md, docs/*.md,
docs/reference/*.md; not the screenshots), where `koss-rpa docs` finds them. The sdist carries
them (MANIFEST.in), so a wheel built from it has them too. An editable install has no copy:
`koss-rpa docs` reads the source tree's files there.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
#: The documents shipped, as patterns relative to the root (`koss_rpa.cli.docs.GUIDES` names each).
DOCUMENTS = ("README.md", "docs/*.md", "docs/reference/*.md")


def documents() -> list[tuple[Path, str]]:
    """(file, path inside koss_rpa/docs/) of every shipped document."""
    found = []
    for pattern in DOCUMENTS:
        for path in sorted(ROOT.glob(pattern)):
            relative = path.relative_to(ROOT).as_posix().removeprefix("docs/")
            found.append((path, relative))
    return found


class BuildPyWithDocs(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        for source, relative in documents():
            target = Path(self.build_lib) / "koss_rpa" / "docs" / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)


setup(cmdclass={"build_py": BuildPyWithDocs})
