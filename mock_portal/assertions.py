"""Assertions on the journal: count and filter what the robot did, with readable failures.

    portal.requests(method="POST", screen="login").exactly(1)        # one login POST
    portal.requests(outcome="password_changed").at_most(1)          # no second change
    portal.requests(outcome="fault:*").none()
    assert_journal(portal, ["GET login", "POST login login_ok", "GET mypage"])
    assert portal.requests(method="POST") == ["POST login login_ok"]

A filter value is a string matched as a shell-style pattern (`fault:*`, `/mypage/*`), an int
(for `status`), or a list/tuple of those (any of them). An *expected item* is either such a
mapping of filters, or a line `METHOD TARGET [OUTCOME [STATUS]]` where TARGET is a path (it
starts with `/`) or a screen name, and each word may be a pattern.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping, Sequence
from fnmatch import fnmatchcase
from typing import Any, Protocol, runtime_checkable

from mock_portal.journal import JournalEntry

#: Entry fields a filter may name.
FIELDS = ("method", "path", "screen", "account", "outcome", "status", "detail")

Pattern = str | int
Filter = Pattern | Sequence[Pattern]
Expected = str | Mapping[str, Filter]

#: How many entries a failure message lists at most.
_SHOWN = 60


@runtime_checkable
class JournalSource(Protocol):
    """Anything with the journal of `ControlClient.journal`."""

    def journal(self, **filters: str) -> list[dict[str, Any]]: ...


#: Where a query reads entries: a live client, or entries (or their dicts) already read.
Source = JournalSource | Iterable[JournalEntry | Mapping[str, Any]]


def describe(entry: JournalEntry) -> str:
    """One entry as a line a person reads: `#3 POST /mypage/login [login] → login_ok 303 …`."""
    status = "no response" if entry.status is None else str(entry.status)
    text = f"#{entry.seq} {entry.method} {entry.path} [{entry.screen or '-'}] → {entry.outcome}"
    text += f" {status}"
    if entry.account:
        text += f" account={entry.account}"
    if entry.detail:
        text += f" detail={entry.detail}"
    return text


def _check_names(filters: Mapping[str, object]) -> None:
    unknown = sorted(set(filters) - set(FIELDS))
    if unknown:
        raise TypeError(f"unknown journal field(s) {', '.join(unknown)}; use {', '.join(FIELDS)}")


def _value_matches(value: object, wanted: Filter) -> bool:
    if isinstance(wanted, (list, tuple)):
        return any(_value_matches(value, one) for one in wanted)
    if isinstance(wanted, int):
        return value == wanted
    return fnmatchcase("" if value is None else str(value), str(wanted))


def matches(entry: JournalEntry, filters: Mapping[str, Filter]) -> bool:
    """Whether an entry passes every filter."""
    return all(_value_matches(getattr(entry, name), want) for name, want in filters.items())


def parse_expected(item: Expected) -> dict[str, Filter]:
    """The filters an expected item stands for."""
    if not isinstance(item, str):
        _check_names(item)
        return dict(item)
    words = item.split()
    if not 2 <= len(words) <= 4:
        raise ValueError(f"expected 'METHOD TARGET [OUTCOME [STATUS]]', got {item!r}")
    filters: dict[str, Filter] = {"method": words[0]}
    filters["path" if words[1].startswith("/") else "screen"] = words[1]
    if len(words) > 2:
        filters["outcome"] = words[2]
    if len(words) > 3:
        filters["status"] = int(words[3]) if words[3].isdigit() else words[3]
    return filters


def _text(item: Expected) -> str:
    if isinstance(item, str):
        return " ".join(item.split())
    return " ".join(f"{key}={value!r}" for key, value in item.items())


def _entries(source: Source) -> list[JournalEntry]:
    rows = source.journal() if isinstance(source, JournalSource) else source
    return [row if isinstance(row, JournalEntry) else JournalEntry(**row) for row in rows]


def _listing(entries: Sequence[JournalEntry], marked: Iterable[JournalEntry] = ()) -> list[str]:
    picked = {entry.seq for entry in marked}
    lines = [("> " if entry.seq in picked else "  ") + describe(entry) for entry in entries]
    if len(lines) > _SHOWN:
        lines = [*lines[: _SHOWN // 2], f"  … {len(lines) - _SHOWN} more …", *lines[-_SHOWN // 2 :]]
    return lines or ["  (empty)"]


def mismatch(entries: Sequence[JournalEntry], expected: Sequence[Expected]) -> list[str] | None:
    """None when `entries` match `expected` one for one, in order; else the explanation.

    The explanation is a unified diff of the expected lines against the actual entries. An
    actual entry that matches an expected item is shown as that item's text (so the diff shows
    only what differs); any other entry is described in full.
    """
    wanted = [parse_expected(item) for item in expected]
    texts = [_text(item) for item in expected]
    if len(entries) == len(wanted) and all(map(matches, entries, wanted)):
        return None
    actual: list[str] = []
    for index, entry in enumerate(entries):
        if index < len(wanted) and matches(entry, wanted[index]):
            actual.append(texts[index])
            continue
        same = next((texts[j] for j, w in enumerate(wanted) if matches(entry, w)), None)
        actual.append(same if same is not None else describe(entry))
    diff = difflib.unified_diff(texts, actual, "expected", "actual", lineterm="", n=2)
    return [
        f"the journal does not match: {_requests(len(wanted))} expected, {len(entries)} found",
        *diff,
        "actual entries:",
        *_listing(entries),
    ]


def _requests(n: int) -> str:
    return f"{n} request" if n == 1 else f"{n} requests"


class JournalQuery:
    """The journal entries that pass some filters, read afresh on every call.

    Args:
        source: A `ControlClient` (or anything with `journal()`), or entries already read.
        **filters: Field patterns; see the module docstring.
    """

    def __init__(self, source: Source, **filters: Filter) -> None:
        _check_names(filters)
        self._source: Source = source if isinstance(source, JournalSource) else list(source)
        self.filters: dict[str, Filter] = filters
        self.last: list[JournalEntry] | None = None

    def __repr__(self) -> str:
        shown = ", ".join(f"{key}={value!r}" for key, value in self.filters.items())
        return f"JournalQuery({shown})"

    def where(self, **filters: Filter) -> JournalQuery:
        """A narrower query."""
        return JournalQuery(self._source, **{**self.filters, **filters})

    def _all(self) -> list[JournalEntry]:
        return _entries(self._source)

    def entries(self) -> list[JournalEntry]:
        """The matching entries, oldest first."""
        self.last = [entry for entry in self._all() if matches(entry, self.filters)]
        return self.last

    def count(self) -> int:
        """How many entries match."""
        return len(self.entries())

    def _expect(self, ok: Callable[[int], bool], wording: str) -> list[JournalEntry]:
        everything = self._all()  # one read: the listing shows what was counted
        found = self.last = [entry for entry in everything if matches(entry, self.filters)]
        if ok(len(found)):
            return found
        lines = [
            f"expected {wording} matching {self!r}, found {len(found)}:",
            *_listing(found),
            "the whole journal (> marks the matches):",
            *_listing(everything, found),
        ]
        raise AssertionError("\n".join(lines))

    def exactly(self, n: int) -> list[JournalEntry]:
        """Assert that exactly `n` entries match; returns them."""
        return self._expect(lambda found: found == n, f"exactly {_requests(n)}")

    def at_least(self, n: int) -> list[JournalEntry]:
        """Assert that `n` or more entries match; returns them."""
        return self._expect(lambda found: found >= n, f"at least {_requests(n)}")

    def at_most(self, n: int) -> list[JournalEntry]:
        """Assert that no more than `n` entries match; returns them."""
        return self._expect(lambda found: found <= n, f"at most {_requests(n)}")

    def none(self) -> None:
        """Assert that no entry matches."""
        self.exactly(0)

    def explain(self, expected: Sequence[Expected]) -> list[str] | None:
        """`mismatch` of the entries last read (read now if never) against `expected`."""
        entries = self.last if self.last is not None else self.entries()
        return mismatch(entries, expected)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, (list, tuple)):
            return NotImplemented
        return mismatch(self.entries(), other) is None

    __hash__ = None  # type: ignore[assignment]


def expect_requests(source: Source, **filters: Filter) -> JournalQuery:
    """`JournalQuery(source, **filters)`: `expect_requests(portal, method="POST").exactly(1)`."""
    return JournalQuery(source, **filters)


def assert_journal(
    source: Source, expected: Sequence[Expected], **filters: Filter
) -> list[JournalEntry]:
    """Assert that the entries passing `filters` match `expected` one for one, in order.

    Returns:
        The entries.

    Raises:
        AssertionError: With a unified diff of expected against actual, and the entries.
    """
    query = JournalQuery(source, **filters)
    entries = query.entries()
    problem = mismatch(entries, expected)
    if problem is not None:
        head = f"{query!r}: " if filters else ""
        raise AssertionError(head + "\n".join(problem))
    return entries
