"""Passwords in the OS keyring: current, pending and previous, and the password generator.

Rotation never loses a password (README, "How passwords are kept safe"): the new password is
stored as *pending* before the change is submitted, and promoted to *current* (keeping the old
one as *previous*) only once the portal has confirmed it. Metadata that is not secret (when the
password changed, whether the portal rejected it) is kept beside the passwords as JSON.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import secrets
import string
import sys
import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import keyring
import keyring.errors
from keyring.backend import KeyringBackend
from pydantic import SecretStr

from koss_rpa.errors import KeyringUnavailable
from koss_rpa.i18n import _
from koss_rpa.settings import PasswordPolicy

_SLOTS = ("current", "pending", "previous")


def keyring_remedy() -> str:
    return _(
        "No usable keyring backend. Use a desktop keychain (Windows Credential Manager, "
        "macOS Keychain, GNOME Keyring/KWallet), or install keyrings.cryptfile and set "
        "KEYRING_CRYPTFILE_PASSWORD, or name a backend with PYTHON_KEYRING_BACKEND."
    )


#: keyrings.cryptfile asks for its master password on the terminal; a scheduled job has none,
#: so koss-rpa hands it this variable's value instead.
CRYPTFILE_PASSWORD_VAR = "KEYRING_CRYPTFILE_PASSWORD"


def check_backend() -> str:
    """The name of the keyring backend in use; raises `KeyringUnavailable` when there is none
    (or when it would have to ask for a master password that nobody can type)."""
    backend = keyring.get_keyring()
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    if name.startswith("keyring.backends.fail.") or (
        name == "keyring.backends.chainer.ChainerBackend" and not getattr(backend, "backends", None)
    ):
        raise KeyringUnavailable(keyring_remedy())
    for candidate in [backend, *getattr(backend, "backends", [])]:
        if type(candidate).__module__.startswith("keyrings.cryptfile."):
            _remember_decryptions(candidate)
            _unlock_cryptfile(candidate)
    return name


#: The keyrings.cryptfile backends given their master password, with a digest of it: giving
#: it checks it by decrypting a reference entry (most of a second of CPU), once is enough.
_unlocked: weakref.WeakKeyDictionary[Any, bytes] = weakref.WeakKeyDictionary()


def _unlock_cryptfile(backend: Any) -> None:
    """Give keyrings.cryptfile its master password, which it would otherwise ask for."""
    master = os.environ.get(CRYPTFILE_PASSWORD_VAR)
    if master:
        digest = hashlib.sha256(master.encode()).digest()
        if _unlocked.get(backend) == digest:
            return
        with _keyring_errors():  # a wrong master password raises ValueError here
            backend.keyring_key = master
        _unlocked[backend] = digest
    elif not sys.stdin.isatty():
        raise KeyringUnavailable(
            _(
                "The keyrings.cryptfile backend needs its master password and nobody can "
                "type it here: set {var}."
            ).format(var=CRYPTFILE_PASSWORD_VAR)
        )


#: How many decrypted entries a keyrings.cryptfile backend keeps (`_remember_decryptions`):
#: a few per account, for the largest batch.
DECRYPTED_KEPT = 4096
_remembering: weakref.WeakSet[Any] = weakref.WeakSet()


def _remember_decryptions(backend: Any) -> None:
    """Have a keyrings.cryptfile backend decrypt each stored entry once in this process.

    It derives a key with Argon2 for every entry it decrypts (about 0.4 s and 0.8 s of CPU
    here), and a run reads the same entries twice: in the checks before it, and again once it
    holds the account's lock, because another process may have changed them meanwhile. A
    decryption depends on nothing but the master password, the encrypted entry and its
    associated data, so it is kept under exactly these: an entry changed since (encrypted anew,
    with a new salt) or a different master password is decrypted again, and a wrong one still
    fails. What this process encrypts is known as well. A keyrings.cryptfile whose methods
    take other arguments is left as it is."""
    if backend in _remembering:
        return
    decrypt: Any = getattr(backend, "decrypt", None)
    encrypt: Any = getattr(backend, "encrypt", None)
    if not (
        _takes(decrypt, "password_encrypted", "assoc") and _takes(encrypt, "password", "assoc")
    ):
        return
    known: OrderedDict[tuple[bytes, bytes, bytes | None], bytes] = OrderedDict()
    guard = threading.Lock()  # the entries may be read from several threads (asyncio.to_thread)

    def key(encrypted: bytes, assoc: bytes | None) -> tuple[bytes, bytes, bytes | None]:
        # The master password read as the backend's own methods read it, first.
        master = hashlib.sha256(str(backend.keyring_key).encode()).digest()
        return master, bytes(encrypted), assoc

    def keep(entry: tuple[bytes, bytes, bytes | None], plain: bytes) -> None:
        with guard:
            known[entry] = plain
            while len(known) > DECRYPTED_KEPT:
                known.popitem(last=False)

    def decrypt_once(password_encrypted: bytes, assoc: bytes | None = None) -> bytes:
        entry = key(password_encrypted, assoc)
        with guard:
            if entry in known:
                known.move_to_end(entry)
                return known[entry]
        plain: bytes = decrypt(password_encrypted, assoc)  # raises if it cannot
        keep(entry, plain)
        return plain

    def encrypt_known(password: bytes, assoc: bytes | None = None) -> bytes:
        encrypted: bytes = encrypt(password, assoc)
        keep(key(encrypted, assoc), password)
        return encrypted

    backend.decrypt, backend.encrypt = decrypt_once, encrypt_known
    _remembering.add(backend)


def _takes(method: Any, *names: str) -> bool:
    try:
        return callable(method) and list(inspect.signature(method).parameters) == list(names)
    except (TypeError, ValueError):
        return False


@contextmanager
def _keyring_errors() -> Iterator[None]:
    try:
        yield
    except keyring.errors.NoKeyringError as exc:
        raise KeyringUnavailable(keyring_remedy()) from exc
    except keyring.errors.KeyringLocked as exc:
        raise KeyringUnavailable(
            _("The keyring is locked; unlock it (or log in to the desktop) and run again.")
        ) from exc
    except EOFError as exc:  # a backend prompted for a master password with nobody to answer
        raise KeyringUnavailable(
            _(
                "The keyring asked for its master password and nobody can type it here: "
                "set {var}, or run from a terminal."
            ).format(var=CRYPTFILE_PASSWORD_VAR)
        ) from exc
    except ValueError as exc:  # keyrings.cryptfile: a wrong master password
        raise KeyringUnavailable(
            _("The keyring could not be opened (wrong master password?): {error}").format(error=exc)
        ) from exc
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailable(
            _("The keyring refused the operation: {error}").format(error=type(exc).__name__)
        ) from exc


@dataclass(frozen=True)
class CredentialStatus:
    """What is stored for one 納付利用者ID, never the values."""

    user_id: str
    has_current: bool
    has_pending: bool
    changed_at: datetime | None
    rejected_at: datetime | None
    #: When a login with the pending password was rejected (it gets one try).
    pending_tried_at: datetime | None = None

    def age_days(self, now: datetime | None = None) -> float | None:
        if self.changed_at is None:
            return None
        return ((now or datetime.now(UTC)) - self.changed_at).total_seconds() / 86400


class CredentialStore:
    """The keyring entries of koss-rpa, under one service name."""

    def __init__(self, service: str = "koss-rpa", *, cache: bool = False) -> None:
        """`cache`: remember what was read, for one run that holds the account's lock, or for
        checks made together (some backends, keyrings.cryptfile among them, take most of a
        second per read)."""
        self.service = service
        self._cache: dict[str, str | None] | None = {} if cache else None

    def _read(self, username: str) -> str | None:
        if self._cache is not None and username in self._cache:
            return self._cache[username]
        with _keyring_errors():
            value = keyring.get_password(self.service, username)
        if self._cache is not None:
            self._cache[username] = value
        return value

    def _write(self, username: str, value: str) -> None:
        with _keyring_errors():
            keyring.set_password(self.service, username, value)
        if self._cache is not None:
            self._cache[username] = value

    def _remove(self, username: str) -> None:
        if self._cache is not None and self._cache.get(username, "") is None:
            return  # known to be absent
        with _keyring_errors(), suppress(keyring.errors.PasswordDeleteError):
            keyring.delete_password(self.service, username)
        if self._cache is not None:
            self._cache[username] = None

    def _key(self, user_id: str, slot: str) -> str:
        return user_id if slot == "current" else f"{user_id}:{slot}"

    def _get(self, user_id: str, slot: str) -> SecretStr | None:
        value = self._read(self._key(user_id, slot))
        return SecretStr(value) if value else None

    def _set(self, user_id: str, slot: str, value: SecretStr) -> None:
        self._write(self._key(user_id, slot), value.get_secret_value())

    def _delete(self, user_id: str, slot: str) -> None:
        self._remove(self._key(user_id, slot))

    def _meta(self, user_id: str) -> dict[str, Any]:
        raw = self._read(f"{user_id}:meta")
        try:
            data = json.loads(raw) if raw else {}
        except json.JSONDecodeError:
            data = {}
        return data if isinstance(data, dict) else {}

    def _update_meta(self, user_id: str, **changes: Any) -> None:
        meta = self._meta(user_id)
        meta.update(changes)
        # None removes a key, so "unknown" is never stored as a value.
        meta = {k: v for k, v in meta.items() if v is not None}
        self._write(f"{user_id}:meta", json.dumps(meta))

    def current(self, user_id: str) -> SecretStr | None:
        return self._get(user_id, "current")

    def pending(self, user_id: str) -> SecretStr | None:
        return self._get(user_id, "pending")

    def previous(self, user_id: str) -> SecretStr | None:
        return self._get(user_id, "previous")

    def set_password(
        self,
        user_id: str,
        password: SecretStr,
        changed_at: datetime | None = None,
        *,
        discard_pending: bool = False,
    ) -> bool:
        """Store a password a person gave (`credentials set`); clears any rejection.

        A pending password (a change whose answer was lost) may be the one the portal holds:
        it is kept as a login candidate, with its one try given back, unless the person says
        to discard it. Returns whether a pending password was kept.
        """
        old = self.current(user_id)
        if old is not None and old.get_secret_value() != password.get_secret_value():
            self._set(user_id, "previous", old)
        self._set(user_id, "current", password)
        pending = self.pending(user_id)
        keep = (
            pending is not None
            and not discard_pending
            and pending.get_secret_value() != password.get_secret_value()
        )
        if not keep:
            self._delete(user_id, "pending")
        self._update_meta(
            user_id,
            changed_at=changed_at.isoformat() if changed_at else None,
            rejected_at=None,
            pending_tried_at=None,
            pending_since=self._meta(user_id).get("pending_since") if keep else None,
            set_at=_now().isoformat(),
        )
        return keep

    def begin_rotation(self, user_id: str, new_password: SecretStr) -> None:
        """Step 1 of a rotation: keep the new password as pending *before* it is submitted
        (again: a pending password submitted anew gets its one login try back)."""
        self._set(user_id, "pending", new_password)
        self._update_meta(user_id, pending_since=_now().isoformat(), pending_tried_at=None)

    def promote_pending(self, user_id: str) -> None:
        """The portal accepted the pending password: it becomes current, current becomes previous.

        The order of writes keeps a password findable if the process dies between any two.
        """
        pending = self.pending(user_id)
        if pending is None:
            return
        current = self.current(user_id)
        if current is not None and current.get_secret_value() != pending.get_secret_value():
            self._set(user_id, "previous", current)
        self._set(user_id, "current", pending)
        self._update_meta(
            user_id,
            changed_at=_now().isoformat(),
            pending_since=None,
            pending_tried_at=None,
            rejected_at=None,
        )
        self._delete(user_id, "pending")

    def discard_pending(self, user_id: str) -> None:
        """The portal never took the pending password (the current one still works)."""
        self._delete(user_id, "pending")
        self._update_meta(user_id, pending_since=None, pending_tried_at=None)

    def mark_pending_tried(self, user_id: str) -> None:
        """The portal rejected a login with the pending password: it had its one try."""
        self._update_meta(user_id, pending_tried_at=_now().isoformat())

    def mark_confirmed(self, user_id: str) -> None:
        """The current password was accepted by the portal."""
        if self._meta(user_id).get("rejected_at"):
            self._update_meta(user_id, rejected_at=None)

    def mark_rejected(self, user_id: str) -> None:
        """The portal rejected every password we hold: later runs must not guess again."""
        self._update_meta(user_id, rejected_at=_now().isoformat())

    def state_home(self, user_id: str) -> str | None:
        """The state folder the account's safety state is kept in (`account.Account`)."""
        home = self._meta(user_id).get("state_home")
        return home if isinstance(home, str) and home else None

    def set_state_home(self, user_id: str, folder: str) -> None:
        self._update_meta(user_id, state_home=folder)

    def status(self, user_id: str) -> CredentialStatus:
        """What a run needs to know (the previous password is not read: with some backends,
        keyrings.cryptfile among them, each stored entry read costs most of a second)."""
        meta = self._meta(user_id)
        return CredentialStatus(
            user_id=user_id,
            has_current=self.current(user_id) is not None,
            has_pending=self.pending(user_id) is not None,
            changed_at=_parse(meta.get("changed_at")),
            rejected_at=_parse(meta.get("rejected_at")),
            pending_tried_at=_parse(meta.get("pending_tried_at")),
        )

    def delete(self, user_id: str) -> None:
        for slot in (*_SLOTS, "meta"):
            self._delete(user_id, slot)


def _now() -> datetime:
    return datetime.now(UTC)


def _parse(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


LETTERS = string.ascii_letters
DIGITS = string.digits


def generate_password(policy: PasswordPolicy, avoid: Iterable[str] = ()) -> SecretStr:
    """A random password the portal's policy accepts: half-width letters and digits, both kinds.

    `avoid` holds passwords it must differ from (the current and recent ones).
    """
    kinds = [
        k
        for k, needed in ((LETTERS, policy.require_letter), (DIGITS, policy.require_digit))
        if needed
    ]
    length = min(max(policy.generated_length, policy.min_length, len(kinds)), policy.max_length)
    excluded = set(avoid)
    for _attempt in range(10_000):
        chars = [secrets.choice(kind) for kind in kinds]
        chars += [secrets.choice(LETTERS + DIGITS) for _ in range(length - len(chars))]
        secrets.SystemRandom().shuffle(chars)
        candidate = "".join(chars)
        if candidate not in excluded:
            return SecretStr(candidate)
    # Only a policy of one or two characters can exhaust its passwords like this.
    raise ValueError("the password policy leaves no password that differs from the old ones")


def meets_policy(password: str, policy: PasswordPolicy) -> bool:
    """Whether `password` satisfies `policy` (the same rules the portal applies)."""
    return (
        policy.min_length <= len(password) <= policy.max_length
        and all(c in LETTERS + DIGITS for c in password)
        and (not policy.require_letter or any(c in LETTERS for c in password))
        and (not policy.require_digit or any(c in DIGITS for c in password))
    )


class MemoryKeyring(KeyringBackend):
    """A keyring that lives in memory: for `koss-rpa demo` and tests. Never picked on its own."""

    priority = -1

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.entries.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError(username)


@contextmanager
def use_keyring(backend: KeyringBackend) -> Iterator[KeyringBackend]:
    """Use `backend` for the duration of the block (demo, tests)."""
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)
