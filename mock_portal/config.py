"""Settings of the mock portal: the rules the manual states and the ones we had to infer."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from mock_portal import schema, variants
from mock_portal.messages import OVERRIDABLE
from mock_portal.schema import NOT_BLANK

#: The manual's example IDs are `KNAB1234` (納付利用者ID) and `KIAB1234` (一括利用者ID).
DEFAULT_USER_ID_PATTERN = r"KN[A-Z]{2}[0-9]{4}"
DEFAULT_BULK_USER_ID_PATTERN = r"KI[A-Z]{2}[0-9]{4}"


class PasswordPolicy(BaseModel):
    """What a new 納付利用者パスワード must satisfy (inferred; the manual gives no policy)."""

    model_config = ConfigDict(extra="forbid")

    min_length: int = Field(default=8, ge=1, le=64)
    max_length: int = Field(default=16, ge=1, le=64)
    require_letters_and_digits: bool = True
    history: int = Field(
        default=3, ge=0, le=24, description="How many earlier passwords may not be reused."
    )


class MockConfig(BaseModel):
    """Behaviour of the mock portal.

    Only `password_valid_days` (60) comes from the manual; everything else is inferred and
    can be changed through `PATCH /_control/config`.
    """

    model_config = ConfigDict(extra="forbid")

    password_valid_days: int = Field(default=60, ge=1)
    lockout_threshold: int = Field(default=5, ge=1)
    session_idle_minutes: float = Field(default=30, gt=0)
    password_policy: PasswordPolicy = Field(default_factory=PasswordPolicy)
    max_field_length: int = Field(default=64, ge=8, description="Longer form values are rejected.")
    user_id_pattern: str = DEFAULT_USER_ID_PATTERN
    journal_size: int = Field(
        default=10_000, ge=10, description="Older journal entries are dropped."
    )
    variant: str = Field(
        default=variants.DEFAULT,
        description="The markup variant the screens are rendered in.",
        json_schema_extra={"enum": list(variants.VARIANTS)},
    )
    messages: dict[str, str] = Field(
        default_factory=dict,
        description="Wording overrides of named messages (see messages.OVERRIDABLE).",
        # The schema names the keys the validator below takes, and its rule for the texts.
        json_schema_extra={
            "properties": {name: {"type": "string", "pattern": NOT_BLANK} for name in OVERRIDABLE},
            "additionalProperties": False,
        },
    )

    @field_validator("variant")
    @classmethod
    def _known_variant(cls, value: str) -> str:
        return variants.get(value).name

    @field_validator("messages")
    @classmethod
    def _known_messages(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(OVERRIDABLE))
        if unknown:
            known = ", ".join(OVERRIDABLE)
            raise ValueError(f"unknown message {unknown[0]!r}: the names are {known}")
        empty = sorted(name for name, text in value.items() if not re.search(NOT_BLANK, text))
        if empty:
            raise ValueError(f"message {empty[0]!r} is empty")
        return value

    def text(self, name: str, default: str) -> str:
        """The wording of message `name`: the override if any, else `default`."""
        return self.messages.get(name, default)

    @field_validator("user_id_pattern")
    @classmethod
    def _must_compile(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:  # not a ValueError: pydantic would let it through as a crash
            raise ValueError(f"not a regular expression: {exc}") from None
        if not schema.is_ecma_regex(value):
            raise ValueError(
                "not a regular expression of ECMA-262, which the control API's schema states "
                "(format regex): use what both it and Python's re read, e.g. ^KN[A-Z]{2}[0-9]{4}$"
            )
        return value

    def merged(self, changes: dict[str, Any]) -> MockConfig:
        """Return a copy with `changes` applied; nested models merge key by key."""
        data = self.model_dump()
        for key, value in changes.items():
            if isinstance(value, dict) and isinstance(data.get(key), dict):
                data[key] = {**data[key], **value}
            else:
                data[key] = value
        return MockConfig.model_validate(data)

    def user_id_ok(self, user_id: str) -> bool:
        """Whether `user_id` has the shape of a 納付利用者ID."""
        return re.fullmatch(self.user_id_pattern, user_id) is not None
