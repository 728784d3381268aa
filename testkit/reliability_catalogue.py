"""The part of docs/reliability.md that the catalogues decide, made without running anything.

scripts/reliability_report.py writes the document from measured runs; the first cells of each
row of its tables (the case, how the fault fires or what the crash interrupts, what the user
did, the expected exit code) and the notes on the fault matrix come from the catalogues
(`faultmatrix`, `crash`, `badinputs`) through the functions here. `differences` reads them back
from a written document and compares them with the catalogues as they are now: a case added,
removed or expecting another exit code shows until the document is written again.
"""

from __future__ import annotations

from testkit import badinputs, crash, faultmatrix

#: The section of the document that holds each table.
FAULT_RUNS, CRASH_POINTS, BAD_INPUT = "## Fault runs", "## Crash points", "## Bad input"


def fault_cells(case: str, persistent: bool, expected_exit: int) -> list[str]:
    """A fault run's row begins: the case, how its fault fires, the expected exit code."""
    return [f"`{case}`", "persistent" if persistent else "once", str(expected_exit)]


def crash_cells(point: str, description: str) -> list[str]:
    """A crash point's row begins: the point, what koss-rpa was doing when killed."""
    return [f"`{point}`", description]


def bad_input_cells(case: str, description: str, expected_exit: int) -> list[str]:
    """A bad input's row begins: the case, what the user did, the expected exit code."""
    return [f"`{case}`", description.replace("|", "/"), str(expected_exit)]


def row(cells: list[str]) -> str:
    """A Markdown table row."""
    return f"| {' | '.join(cells)} |"


def matrix_notes() -> list[str]:
    """The lines after the fault runs' table: the cases left out, those the robot does not
    notice, those run persistently only."""
    return [
        "Cases not run, because the fault cannot happen there:",
        "",
        *(f"- `{screen}-{kind}`: {why}" for (screen, kind), why in faultmatrix.EXCLUDED.items()),
        "",
        "Faults the robot does not even notice (it must not spend an attempt on them):",
        "",
        *(f"- `{screen}-{kind}`: {why}" for (screen, kind), why in faultmatrix.HARMLESS.items()),
        "",
        "Cases run persistently only — the portal had done its work before the fault (the "
        "second attempt never comes back to the faulted screen), or the robot does not notice "
        "the fault: there a fault that fires once cannot differ from one that persists: "
        + ", ".join(f"`{c.id}`" for c in faultmatrix.cases() if c.modes == (True,))
        + ".",
    ]


def catalogue() -> dict[str, list[list[str]]]:
    """The first cells of every row the document must have, by section, in order."""
    return {
        FAULT_RUNS: [
            fault_cells(case.id, persistent, case.expected(persistent).exit_code)
            for case in faultmatrix.cases()
            for persistent in case.modes
        ],
        CRASH_POINTS: [crash_cells(point.key, point.description) for point in crash.POINTS],
        BAD_INPUT: [
            bad_input_cells(case.id, case.description, case.expected_exit)
            for case in badinputs.cases()
        ],
    }


def written(text: str) -> dict[str, list[list[str]]]:
    """The first cells of the rows of a written document, by section, as many as `catalogue`
    has for that section."""
    wanted = {section: len(rows[0]) for section, rows in catalogue().items()}
    found: dict[str, list[list[str]]] = {section: [] for section in wanted}
    section = ""
    for line in text.splitlines():
        if line.startswith("## "):
            section = line
        elif section in wanted and line.startswith("| `"):
            found[section].append(line[2:].split(" | ")[: wanted[section]])
    return found


def differences(text: str) -> list[str]:
    """What the document `text` says of the catalogues that they no longer say, and the other
    way round, one line each; empty when it lists them as they are."""
    problems: list[str] = []
    now, then = catalogue(), written(text)
    for section, rows in now.items():
        missing = [row(cells) for cells in rows if cells not in then[section]]
        extra = [row(cells) for cells in then[section] if cells not in rows]
        problems += [f"{section}: not in the document: {line}" for line in missing]
        problems += [f"{section}: no longer in the catalogue: {line}" for line in extra]
        if not missing and not extra and rows != then[section]:
            problems.append(f"{section}: the rows are not the catalogue's, each once, in order")
    if "\n".join(matrix_notes()) not in text:
        problems.append(f"{FAULT_RUNS}: the notes on the matrix are not the catalogue's")
    return problems
