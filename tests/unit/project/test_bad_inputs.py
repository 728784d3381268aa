"""Every bad input of `testkit/badinputs.py`: one line naming the problem and the remedy,
the documented exit code, one JSON object with --json, no browser, nothing lost or leaked."""

from __future__ import annotations

from pathlib import Path

import pytest

from testkit.badinputs import CASES, BadInput, run_case


def test_the_catalogue_should_hold_at_least_fifty_distinct_bad_inputs() -> None:
    assert len(CASES) >= 50
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_should_get_a_clear_error_and_lose_nothing(
    case: BadInput, tmp_path: Path
) -> None:
    result = run_case(case, tmp_path / "case")

    assert result.problems == [], (result.outcome.stdout, result.outcome.stderr)
    assert result.leaks == 0
    assert result.lost == 0
