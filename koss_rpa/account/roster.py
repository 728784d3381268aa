"""The accounts file of `koss-rpa batch`: 納付利用者IDs and per-account options, no passwords.

```toml
[defaults]                 # optional: applies to every account
rotate_after_days = 50

[[accounts]]
user_id = "KNAB1234"
label = "本店"              # optional: shown in the progress and the report

[[accounts]]
user_id = "KNCA6288"
on_expired = "fail"
download_dir = "D:/まとめ納付/支店"
```
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from koss_rpa.errors import SettingsInvalid
from koss_rpa.i18n import _
from koss_rpa.settings import (
    Settings,
    anchored_path,
    describe_validation_error,
    expand_path,
    normalize_user_id,
    read_toml,
)


class AccountOptions(BaseModel):
    """What an account may set for itself (the rest comes from the settings)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    download_dir: Path | None = None
    on_expired: Literal["rotate", "fail"] | None = None
    rotate_after_days: int | None = Field(None, ge=1)
    mypage_url: str | None = None

    @field_validator("download_dir", mode="before")
    @classmethod
    def _expand(cls, value: Any) -> Any:
        return expand_path(value)


class AccountEntry(AccountOptions):
    user_id: str
    label: str = ""
    enabled: bool = True

    @field_validator("user_id", mode="before")
    @classmethod
    def _normalize(cls, value: Any) -> Any:
        return normalize_user_id(value) if isinstance(value, str) else value

    def settings_for(self, base: Settings, defaults: AccountOptions) -> Settings:
        """The settings of this account: its own options over the defaults over `base`."""
        update: dict[str, Any] = {}
        for layer in (defaults, self):
            for name in AccountOptions.model_fields:
                value = getattr(layer, name)
                if value is not None:
                    update[name] = value
        merged = base.model_dump() | update
        try:
            return type(base).from_values(merged)
        except ValidationError as exc:
            raise SettingsInvalid(
                f"{self.user_id}: {describe_validation_error(exc, None)}"
            ) from exc
        except SettingsInvalid as exc:
            raise SettingsInvalid(f"{self.user_id}: {exc}") from exc


_Options = TypeVar("_Options", bound=AccountOptions)


class AccountsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    defaults: AccountOptions = AccountOptions()
    accounts: list[AccountEntry]


def _anchored(parsed: AccountsFile, base: Path) -> AccountsFile:
    """The file's relative `download_dir`s taken from its own folder (`settings.anchored_path`),
    never from the working folder of whoever runs it."""

    def anchor(options: _Options) -> _Options:
        folder = options.download_dir
        if folder is None or folder.is_absolute():
            return options
        return options.model_copy(update={"download_dir": anchored_path(folder, base)})

    return parsed.model_copy(
        update={
            "defaults": anchor(parsed.defaults),
            "accounts": [anchor(entry) for entry in parsed.accounts],
        }
    )


def load_accounts(path: Path, settings: Settings) -> tuple[AccountsFile, list[AccountEntry]]:
    """Read and check the accounts file; returns it and the enabled accounts.

    Raises:
        SettingsInvalid: unreadable file, unknown keys, an invalid or repeated 納付利用者ID.
    """
    path = expand_path(str(path))
    data = read_toml(path, _("The accounts file {path}").format(path=path))
    try:
        parsed = AccountsFile.model_validate(data)
    except ValidationError as exc:
        raise SettingsInvalid(describe_validation_error(exc, path)) from exc
    parsed = _anchored(parsed, path.absolute().parent)
    seen: set[str] = set()
    for entry in parsed.accounts:
        settings.validated_user_id(entry.user_id)
        if entry.user_id in seen:
            raise SettingsInvalid(
                _("{user_id} appears twice in {path}.").format(user_id=entry.user_id, path=path)
            )
        seen.add(entry.user_id)
    enabled = [a for a in parsed.accounts if a.enabled]
    if not enabled:
        raise SettingsInvalid(_("The accounts file {path} lists no account.").format(path=path))
    return parsed, enabled
