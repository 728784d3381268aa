"""The control API (`/_control`): accounts, clock, config, faults and the journal, as JSON."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, HTTPException, Path, Request, Response
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    ValidationError,
    create_model,
    field_validator,
)
from starlette.exceptions import HTTPException as StarletteHTTPException

from mock_portal import variants
from mock_portal.accounts import AccountSeed, DirectAccount, plausible_date
from mock_portal.config import MockConfig
from mock_portal.faults import FaultSpec
from mock_portal.schema import EMAIL_PATTERN, JSON_NUMBER, DateTimeText, StrictBool
from mock_portal.state import AccountExists, PortalState


class AccountPatch(BaseModel):
    """Fields `PATCH /_control/accounts/{user_id}` may change; omitted or null ones stay."""

    model_config = ConfigDict(extra="forbid")

    password: str | None = Field(None, min_length=1, max_length=64)
    password_age_days: float | None = Field(None, ge=0, le=36_500, strict=True)
    password_changed_at: DateTimeText | None = None
    locked: StrictBool | None = None
    failed_logins: Annotated[int, Field(ge=0), JSON_NUMBER] | None = None
    must_change: StrictBool | None = None
    bulk_user_id: str | None = Field(None, pattern=r"^K[A-Z]{3}[0-9]{4}$")
    name_kana: str | None = Field(None, max_length=64)
    name: str | None = Field(None, max_length=64)
    admin_email: str | None = Field(None, max_length=128, pattern=EMAIL_PATTERN)
    notify_email: str | None = Field(None, max_length=128, pattern=EMAIL_PATTERN)
    updated_at: DateTimeText | None = None
    direct_accounts: list[DirectAccount] | None = None

    _dates = field_validator("updated_at", "password_changed_at")(plausible_date)

    def changes(self) -> dict[str, Any]:
        """The fields given a value (models kept as models)."""
        return {
            name: getattr(self, name)
            for name in self.model_fields_set
            if getattr(self, name) is not None
        }


class ClockSet(BaseModel):
    """Body of `PUT /_control/clock`; a naive time means JST."""

    model_config = ConfigDict(extra="forbid")
    now: DateTimeText

    _plausible = field_validator("now")(plausible_date)


class ClockAdvance(BaseModel):
    """Body of `POST /_control/clock/advance` (negative values go back)."""

    model_config = ConfigDict(extra="forbid")
    seconds: float = Field(0, ge=-3e9, le=3e9, strict=True)
    days: float = Field(0, ge=-36_500, le=36_500, strict=True)


def _patch_of(model: type[BaseModel]) -> type[BaseModel]:
    """A model of the same fields, each optional and nullable (null or omitted: unchanged),
    strict about JSON types; nested models become patches too."""
    fields: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        annotation: Any = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            annotation = _patch_of(annotation)
        elif annotation is int:
            annotation = Annotated[int, *info.metadata, JSON_NUMBER]
        else:
            extra: dict[str, JsonValue] | None = (
                {"format": "regex"} if name.endswith("_pattern") else None
            )
            schema_extra = extra or info.json_schema_extra
            annotation = Annotated[
                annotation, *info.metadata, Field(strict=True, json_schema_extra=schema_extra)
            ]
        fields[name] = (annotation | None, Field(None, description=info.description))
    patch: type[BaseModel] = create_model(
        f"{model.__name__}Patch",
        __config__=ConfigDict(extra="forbid"),
        __doc__=f"Changes to {model.__name__}: fields left out or null stay as they are.",
        **fields,
    )
    return patch


ConfigPatch = _patch_of(MockConfig)


#: An account's ID in a path; the example is a seed account (the manual's own example ID).
UserIdPath = Annotated[str, Path(examples=["KNAB1234"])]


class ErrorBody(BaseModel):
    """The body of every error but 422: what is wrong, in one line."""

    detail: str


#: What each error status means, for the OpenAPI.
_ERRORS: dict[int, str] = {
    400: "The body is not JSON.",
    404: "No such account, fault, scenario or capture folder.",
    415: "The body is of a media type the operation does not take.",
    409: "The request conflicts with the portal's state (an account that exists, an ID the "
    "live config's user_id_pattern refuses).",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ErrorBody, "description": _ERRORS[code]} for code in codes}


class VariantChoice(BaseModel):
    """Body of `PUT /_control/variant`."""

    model_config = ConfigDict(extra="forbid")
    variant: str = Field(
        description="The variant's name.", json_schema_extra={"enum": list(variants.VARIANTS)}
    )

    @field_validator("variant")
    @classmethod
    def _known(cls, value: str) -> str:
        return variants.get(value).name  # UnknownVariant is a ValueError: a declared 422


def _invalid(exc: ValidationError) -> HTTPException:
    errors = exc.errors(include_url=False, include_context=False, include_input=False)
    return HTTPException(422, detail=errors)


def unprocessable(message: str) -> HTTPException:
    """A 422 shaped as FastAPI's own (`HTTPValidationError`), for a rule checked in code."""
    return HTTPException(422, detail=[{"loc": ["body"], "msg": message, "type": "value_error"}])


def _allowed_methods(app: FastAPI, request: Request) -> str:
    """The methods the OpenAPI documents for the request's path (Starlette names only those of
    the first route that matches the path)."""
    path = request.scope["path"].removeprefix(request.scope.get("root_path", ""))
    for template, item in app.openapi()["paths"].items():
        if re.fullmatch(re.sub(r"\\{[^/}]+\\}", "[^/]+", re.escape(template)), path):
            return ", ".join(sorted(method.upper() for method in item))
    return ""


def _given(patch: BaseModel) -> dict[str, Any]:
    """A patch's non-null fields as plain data, nested patches likewise."""
    return {
        name: _given(value) if isinstance(value, BaseModel) else value
        for name in patch.model_fields_set
        if (value := getattr(patch, name)) is not None
    }


def build_control_app(state: PortalState) -> FastAPI:
    """The control API as an app of its own, mounted at `/_control` with docs at `/docs`."""
    # Swagger UI's script and style come with fastapi-offline: no CDN on a closed network.
    api = FastAPIOffline(
        title="K-OSS mock portal — control API",
        description="Test hooks of the mock portal. Never journaled; never faulted.",
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )

    @api.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = _allowed_methods(api, request)
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=headers)

    @api.post("/reset", tags=["state"])
    def reset() -> dict[str, bool]:
        state.reset()
        return {"ok": True}

    api.include_router(_accounts(state), prefix="/accounts", tags=["accounts"])
    api.include_router(_config_and_clock(state))
    api.include_router(_variant(state), tags=["variant"])
    api.include_router(_faults_and_journal(state))
    return api


def _accounts(state: PortalState) -> APIRouter:
    router = APIRouter()

    def view_or_404(user_id: str) -> dict[str, Any]:
        with state.lock:
            account = state.account(user_id)
            if account is None:
                raise HTTPException(404, detail=f"no account {user_id}")
            return account.view(state.now())

    @router.get("")
    def list_accounts() -> list[dict[str, Any]]:
        with state.lock:
            now = state.now()
            return [account.view(now) for account in state.accounts.values()]

    @router.post("", status_code=201, responses=error_responses(400, 409))
    def create_account(seed: AccountSeed) -> dict[str, Any]:
        try:
            account = state.add_account(seed)
        except AccountExists as exc:
            raise HTTPException(409, detail=f"account {exc} exists") from exc
        except ValueError as exc:
            raise HTTPException(409, detail=str(exc)) from exc
        return account.view(state.now())

    @router.get("/{user_id}", responses=error_responses(404))
    def get_account(user_id: UserIdPath) -> dict[str, Any]:
        return view_or_404(user_id)

    @router.patch("/{user_id}", responses=error_responses(400, 404))
    def update_account(user_id: UserIdPath, patch: AccountPatch) -> dict[str, Any]:
        if state.update_account(user_id, patch.changes()) is None:
            raise HTTPException(404, detail=f"no account {user_id}")
        return view_or_404(user_id)

    @router.delete("/{user_id}", status_code=204, responses=error_responses(404))
    def delete_account(user_id: UserIdPath) -> Response:
        if not state.delete_account(user_id):
            raise HTTPException(404, detail=f"no account {user_id}")
        return Response(status_code=204)

    return router


def _config_and_clock(state: PortalState) -> APIRouter:
    router = APIRouter()

    @router.get("/config", tags=["config"])
    def get_config() -> dict[str, Any]:
        return state.config.model_dump()

    @router.patch("/config", tags=["config"], responses=error_responses(400))
    def update_config(patch: ConfigPatch) -> dict[str, Any]:  # type: ignore[valid-type]
        changes = _given(patch)
        try:
            state.set_config(state.config.merged(changes))
        except ValidationError as exc:
            raise _invalid(exc) from exc
        return state.config.model_dump()

    def clock_view() -> dict[str, Any]:
        return {"now": state.now().isoformat(), "frozen": state.clock.frozen}

    @router.get("/clock", tags=["clock"])
    def get_clock() -> dict[str, Any]:
        return clock_view()

    @router.put("/clock", tags=["clock"], responses=error_responses(400))
    def set_clock(body: ClockSet) -> dict[str, Any]:
        state.set_clock(body.now)
        return clock_view()

    @router.post("/clock/advance", tags=["clock"], responses=error_responses(400))
    def advance_clock(body: ClockAdvance) -> dict[str, Any]:
        try:
            state.clock.advance(timedelta(days=body.days, seconds=body.seconds))
        except OverflowError as exc:
            raise unprocessable("the clock would leave the calendar") from exc
        return clock_view()

    @router.delete("/clock", tags=["clock"])
    def real_clock() -> dict[str, Any]:
        state.set_clock(None)
        return clock_view()

    return router


def _variant(state: PortalState) -> APIRouter:
    router = APIRouter()

    def view() -> dict[str, Any]:
        return {
            "variant": state.config.variant,
            "start_up": state.default_config.variant,
            "variants": {name: variants.BY_NAME[name].summary for name in variants.VARIANTS},
        }

    @router.get("/variant")
    def get_variant() -> dict[str, Any]:
        """The markup variant the screens are rendered in, the one a reset returns to, and
        every variant with what it changes."""
        return view()

    @router.put("/variant", responses=error_responses(400))
    def set_variant(body: VariantChoice) -> dict[str, Any]:
        """Render the screens in another markup variant from the next request on (until a
        reset, which returns to the start-up variant). Rules, state and journal are kept."""
        state.set_config(state.config.merged({"variant": body.variant}))
        return view()

    return router


def _faults_and_journal(state: PortalState) -> APIRouter:
    router = APIRouter()

    @router.post("/faults", status_code=201, tags=["faults"], responses=error_responses(400))
    def add_fault(spec: FaultSpec) -> dict[str, Any]:
        return state.faults.add(spec).view()

    @router.get("/faults", tags=["faults"])
    def list_faults() -> list[dict[str, Any]]:
        return state.faults.all()

    @router.delete("/faults", status_code=204, tags=["faults"])
    def clear_faults() -> Response:
        state.faults.clear()
        return Response(status_code=204)

    @router.delete(
        "/faults/{fault_id}", status_code=204, tags=["faults"], responses=error_responses(404)
    )
    def remove_fault(fault_id: int) -> Response:
        if not state.faults.remove(fault_id):
            raise HTTPException(404, detail=f"no fault {fault_id}")
        return Response(status_code=204)

    @router.get("/journal", tags=["journal"])
    def journal(
        method: str | None = None,
        screen: str | None = None,
        account: str | None = None,
        outcome: str | None = None,
        path: str | None = None,
    ) -> list[dict[str, Any]]:
        return state.journal.entries(
            method=method, screen=screen, account=account, outcome=outcome, path=path
        )

    @router.delete("/journal", status_code=204, tags=["journal"])
    def clear_journal() -> Response:
        state.journal.clear()
        return Response(status_code=204)

    return router
