"""The application factory: screens, control API, fault/journal layer, error pages."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from mock_portal import login, messages, mypage, password_change, playback, public, variants
from mock_portal.accounts import load_seeds
from mock_portal.config import MockConfig
from mock_portal.control import build_control_app
from mock_portal.frames import VariantLayer
from mock_portal.layer import PortalLayer
from mock_portal.rendering import render
from mock_portal.state import PortalState
from mock_portal.web import note

_STATIC = Path(__file__).with_name("static")
logger = logging.getLogger(__name__)


class PortalApp(FastAPI):
    """FastAPI whose outer layers are `VariantLayer` (the markup variant, frame pages) and
    `PortalLayer` (outside even Starlette's middleware, so that a `drop` fault can reach
    uvicorn's transport)."""

    portal: PortalState
    _layer: VariantLayer | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._layer is None:
            self._layer = VariantLayer(PortalLayer(super().__call__, self.portal), self.portal)
        token = playback.ACTIVE.set(self.portal.screens)
        try:
            await self._layer(scope, receive, send)
        finally:
            playback.ACTIVE.reset(token)


def _error_page(status_code: int) -> Response:
    if status_code == 404:
        title, text = messages.NOT_FOUND_TITLE, messages.NOT_FOUND_TEXT
    else:
        title, text = "エラー", messages.BAD_REQUEST_TEXT
    return render(
        "message.html", status_code=status_code, screen=title, paragraphs=[text], back_href="/"
    )


def create_app(
    config: MockConfig | None = None,
    accounts_file: Path | None = None,
    *,
    variant: str | None = None,
) -> FastAPI:
    """Build the mock portal.

    Args:
        config: Rules of the portal; the defaults follow the manual and docs/mock-portal.md.
        accounts_file: A TOML file of `[[accounts]]`; default the bundled demo accounts.
        variant: The markup variant to start with (and return to on reset); default the
            config's (`modern`). Raises `variants.UnknownVariant` for an unknown name.

    Returns:
        The app; its state is at `app.portal` (a `PortalState`).
    """
    config = config or MockConfig()
    if variant is not None:
        config = config.merged({"variant": variants.get(variant).name})
    state = PortalState(config, load_seeds(accounts_file))
    app = PortalApp(
        title="K-OSS mock portal",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        # No OpenTelemetry: FastAPI would otherwise ask on every request whether any is set up.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.portal = state
    app.state.portal = state
    # The screens' routes straight on the app's router, in this order: an included router is
    # matched one nesting level at a time, which every request of the portal paid.
    public.router(app.router)
    login.router(state, app.router)
    password_change.router(state, app.router)
    mypage.router(state, app.router)
    app.mount("/static", StaticFiles(directory=_STATIC), name="static")
    app.mount("/_control", build_control_app(state), name="control")

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if request.url.path.startswith("/_control/"):
            # A control path the mount does not take (a newline in an account ID: Starlette's
            # `.` stops at it): answered as the control API answers, in JSON.
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
        note(request).outcome = "not_found" if exc.status_code == 404 else "page"
        response = _error_page(exc.status_code)
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        note(request).detail = "bad_request"
        return _error_page(400)

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Response:
        # A bug in the mock: show the portal's error page, never a traceback.
        logger.exception("mock portal error on %s", request.url.path)
        return render("system_error.html", status_code=500, screen=messages.SYSTEM_ERROR_TITLE)

    # Imported here: scenario.py builds on the control API and the state made above.
    from mock_portal.scenario import install_scenario_api

    install_scenario_api(app)
    playback.install_screens_api(app)
    return app
