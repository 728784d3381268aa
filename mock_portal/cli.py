"""The `koss-mock-portal` command: checks that the `mock` extra is installed, then runs
`mock_portal.__main__`."""

from __future__ import annotations

import sys

from mock_portal.extra import EXIT_COMPONENT_MISSING, missing_message, missing_modules


def main(argv: list[str] | None = None) -> int:
    """Run `koss-mock-portal`; exit 8 with a one-line hint when the extra is missing."""
    missing = missing_modules()
    if missing:
        sys.stderr.write(missing_message("koss-mock-portal", missing) + "\n")
        return EXIT_COMPONENT_MISSING
    from mock_portal.__main__ import main as serve

    return serve(argv)
