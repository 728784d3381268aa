"""Settings: `KOSS_` environment variables, a `.env` file and an optional TOML config file.

No secret is a setting: passwords live in the OS keyring (see `account/store.py`).
"""

from __future__ import annotations

import json
import os
import re
import tomllib
import unicodedata
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

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
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
    TomlConfigSettingsSource,
)

from koss_rpa.errors import SettingsInvalid
from koss_rpa.i18n import _

APP_NAME = "koss-rpa"
REAL_PORTAL_URL = "https://www.k-oss.keikenkyo.or.jp"
#: 納付利用者ID as the manual shows it (KNAB1234); inferred, so configurable.
DEFAULT_USER_ID_PATTERN = r"^K[NI][A-Z]{2}[0-9]{4}$"
#: Whatever `user_id_pattern` says, an ID is only ever made of these: it names folders, lock
#: files and keyring entries, so it may never form a path (`..`, `/`, `\\`, a drive).
SAFE_USER_ID = re.compile(r"[A-Z0-9_-]{1,32}")
#: A TOML file (config, accounts) larger than this is not one a person wrote.
MAX_TOML_BYTES = 1 << 20
_UNSET_VARIABLE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?")


#: The longest `user_id_pattern`: an ID is 8 characters; a longer pattern is a mistake.
MAX_PATTERN_LENGTH = 200


def _listed(value: Any, separators: str) -> Any:
    """A list setting given as one string (an environment variable): a JSON list, or words
    between `separators` (a regular expression); anything else as it is."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.startswith("["):
        return json.loads(text)
    return [word for word in re.split(separators, text) if word]


def expand_path(value: Any) -> Any:
    """`~` and environment variables (`$HOME`, `${APPDATA}`, `%APPDATA%` on Windows) in a path
    setting are expanded; one that is not set, an empty path (it would mean the working folder)
    or a control character (a TOML `"C:\\temp"` holds a tab) is refused."""
    if isinstance(value, Path):
        value = str(value)
    if not isinstance(value, str):
        return value
    if not value.strip():
        raise ValueError(
            _(
                "the path is empty: give a folder (an absolute path, or one relative "
                "to the file it is written in)"
            )
        )
    if any(ord(c) < 0x20 for c in value):
        raise ValueError(
            _(
                "the path holds a control character: in TOML write Windows paths with / "
                "(C:/Users/...) or in single quotes ('C:\\Users\\...')"
            )
        )
    expanded = str(Path(os.path.expandvars(value)).expanduser())
    unset = _UNSET_VARIABLE.search(expanded)
    if unset:
        raise ValueError(
            _("the environment variable {name} in the path is not set").format(name=unset.group(1))
        )
    return Path(expanded)


#: The settings that name a folder: a relative one is relative to the file it is written in.
PATH_SETTINGS = ("download_dir", "run_dir", "state_dir")


def anchored_path(value: Any, base: Path | None) -> Any:
    """A path setting made absolute: `~` and variables expanded (`expand_path`), a relative
    path taken from `base`, the folder of the file it was written in. `base` None: the value
    came from somewhere without a folder (an environment variable), and a relative path is
    refused: the working folder of a scheduled job is nobody's choice."""
    path = expand_path(value)
    if not isinstance(path, Path) or path.is_absolute():
        return path
    if base is None:
        raise ValueError(
            _(
                "{path!r} is a relative path, and an environment variable has no folder to be "
                "relative to: give the full path"
            ).format(path=str(value))
        )
    return Path(os.path.normpath(base / path))


def normalize_user_id(value: str) -> str:
    """Half-width, upper-case, trimmed: `ｋｎａｂ１２３４ ` → `KNAB1234`."""
    return unicodedata.normalize("NFKC", value).strip().upper()


def default_config_file() -> Path:
    return platformdirs.user_config_path(APP_NAME, appauthor=False) / "config.toml"


def default_state_dir() -> Path:
    """The user's state folder (platformdirs): ~/.local/state/koss-rpa on Linux,
    %LOCALAPPDATA%\\koss-rpa on Windows, ~/Library/Application Support/koss-rpa on macOS."""
    return platformdirs.user_state_path(APP_NAME, appauthor=False)


#: Set while `Settings.from_values` validates: the given values are the only source.
_VALUES_ONLY: ContextVar[bool] = ContextVar("koss_rpa_settings_values_only", default=False)


class _Anchored(PydanticBaseSettingsSource):
    """Another source, its path settings made absolute against the folder of the file it reads
    (`anchored_path`); a wrong one is one line naming the setting and where it came from."""

    def __init__(self, inner: PydanticBaseSettingsSource, base: Path | None, where: str) -> None:
        super().__init__(inner.settings_cls)
        self.inner = inner
        self.base = base
        self.where = where

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self.inner.get_field_value(field, field_name)

    def __call__(self) -> dict[str, Any]:
        self.inner._set_current_state(self.current_state)
        self.inner._set_settings_sources_data(self.settings_sources_data)
        data = dict(self.inner())
        for name in PATH_SETTINGS:
            if name in data and data[name] is not None:
                try:
                    data[name] = anchored_path(data[name], self.base)
                except ValueError as exc:
                    where = self.where.format(name="KOSS_" + name.upper())
                    raise SettingsInvalid(
                        _("Setting {name!r} ({where}): {reason}").format(
                            name=name, where=where, reason=exc
                        )
                    ) from exc
        return data


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class PasswordPolicy(_Section):
    """What the portal accepts as a new password (inferred from the manual and its messages)."""

    min_length: int = Field(8, ge=1, le=128)
    max_length: int = Field(16, ge=1, le=128)
    require_letter: bool = True
    require_digit: bool = True
    #: Length of the passwords koss-rpa generates; clipped into [min_length, max_length].
    generated_length: int = Field(16, ge=1, le=128)
    #: How many days the portal keeps a password valid.
    valid_days: int = Field(60, ge=1, le=3650)

    @model_validator(mode="after")
    def _satisfiable(self) -> PasswordPolicy:
        if self.min_length > self.max_length:
            raise ValueError("min_length is greater than max_length")
        if self.max_length < int(self.require_letter) + int(self.require_digit):
            raise ValueError("max_length is too small for the required kinds of characters")
        return self


class Timeouts(_Section):
    """Every time-out is bounded: an endless one would hang a scheduled run for good."""

    navigation_seconds: float = Field(30.0, gt=0, le=600)
    action_seconds: float = Field(15.0, gt=0, le=600)
    download_seconds: float = Field(120.0, gt=0, le=3600)


class RetrySettings(_Section):
    """Back-off for transient faults (time-outs, 5xx, maintenance, broken downloads)."""

    attempts: int = Field(4, ge=1, le=20)
    max_seconds: float = Field(900.0, gt=0, le=86_400)
    initial_wait_seconds: float = Field(5.0, ge=0, le=3600)
    max_wait_seconds: float = Field(120.0, ge=0, le=3600)
    jitter_seconds: float = Field(2.0, ge=0, le=600)


@dataclass(frozen=True)
class NotifyConfig:
    """What `koss_rpa.notify` is told: its targets, events and command, and where it keeps
    what it told (`Settings.notify_config()`)."""

    #: `notify_urls` (the keyring's are read when sending).
    urls: tuple[str, ...]
    #: `notify_webhook`, sent as apprise's JSON target.
    webhook: str | None
    #: `notify_on`: the events that are told.
    on: tuple[str, ...]
    #: `notify_command`.
    command: str | None
    keyring_service: str
    state_dir: Path


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
        allow_inf_nan=False,
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
    #: Where each account's safety state lives (its login budget, the lock the portal
    #: announced, its run lock, what it was told), keyed by keyring service and ID: one folder
    #: per user, whatever the working folder, `run_dir` or configuration of a run.
    state_dir: Path = Field(default_factory=default_state_dir)
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
    rotate_after_days: int | None = Field(None, ge=1, le=3650)
    #: Run this command for every notification (environment: KOSS_EVENT, KOSS_USER_ID,
    #: KOSS_TITLE, KOSS_MESSAGE, and KOSS_CHANGED_AT for a rotation; never the password).
    notify_command: str | None = None
    #: A JSON webhook, sent through apprise as `json://` / `jsons://` (title, message, type).
    notify_webhook: HttpUrl | None = None
    #: apprise URLs (mailto://, msteams://, slack://, line://, ntfy://, json://…). They may hold
    #: tokens: KOSS_NOTIFY_URLS (space-separated) or the keyring (`koss-rpa notify set-urls`).
    notify_urls: Annotated[tuple[str, ...], NoDecode] = ()
    #: Which events are told (koss_rpa.notify): needs_person, failed, drift, rotated, saved, batch.
    #: KOSS_NOTIFY_ON: separated by spaces or commas, as KOSS_NOTIFY_URLS, or a JSON list.
    notify_on: Annotated[
        tuple[Literal["needs_person", "failed", "drift", "rotated", "saved", "batch"], ...],
        NoDecode,
    ] = ("needs_person", "failed", "drift", "rotated", "batch")
    keyring_service: str = APP_NAME
    #: Run folders only (logs, evidence); by default inside the state folder.
    run_dir: Path = Field(
        default_factory=lambda data: Path(data.get("state_dir") or default_state_dir()) / "runs"
    )
    #: How many run folders to keep; older ones are pruned.
    keep_runs: int = Field(50, ge=1, le=100_000)
    #: Keep the trace and screenshot of successful runs too (normally only the log).
    keep_success_artifacts: bool = False
    #: When a trace holds the page's DOM at every step (Playwright's snapshots): from an
    #: account's first retry on (a first attempt's trace has its steps, timings and network, and
    #: its failure a screenshot and the HTML), or in every attempt.
    trace_snapshots: Literal["on-retry", "always"] = "on-retry"
    #: How long a second run for the same account waits for the first one's lock.
    lock_wait_seconds: float = Field(0.0, ge=0, le=86_400)
    #: Password submissions per account that the portal has not confirmed, at most, before
    #: runs refuse to submit more until the budget refills (`login_budget_refill_hours`).
    login_budget: int = Field(2, ge=1, le=19)
    #: A budget spent by answers that were lost (an error page, a dropped connection, a
    #: time-out) refills after this many quiet hours, one submission at a time (12: a daily
    #: job's next morning); `portal_lockout_after` still caps it.
    login_budget_refill_hours: float = Field(12.0, gt=0, le=24 * 365)
    #: Failed logins in a row after which the portal locks the account (5, inferred). Until a
    #: password is confirmed, at most one fewer submissions are made, whatever refilled.
    portal_lockout_after: int = Field(5, ge=2, le=20)
    #: Accounts a batch works on at once.
    concurrency: int = Field(2, ge=1, le=16)

    @field_validator("concurrency", mode="before")
    @classmethod
    def _not_a_truth_value(cls, value: Any) -> Any:
        """`concurrency = true` would count as 1: a number is asked for."""
        if isinstance(value, bool):
            raise ValueError(_("a number of accounts is needed (1–16), not true/false"))
        return value

    lang: Literal["ja", "en"] | None = None

    @field_validator("notify_urls", mode="before")
    @classmethod
    def _split_notify_urls(cls, value: Any) -> Any:
        # KOSS_NOTIFY_URLS: space/newline-separated (a URL may hold a comma), or a JSON list
        return _listed(value, r"\s+")

    @field_validator("notify_on", mode="before")
    @classmethod
    def _split_notify_on(cls, value: Any) -> Any:
        # KOSS_NOTIFY_ON: "failed, batch", "failed batch", or a JSON list
        return _listed(value, r"[\s,、，]+")

    @field_validator("user_id", mode="before")
    @classmethod
    def _normalize_user_id(cls, value: Any) -> Any:
        return normalize_user_id(value) if isinstance(value, str) else value

    @field_validator("download_dir", "run_dir", "state_dir", mode="before")
    @classmethod
    def _expand(cls, value: Any) -> Any:
        return expand_path(value)

    @field_validator("user_id_pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        if len(value) > MAX_PATTERN_LENGTH:
            raise ValueError(
                _(
                    "{length} characters: a pattern of an ID is at most {limit} (the default "
                    "is {default})"
                ).format(
                    length=len(value), limit=MAX_PATTERN_LENGTH, default=DEFAULT_USER_ID_PATTERN
                )
            )
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(
                _("not a valid regular expression ({error}); the default is {default}").format(
                    error=exc, default=DEFAULT_USER_ID_PATTERN
                )
            ) from exc
        return value

    @model_validator(mode="after")
    def _budget_below_lockout(self) -> Settings:
        if self.login_budget >= self.portal_lockout_after:
            raise SettingsInvalid(
                _(
                    "login_budget ({budget}) must stay below portal_lockout_after ({lockout}): "
                    "the budget would walk the account into the lock-out."
                ).format(budget=self.login_budget, lockout=self.portal_lockout_after)
            )
        return self

    @model_validator(mode="after")
    def _run_dir_apart(self) -> Settings:
        """Run folders are pruned: the folder that holds them must not hold the downloads."""
        runs, downloads = (
            resolved(self.run_dir, "run_dir"),
            resolved(self.download_dir, "download_dir"),
        )
        if runs == downloads or runs.is_relative_to(downloads) or downloads.is_relative_to(runs):
            raise SettingsInvalid(
                _(
                    "run_dir ({run_dir}) and download_dir ({download_dir}) overlap: old run "
                    "folders are deleted from run_dir, so give it a folder of its own."
                ).format(run_dir=self.run_dir, download_dir=self.download_dir)
            )
        return self

    @classmethod
    def from_values(cls, values: dict[str, Any]) -> Settings:
        """Settings of `values` alone, validated as any settings are: for values that every
        setting has, taken from settings loaded already (an account's in a batch). The
        environment, the .env file and the configuration file are not read again: each value
        they could give is one of `values` already, which wins over them."""
        token = _VALUES_ONLY.set(True)
        try:
            return cls.model_validate(values)
        finally:
            _VALUES_ONLY.reset(token)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Relative paths: from the command line, the working folder (a person typed them
        # there); from a file, that file's folder; from an environment variable, refused.
        given = _Anchored(init_settings, Path.cwd(), _("the command line"))
        if _VALUES_ONLY.get():
            return (given,)
        toml_file = getattr(settings_cls, "config_path", None)
        sources: list[PydanticBaseSettingsSource] = [
            given,
            _Anchored(env_settings, None, _("the environment variable {name}")),
            _Anchored(
                dotenv_settings,
                Path.cwd(),
                _("the .env file {path}").format(path=Path(".env").absolute()),
            ),
        ]
        if toml_file is not None:
            sources.append(
                _Anchored(
                    TomlConfigSettingsSource(settings_cls, toml_file=toml_file),
                    toml_file.absolute().parent,
                    str(toml_file),
                )
            )
        return tuple(sources)

    @property
    def login_budget_cap(self) -> int:
        """Submissions the portal has not confirmed, at most, until a password is confirmed."""
        return self.portal_lockout_after - 1

    def validated_user_id(self, user_id: str | None = None) -> str:
        """The 納付利用者ID to use (argument over setting), checked against the pattern."""
        import re

        chosen = normalize_user_id(user_id) if user_id is not None else self.user_id
        if not chosen:
            raise SettingsInvalid(
                _("No 納付利用者ID given: pass --user-id or set KOSS_USER_ID / user_id.")
            )
        if not re.fullmatch(self.user_id_pattern, chosen) or not SAFE_USER_ID.fullmatch(chosen):
            raise SettingsInvalid(
                _("The 納付利用者ID {user_id!r} is not valid: it looks like KNAB1234.").format(
                    user_id=chosen
                )
            )
        return chosen

    @property
    def login_url(self) -> str | None:
        return str(self.mypage_url) if self.mypage_url else None

    def notify_config(self) -> NotifyConfig:
        """The settings of the notifications (`koss_rpa.notify`)."""
        return NotifyConfig(
            urls=self.notify_urls,
            webhook=None if self.notify_webhook is None else str(self.notify_webhook),
            on=self.notify_on,
            command=self.notify_command,
            keyring_service=self.keyring_service,
            state_dir=self.state_dir,
        )

    #: A user's overrides on site: a screen, field or control in the manual's words → a
    #: Playwright selector, tried before the words (docs/real-portal.md, "Locators"); the
    #: names and selectors are checked when a browser starts (koss_rpa.pages.overrides).
    locators: dict[str, str] = Field(default_factory=dict)

    @field_validator("locators")
    @classmethod
    def _selectors_given(cls, value: dict[str, str]) -> dict[str, str]:
        for name, selector in value.items():
            if not selector.strip():
                raise ValueError(_("「{name}」 has an empty selector").format(name=name))
        return value


def resolved(path: Path, name: str) -> Path:
    """`path` with its links followed; a loop of links is one line naming the setting."""
    try:
        return path.resolve()
    except (RuntimeError, OSError) as exc:  # Python 3.11: RuntimeError("Symlink loop …")
        raise SettingsInvalid(
            _(
                "Setting {name!r}: {path} cannot be followed ({error}): choose another folder."
            ).format(name=name, path=path, error=exc)
        ) from exc


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Read the settings; any problem becomes one `SettingsInvalid` line.

    The TOML file is `config_file`, else `KOSS_CONFIG`, else the user's config file if present.
    """
    path = config_file
    if path is None and os.environ.get("KOSS_CONFIG"):
        path = Path(os.environ["KOSS_CONFIG"])
    if path is None and default_config_file().is_file():
        path = default_config_file()
    if path is not None:
        path = expand_path(str(path))
        assert isinstance(path, Path)
    if path is not None and not path.is_file():
        raise SettingsInvalid(_("The config file {path} does not exist.").format(path=path))
    if path is not None:
        read_toml(path, _("The config file {path}").format(path=path))

    class _FileSettings(Settings):
        config_path: ClassVar[Path | None] = path

    clean = {k: v for k, v in overrides.items() if v is not None}
    try:
        settings: Settings = _FileSettings(**clean)
    except ValidationError as exc:
        raise SettingsInvalid(describe_validation_error(exc, path, set(clean))) from exc
    except SettingsError as exc:  # a KOSS_ variable or .env line that is not valid JSON
        raise SettingsInvalid(_describe_source_error(exc)) from exc
    except UnicodeDecodeError as exc:  # the TOML file was read above: it is the .env file
        raise SettingsInvalid(
            _("The .env file {path} is not UTF-8 text: save it as UTF-8.").format(
                path=Path(".env").resolve()
            )
        ) from exc
    except (OSError, ValueError, RecursionError) as exc:
        raise SettingsInvalid(
            _("Could not read the settings ({path}): {error}").format(
                path=path, error=exc if str(exc) else type(exc).__name__
            )
        ) from exc
    return settings


def read_toml(path: Path, what: str) -> dict[str, Any]:
    """Read a TOML file a person wrote; every problem becomes one line saying what to change.

    `what` names the file in the message ("The accounts file x.toml").
    """
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_TOML_BYTES + 1)
    except OSError as exc:
        raise SettingsInvalid(
            _("{what} cannot be read: {error}").format(what=what, error=exc.strerror or exc)
        ) from exc
    if len(data) > MAX_TOML_BYTES:
        raise SettingsInvalid(
            _("{what} is larger than {size} MB: it is not a settings file.").format(
                what=what, size=MAX_TOML_BYTES >> 20
            )
        )
    if data.startswith(b"\xef\xbb\xbf"):
        raise SettingsInvalid(
            _("{what} starts with a byte order mark (BOM): save it as UTF-8 without BOM.").format(
                what=what
            )
        )
    if b"\x00" in data:
        raise SettingsInvalid(
            _("{what} is a binary file, not TOML text: choose the right file.").format(what=what)
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        guess = " (Shift_JIS?)" if _decodes_as(data, "cp932") else ""
        raise SettingsInvalid(
            _("{what} is not UTF-8 text{guess}: save it as UTF-8 (without BOM).").format(
                what=what, guess=guess
            )
        ) from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        hint = ""
        if "\\" in text and re.search(r"(Unescaped|hex value|escape)", str(exc)):
            hint = _(
                "; write Windows paths with / (C:/Users/...) or in single quotes ('C:\\Users\\...')"
            )
        raise SettingsInvalid(
            _("{what} is not valid TOML: {error}{hint}").format(what=what, error=exc, hint=hint)
        ) from exc
    except RecursionError as exc:  # arrays or tables nested thousands deep
        raise SettingsInvalid(
            _("{what} nests arrays or tables too deeply: it is not a settings file.").format(
                what=what
            )
        ) from exc


def _decodes_as(data: bytes, charset: str) -> bool:
    try:
        data.decode(charset)
    except UnicodeDecodeError:
        return False
    return True


def _describe_source_error(exc: SettingsError) -> str:
    found = re.search(r'field "([^"]+)" from source "(\w+)"', str(exc))
    name = found.group(1) if found else "?"
    source = found.group(2) if found else ""
    variable = "KOSS_" + name.upper()
    if source.startswith("DotEnv"):
        where = _("the .env file {path} ({name})").format(
            path=Path(".env").resolve(), name=variable
        )
    else:
        where = _("the environment variable {name}").format(name=variable)
    return _(
        "Setting {name!r} from {where}: not a valid value (lists and tables are written as "
        'JSON, e.g. ["--a", "--b"]).'
    ).format(name=name, where=where)


def _source_of(loc: tuple[Any, ...], path: Path | None, given: set[str]) -> str:
    """Where the wrong value came from: an option, a KOSS_ variable, .env, or the TOML file."""
    if loc and loc[0] in given:
        return _("the command line")
    names = ["KOSS_" + "__".join(str(p) for p in loc[:n]).upper() for n in range(len(loc), 0, -1)]
    environ = {k.upper() for k in os.environ}
    for name in names:
        if name in environ:
            return _("the environment variable {name}").format(name=name)
    dotenv = Path(".env")
    if dotenv.is_file():
        from dotenv import dotenv_values

        try:
            listed = {k.upper() for k in dotenv_values(dotenv, encoding="utf-8")}
        except (OSError, UnicodeDecodeError):
            listed = set()
        for name in names:
            if name in listed:
                return _("the .env file {path} ({name})").format(path=dotenv.resolve(), name=name)
    return str(path) if path else ""


def describe_validation_error(
    exc: ValidationError, path: Path | None, given: set[str] | None = None
) -> str:
    """One line naming the first wrong setting, why, and where its value came from."""
    first = exc.errors()[0]
    name = ".".join(str(part) for part in first["loc"]) or "?"
    reason = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        reason = _("unknown setting")
    source = _source_of(tuple(first["loc"]), path, given or set())
    where = f" ({source})" if source else ""
    more = len(exc.errors()) - 1
    suffix = _(" (and {n} more)").format(n=more) if more else ""
    return _("Setting {name!r}: {reason}{where}{suffix}").format(
        name=name, reason=reason, where=where, suffix=suffix
    )
