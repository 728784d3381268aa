"""What surrounds a job's imports: the garbage collector off while the worker thread imports
the settings, the keyring and the flows, and those objects frozen afterwards."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from koss_rpa.jobs.runner import uncollected_imports


@pytest.fixture
def collector_restored() -> Iterator[None]:
    was = gc.isenabled()
    yield
    (gc.enable if was else gc.disable)()


@pytest.mark.usefixtures("collector_restored")
def test_imports_should_run_uncollected_and_be_frozen_after() -> None:
    gc.enable()
    with uncollected_imports():
        assert not gc.isenabled()
        made: list[list[int]] = [
            [] for _ in range(1000)
        ]  # what an import leaves, alive as long as the program
    assert gc.isenabled()
    assert gc.get_freeze_count() >= len(made)  # out of the collector's reach


@pytest.mark.usefixtures("collector_restored")
def test_a_collector_that_was_off_should_stay_off_and_nothing_be_frozen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # `gc.freeze` is watched, not the freeze count: that count drops whenever a frozen object
    # dies meanwhile (in another thread of the worker too), which made the test flaky.
    freezes: list[None] = []
    monkeypatch.setattr(gc, "freeze", lambda: freezes.append(None))
    gc.disable()
    with uncollected_imports():
        pass
    assert not gc.isenabled()
    assert freezes == []
