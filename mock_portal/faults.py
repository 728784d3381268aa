"""Faults the tests inject: slow, failing, dropped, truncated or wrong responses.

A fault targets a screen name (see `SCREEN_PATHS`) or a literal path, optionally one HTTP
method. It fires at most `times` times (None: no limit), each matching request with
`probability` (drawn from `random.Random(seed)`, so a run is repeatable). With `phase` "before"
the request is not processed; with "after" it is (a password really changes) and only the
response is replaced: that is how a lost response looks to the robot.
"""

from __future__ import annotations

import random
import re
import threading
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from mock_portal.schema import JSON_NUMBER


class FaultKind(StrEnum):
    """What a fault does to the response."""

    DELAY = "delay"
    HTTP_500 = "http_500"
    HTTP_503 = "http_503"
    MAINTENANCE = "maintenance"
    DROP = "drop"
    TRUNCATE = "truncate"
    HTML_200 = "html_200"


#: Screen names a fault (and the journal) knows, with the paths each covers.
SCREEN_PATHS: dict[str, tuple[str, ...]] = {
    "top": ("/",),
    "login": ("/mypage/login",),
    "mypage": ("/mypage",),
    "download": ("/mypage/download",),
    "password_change": ("/mypage/password", "/mypage/password/expired"),
    "password_result": ("/mypage/password/done",),
    "password_reset": ("/mypage/reset",),
    "logout": ("/mypage/logout",),
    "closed": ("/mypage/closed",),
}
_PATH_SCREENS = {path: name for name, paths in SCREEN_PATHS.items() for path in paths}
_PREFIX_SCREENS = (("/info/", "info"), ("/mypage/menu/", "mypage_menu"))


def screen_of(path: str) -> str | None:
    """The screen name a path belongs to, or None for anything else."""
    found = _PATH_SCREENS.get(path.rstrip("/") or "/")
    if found is not None:
        return found
    return next((name for prefix, name in _PREFIX_SCREENS if path.startswith(prefix)), None)


#: What `target` may be, for the OpenAPI: a screen name, or a path outside `/_control`
#: (no path of the portal starts with `/_`).
TARGET_PATTERN = "^(" + "|".join(SCREEN_PATHS) + "|/|/[^_].*)$"


class FaultSpec(BaseModel):
    """The body of `POST /_control/faults`."""

    model_config = ConfigDict(
        extra="forbid",
        # A delay fault needs its delay, as `_check` says.
        json_schema_extra={
            "if": {"properties": {"kind": {"const": "delay"}}, "required": ["kind"]},
            "then": {
                "properties": {"delay_seconds": {"type": "number"}},
                "required": ["delay_seconds"],
            },
        },
    )

    target: str = Field(
        min_length=1,
        max_length=200,
        description="Screen name or literal path.",
        json_schema_extra={"pattern": TARGET_PATTERN},
    )
    kind: FaultKind
    times: Annotated[int, Field(ge=1), JSON_NUMBER] | None = Field(
        1, description="How often it fires; null for no limit."
    )
    probability: float | None = Field(None, ge=0, le=1, strict=True)
    seed: Annotated[int, JSON_NUMBER] | None = None
    delay_seconds: float | None = Field(None, ge=0, le=120, strict=True)
    phase: Literal["before", "after"] = "before"
    method: Literal["GET", "POST"] | None = None

    @model_validator(mode="after")
    def _check(self) -> FaultSpec:
        if self.target.startswith("/_control"):
            raise ValueError("the control API cannot be faulted")
        if re.fullmatch(TARGET_PATTERN, self.target) is None:
            names = ", ".join(SCREEN_PATHS)
            raise ValueError(f"target must be one of {names} or a path starting with '/'")
        if self.kind is FaultKind.DELAY and self.delay_seconds is None:
            raise ValueError("a delay fault needs delay_seconds")
        return self


@dataclass
class Fault:
    """A registered fault and how often it has fired."""

    id: int
    spec: FaultSpec
    fired: int = 0
    rng: random.Random = field(default_factory=random.Random)

    def matches(self, method: str, path: str) -> bool:
        """Whether a request is this fault's target."""
        if self.spec.method is not None and self.spec.method != method:
            return False
        paths = SCREEN_PATHS.get(self.spec.target, (self.spec.target,))
        return (path.rstrip("/") or "/") in paths

    @property
    def exhausted(self) -> bool:
        """Fired as often as allowed."""
        return self.spec.times is not None and self.fired >= self.spec.times

    def view(self) -> dict[str, Any]:
        """JSON for the control API."""
        remaining = None if self.spec.times is None else self.spec.times - self.fired
        return {
            "id": self.id,
            **self.spec.model_dump(),
            "fired": self.fired,
            "remaining": remaining,
        }


class FaultRegistry:
    """Registered faults; `pick` decides (thread-safely) which one fires for a request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: dict[int, Fault] = {}
        self._next_id = 1

    def add(self, spec: FaultSpec) -> Fault:
        """Register a fault; ids are never reused until `clear`."""
        with self._lock:
            fault = Fault(self._next_id, spec, rng=random.Random(spec.seed))
            self._faults[fault.id] = fault
            self._next_id += 1
            return fault

    def remove(self, fault_id: int) -> bool:
        """Unregister one fault; False if unknown."""
        with self._lock:
            return self._faults.pop(fault_id, None) is not None

    def clear(self) -> None:
        """Unregister all faults."""
        with self._lock:
            self._faults.clear()
            self._next_id = 1

    def all(self) -> list[dict[str, Any]]:
        """Every registered fault, exhausted ones included."""
        with self._lock:
            return [fault.view() for fault in self._faults.values()]

    def pick(self, method: str, path: str) -> FaultSpec | None:
        """The first live fault matching the request that decides to fire, counted as fired."""
        with self._lock:
            if not self._faults:
                return None
            for fault in self._faults.values():
                if fault.exhausted or not fault.matches(method, path):
                    continue
                probability = fault.spec.probability
                if probability is not None and fault.rng.random() >= probability:
                    continue
                fault.fired += 1
                return fault.spec
            return None
