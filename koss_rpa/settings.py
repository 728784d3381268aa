"""Settings: `KOSS_` environment variables, a `.env` file and an optional TOML config file.

No secret is a setting: passwords live in the OS keyring (see `credentials.py`).
"""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path
from typing import Any, ClassVar, Literal

import platformdirs
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from koss_rpa.errors import SettingsInvalid
from koss_rpa.i18n import _

APP_NAME = "koss-rpa"
REAL_PORTAL_URL = "https://www.k-oss.keikenkyo.or.jp"
#: 納付利用者ID as the manual shows it (KNAB1234); inferred, so configurable.
DEFAULT_USER_ID_PATTERN = r"^K[NI][A-Z]{2}[0-9]{4}$"


def normalize_user_id(value: str) -> str:
    """Half-width, upper-case, trimmed: `ｋｎａｂ１２３４ ` → `KNAB1234`."""
    return unicodedata.normalize("NFKC", value).strip().upper()


def default_config_file() -> Path:
    return platformdirs.user_config_path(APP_NAME, appauthor=False) / "config.toml"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PasswordPolicy(_Section):
    """What the portal accepts as a new password (DESIGN.md §1, inferred)."""

    min_length: int = Field(8, ge=1, le=128)
    max_length: int = Field(16, ge=1, le=128)
    require_letter: bool = True
    require_digit: bool = True
    #: Length of the passwords koss-rpa generates; clipped into [min_length, max_length].
    generated_length: int = Field(16, ge=1, le=128)
    #: How many days the portal keeps a password valid.
    valid_days: int = Field(60, ge=1)

    @model_validator(mode="after")
    def _satisfiable(self) -> PasswordPolicy:
        if self.min_length > self.max_length:
            raise ValueError("min_length is greater than max_length")
        if self.max_length < int(self.require_letter) + int(self.require_digit):
            raise ValueError("max_length is too small for the required kinds of characters")
        return self


class Timeouts(_Section):
    navigation_seconds: float = Field(30.0, gt=0)
    action_seconds: float = Field(15.0, gt=0)
    download_seconds: float = Field(120.0, gt=0)


class RetrySettings(_Section):
    """Back-off for transient faults (time-outs, 5xx, maintenance, broken downloads)."""

    attempts: int = Field(4, ge=1, le=20)
    max_seconds: float = Field(900.0, gt=0)
    initial_wait_seconds: float = Field(5.0, ge=0)
    max_wait_seconds: float = Field(120.0, ge=0)
    jitter_seconds: float = Field(2.0, ge=0)


class Settings(BaseSettings):
    """Everything koss-rpa can be told, except secrets."""

    model_config = SettingsConfigDict(
        env_prefix="KOSS_",
        env_file=".env",
        env_file_encoding="utf-8",
        # A .env file may hold other programs' variables: read only the KOSS_ ones.
        dotenv_filtering="match_prefix",
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
    )

    #: The TOML file this class reads (set on a subclass by `load_settings`).
    config_path: ClassVar[Path | None] = None

    portal_url: HttpUrl = HttpUrl(REAL_PORTAL_URL)
    #: A direct URL of the マイページログイン screen; when set, the portal menu is skipped.
    mypage_url: HttpUrl | None = None
    user_id: str | None = None
    user_id_pattern: str = DEFAULT_USER_ID_PATTERN
    download_dir: Path = Field(
        default_factory=lambda: platformdirs.user_documents_path() / APP_NAME
    )
    #: `auto`, `chromium` (Playwright's own), a channel (`msedge`, `chrome`) or an executable path.
    browser: str = "auto"
    headless: bool = True
    browser_args: tuple[str, ...] = ()
    timeouts: Timeouts = Timeouts()
    retry: RetrySettings = RetrySettings()
    password_policy: PasswordPolicy = PasswordPolicy()
    #: What to do when the portal says the password has expired.
    on_expired: Literal["rotate", "fail"] = "rotate"
    #: Rotate proactively once the password is this many days old (None: only when forced).
    rotate_after_days: int | None = Field(None, ge=1)
    #: Run this command after a password change (environment: KOSS_EVENT, KOSS_USER_ID,
    #: KOSS_CHANGED_AT; never the password), e.g. to send a mail to the office.
    notify_command: str | None = None
    #: POST {"event", "user_id", "changed_at"} as JSON here after a password change.
    notify_webhook: HttpUrl | None = None
    keyring_service: str = APP_NAME
    run_dir: Path = Field(
        default_factory=lambda: platformdirs.user_state_path(APP_NAME, appauthor=False) / "runs"
    )
    #: How many run folders to keep; older ones are pruned.
    keep_runs: int = Field(50, ge=1)
    #: Keep the trace and screenshot of successful runs too (normally only the log).
    keep_success_artifacts: bool = False
    #: How long a second run for the same account waits for the first one's lock.
    lock_wait_seconds: float = Field(0.0, ge=0)
    #: Password submissions per account that the portal has not confirmed, at most, before
    #: runs refuse to submit more (the portal locks after 5 failures in a row, inferred).
    login_budget: int = Field(2, ge=1, le=4)
    #: How long an unconfirmed submission counts (None: until a login succeeds or a person
    #: runs `credentials set`; the portal's own window is unknown).
    login_budget_window_hours: float | None = Field(None, gt=0, le=24 * 365)
    #: Accounts a batch works on at once.
    concurrency: int = Field(2, ge=1, le=16)
    lang: Literal["ja", "en"] | None = None

    @field_validator("user_id", mode="before")
    @classmethod
    def _normalize_user_id(cls, value: Any) -> Any:
        return normalize_user_id(value) if isinstance(value, str) else value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_file = getattr(settings_cls, "config_path", None)
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings, dotenv_settings]
        if toml_file is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_file))
        return tuple(sources)

    @property
    def state_dir(self) -> Path:
        """Where run folders, locks and login budgets are kept."""
        return self.run_dir.parent

    def validated_user_id(self, user_id: str | None = None) -> str:
        """The 納付利用者ID to use (argument over setting), checked against the pattern."""
        import re

        chosen = normalize_user_id(user_id) if user_id is not None else self.user_id
        if not chosen:
            raise SettingsInvalid(
                _("No 納付利用者ID given: pass --user-id or set KOSS_USER_ID / user_id.")
            )
        if not re.fullmatch(self.user_id_pattern, chosen):
            raise SettingsInvalid(
                _("The 納付利用者ID {user_id!r} is not valid: it looks like KNAB1234.").format(
                    user_id=chosen
                )
            )
        return chosen

    @property
    def login_url(self) -> str | None:
        return str(self.mypage_url) if self.mypage_url else None


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Read the settings; any problem becomes one `SettingsInvalid` line.

    The TOML file is `config_file`, else `KOSS_CONFIG`, else the user's config file if present.
    """
    path = config_file
    if path is None and os.environ.get("KOSS_CONFIG"):
        path = Path(os.environ["KOSS_CONFIG"])
    if path is None and default_config_file().is_file():
        path = default_config_file()
    if path is not None and not path.is_file():
        raise SettingsInvalid(_("The config file {path} does not exist.").format(path=path))

    class _FileSettings(Settings):
        config_path: ClassVar[Path | None] = path

    clean = {k: v for k, v in overrides.items() if v is not None}
    try:
        settings: Settings = _FileSettings(**clean)
    except ValidationError as exc:
        raise SettingsInvalid(describe_validation_error(exc, path)) from exc
    except (OSError, ValueError) as exc:  # a malformed TOML file or .env
        raise SettingsInvalid(
            _("Could not read the settings ({path}): {error}").format(path=path, error=exc)
        ) from exc
    return settings


def describe_validation_error(exc: ValidationError, path: Path | None) -> str:
    """One line naming the first wrong setting and why."""
    first = exc.errors()[0]
    name = ".".join(str(part) for part in first["loc"]) or "?"
    reason = first["msg"]
    if first["type"] == "extra_forbidden":
        reason = _("unknown setting")
    where = f" ({path})" if path else ""
    more = len(exc.errors()) - 1
    suffix = _(" (and {n} more)").format(n=more) if more else ""
    return _("Setting {name!r}: {reason}{where}{suffix}").format(
        name=name, reason=reason, where=where, suffix=suffix
    )
