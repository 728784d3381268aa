"""Scenarios: a starting state of the mock portal (accounts, clock, config, faults) in TOML.

A scenario is applied on top of a reset: the seed accounts, then `[config]`, `variant`, `[clock]`,
`[[accounts]]` (changes to existing accounts), `[[new_accounts]]` and `[[faults]]`. A fault may
carry a schedule: it is *armed* (registered, visible in `GET /_control/faults`) only while the
mock clock is in `[active_from, active_until)` and once `after_requests` requests have been
journaled since the scenario was applied; outside its schedule it is not registered at all.

Shipped scenarios live in `mock_portal/scenarios/*.toml`; `koss-mock-portal --scenario NAME`,
`PUT /_control/scenario`, `ControlClient.use_scenario` and the pytest marker
`mock_portal_scenario` load them (or any file). The format is documented in docs/mock-portal.md.
"""

from __future__ import annotations

import json
import threading
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, time
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, FastAPI, HTTPException, Request
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from starlette.routing import Mount

from mock_portal import variants
from mock_portal.accounts import AccountSeed
from mock_portal.clock import JST, MockClock, as_jst
from mock_portal.config import MockConfig
from mock_portal.control import AccountPatch, error_responses, unprocessable
from mock_portal.faults import SCREEN_PATHS, FaultKind, FaultRegistry, FaultSpec
from mock_portal.playback import ScreensError, load_screens
from mock_portal.state import AccountExists, PortalState

#: `target = "*"` in a scenario fault means every screen the fault registry knows.
EVERY_SCREEN = "*"


class ScenarioError(ValueError):
    """A scenario that cannot be found, read, validated or applied."""


class ScenarioClock(BaseModel):
    """`[clock]`: the mock clock is frozen at `now` (no offset: Japan time)."""

    model_config = ConfigDict(extra="forbid")
    now: datetime


class AccountChange(AccountPatch):
    """`[[accounts]]`: changes to an existing account (the fields of PATCH /_control/accounts)."""

    user_id: str = Field(pattern=r"^K[A-Z]{3}[0-9]{4}$")

    def changes(self) -> dict[str, Any]:
        """The fields to change, without the ID."""
        found = super().changes()
        found.pop("user_id", None)
        return found


class ScenarioFault(BaseModel):
    """`[[faults]]`: the fields of POST /_control/faults, plus a target list and a schedule.

    Unlike the control API, `times` defaults to no limit: a scenario describes a condition.
    """

    model_config = ConfigDict(extra="forbid")

    target: str | list[str] = Field(description="Screen, path, a list of them, or '*'.")
    kind: FaultKind
    method: Literal["GET", "POST"] | None = None
    times: int | None = Field(None, ge=1)
    probability: float | None = Field(None, ge=0, le=1)
    seed: int | None = None
    delay_seconds: float | None = Field(None, ge=0, le=120)
    phase: Literal["before", "after"] = "before"
    active_from: datetime | None = None
    active_until: datetime | None = None
    after_requests: int | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _check(self) -> ScenarioFault:
        if self.active_from and self.active_until and self.active_from >= self.active_until:
            raise ValueError("active_from must be before active_until")
        self.specs()  # every expanded target must make a valid fault
        return self

    def targets(self) -> list[str]:
        """The targets, `*` expanded to every screen name."""
        given = [self.target] if isinstance(self.target, str) else list(self.target)
        if not given:
            raise ValueError("target must name at least one screen or path")
        expanded: list[str] = []
        for target in given:
            expanded.extend(SCREEN_PATHS if target == EVERY_SCREEN else [target])
        return expanded

    def specs(self) -> list[FaultSpec]:
        """One fault spec per target."""
        fields = self.model_dump(
            exclude={"target", "active_from", "active_until", "after_requests"}
        )
        try:
            return [FaultSpec(target=target, **fields) for target in self.targets()]
        except ValidationError as exc:
            raise ValueError(_first_error(exc)) from None

    @property
    def scheduled(self) -> bool:
        """Whether the fault waits for a time window or a number of requests."""
        return (
            self.active_from is not None
            or self.active_until is not None
            or self.after_requests is not None
        )


class Scenario(BaseModel):
    """A scenario file."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    description: str = ""
    variant: str | None = Field(None, description="The markup variant (mock_portal.variants).")
    config: dict[str, Any] = Field(default_factory=dict)
    clock: ScenarioClock | None = None
    accounts: list[AccountChange] = Field(default_factory=list)
    new_accounts: list[AccountSeed] = Field(default_factory=list)
    faults: list[ScenarioFault] = Field(default_factory=list)
    #: A folder of captured screens (`koss-rpa capture`) served in place of the mock's own.
    screens: str | None = Field(None, min_length=1, max_length=4096)

    @field_validator("variant")
    @classmethod
    def _known_variant(cls, value: str | None) -> str | None:
        return None if value is None else variants.get(value).name

    @model_validator(mode="after")
    def _check_config(self) -> Scenario:
        try:
            MockConfig().merged(self.config)
        except ValidationError as exc:
            raise ValueError(f"[config]: {_first_error(exc)}") from None
        return self

    def config_changes(self) -> dict[str, Any]:
        """`[config]`, with `variant` (a top-level key, as it is no rule) merged in."""
        variant = {} if self.variant is None else {"variant": self.variant}
        return {**self.config, **variant}

    def summary(self) -> dict[str, Any]:
        """What the control API answers about it."""
        return {"name": self.name, "description": self.description}


def _first_error(exc: ValidationError) -> str:
    errors = exc.errors(include_url=False, include_context=False, include_input=False)
    parts = []
    for error in errors[:3]:
        where = ".".join(str(part) for part in error["loc"])
        message = error["msg"].removeprefix("Value error, ")  # ours say what is wrong
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)


def _jst_dates(value: Any) -> Any:
    """TOML local date-times (and dates) mean Japan time, as everywhere in the mock."""
    if isinstance(value, datetime):
        return as_jst(value)
    if isinstance(value, date):
        return datetime.combine(value, time(), JST)
    if isinstance(value, dict):
        return {key: _jst_dates(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_jst_dates(item) for item in value]
    return value


def parse_scenario(text: str, default_name: str = "scenario") -> Scenario:
    """Read a scenario from TOML text; `default_name` is used when it has no `name`."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{default_name}: not valid TOML: {exc}") from None
    data.setdefault("name", default_name)
    try:
        return Scenario.model_validate(_jst_dates(data))
    except ValidationError as exc:
        raise ScenarioError(f"{data['name']}: {_first_error(exc)}") from None


def shipped_scenarios() -> list[str]:
    """Names of the scenarios bundled with the package, sorted."""
    folder = resources.files("mock_portal").joinpath("scenarios")
    return sorted(
        entry.name.removesuffix(".toml")
        for entry in folder.iterdir()
        if entry.name.endswith(".toml")
    )


def is_scenario_file(name_or_path: str | Path) -> bool:
    """Whether this names a file (a `Path`, a `.toml` name, or one with a folder), not a
    shipped scenario."""
    path = Path(name_or_path)
    return isinstance(name_or_path, Path) or path.suffix == ".toml" or len(path.parts) > 1


def load_scenario(name_or_path: str | Path) -> Scenario:
    """A shipped scenario by name (`expired-password`), or a TOML file by path."""
    path = Path(name_or_path)
    if is_scenario_file(name_or_path):
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ScenarioError(f"cannot read scenario file {path}: {exc}") from None
        return parse_scenario(text, path.stem)
    name = str(name_or_path)
    if name not in shipped_scenarios():
        known = ", ".join(shipped_scenarios())
        raise ScenarioError(f"unknown scenario {name!r}: shipped ones are {known}; or a .toml path")
    text = resources.files("mock_portal").joinpath(f"scenarios/{name}.toml").read_text("utf-8")
    return parse_scenario(text, name)


# --- applying ---------------------------------------------------------------------------------


@dataclass
class _Plan:
    """A scheduled fault: its specs, its schedule, and the ids it has while armed."""

    specs: list[FaultSpec]
    active_from: datetime | None
    active_until: datetime | None
    after_requests: int | None
    armed: list[int] | None = None

    def due(self, now: datetime, seen: int) -> bool:
        if self.active_from is not None and now < self.active_from:
            return False
        if self.active_until is not None and now >= self.active_until:
            return False
        return self.after_requests is None or seen >= self.after_requests


@dataclass
class _Schedule:
    plans: list[_Plan] = field(default_factory=list)
    seen: int = 0


class ScheduledFaults(FaultRegistry):
    """The fault registry, plus faults armed and disarmed by a schedule.

    The schedule is checked before each request picks its fault, against the mock clock and
    the number of journaled requests seen so far; `clear` (and so a reset) forgets it.
    """

    def __init__(self, clock: MockClock) -> None:
        super().__init__()
        self._clock = clock
        self._schedule_lock = threading.Lock()
        self._schedule = _Schedule()

    def plan(self, fault: ScenarioFault) -> None:
        """Schedule a scenario fault (armed at the next request when due)."""
        with self._schedule_lock:
            self._schedule.plans.append(
                _Plan(fault.specs(), fault.active_from, fault.active_until, fault.after_requests)
            )

    def clear(self) -> None:
        """Unregister every fault and forget the schedule."""
        with self._schedule_lock:
            self._schedule = _Schedule()
            super().clear()

    def pick(self, method: str, path: str) -> FaultSpec | None:
        """Arm or disarm scheduled faults for this moment, then pick as usual."""
        with self._schedule_lock:
            schedule = self._schedule
            if schedule.plans:
                now = self._clock.now()
                for plan in schedule.plans:
                    due = plan.due(now, schedule.seen)
                    if due and plan.armed is None:
                        plan.armed = [self.add(spec).id for spec in plan.specs]
                    elif not due and plan.armed is not None:
                        for fault_id in plan.armed:
                            self.remove(fault_id)
                        plan.armed = None
            # Counted as the journal counts: static files are not requests of a screen.
            if not path.startswith("/static/") and path != "/favicon.ico":
                schedule.seen += 1
        return super().pick(method, path)


def apply_scenario(state: PortalState, scenario: Scenario) -> None:
    """Reset the portal, then set it up as the scenario says.

    Raises:
        ScenarioError: An account to change does not exist, or a new one does.
    """
    with state.lock:
        state.reset()
        if not isinstance(state.faults, ScheduledFaults):
            state.faults = ScheduledFaults(state.clock)
        faults = state.faults
        if scenario.config_changes():
            state.set_config(state.config.merged(scenario.config_changes()))
        if scenario.clock is not None:
            state.set_clock(scenario.clock.now)
        for change in scenario.accounts:
            if state.update_account(change.user_id, change.changes()) is None:
                raise ScenarioError(f"{scenario.name}: no account {change.user_id} to change")
        for seed in scenario.new_accounts:
            try:
                state.add_account(seed)
            except AccountExists:
                raise ScenarioError(f"{scenario.name}: account {seed.user_id} exists") from None
            except ValueError as exc:
                raise ScenarioError(f"{scenario.name}: {exc}") from None
        _apply_screens(state, scenario)
        _apply_faults(faults, scenario)


def _apply_faults(faults: ScheduledFaults, scenario: Scenario) -> None:
    for fault in scenario.faults:
        if fault.scheduled:
            faults.plan(fault)
        else:
            for spec in fault.specs():
                faults.add(spec)


def _apply_screens(state: PortalState, scenario: Scenario) -> None:
    """`screens = "DIR"`: serve a capture (a relative DIR is taken from the working folder)."""
    if scenario.screens is None:
        return
    try:
        state.screens = load_screens(Path(scenario.screens))
    except ScreensError as exc:
        raise ScenarioError(f"{scenario.name}: screens: {exc}") from None


# --- the control API's scenario routes ---------------------------------------------------------


#: The media type of a scenario file sent whole to `PUT /_control/scenario`.
TOML_MEDIA_TYPE = "application/toml"
#: The longest scenario file taken.
MAX_TOML_CHARS = 200_000


class ScenarioName(BaseModel):
    """The JSON body of `PUT /_control/scenario`: a shipped scenario by name."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(description="A shipped scenario (GET /_control/scenarios).")


def _request_body() -> dict[str, Any]:
    """The operation's two bodies. The TOML one is a file's text, whose grammar and format JSON
    Schema cannot state: generators of schema-valid requests (schemathesis) send the JSON one,
    whose names are all shipped ones."""
    named = ScenarioName.model_json_schema()
    named["properties"]["name"]["enum"] = shipped_scenarios()
    return {
        "required": True,
        "content": {
            "application/json": {"schema": named},
            TOML_MEDIA_TYPE: {"schema": {"type": "string", "maxLength": MAX_TOML_CHARS}},
        },
    }


async def _scenario_of(request: Request) -> Scenario:
    """The scenario a request names (JSON) or carries (TOML); HTTP errors as declared."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    raw = await request.body()
    if media_type == TOML_MEDIA_TYPE:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise HTTPException(400, detail="The body is not UTF-8 text.") from exc
        if len(text) > MAX_TOML_CHARS:
            raise unprocessable(f"a scenario file is at most {MAX_TOML_CHARS} characters")
        try:
            return parse_scenario(text)
        except ScenarioError as exc:
            raise unprocessable(str(exc)) from exc
    if media_type != "application/json":
        raise HTTPException(415, detail=f"send application/json or {TOML_MEDIA_TYPE}")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise HTTPException(400, detail="The body is not JSON.") from exc
    try:
        body = ScenarioName.model_validate(data, strict=True)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        detail = [{**error, "loc": ["body", *error["loc"]]} for error in errors]
        raise HTTPException(422, detail=detail) from exc
    try:
        return load_scenario(body.name)
    except ScenarioError as exc:
        raise HTTPException(404, detail=str(exc)) from exc


def _scenario_router(state: PortalState) -> APIRouter:
    router = APIRouter(tags=["scenarios"])

    @router.get("/scenarios")
    def list_scenarios() -> list[dict[str, Any]]:
        return [load_scenario(name).summary() for name in shipped_scenarios()]

    @router.put(
        "/scenario",
        openapi_extra={"requestBody": _request_body()},
        responses=error_responses(400, 404, 415)
        | {
            422: {
                # FastAPI's own body for 422, which the operations with a JSON body declare.
                "content": {
                    "application/json": {
                        "schema": {"$ref": "#/components/schemas/HTTPValidationError"}
                    }
                },
                "description": "The body or the scenario file is not valid, or the scenario "
                "does not apply to the portal.",
            }
        },
    )
    async def use_scenario(request: Request) -> dict[str, Any]:
        """Reset, then apply a shipped scenario (JSON `{"name": …}`) or a scenario file (its
        text, as application/toml; a file without `name` is called "scenario")."""
        scenario = await _scenario_of(request)
        try:
            apply_scenario(state, scenario)
        except ScenarioError as exc:
            raise unprocessable(str(exc)) from exc
        return scenario.summary()

    return router


def install_scenario_api(app: FastAPI) -> None:
    """Add `GET /_control/scenarios` and `PUT /_control/scenario` to an app of `create_app`.

    Idempotent. The routes join the control API (so they are never journaled or faulted).
    """
    if getattr(app.state, "scenario_api", False):
        return
    control = next(
        (
            route.app
            for route in app.routes
            if isinstance(route, Mount) and route.path == "/_control"
        ),
        None,
    )
    if not isinstance(control, FastAPI):
        raise TypeError("not an app of mock_portal.app.create_app (no /_control mount)")
    control.include_router(_scenario_router(app.state.portal))
    app.state.scenario_api = True
