"""koss_rpa.errors: one tree, stable codes, exit codes in their documented ranges."""

from __future__ import annotations

import pytest

from koss_rpa import errors
from koss_rpa.errors import (
    ALL_ERRORS,
    BusinessError,
    ConfigError,
    KossError,
    ScreenNotReached,
    TransientError,
)

LEAVES = [cls for cls in ALL_ERRORS if not cls.__subclasses__()]


def _subclasses(base: type[KossError]) -> list[type[KossError]]:
    return [cls for cls in ALL_ERRORS if issubclass(cls, base) and cls is not base]


def test_all_errors_should_have_unique_codes() -> None:
    codes = [cls.code for cls in ALL_ERRORS]

    assert len(codes) == len(set(codes))


def test_all_errors_should_list_every_error_class_of_the_module() -> None:
    defined = {
        obj for obj in vars(errors).values() if isinstance(obj, type) and issubclass(obj, KossError)
    }

    assert defined == set(ALL_ERRORS)


def test_leaf_errors_should_have_unique_exit_codes() -> None:
    exit_codes = [cls.exit_code for cls in LEAVES]

    assert len(exit_codes) == len(set(exit_codes))
    reserved = {
        errors.EXIT_OK,
        errors.EXIT_INTERNAL,
        errors.EXIT_USAGE,
        errors.EXIT_BATCH_PARTIAL,
        errors.EXIT_INTERRUPTED,
    }
    assert not reserved & set(exit_codes)


@pytest.mark.parametrize(
    ("base", "low", "high"),
    [(ConfigError, 3, 8), (BusinessError, 10, 17), (TransientError, 20, 23)],
)
def test_exit_codes_should_stay_in_the_range_of_their_branch(
    base: type[KossError], low: int, high: int
) -> None:
    subclasses = _subclasses(base)

    assert subclasses
    assert all(low <= cls.exit_code <= high for cls in [base, *subclasses])


def test_every_error_should_belong_to_one_branch() -> None:
    branches = (ConfigError, BusinessError, TransientError)

    for cls in ALL_ERRORS:
        if cls in (KossError, *branches):
            continue
        assert sum(issubclass(cls, branch) for branch in branches) == 1, cls


def test_koss_error_should_show_its_message() -> None:
    error = errors.LoginRejected("ID またはパスワードが違います")

    assert str(error) == "ID またはパスワードが違います"
    assert error.message == str(error)
    assert error.args == ("ID またはパスワードが違います",)


def test_screen_not_reached_should_name_expected_and_seen() -> None:
    error = ScreenNotReached("マイページ", "メンテナンス中")

    assert "マイページ" in str(error)
    assert "メンテナンス中" in str(error)
    assert (error.expected, error.seen) == ("マイページ", "メンテナンス中")
    assert isinstance(error, TransientError)
    assert error.exit_code == 22
