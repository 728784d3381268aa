"""The control API (`/_control`) against its own OpenAPI, with every schemathesis check.

Each operation gets at most 30 generated requests (derandomized: the same ones every run),
plus schemathesis' coverage of the schema's edges; a request a check flags fails the test.
The app is called in-process over ASGI: no server, no network.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS, load_all_checks
from starlette.routing import Mount

from mock_portal.app import create_app

APP = create_app()


def _control_app() -> FastAPI:
    for route in APP.routes:
        if (
            isinstance(route, Mount)
            and route.path == "/_control"
            and isinstance(route.app, FastAPI)
        ):
            return route.app
    raise AssertionError("create_app() mounts no control API at /_control")


CONTROL = _control_app()
# No allowance: every request built from the schema is judged the way the schema says
# (tests/packaging/test_contract_cli.py runs the stock CLI against the installed command too).
schema = schemathesis.openapi.from_asgi("/openapi.json", CONTROL)
load_all_checks()
ALL_CHECKS = CHECKS.get_all()


@pytest.fixture(autouse=True)
def _reset() -> None:
    APP.state.portal.reset()


# PUT /scenario's other body, a scenario file as application/toml, is beyond JSON Schema (TOML's
# grammar, the scenario format): it is tested in tests/mock_portal/server/test_control.py.
@pytest.mark.filterwarnings("ignore:Skipped test cases with unsupported payload media types")
@schema.parametrize()
@settings(
    max_examples=30,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_control_api_conforms(case: Any) -> None:
    case.call_and_validate(checks=ALL_CHECKS)


class TestControlApiStateful(schema.as_state_machine().TestCase):  # type: ignore[misc]
    """Sequences of calls linked by the responses (an account created, then read, changed,
    deleted), checked the same way."""

    settings = settings(
        max_examples=10,
        stateful_step_count=6,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
