"""Fixtures of the mock portal's tests: a browser-like HTTP client on the plugin's portal."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from mock_portal.testing import ControlClient


@pytest.fixture
def http(mock_portal: ControlClient, mock_portal_url: str) -> Iterator[httpx.Client]:
    """A client with its own cookie jar that does not follow redirects, on the portal as the
    plugin prepared it for this test (reset, or set up by the markers). The portal speaks
    plain HTTP: no certificate bundle to read (`verify=False`), which a client would otherwise
    do each time it is made."""
    with httpx.Client(
        base_url=mock_portal_url, follow_redirects=False, timeout=10, verify=False
    ) as client:
        yield client


@pytest.fixture
def web(http: httpx.Client) -> httpx.Client:
    """`http`, by the name the plugin's tests use."""
    return http
