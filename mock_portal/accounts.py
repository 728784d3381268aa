"""Accounts of the mock portal: profile data, hashed passwords, and the seed file."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from mock_portal.clock import JST, as_jst
from mock_portal.schema import EMAIL_PATTERN, JSON_NUMBER, DateTimeText, NotNull

# A low count on purpose: the mock must answer ~1,000 logins per second on one core, and its
# passwords are fake. It is still salted PBKDF2 so nobody copies a plain-text store from here.
HASH_ITERATIONS = 1_000


def hash_password(password: str, salt: bytes | None = None) -> str:
    """Salted PBKDF2-SHA256 as `pbkdf2_sha256$iterations$salt$digest` (hex)."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, HASH_ITERATIONS)
    return f"pbkdf2_sha256${HASH_ITERATIONS}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """Constant-time check of `password` against a `hash_password` string."""
    try:
        _, iterations, salt_hex, digest_hex = stored.split("$")
        digest = hashlib.pbkdf2_hmac(
            "sha256", password.encode(), bytes.fromhex(salt_hex), int(iterations)
        )
    except (ValueError, UnicodeEncodeError):
        return False
    return hmac.compare_digest(digest.hex(), digest_hex)


def plausible_date(value: datetime | None) -> datetime | None:
    """Refuse dates far enough out to overflow when moved between time zones or clocks."""
    if value is not None and not 1970 <= value.year <= 2200:
        raise ValueError("the year must be between 1970 and 2200")
    return value


class DirectAccount(BaseModel):
    """A row of 国庫金ダイレクト納付口座情報."""

    model_config = ConfigDict(extra="forbid")

    account_id: str = Field(min_length=1, max_length=16)
    holder_kana: str = Field(min_length=1, max_length=64)
    bank: str = Field(min_length=1, max_length=64)
    branch: str = Field(min_length=1, max_length=64)


class AccountSeed(BaseModel):
    """One `[[accounts]]` table of the seed file, or the body of `POST /_control/accounts`."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"not": {"required": ["password_changed_at", "password_age_days"]}},
    )

    user_id: str = Field(pattern=r"^K[A-Z]{3}[0-9]{4}$")
    bulk_user_id: str = Field("", pattern=r"^(K[A-Z]{3}[0-9]{4})?$")
    name_kana: str = Field("ケイジ タロウ", max_length=64)
    name: str = Field("軽自 太郎", max_length=64)
    admin_email: str = Field("user@example.jp", max_length=128, pattern=EMAIL_PATTERN)
    notify_email: str | None = Field(None, max_length=128, pattern=EMAIL_PATTERN)
    updated_at: DateTimeText | None = None
    password: str = Field(min_length=1, max_length=64)
    # One of the two at most (the schema's `not`); neither: changed now.
    password_changed_at: NotNull[DateTimeText] = None
    password_age_days: NotNull[Annotated[float, Field(ge=0, le=36_500, strict=True)]] = None
    failed_logins: Annotated[int, Field(ge=0), JSON_NUMBER] = 0
    locked: bool = Field(False, strict=True)
    must_change: bool = Field(False, strict=True)
    direct_accounts: list[DirectAccount] = Field(default_factory=list)

    _dates = field_validator("updated_at", "password_changed_at")(plausible_date)

    @model_validator(mode="after")
    def _one_age(self) -> AccountSeed:
        if self.password_changed_at is not None and self.password_age_days is not None:
            raise ValueError("give password_changed_at or password_age_days, not both")
        return self

    def build(self, now: datetime) -> Account:
        """Make the live account, dating relative fields from the mock clock's `now`."""
        if self.password_changed_at is not None:
            changed_at = as_jst(self.password_changed_at)
        else:
            changed_at = now - timedelta(days=self.password_age_days or 0)
        return Account(
            user_id=self.user_id,
            bulk_user_id=self.bulk_user_id or "KI" + self.user_id[2:],
            name_kana=self.name_kana,
            name=self.name,
            admin_email=self.admin_email,
            notify_email=self.notify_email or self.admin_email,
            updated_at=as_jst(self.updated_at) if self.updated_at else now,
            direct_accounts=list(self.direct_accounts),
            password_hash=hash_password(self.password),
            password=self.password,
            password_changed_at=changed_at,
            failed_logins=self.failed_logins,
            locked=self.locked,
            must_change=self.must_change,
            age_floats=self.password_changed_at is None,
        )


@dataclass
class Account:
    """A live account. Mutated only under the portal state's lock."""

    user_id: str
    bulk_user_id: str
    name_kana: str
    name: str
    admin_email: str
    notify_email: str
    updated_at: datetime
    direct_accounts: list[DirectAccount]
    password_hash: str
    # The clear text is kept ONLY so the control API can show it: tests of password rotation
    # must learn what the robot chose. The portal screens never use or show it.
    password: str
    password_changed_at: datetime
    failed_logins: int = 0
    locked: bool = False
    must_change: bool = False
    temporary_password: str | None = None
    history: list[str] = field(default_factory=list)
    # True while the change date was given as an age (seed or PATCH password_age_days): setting
    # the clock then keeps the age. A real change, or a date given as such, stays put.
    age_floats: bool = False

    def set_password(self, new_password: str, now: datetime, keep: int) -> None:
        """Replace the password, remembering the old hash for the reuse rule."""
        self.history = [self.password_hash, *self.history][: max(keep, 0)]
        self.password_hash = hash_password(new_password)
        self.password = new_password
        self.password_changed_at = now
        self.age_floats = False

    def password_expired(self, now: datetime, valid_days: int) -> bool:
        """Exactly `valid_days` after the change counts as expired."""
        return now >= self.password_changed_at + timedelta(days=valid_days)

    def view(self, now: datetime) -> dict[str, Any]:
        """The control API's JSON view (includes the clear password: fake data only)."""
        return {
            "user_id": self.user_id,
            "bulk_user_id": self.bulk_user_id,
            "name_kana": self.name_kana,
            "name": self.name,
            "admin_email": self.admin_email,
            "notify_email": self.notify_email,
            "updated_at": self.updated_at.isoformat(),
            "direct_accounts": [row.model_dump() for row in self.direct_accounts],
            "password": self.password,
            "password_changed_at": self.password_changed_at.isoformat(),
            "password_age_days": (now - self.password_changed_at).total_seconds() / 86_400,
            "failed_logins": self.failed_logins,
            "locked": self.locked,
            "must_change": self.must_change,
            "temporary_password": self.temporary_password,
        }


def _toml_datetime(value: Any) -> Any:
    """TOML has local dates/times; the portal means Japan time for them."""
    if isinstance(value, datetime):
        return as_jst(value)
    if isinstance(value, date):
        return datetime.combine(value, time(), JST)
    return value


def load_seeds(path: Path | None = None) -> list[AccountSeed]:
    """Read `[[accounts]]` from a TOML file (default: the bundled demo accounts)."""
    if path is None:
        text = resources.files("mock_portal").joinpath("data/accounts.toml").read_text("utf-8")
    else:
        text = path.read_text("utf-8")
    tables = tomllib.loads(text).get("accounts", [])
    seeds = []
    for table in tables:
        fixed = {key: _toml_datetime(value) for key, value in table.items()}
        seeds.append(AccountSeed.model_validate(fixed))
    return seeds
