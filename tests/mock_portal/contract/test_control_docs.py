"""`/_control/docs` works on a closed network: Swagger UI's files come from the mock itself."""

from __future__ import annotations

import re

import httpx

from mock_portal.testing import PortalServer


def test_control_docs_should_load_every_file_from_the_mock_itself(
    portal_server: PortalServer,
) -> None:
    with httpx.Client(base_url=portal_server.url, timeout=10) as client:
        page = client.get("/_control/docs")
        assert page.status_code == 200
        urls = re.findall(r"""(?:src|href|url)\s*[:=]\s*['"]([^'"]+)['"]""", page.text)
        assert any(url.endswith("swagger-ui-bundle.js") for url in urls), page.text
        for url in urls:
            assert url.startswith("/_control/"), f"{url} is not served by the mock"
            assert client.get(url).status_code == 200, url
