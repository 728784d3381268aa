"""Fixtures of the plugin tests: a browser-like HTTP client on the plugin's own portal."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from mock_portal.testing import ControlClient


@pytest.fixture
def web(mock_portal: ControlClient, mock_portal_url: str) -> Iterator[httpx.Client]:
    """A client with its own cookie jar that does not follow redirects (after the reset)."""
    with httpx.Client(base_url=mock_portal_url, follow_redirects=False, timeout=10) as client:
        yield client
