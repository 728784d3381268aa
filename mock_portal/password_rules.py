"""The password rules of パスワード変更 and the temporary password of パスワード初期化."""

from __future__ import annotations

import re
import secrets
import string
from enum import StrEnum

from mock_portal.accounts import Account, verify_password
from mock_portal.config import PasswordPolicy


class Rejection(StrEnum):
    """Why a new password was refused; the values are the journal's `detail` codes."""

    MISMATCH = "mismatch"
    LENGTH = "length"
    CHARSET = "charset"
    COMPOSITION = "composition"
    SAME_AS_CURRENT = "same_as_current"
    HISTORY = "history"


# Invented wording: the manual shows no error message of the パスワード変更 screen.
REJECTION_MESSAGES: dict[Rejection, str] = {
    Rejection.MISMATCH: "新しいパスワードと新しいパスワード（確認用）が一致しません。",
    Rejection.LENGTH: "新しいパスワードは{min}文字以上{max}文字以下で入力してください。",
    Rejection.CHARSET: "新しいパスワードは半角英数字のみで入力してください。",
    Rejection.COMPOSITION: "新しいパスワードは英字と数字をそれぞれ1文字以上含めてください。",
    Rejection.SAME_AS_CURRENT: "新しいパスワードは現在のパスワードと異なるものを入力してください。",
    Rejection.HISTORY: "新しいパスワードは過去に使用したパスワードと異なるものを入力してください。",
}

_HALF_WIDTH_ALNUM = re.compile(r"[A-Za-z0-9]+")


def rejection_message(reason: Rejection, policy: PasswordPolicy) -> str:
    """The alert text for `reason`, with the policy's lengths filled in."""
    return REJECTION_MESSAGES[reason].format(min=policy.min_length, max=policy.max_length)


def check_new_password(
    account: Account, new: str, confirm: str, policy: PasswordPolicy
) -> Rejection | None:
    """First rule `new` breaks, in the order a person would fix them; None if acceptable."""
    if new != confirm:
        return Rejection.MISMATCH
    if not policy.min_length <= len(new) <= policy.max_length:
        return Rejection.LENGTH
    if _HALF_WIDTH_ALNUM.fullmatch(new) is None:
        return Rejection.CHARSET
    if policy.require_letters_and_digits and not (
        any(c.isalpha() for c in new) and any(c.isdigit() for c in new)
    ):
        return Rejection.COMPOSITION
    if verify_password(new, account.password_hash):
        return Rejection.SAME_AS_CURRENT
    if any(verify_password(new, old) for old in account.history[: policy.history]):
        return Rejection.HISTORY
    return None


def temporary_password(policy: PasswordPolicy) -> str:
    """A random password that itself satisfies the policy (letters and digits, mid length)."""
    length = max(2, policy.min_length, min(12, policy.max_length))
    alphabet = string.ascii_letters + string.digits
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if any(c.isalpha() for c in candidate) and any(c.isdigit() for c in candidate):
            return candidate
