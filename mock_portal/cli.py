"""The `koss-mock-portal` command (and `python -m mock_portal`).

The arguments are parsed, `--help` and `--list-scenarios` answered, with the standard library
alone; only serving (or `--check`) needs the `mock` extra, asked for first (mock_portal.extra)
so that an install without it gets a one-line hint, never an ImportError's traceback.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from importlib import resources
from pathlib import Path

from mock_portal.extra import EXIT_COMPONENT_MISSING, missing_message, missing_modules
from mock_portal.variants import VARIANTS

PROG = "koss-mock-portal"


def parser() -> argparse.ArgumentParser:
    """The command's arguments (no third-party import: `--help` works without the extra)."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="A mock of the K-OSS 利用者情報マイページ, for development and tests.",
        epilog="Documentation: docs/mock-portal.md (koss-rpa docs mock-portal prints where it is).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface (default: loopback)")
    parser.add_argument("--port", type=int, default=8080, help="port; 0 picks a free one")
    parser.add_argument("--accounts", type=Path, help="TOML file of [[accounts]] to seed")
    parser.add_argument(
        "--scenario",
        metavar="NAME_OR_FILE",
        help="start from a scenario: a shipped name (see --list-scenarios) or a TOML file",
    )
    parser.add_argument(
        "--screens",
        type=Path,
        metavar="DIR",
        help="serve the screens captured in DIR (koss-rpa capture) in place of the mock's own",
    )
    parser.add_argument(
        "--variant",
        choices=VARIANTS,
        default=None,
        help="markup variant of the screens (default modern; a reset returns to it)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="with --scenario: check that it loads and applies, print it, and exit",
    )
    parser.add_argument(
        "--list-scenarios", action="store_true", help="print the shipped scenarios and exit"
    )
    return parser


def shipped_descriptions() -> dict[str, str]:
    """The shipped scenarios' names and descriptions, read with `tomllib` alone."""
    folder = resources.files("mock_portal").joinpath("scenarios")
    found: dict[str, str] = {}
    for entry in folder.iterdir():
        if entry.name.endswith(".toml"):
            data = tomllib.loads(entry.read_text("utf-8"))
            found[entry.name.removesuffix(".toml")] = str(data.get("description", ""))
    return dict(sorted(found.items()))


def main(argv: list[str] | None = None) -> int:
    """Run `koss-mock-portal`; exit 8 with a one-line hint when serving needs the missing
    extra."""
    args = parser().parse_args(argv)
    if args.list_scenarios:
        for name, description in shipped_descriptions().items():
            print(f"{name}\t{description}")
        return 0
    missing = missing_modules()
    if missing:
        sys.stderr.write(missing_message(PROG, missing) + "\n")
        return EXIT_COMPONENT_MISSING
    from mock_portal.serve import serve

    return serve(args)
