"""Fixtures of the portal tests: an HTTP client on the (reset) mock portal."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import httpx
import pytest

from mock_portal.clock import JST
from mock_portal.testing import ControlClient, PortalServer

#: A fixed mock time for tests that count days or minutes.
T0 = datetime(2024, 4, 1, 9, 0, tzinfo=JST)


@pytest.fixture
def http(portal: ControlClient, portal_server: PortalServer) -> Iterator[httpx.Client]:
    """A browser-like client (own cookie jar) that does not follow redirects."""
    with httpx.Client(base_url=portal_server.url, follow_redirects=False, timeout=10) as client:
        yield client


@pytest.fixture
def frozen(portal: ControlClient) -> datetime:
    """Freeze the mock clock at T0."""
    portal.set_clock(T0)
    return T0
