"""No password in any artifact, whatever its characters: the redactor against every encoding
the leak canary knows (`testkit/leaks.py`, written independently of the redactor), over
passwords drawn from printable ASCII, full-width and kana characters."""

from __future__ import annotations

import json
import re
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from koss_rpa.evidence.runs import (
    MASK,
    UNSCRUBBED_SUFFIX,
    Redactor,
    _first_bytes,
    first_byte_guard,
    secret_pattern,
)
from testkit.leaks import encodings, scan_bytes, whatwg_form

ASCII = st.characters(min_codepoint=0x21, max_codepoint=0x7E) | st.just(" ")
FULL_WIDTH = st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E)
KANA = (
    st.characters(min_codepoint=0x3041, max_codepoint=0x3096)
    | st.characters(min_codepoint=0x30A1, max_codepoint=0x30FA)
    | st.characters(min_codepoint=0xFF61, max_codepoint=0xFF9F)
)
#: Control characters a keyring may hold (an earlier `credentials set`, another tool): JSON and
#: a DOM snapshot write them as short escapes (`\t`, `\b`, `\f`, …).
CONTROL = st.sampled_from("\t\b\f\n\r\v")
PASSWORDS = st.text(ASCII | FULL_WIDTH | KANA | CONTROL, min_size=4, max_size=24)
#: Bytes no password of the strategy holds in any encoding, around the secret.
BEFORE, AFTER = b"<\x01", b"\x02>"
SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def redactor(*secrets: str) -> Redactor:
    found = Redactor()
    found.add(*(SecretStr(s) for s in secrets))
    return found


@SETTINGS
@given(PASSWORDS)
def test_redactor_should_blank_a_password_in_every_encoding(password: str) -> None:
    clean = redactor(password)

    for name, form in encodings(password).items():
        out = clean.redact_bytes(BEFORE + form + AFTER)

        assert scan_bytes(out, name, [password]) == [], name
        assert out.startswith(BEFORE), name
        assert out.endswith(AFTER), name
        assert MASK.encode() in out, name


@pytest.mark.parametrize("control", list("\t\b\f\n\r\v"))
def test_redactor_should_blank_a_typed_value_in_a_dom_snapshot(control: str) -> None:
    password = f"Tab{control}Pass12"
    snapshot = json.dumps({"__playwright_value_": password}).encode()

    out = redactor(password).redact_bytes(snapshot)

    assert scan_bytes(out, "snapshot", [password]) == []
    assert b"Pass12" not in out


@SETTINGS
@given(PASSWORDS)
def test_redact_should_blank_a_password_in_text_of_any_escaping(password: str) -> None:
    texts = [
        f"value={password}",
        json.dumps({"password": password}),
        json.dumps({"password": password}, ensure_ascii=False),
        "".join(f"&#{ord(c)};" for c in password),
    ]

    for text in texts:
        out = redactor(password).redact(text)

        assert scan_bytes(out.encode(), text, [password]) == []
        assert MASK in out


@SETTINGS
@given(PASSWORDS, st.sampled_from(["utf-8", "cp932"]))
def test_scrub_archive_should_drop_the_body_of_a_form_with_a_password(
    tmp_path_factory: pytest.TempPathFactory, password: str, charset: str
) -> None:
    """A trace's login request: its body goes, whatever the password's characters (even one
    the redactor was never told about); the rest of the trace is redacted."""
    try:
        body = f"user_id=KNAB1234&password={whatwg_form(password, charset)}".encode()
    except UnicodeEncodeError:
        body = f"user_id=KNAB1234&password={whatwg_form(password)}".encode()
    request = {
        "method": "POST",
        "url": "http://portal/login",
        "postData": {"mimeType": "application/x-www-form-urlencoded", "_sha1": "login.dat"},
    }
    page = {"method": "GET", "url": "http://portal/top"}
    network = b"".join(
        json.dumps({"type": "resource-snapshot", "snapshot": {"request": r}}).encode() + b"\n"
        for r in (request, page)
    )
    folder = tmp_path_factory.mktemp("trace")
    raw = folder / f"trace.zip{UNSCRUBBED_SUFFIX}"
    with zipfile.ZipFile(raw, "w") as archive:
        archive.writestr("trace.network", network)
        archive.writestr("resources/login.dat", body)
        archive.writestr("resources/page.html", "<p>" + password + "</p>")
        archive.writestr("trace.trace", json.dumps({"value": password}))
    target = folder / "trace.zip"

    Redactor().scrub_archive(raw, target)  # knows no secret: the structure alone drops it

    with zipfile.ZipFile(target) as archive:
        names = set(archive.namelist())
        lines = [json.loads(line) for line in archive.read("trace.network").splitlines()]
    assert "resources/login.dat" not in names
    assert lines[0]["snapshot"]["request"]["postData"] == {
        "mimeType": "application/x-www-form-urlencoded",
        "text": "",
    }
    assert lines[1]["snapshot"]["request"] == page

    raw.write_bytes(b"")
    with zipfile.ZipFile(raw, "w") as archive:
        archive.writestr("trace.network", network)
        archive.writestr("resources/login.dat", body)
        archive.writestr("resources/page.html", "<p>" + password + "</p>")
        archive.writestr("trace.trace", json.dumps({"value": password}))
    redactor(password).scrub_archive(raw, target)

    with zipfile.ZipFile(target) as archive:
        leaks = [
            leak
            for name in archive.namelist()
            for leak in scan_bytes(archive.read(name), name, [password])
        ]
    assert leaks == []


def test_redactor_should_spell_a_form_as_chromium_does() -> None:
    """The issue's two passwords, as Chromium submitted them."""
    clean = redactor("Pass~word1", "Ab* 12345x")

    assert (
        clean.redact_bytes(b"password=Pass%7Eword1&x=1") == b"password=" + MASK.encode() + b"&x=1"
    )
    assert clean.redact_bytes(b"password=Ab*+12345x") == b"password=" + MASK.encode()
    assert clean.redact_bytes(b"password=pass%7eword1") == b"password=pass%7eword1"  # case


def test_redactor_should_leave_other_text_alone() -> None:
    assert redactor("Pass~word1").redact_bytes(b"Pass~word2 &amp; %7E") == b"Pass~word2 &amp; %7E"


@SETTINGS
@given(st.lists(PASSWORDS, min_size=1, max_size=3), st.binary(max_size=200))
def test_the_first_byte_guard_should_change_no_match_and_stand_in_front(
    passwords: list[str], noise: bytes
) -> None:
    """The guard only makes the search faster: the same bytes are blanked with and without it."""
    clean = redactor(*passwords)
    [pattern] = clean.patterns()  # secrets added at once: one group
    assert pattern.pattern.startswith(b"(?=[")  # the guard is there for real secrets
    unguarded = re.compile(
        b"|".join(
            b"(?:" + secret_pattern(p) + b")" for p in sorted(set(passwords), key=len, reverse=True)
        )
    )
    data = noise.join(form for p in passwords for form in encodings(p).values()) + noise
    assert clean.redact_bytes(data) == unguarded.sub(MASK.encode(), data)


@pytest.mark.parametrize(
    ("pattern", "first"),
    [
        (b"ab|c", {ord("a"), ord("c")}),
        (b"(?:x|[0-2])y", {ord("x"), ord("0"), ord("1"), ord("2")}),
        (b"(?:ab)+", {ord("a")}),
        (b"a*b", None),  # may start with b
        (b"a|", None),  # matches nothing at all
        (b"(?i)ab", None),  # A too
        (b"\\bab", None),
        (b"[^a]b", None),
    ],
)
def test_first_bytes_should_be_known_only_when_sure(pattern: bytes, first: set[int] | None) -> None:
    assert _first_bytes(pattern) == first
    guarded = first_byte_guard(pattern, _first_bytes(pattern))
    assert (guarded == pattern) is (first is None)


def test_redactor_should_make_each_secret_pattern_a_few_times_as_a_batch_adds_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A batch learns one password per account and writes log lines in between: one pattern of
    # all, made again after each, made each secret's pattern once per account after it. Each
    # secret's part is made once; the groups it is compiled in double in size as they merge.
    made: list[str] = []
    real = secret_pattern

    def counting(secret: str) -> bytes:
        made.append(secret)
        return real(secret)

    compiled: list[bytes] = []
    real_compile = re.compile

    def compile_counting(pattern: bytes) -> re.Pattern[bytes]:
        compiled.append(pattern)
        return real_compile(pattern)

    monkeypatch.setattr("koss_rpa.evidence.runs.secret_pattern", counting)
    redactor = Redactor()
    passwords = [f"Batch{n:04d}pw" for n in range(64)]
    monkeypatch.setattr("koss_rpa.evidence.runs.re.compile", compile_counting)
    for password in passwords:
        redactor.add(SecretStr(password))
        assert redactor.redact(f"log {password} line") == f"log {MASK} line"
    monkeypatch.undo()

    assert sorted(made) == sorted(passwords)  # each secret's part made once
    for password in passwords:  # and compiled in log2(64) + 1 patterns at the most
        # (found by its UTF-16 form, which the pattern holds as it is)
        assert 1 <= sum(password.encode("utf-16-le") in pattern for pattern in compiled) <= 7
    assert all(redactor.redact(p) == MASK for p in passwords)


def test_redactor_should_blank_a_secret_that_holds_an_earlier_one_whole() -> None:
    redactor = Redactor()
    redactor.add(SecretStr("Inner2024"))
    assert redactor.redact("Inner2024") == MASK
    redactor.add(SecretStr("xxInner2024yy"))

    assert redactor.redact("a xxInner2024yy b") == f"a {MASK} b"
    assert redactor.redact("a Inner2024 b") == f"a {MASK} b"
