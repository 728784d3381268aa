"""Fixtures of the server tests: the mock clock frozen (their HTTP client: ../conftest.py)."""

from __future__ import annotations

from datetime import datetime

import pytest

from mock_portal.clock import JST
from mock_portal.testing import ControlClient

#: A fixed mock time for tests that count days or minutes.
T0 = datetime(2024, 4, 1, 9, 0, tzinfo=JST)


@pytest.fixture
def frozen(portal: ControlClient) -> datetime:
    """Freeze the mock clock at T0."""
    portal.set_clock(T0)
    return T0
