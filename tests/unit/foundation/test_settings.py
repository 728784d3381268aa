"""koss_rpa.settings: defaults, sources, precedence and one-line errors.

The autouse `isolated_settings` fixture (tests/unit/conftest.py) clears `KOSS_*`, chdirs to
`tmp_path` and hides the user's config file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from koss_rpa import settings as settings_module
from koss_rpa.errors import SettingsInvalid
from koss_rpa.settings import (
    REAL_PORTAL_URL,
    PasswordPolicy,
    Settings,
    load_settings,
    normalize_user_id,
)


def _toml(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _load(tmp_path: Path, config_file: Path | None = None, **overrides: object) -> Settings:
    """load_settings with the folders kept under tmp_path."""
    return load_settings(
        config_file, run_dir=tmp_path / "runs", download_dir=tmp_path / "dl", **overrides
    )


def test_load_settings_should_default_to_the_real_portal_rotating_headless(
    tmp_path: Path,
) -> None:
    settings = _load(tmp_path)

    assert str(settings.portal_url).rstrip("/") == REAL_PORTAL_URL
    assert settings.on_expired == "rotate"
    assert settings.headless is True
    assert settings.browser == "auto"
    assert settings.user_id is None
    assert settings.login_url is None
    assert settings.config_path is None
    assert settings.retry.attempts == 4
    assert settings.password_policy == PasswordPolicy()


def test_load_settings_should_read_koss_environment_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KOSS_PORTAL_URL", "http://127.0.0.1:8123")
    monkeypatch.setenv("KOSS_HEADLESS", "false")
    monkeypatch.setenv("KOSS_ON_EXPIRED", "fail")
    monkeypatch.setenv("KOSS_BROWSER_ARGS", '["--a", "--b"]')

    settings = _load(tmp_path)

    assert str(settings.portal_url) == "http://127.0.0.1:8123/"
    assert settings.headless is False
    assert settings.on_expired == "fail"
    assert settings.browser_args == ("--a", "--b")


def test_load_settings_should_read_nested_environment_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KOSS_RETRY__ATTEMPTS", "7")
    monkeypatch.setenv("KOSS_PASSWORD_POLICY__MIN_LENGTH", "10")

    settings = _load(tmp_path)

    assert settings.retry.attempts == 7
    assert settings.retry.max_seconds == 900.0  # the rest of the section keeps its defaults
    assert settings.password_policy.min_length == 10
    assert settings.password_policy.max_length == 16


def test_load_settings_should_read_a_dotenv_file_in_the_working_directory(
    tmp_path: Path,
) -> None:
    (tmp_path / ".env").write_text(
        "KOSS_USER_ID=KNAB1234\nKOSS_RETRY__ATTEMPTS=9\n", encoding="utf-8"
    )

    settings = _load(tmp_path)

    assert settings.user_id == "KNAB1234"
    assert settings.retry.attempts == 9


def test_load_settings_should_ignore_foreign_variables_in_a_dotenv_file(tmp_path: Path) -> None:
    # A `.env` shared with other tools in the working folder (a scheduler's start-in folder).
    (tmp_path / ".env").write_text(
        "DATABASE_URL=postgres://x\nKOSS_USER_ID=KNAB1234\n", encoding="utf-8"
    )

    settings = _load(tmp_path)

    assert settings.user_id == "KNAB1234"


def test_load_settings_should_read_a_toml_file_given_as_argument(tmp_path: Path) -> None:
    config = _toml(
        tmp_path,
        'user_id = "KNAB1234"\nheadless = false\n[retry]\nattempts = 6\n'
        "[password_policy]\nmax_length = 20\n",
    )

    settings = _load(tmp_path, config)

    assert settings.user_id == "KNAB1234"
    assert settings.headless is False
    assert settings.retry.attempts == 6
    assert settings.password_policy.max_length == 20
    assert settings.config_path == config


def test_load_settings_should_read_the_toml_file_named_by_koss_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _toml(tmp_path, "keep_runs = 5\n")
    monkeypatch.setenv("KOSS_CONFIG", str(config))

    settings = _load(tmp_path)

    assert settings.keep_runs == 5
    assert settings.config_path == config


def test_load_settings_should_prefer_the_argument_over_koss_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KOSS_CONFIG", str(_toml(tmp_path, "keep_runs = 5\n", "env.toml")))
    given = _toml(tmp_path, "keep_runs = 6\n", "given.toml")

    assert _load(tmp_path, given).keep_runs == 6


def test_load_settings_should_read_the_user_config_file_when_nothing_else_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    user_config = _toml(tmp_path, "concurrency = 4\n", "user.toml")
    monkeypatch.setattr(settings_module, "default_config_file", lambda: user_config)

    settings = _load(tmp_path)

    assert settings.concurrency == 4
    assert settings.config_path == user_config


def test_load_settings_should_rank_init_over_env_over_dotenv_over_toml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _toml(
        tmp_path,
        'user_id = "KNAA0001"\nkeep_runs = 1\nconcurrency = 3\nlock_wait_seconds = 4.0\n',
    )
    (tmp_path / ".env").write_text(
        "KOSS_USER_ID=KNAA0002\nKOSS_KEEP_RUNS=2\nKOSS_CONCURRENCY=5\n", encoding="utf-8"
    )
    monkeypatch.setenv("KOSS_USER_ID", "KNAA0003")
    monkeypatch.setenv("KOSS_KEEP_RUNS", "3")

    settings = _load(tmp_path, config, user_id="KNAA0004")

    assert settings.user_id == "KNAA0004"  # init
    assert settings.keep_runs == 3  # env over .env and TOML
    assert settings.concurrency == 5  # .env over TOML
    assert settings.lock_wait_seconds == 4.0  # TOML over the default


def test_load_settings_should_ignore_none_overrides(tmp_path: Path) -> None:
    config = _toml(tmp_path, 'user_id = "KNAA0001"\n')

    assert _load(tmp_path, config, user_id=None).user_id == "KNAA0001"


def test_load_settings_should_name_an_unknown_key_of_the_toml_file(tmp_path: Path) -> None:
    config = _toml(tmp_path, "bogus_key = 1\n")

    with pytest.raises(SettingsInvalid, match=r"'bogus_key': unknown setting") as info:
        _load(tmp_path, config)

    assert str(config) in str(info.value)


def test_load_settings_should_name_an_unknown_key_of_a_toml_section(tmp_path: Path) -> None:
    config = _toml(tmp_path, "[retry]\nattemps = 3\n")

    with pytest.raises(SettingsInvalid, match=r"'retry\.attemps': unknown setting"):
        _load(tmp_path, config)


def test_load_settings_should_reject_a_malformed_portal_url(tmp_path: Path) -> None:
    with pytest.raises(SettingsInvalid, match="'portal_url'"):
        _load(tmp_path, portal_url="not a url")


def test_load_settings_should_reject_a_malformed_portal_url_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KOSS_PORTAL_URL", "ftp://example.invalid")

    with pytest.raises(SettingsInvalid, match="'portal_url'"):
        _load(tmp_path)


def test_load_settings_should_reject_an_unknown_on_expired_value(tmp_path: Path) -> None:
    with pytest.raises(SettingsInvalid, match="'on_expired'"):
        _load(tmp_path, on_expired="ignore")


def test_load_settings_should_count_further_errors_on_the_same_line(tmp_path: Path) -> None:
    config = _toml(tmp_path, "bogus_a = 1\nbogus_b = 2\nkeep_runs = 0\n")

    with pytest.raises(SettingsInvalid, match=r"\(and 2 more\)") as info:
        _load(tmp_path, config)

    assert "\n" not in str(info.value)


def test_load_settings_should_give_the_mypage_url_as_login_url(tmp_path: Path) -> None:
    settings = _load(tmp_path, mypage_url="http://127.0.0.1:8123/mypage/login")

    assert settings.login_url == "http://127.0.0.1:8123/mypage/login"


def test_load_settings_should_normalise_a_full_width_user_id(tmp_path: Path) -> None:
    assert _load(tmp_path, user_id="ｋｎａｂ１２３４").user_id == "KNAB1234"


def test_load_settings_should_normalise_a_full_width_user_id_from_toml(tmp_path: Path) -> None:
    config = _toml(tmp_path, 'user_id = " ｋｎａｂ１２３４ "\n')

    assert _load(tmp_path, config).user_id == "KNAB1234"


def test_normalize_user_id_should_make_it_half_width_upper_case_and_trimmed() -> None:
    assert normalize_user_id(" ｋｎａｂ１２３４\u3000") == "KNAB1234"
    assert normalize_user_id("kiab0001") == "KIAB0001"


def test_load_settings_should_reject_a_missing_config_file(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.toml"

    with pytest.raises(SettingsInvalid, match="does not exist") as info:
        _load(tmp_path, missing)

    assert str(missing) in str(info.value)


def test_load_settings_should_reject_a_missing_config_file_named_by_koss_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KOSS_CONFIG", str(tmp_path / "nowhere.toml"))

    with pytest.raises(SettingsInvalid, match=r"nowhere\.toml"):
        _load(tmp_path)


def test_load_settings_should_reject_a_directory_as_config_file(tmp_path: Path) -> None:
    with pytest.raises(SettingsInvalid, match="does not exist"):
        _load(tmp_path, tmp_path)


def test_load_settings_should_turn_malformed_toml_into_one_line(tmp_path: Path) -> None:
    config = _toml(tmp_path, 'user_id = "KNAB1234\n[retry\nattempts = = 3\n')

    with pytest.raises(SettingsInvalid, match="not valid TOML") as info:
        _load(tmp_path, config)

    assert "\n" not in str(info.value)
    assert str(config) in str(info.value)


def test_load_settings_should_turn_a_non_utf8_toml_file_into_settings_invalid(
    tmp_path: Path,
) -> None:
    config = tmp_path / "config.toml"
    config.write_bytes('user_id = "納付"\n'.encode("shift_jis"))

    with pytest.raises(SettingsInvalid):
        _load(tmp_path, config)


def test_load_settings_should_reject_a_password_policy_whose_min_exceeds_its_max(
    tmp_path: Path,
) -> None:
    config = _toml(tmp_path, "[password_policy]\nmin_length = 20\nmax_length = 8\n")

    with pytest.raises(SettingsInvalid, match="password_policy"):
        _load(tmp_path, config)


def test_validated_user_id_should_prefer_the_argument_over_the_setting(tmp_path: Path) -> None:
    settings = _load(tmp_path, user_id="KNAB1234")

    assert settings.validated_user_id() == "KNAB1234"
    assert settings.validated_user_id("ｋｉａｂ０００１") == "KIAB0001"


def test_validated_user_id_should_reject_no_user_id(tmp_path: Path) -> None:
    with pytest.raises(SettingsInvalid, match="No 納付利用者ID given"):
        _load(tmp_path).validated_user_id()


def test_validated_user_id_should_reject_an_empty_argument(tmp_path: Path) -> None:
    with pytest.raises(SettingsInvalid, match="No 納付利用者ID given"):
        _load(tmp_path, user_id="KNAB1234").validated_user_id("  ")


@pytest.mark.parametrize("bad", ["XYZ", "KNAB123", "KNAB12345", "KXAB1234", "KNA11234"])
def test_validated_user_id_should_reject_an_id_off_the_pattern(tmp_path: Path, bad: str) -> None:
    with pytest.raises(SettingsInvalid, match="is not valid") as info:
        _load(tmp_path).validated_user_id(bad)

    assert repr(bad) in str(info.value)


def test_validated_user_id_should_check_the_setting_too(tmp_path: Path) -> None:
    settings = _load(tmp_path, user_id="nope")

    with pytest.raises(SettingsInvalid, match="'NOPE'"):
        settings.validated_user_id()


def test_validated_user_id_should_follow_a_configured_pattern(tmp_path: Path) -> None:
    settings = _load(tmp_path, user_id_pattern=r"^X[0-9]{3}$")

    assert settings.validated_user_id("x123") == "X123"
    with pytest.raises(SettingsInvalid):
        settings.validated_user_id("KNAB1234")


def test_paths_should_expand_the_home_folder_and_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("KOSS_TEST_BASE", str(tmp_path / "base"))

    settings = load_settings(None, download_dir="~/dl", run_dir="$KOSS_TEST_BASE/runs")

    assert settings.download_dir == tmp_path / "home" / "dl"
    assert settings.run_dir == tmp_path / "base" / "runs"


@pytest.mark.parametrize(
    ("run_dir", "download_dir"), [("same", "same"), ("dl/runs", "dl"), ("runs", "runs/dl")]
)
def test_run_dir_should_never_overlap_the_download_dir(
    tmp_path: Path, run_dir: str, download_dir: str
) -> None:
    with pytest.raises(SettingsInvalid, match="overlap"):
        load_settings(None, run_dir=tmp_path / run_dir, download_dir=tmp_path / download_dir)


@pytest.mark.parametrize("value", ["inf", "nan", "1e9", "-1"])
def test_every_time_out_should_be_bounded(tmp_path: Path, value: str) -> None:
    config = _toml(tmp_path, f"[timeouts]\naction_seconds = {value}\n")

    with pytest.raises(SettingsInvalid, match=r"timeouts\.action_seconds"):
        _load(tmp_path, config)


def test_an_id_should_never_form_a_path_whatever_the_pattern(tmp_path: Path) -> None:
    settings = _load(tmp_path, user_id_pattern=".*")

    for bad in ("../../victim", "KNAB/1234", "KN\\AB", "C:KNAB", "..", ""):
        with pytest.raises(SettingsInvalid):
            settings.validated_user_id(bad)
    assert settings.validated_user_id("knab1234") == "KNAB1234"


def test_a_wrong_environment_variable_should_be_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _toml(tmp_path, "keep_runs = 3\n")
    monkeypatch.setenv("KOSS_RETRY__ATTEMPTS", "many")

    with pytest.raises(SettingsInvalid, match="KOSS_RETRY__ATTEMPTS") as info:
        _load(tmp_path, config)

    assert str(config) not in str(info.value)


def test_an_accounts_files_relative_download_dir_should_be_relative_to_that_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from koss_rpa.account.roster import load_accounts

    office = tmp_path / "office"
    office.mkdir()
    (office / "accounts.toml").write_text(
        '[defaults]\ndownload_dir = "files"\n'
        '[[accounts]]\nuser_id = "KNAB1234"\n'
        '[[accounts]]\nuser_id = "KNCA6288"\ndownload_dir = "../../../x"\n',
        encoding="utf-8",
    )
    elsewhere = tmp_path / "a" / "b" / "c"
    elsewhere.mkdir(parents=True)
    monkeypatch.chdir(elsewhere)  # a scheduler's working folder

    parsed, _ = load_accounts(office / "accounts.toml", Settings())

    assert parsed.defaults.download_dir == office / "files"
    assert parsed.accounts[1].download_dir == (office / "../../../x").resolve()


def test_an_accounts_settings_should_be_its_options_over_the_loaded_ones_read_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from koss_rpa.account.roster import load_accounts

    config = _toml(tmp_path, "keep_runs = 3\n[retry]\nattempts = 4\n")
    monkeypatch.setenv("KOSS_HEADLESS", "false")
    base = _load(tmp_path, config)
    accounts = tmp_path / "accounts.toml"
    accounts.write_text(
        '[defaults]\non_expired = "fail"\nrotate_after_days = 30\n'
        '[[accounts]]\nuser_id = "KNAB1234"\nrotate_after_days = 9\n',
        encoding="utf-8",
    )
    parsed, _ = load_accounts(accounts, base)
    # The file and the environment are not read again for an account (a batch asks for each
    # account's settings more than once): what they gave is in the loaded settings.
    config.write_text("keep_runs = = 5\n", encoding="utf-8")  # read again, it would fail
    monkeypatch.setenv("KOSS_HEADLESS", "true")

    mine = parsed.accounts[0].settings_for(base, parsed.defaults)

    assert (mine.rotate_after_days, mine.on_expired) == (9, "fail")  # its own, the defaults
    assert (mine.keep_runs, mine.retry.attempts, mine.headless) == (3, 4, False)  # as loaded
    own = {"rotate_after_days": 9, "on_expired": "fail"}
    assert mine.model_dump() == base.model_dump() | own
    with pytest.raises(SettingsInvalid, match="login_budget"):  # still validated in whole
        Settings.from_values(base.model_dump() | {"login_budget": 9})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("failed batch", ("failed", "batch")),
        ("failed, batch", ("failed", "batch")),
        ("failed,batch,saved", ("failed", "batch", "saved")),
        ('["needs_person", "drift"]', ("needs_person", "drift")),
        ("  needs_person\n", ("needs_person",)),
    ],
)
def test_koss_notify_on_should_take_a_list_as_koss_notify_urls_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str, expected: tuple[str, ...]
) -> None:
    monkeypatch.setenv("KOSS_NOTIFY_ON", value)

    assert _load(tmp_path).notify_on == expected


def test_koss_notify_on_should_name_an_unknown_event(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KOSS_NOTIFY_ON", "failed, everything")

    with pytest.raises(SettingsInvalid, match="notify_on"):
        _load(tmp_path)
