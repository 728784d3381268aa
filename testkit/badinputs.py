"""Bad input, as a hostile or careless user gives it: every case with its documented exit code.

Each case runs koss-rpa's CLI in this process in a sandbox folder of its own (a config file, a
download folder with an earlier month's file and its manifest, an in-memory keyring holding the
account's password), with the browser replaced by a stand-in that records whether it was asked
for: no bad input may cost a browser, let alone a login. A case passes when koss-rpa

- exits with the documented code,
- says what is wrong and what to do in one line on stderr (`error [code]: …`, or an interrupt's
  or a note's line), never a traceback or "internal error" (unless that is the case),
- prints exactly one JSON object on stdout with `--json`,
- loses nothing: the download folder's files and the keyring are as they were (unless the case
  is about changing them), and no password appears in any output.

`tests/unit/project/test_bad_inputs.py` asserts every case; `scripts/reliability_report.py` lists
them.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import keyring
import keyring.core

from koss_rpa import storage
from koss_rpa.account.store import CredentialStore, MemoryKeyring, use_keyring
from koss_rpa.errors import (
    EXIT_BATCH_PARTIAL,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    CredentialsMissing,
    DownloadDirNotWritable,
    FolderNotWritable,
    KeyringUnavailable,
    SettingsInvalid,
)
from testkit.leaks import scan_text

USER_ID = "KNAB1234"
OTHER_ID = "KNCA6288"
PASSWORD = "Keiji~2019 x"
OTHER_PASSWORD = "Ｍｉｎａｔｏ* 2023"
#: An ID with no password in the keyring.
NO_PASSWORD_ID = "KNZZ9999"
CONFIG = 3
KEYRING = KeyringUnavailable.exit_code
FOLDER = FolderNotWritable.exit_code
MISSING = CredentialsMissing.exit_code
assert SettingsInvalid.exit_code == CONFIG
assert DownloadDirNotWritable.exit_code == FOLDER


@dataclass
class Sandbox:
    """One case's folder, and what the case asks koss-rpa to run with."""

    root: Path
    args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    stdin: str = ""
    tty: bool = False
    #: Patches of the case: (target, replacement) for `unittest.mock.patch`.
    patches: list[tuple[str, Any]] = field(default_factory=list)
    #: The case resolves the keyring backend from the environment, as a fresh process does.
    fresh_keyring: bool = False
    config_values: dict[str, Any] = field(default_factory=dict)

    @property
    def config(self) -> Path:
        return self.root / "config.toml"

    @property
    def downloads(self) -> Path:
        return self.root / "downloads"

    @property
    def runs(self) -> Path:
        return self.root / "state" / "runs"

    def write_config(self, text: str | None = None, **values: Any) -> None:
        merged = {**self.config_values, **values}
        if text is None:
            text = "".join(f"{k} = {json.dumps(v)}\n" for k, v in merged.items() if v is not None)
        self.config.write_text(text, encoding="utf-8")

    def accounts(self, text: str | bytes, name: str = "accounts.toml") -> Path:
        path = self.root / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path


@dataclass(frozen=True)
class BadInput:
    """One bad input: what the user does, and the exit code the README documents for it."""

    id: str
    description: str
    expected_exit: int
    setup: Callable[[Sandbox], object]
    #: Text the one line of stderr must hold (names the problem or the remedy).
    says: tuple[str, ...] = ()
    #: The case may use the (stand-in) browser: the bad input comes after it started.
    browser_allowed: bool = False
    #: The case is about a change to the keyring or the files, checked by `check`.
    changes_keyring: bool = False
    check: Callable[[Sandbox, Outcome], str | None] | None = None


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str
    browser_started: bool


@dataclass
class Result:
    """What a case showed; `problems` is empty when it passed."""

    case: BadInput
    outcome: Outcome
    problems: list[str]
    leaks: int
    lost: int

    @property
    def passed(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {
            "case": self.case.id,
            "description": self.case.description,
            "expected_exit": self.case.expected_exit,
            "exit_code": self.outcome.code,
            "message": _said(self.outcome),
            "browser_started": self.outcome.browser_started,
            "leaks": self.leaks,
            "lost": self.lost,
            "passed": self.passed,
            "problems": self.problems,
        }


def _said(outcome: Outcome) -> str:
    """The line koss-rpa said: the last on stderr, else (doctor) the first ✗ on stdout."""
    failed = [line for line in outcome.stdout.splitlines() if line.startswith("✗")]
    return _message_line(outcome.stderr) or (failed[0] if failed else "")


def _message_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    return lines[-1] if lines else ""


# --- the stand-in browser ----------------------------------------------------------------------


class _Browser:
    async def new_context(self, **kwargs: Any) -> Any:
        del kwargs
        return object()


class _BrowserProbe:
    def __init__(self) -> None:
        self.started = False

    @contextlib.asynccontextmanager
    async def _launched(self) -> AsyncIterator[_Browser]:
        self.started = True
        yield _Browser()

    def browser_for(self, settings: Any, driver: Any = None) -> Any:
        del settings, driver
        return self._launched()


# --- running a case ----------------------------------------------------------------------------


def _snapshot(folder: Path) -> dict[str, str]:
    if not folder.is_dir():
        return {}
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


class _Stdin(io.StringIO):
    def __init__(self, text: str, tty: bool) -> None:
        super().__init__(text)
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


@contextlib.contextmanager
def _environment(values: dict[str, str], cwd: Path) -> Iterator[None]:
    saved = dict(os.environ)
    here = Path.cwd()
    for name in [n for n in os.environ if n.startswith("KOSS_") or n == "PYTHON_KEYRING_BACKEND"]:
        del os.environ[name]
    os.environ.update(values)
    os.chdir(cwd)
    try:
        yield
    finally:
        os.chdir(here)
        os.environ.clear()
        os.environ.update(saved)


def prepare(root: Path) -> Sandbox:
    """A sandbox as a dealer's office has it: config, an earlier month's file, a manifest."""
    root.mkdir(parents=True, exist_ok=True)
    box = Sandbox(root)
    box.config_values = {
        "portal_url": "http://127.0.0.1:9",
        "user_id": USER_ID,
        "download_dir": str(box.downloads),
        "state_dir": str(box.root / "state"),
        "run_dir": str(box.runs),
        "browser": "auto",
        "lang": "en",
    }
    box.write_config()
    earlier = box.downloads / USER_ID / "2026-10"
    earlier.mkdir(parents=True)
    (earlier / storage.FALLBACK_NAME).write_bytes(b"PK\x03\x04 an earlier month's file")
    (box.downloads / USER_ID / storage.MANIFEST).write_text(
        json.dumps(_entry(USER_ID, "2026-10", f"2026-10/{storage.FALLBACK_NAME}")) + "\n",
        encoding="utf-8",
    )
    return box


def _entry(user_id: str, month: str, path: Any) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "month": month,
        "path": path,
        "size": 27,
        "sha256": "0" * 64,
        "saved_at": "2026-10-01T09:00:00+09:00",
        "run_id": "abcdef",
    }


def run_case(case: BadInput, root: Path) -> Result:
    """Run one case in `root` (an empty folder) and judge it."""
    box = prepare(root)
    case.setup(box)
    backend = MemoryKeyring()
    store_key = ("koss-rpa", USER_ID)
    probe = _BrowserProbe()
    out, err = io.StringIO(), io.StringIO()
    with contextlib.ExitStack() as stack:
        stack.enter_context(use_keyring(backend))
        CredentialStore().set_password(USER_ID, _secret(PASSWORD))
        CredentialStore().set_password(OTHER_ID, _secret(OTHER_PASSWORD))
        before_keyring = dict(backend.entries)
        before_files = _snapshot(box.downloads)
        stack.enter_context(_environment(box.env, box.root))
        if box.fresh_keyring:  # as a new process: the backend comes from the environment
            stack.enter_context(mock.patch.object(keyring.core, "_keyring_backend", None))
        for target in (
            "koss_rpa.flows.runtime.browser_for",
            "koss_rpa.flows.batch.browser_for",
        ):
            stack.enter_context(mock.patch(target, probe.browser_for))
        stack.enter_context(mock.patch("koss_rpa.jobs.doctor.browser_for", probe.browser_for))
        stack.enter_context(mock.patch("koss_rpa.flows.browser.start_driver", return_value=None))
        for target, replacement in box.patches:
            stack.enter_context(mock.patch(target, replacement))
        stack.enter_context(mock.patch.object(sys, "stdin", _Stdin(box.stdin, box.tty)))
        stack.enter_context(contextlib.redirect_stdout(out))
        stack.enter_context(contextlib.redirect_stderr(err))
        from koss_rpa.cli.app import main

        code = main(box.args)
    outcome = Outcome(code, out.getvalue(), err.getvalue(), probe.started)
    problems = _judge(case, box, outcome)
    lost = 0
    if not case.changes_keyring and backend.entries != before_keyring:
        problems.append("the keyring changed")
        lost += 1
    if backend.entries.get(store_key) is None and not case.changes_keyring:
        lost += 1
    after_files = _snapshot(box.downloads)
    missing = [name for name, digest in before_files.items() if after_files.get(name) != digest]
    if missing:
        problems.append(f"files changed or lost: {missing}")
        lost += len(missing)
    secrets = [
        PASSWORD,
        OTHER_PASSWORD,
        *(v for v in backend.entries.values() if not v.startswith("{")),
    ]
    leaks = scan_text(outcome.stdout, "stdout", secrets) + scan_text(
        outcome.stderr, "stderr", secrets
    )
    if leaks:
        problems.append(f"password in the output: {[str(leak) for leak in leaks]}")
    if case.check is not None:
        extra = case.check(box, outcome)
        if extra:
            problems.append(extra)
    return Result(case, outcome, problems, len(leaks), lost)


def _secret(value: str) -> Any:
    from pydantic import SecretStr

    return SecretStr(value)


def _judge(case: BadInput, box: Sandbox, outcome: Outcome) -> list[str]:
    problems: list[str] = []
    if outcome.code != case.expected_exit:
        problems.append(f"exit {outcome.code}, expected {case.expected_exit}")
    text = outcome.stdout + outcome.stderr
    if "Traceback" in text:
        problems.append("a traceback")
    if case.expected_exit != EXIT_INTERNAL and "internal error" in outcome.stderr:
        problems.append("an internal error")
    if outcome.browser_started and not case.browser_allowed:
        problems.append("the browser started")
    said = outcome.stdout if box.args and "doctor" in box.args else outcome.stderr
    line = _message_line(said)
    if case.expected_exit not in (EXIT_OK, EXIT_BATCH_PARTIAL) and not line:
        problems.append("no message on stderr")
    if case.expected_exit not in (EXIT_OK, EXIT_USAGE, EXIT_BATCH_PARTIAL):
        errors = [x for x in outcome.stderr.splitlines() if x.startswith("error [")]
        if len(errors) > 1:
            problems.append(f"{len(errors)} error lines")
    for needle in case.says:
        if needle.lower() not in said.lower():
            problems.append(f"the output does not say {needle!r}: {said.strip()[:300]}")
    if "--json" in box.args:
        problems.extend(_json_problems(outcome))
    return problems


def _json_problems(outcome: Outcome) -> list[str]:
    """With --json: exactly one JSON object on stdout, its exit code the process's."""
    objects = [x for x in outcome.stdout.splitlines() if x.startswith("{")]
    if len(objects) != 1:
        return [f"{len(objects)} JSON objects on stdout with --json"]
    data = json.loads(objects[0])
    exit_code = data.get("error", {}).get("exit_code")
    if not data.get("ok") and exit_code != outcome.code:
        return [f"the JSON object says exit {exit_code}"]
    return []


# --- the cases ---------------------------------------------------------------------------------


def _unwritable(box: Sandbox) -> Path:
    """A folder that cannot be created or written, also for root."""
    if os.geteuid() == 0:
        return Path("/sys/koss-rpa-bad-input")
    locked = box.root / "read-only"
    locked.mkdir(exist_ok=True)
    locked.chmod(0o555)
    return locked / "inside"


def _args(*args: str) -> Callable[[Sandbox], None]:
    def setup(box: Sandbox) -> None:
        box.args = ["--config", str(box.config), *args]

    return setup


def _config(
    *args: str, text: str | bytes | None = None, **values: Any
) -> Callable[[Sandbox], None]:
    """Run `args` with the config file rewritten (`values` over the sandbox's, or `text`)."""

    def setup(box: Sandbox) -> None:
        if isinstance(text, bytes):
            box.config.write_bytes(text)
        else:
            box.write_config(text, **values)
        box.args = ["--config", str(box.config), *args]

    return setup


def _accounts(
    content: str | bytes | None, *extra: str, path: str | None = None
) -> Callable[[Sandbox], None]:
    def setup(box: Sandbox) -> None:
        target = path or (str(box.accounts(content)) if content is not None else "")
        box.args = ["--config", str(box.config), "batch", target, *extra]

    return setup


def _both(*steps: Callable[[Sandbox], object]) -> Callable[[Sandbox], None]:
    def setup(box: Sandbox) -> None:
        for step in steps:
            step(box)

    return setup


def _env(**values: str) -> Callable[[Sandbox], None]:
    def setup(box: Sandbox) -> None:
        box.env.update(values)

    return setup


def _missing_backend(*args: str) -> Callable[[Sandbox], None]:
    def setup(box: Sandbox) -> None:
        box.env["PYTHON_KEYRING_BACKEND"] = "koss_no_such_module.Keyring"
        box.fresh_keyring = True
        box.args = ["--config", str(box.config), *args]

    return setup


def _file_at(relative: str) -> Callable[[Sandbox], None]:
    def setup(box: Sandbox) -> None:
        target = box.root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("not a folder", encoding="utf-8")

    return setup


def _this_month() -> str:
    return storage.month_of(datetime.now(UTC))


def _manifest_with(bad: str) -> Callable[[Sandbox], None]:
    """This month's file saved, and its manifest holding also a line edited by hand."""

    def setup(box: Sandbox) -> None:
        month = _this_month()
        folder = box.downloads / USER_ID / month
        folder.mkdir(parents=True)
        (folder / storage.FALLBACK_NAME).write_bytes(b"PK\x03\x04 this month")
        victim = box.root / "victim.xlsm"
        victim.write_bytes(b"outside")
        good = json.dumps(_entry(USER_ID, month, f"{month}/{storage.FALLBACK_NAME}"))
        with (box.downloads / USER_ID / storage.MANIFEST).open("a", encoding="utf-8") as fh:
            fh.write(good + "\n" + bad + "\n")
        box.args = ["--config", str(box.config), "download", "--once-per", "month", "--json"]

    return setup


def _skipped_the_real_file(box: Sandbox, outcome: Outcome) -> str | None:
    objects = [x for x in outcome.stdout.splitlines() if x.startswith("{")]
    if not objects:
        return "no result"
    path = json.loads(objects[-1]).get("result", {}).get("path", "")
    expected = box.downloads / USER_ID / _this_month() / storage.FALLBACK_NAME
    return None if path == str(expected) else f"skipped for {path!r}"


def _interrupt_prompt(kind: type[BaseException], *args: str) -> Callable[[Sandbox], None]:
    def raising(*_: Any, **__: Any) -> str:
        raise kind()

    def setup(box: Sandbox) -> None:
        box.tty = True
        box.patches.append(("getpass.getpass", raising))
        box.patches.append(("click.termui.visible_prompt_func", raising))
        box.args = ["--config", str(box.config), *args]

    return setup


def _interrupted_batch(box: Sandbox) -> None:
    """Ctrl-C while the second account runs: the first one's download stays in the report."""
    from koss_rpa.flows.batch import AccountReport

    async def one(rt: Any, entry: Any, settings: Any) -> AccountReport:
        del rt, settings
        if entry.user_id == USER_ID:
            return AccountReport(entry.user_id, entry.label, "downloaded", file="x.xlsm")
        raise KeyboardInterrupt

    box.patches.append(("koss_rpa.flows.batch._one", one))
    box.patches.append(("koss_rpa.flows.batch.check_account_ready", lambda *_: None))
    accounts = box.accounts(
        f'[[accounts]]\nuser_id = "{USER_ID}"\n[[accounts]]\nuser_id = "{OTHER_ID}"\n'
    )
    box.args = [
        "--config",
        str(box.config),
        "batch",
        str(accounts),
        "--report",
        str(box.root / "report.json"),
    ]


def _report_of_what_was_done(box: Sandbox, outcome: Outcome) -> str | None:
    del outcome
    path = box.root / "report.json"
    if not path.is_file():
        return "no report written"
    data = json.loads(path.read_text(encoding="utf-8"))
    outcomes = [a["outcome"] for a in data["accounts"]]
    if outcomes != ["downloaded", "not_run"] or not data["interrupted"]:
        return f"the report says {outcomes}, interrupted={data['interrupted']}"
    in_run_folder = list(box.runs.glob("*batch*/report.json"))
    return None if in_run_folder else "no report.json in the run folder"


def _no_report_file(box: Sandbox, outcome: Outcome) -> str | None:
    del outcome
    return "a run folder was made" if box.runs.is_dir() and any(box.runs.iterdir()) else None


TWO_ACCOUNTS = f'[[accounts]]\nuser_id = "{USER_ID}"\n\n[[accounts]]\nuser_id = "{OTHER_ID}"\n'
ONE_ACCOUNT = f'[[accounts]]\nuser_id = "{USER_ID}"\n'
FUTURE = (datetime.now(UTC) + timedelta(days=40)).date().isoformat()


def _run_dir_here(relative: str) -> Callable[[Sandbox], None]:
    def setup(box: Sandbox) -> None:
        box.write_config(run_dir=str(box.root / relative))

    return setup


def _config_values(**values: Any) -> Callable[[Sandbox], None]:
    def setup(box: Sandbox) -> None:
        box.write_config(**values)

    return setup


def _unwritable_run_dir(box: Sandbox) -> None:
    box.write_config(run_dir=str(_unwritable(box) / "runs"))


def _unwritable_report(box: Sandbox) -> None:
    accounts = box.accounts(ONE_ACCOUNT)
    box.args = [
        "--config",
        str(box.config),
        "batch",
        str(accounts),
        "--report",
        str(_unwritable(box) / "report.json"),
    ]


def _report_to_folder(box: Sandbox) -> None:
    accounts = box.accounts(ONE_ACCOUNT)
    (box.root / "reports").mkdir()
    box.args = [
        "--config",
        str(box.config),
        "batch",
        str(accounts),
        "--report",
        str(box.root / "reports"),
    ]


def _report_in_missing_folder(box: Sandbox) -> None:
    accounts = box.accounts(ONE_ACCOUNT)
    target = box.root / "no-such-folder" / "report.json"
    box.args = ["--config", str(box.config), "batch", str(accounts), "--report", str(target)]


def _home_download_dir(box: Sandbox) -> None:
    """`download_dir = "~/dl"`: the month's file is found under the home folder, not ./~/dl."""
    home = box.root / "home"
    month = _this_month()
    folder = home / "dl" / USER_ID / month
    folder.mkdir(parents=True)
    (folder / storage.FALLBACK_NAME).write_bytes(b"PK\x03\x04 this month")
    (home / "dl" / USER_ID / storage.MANIFEST).write_text(
        json.dumps(_entry(USER_ID, month, f"{month}/{storage.FALLBACK_NAME}")) + "\n",
        encoding="utf-8",
    )
    box.env["HOME"] = str(home)
    box.env["USERPROFILE"] = str(home)
    box.write_config(download_dir="~/dl")
    box.args = ["--config", str(box.config), "download", "--once-per", "month", "--json"]


def _found_under_home(box: Sandbox, outcome: Outcome) -> str | None:
    if (box.root / "~").exists():
        return "a folder named ~ was made"
    return None if str(box.root / "home" / "dl") in outcome.stdout else "not found under home"


def _env_download_dir(box: Sandbox) -> None:
    box.env["KOSS_BAD_INPUT_BASE"] = str(box.root / "home")
    _home_download_dir(box)
    box.write_config(download_dir="$KOSS_BAD_INPUT_BASE/dl")


def _stdin_password(text: str, *extra: str) -> Callable[[Sandbox], None]:
    def setup(box: Sandbox) -> None:
        box.stdin = text
        box.args = ["--config", str(box.config), "credentials", "set", USER_ID, "--stdin", *extra]

    return setup


def _sixty_accounts_in_run_dir(box: Sandbox) -> None:
    """The issue's repro: run_dir = download_dir, keep_runs = 1, a batch over 60 accounts'
    folders (each with a file and a manifest): refused before anything is pruned."""
    ids = [f"KNAB{n:04d}" for n in range(60)]
    for user_id in ids:
        folder = box.downloads / user_id / "2026-10"
        folder.mkdir(parents=True)
        (folder / storage.FALLBACK_NAME).write_bytes(b"PK\x03\x04 " + user_id.encode())
        (box.downloads / user_id / storage.MANIFEST).write_text("{}\n", encoding="utf-8")
    box.write_config(run_dir=str(box.downloads), keep_runs=1)
    accounts = box.accounts("".join(f'[[accounts]]\nuser_id = "{u}"\n' for u in ids))
    box.args = ["--config", str(box.config), "batch", str(accounts)]


def _koss_config_missing(box: Sandbox) -> None:
    box.env["KOSS_CONFIG"] = str(box.root / "none.toml")
    box.args = ["download"]


def _internal_error(box: Sandbox) -> None:
    def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("a bug")

    box.patches.append(("koss_rpa.cli.args.Invocation.settings", broken))
    box.args = ["--config", str(box.config), "info", "--json"]


CASES: tuple[BadInput, ...] = (
    # --- the accounts file of `batch`
    BadInput(
        "accounts-shift-jis",
        "accounts file saved in Shift_JIS",
        CONFIG,
        _accounts('[[accounts]]\nuser_id = "KNAB1234"\nlabel = "本店"\n'.encode("cp932")),
        says=("not UTF-8", "Shift_JIS"),
    ),
    BadInput(
        "accounts-binary",
        "a binary file as the accounts file",
        CONFIG,
        _accounts(bytes(range(256)) * 4),
        says=("binary",),
    ),
    BadInput(
        "accounts-dev-zero",
        "/dev/zero as the accounts file",
        CONFIG,
        _accounts(None, path="/dev/zero"),
        says=("larger than",),
    ),
    BadInput(
        "accounts-huge",
        "a 2 MB accounts file",
        CONFIG,
        _accounts("# " + "x" * (2 << 20) + "\n"),
        says=("larger than",),
    ),
    BadInput(
        "accounts-bom",
        "accounts file with a UTF-8 BOM",
        CONFIG,
        _accounts(b"\xef\xbb\xbf" + ONE_ACCOUNT.encode()),
        says=("BOM",),
    ),
    BadInput(
        "accounts-backslash",
        "Windows backslashes in the accounts file",
        CONFIG,
        _accounts(ONE_ACCOUNT + 'download_dir = "D:\\dl\\koss"\n'),
        says=("single quotes",),
    ),
    BadInput(
        "accounts-missing",
        "an accounts file that does not exist",
        CONFIG,
        _accounts(None, path="no-such-accounts.toml"),
        says=("cannot be read",),
    ),
    BadInput(
        "accounts-folder",
        "a folder as the accounts file",
        CONFIG,
        _accounts(None, path="."),
        says=("cannot be read",),
    ),
    BadInput(
        "accounts-empty",
        "an accounts file listing no account",
        CONFIG,
        _accounts("accounts = []\n"),
        says=("no account",),
    ),
    BadInput(
        "accounts-twice",
        "the same ID twice in the accounts file",
        CONFIG,
        _accounts(ONE_ACCOUNT + ONE_ACCOUNT),
        says=("twice",),
    ),
    BadInput(
        "accounts-path-id",
        "an ID that would form a path (../../victim)",
        CONFIG,
        _accounts('[[accounts]]\nuser_id = "../../victim"\n'),
        says=("not valid",),
    ),
    BadInput(
        "accounts-unknown-key",
        "a misspelt key in the accounts file",
        CONFIG,
        _accounts(ONE_ACCOUNT + "labl = 'x'\n"),
        says=("unknown setting",),
    ),
    BadInput(
        "accounts-not-toml",
        "an accounts file that is not TOML",
        CONFIG,
        _accounts("[[accounts]\nuser_id = KNAB1234\n"),
        says=("not valid TOML",),
    ),
    # --- the keyring
    BadInput(
        "keyring-backend-missing-download",
        "PYTHON_KEYRING_BACKEND names a module that is not installed (download)",
        KEYRING,
        _missing_backend("download"),
        says=("PYTHON_KEYRING_BACKEND", "unset"),
    ),
    BadInput(
        "keyring-backend-missing-doctor",
        "PYTHON_KEYRING_BACKEND names a module that is not installed (doctor)",
        KEYRING,
        _missing_backend("doctor"),
        says=("PYTHON_KEYRING_BACKEND",),
        browser_allowed=True,
    ),
    BadInput(
        "keyring-backend-missing-batch",
        "PYTHON_KEYRING_BACKEND names a module that is not installed (batch)",
        KEYRING,
        _both(_missing_backend(), _accounts(ONE_ACCOUNT)),
        says=("PYTHON_KEYRING_BACKEND",),
    ),
    BadInput(
        "keyring-backend-missing-credentials",
        "PYTHON_KEYRING_BACKEND names a module that is not installed (credentials set)",
        KEYRING,
        _both(_missing_backend(), _stdin_password("Keiji2019\n")),
        says=("PYTHON_KEYRING_BACKEND",),
    ),
    BadInput(
        "keyring-backend-missing-class",
        "PYTHON_KEYRING_BACKEND names a class that does not exist",
        KEYRING,
        _both(
            _missing_backend("download"),
            _env(PYTHON_KEYRING_BACKEND="keyring.backends.fail.NoSuchKeyring"),
        ),
        says=("PYTHON_KEYRING_BACKEND",),
    ),
    # --- folders
    BadInput(
        "run-dir-unwritable",
        "run_dir cannot be created or written (download)",
        FOLDER,
        _both(_unwritable_run_dir, _args("download")),
        says=("cannot be written",),
    ),
    BadInput(
        "run-dir-unwritable-doctor",
        "run_dir cannot be written (doctor)",
        FOLDER,
        _both(_unwritable_run_dir, _args("doctor")),
        says=("run_dir",),
        browser_allowed=True,
    ),
    BadInput(
        "run-dir-unwritable-batch",
        "run_dir cannot be written (batch)",
        FOLDER,
        _both(_unwritable_run_dir, _accounts(ONE_ACCOUNT)),
        says=("cannot be written",),
    ),
    BadInput(
        "run-dir-is-file",
        "run_dir is a file",
        FOLDER,
        _both(_file_at("state/runs"), _args("download")),
        says=("is a file",),
    ),
    BadInput(
        "state-locks-is-file",
        "the state folder's locks folder is a file",
        FOLDER,
        _both(_file_at("state/locks"), _args("download")),
        says=("is a file",),
    ),
    BadInput(
        "download-dir-is-file",
        "download_dir is a file",
        FOLDER,
        _both(_file_at("elsewhere"), _config_values(download_dir="elsewhere"), _args("download")),
        says=("is a file",),
    ),
    BadInput(
        "account-folder-is-file",
        "the account's folder is a file",
        FOLDER,
        _both(_file_at(f"downloads/{OTHER_ID}"), _args("download", "-u", OTHER_ID)),
        says=("is a file",),
    ),
    BadInput(
        "month-folder-is-file",
        "this month's folder is a file",
        FOLDER,
        _both(lambda box: _file_at(f"downloads/{USER_ID}/{_this_month()}")(box), _args("download")),
        says=("is a file",),
    ),
    BadInput(
        "manifest-is-folder",
        "the account's manifest.jsonl is a folder",
        FOLDER,
        _both(
            lambda box: (box.downloads / OTHER_ID / storage.MANIFEST).mkdir(parents=True),
            _args("download", "-u", OTHER_ID),
        ),
        says=("manifest",),
    ),
    BadInput(
        "batch-account-folder-is-file",
        "a batch account's folder is a file: that account fails before the browser",
        EXIT_BATCH_PARTIAL,
        _both(_file_at(f"downloads/{USER_ID}/{_this_month()}"), _accounts(ONE_ACCOUNT)),
    ),
    BadInput(
        "report-is-folder",
        "batch --report names a folder",
        FOLDER,
        _report_to_folder,
        says=("is a folder",),
        check=_no_report_file,
    ),
    BadInput(
        "report-unwritable",
        "batch --report cannot be written",
        FOLDER,
        _unwritable_report,
        says=("cannot be written",),
        check=_no_report_file,
    ),
    BadInput(
        "report-missing-folder",
        "batch --report in a folder that does not exist",
        FOLDER,
        _report_in_missing_folder,
        says=("cannot be written",),
        check=_no_report_file,
    ),
    BadInput(
        "run-dir-is-download-dir",
        "run_dir equal to download_dir",
        CONFIG,
        _both(
            lambda box: box.write_config(run_dir="downloads", download_dir="downloads"),
            _args("download"),
        ),
        says=("overlap",),
    ),
    BadInput(
        "run-dir-is-download-dir-batch",
        "run_dir equal to download_dir, keep_runs = 1, a batch over 60 accounts' folders",
        CONFIG,
        _sixty_accounts_in_run_dir,
        says=("overlap",),
    ),
    BadInput(
        "account-download-dir-is-run-dir",
        "an account's download_dir in the accounts file equal to run_dir",
        CONFIG,
        lambda box: _accounts(ONE_ACCOUNT + f"download_dir = '{box.runs}'\n")(box),
        says=("overlap", USER_ID),
    ),
    BadInput(
        "run-dir-holds-download-dir",
        "download_dir inside run_dir",
        CONFIG,
        _both(lambda box: box.write_config(download_dir=str(box.runs / "dl")), _args("download")),
        says=("overlap",),
    ),
    BadInput(
        "run-dir-inside-download-dir",
        "run_dir inside download_dir",
        CONFIG,
        _both(lambda box: box.write_config(run_dir=str(box.downloads / "runs")), _args("download")),
        says=("overlap",),
    ),
    # --- paths
    BadInput(
        "download-dir-tilde",
        'download_dir = "~/dl" (expanded, not ./~/dl)',
        EXIT_OK,
        _home_download_dir,
        check=_found_under_home,
    ),
    BadInput(
        "download-dir-env-var",
        'download_dir = "$VAR/dl" (expanded)',
        EXIT_OK,
        _env_download_dir,
        check=_found_under_home,
    ),
    BadInput(
        "download-dir-unset-var",
        "download_dir names an unset environment variable",
        CONFIG,
        _config("download", download_dir="$KOSS_NO_SUCH_VARIABLE/dl"),
        says=("KOSS_NO_SUCH_VARIABLE", "not set"),
    ),
    BadInput(
        "download-dir-tab",
        'download_dir = "C:\\temp" (TOML turns \\t into a tab)',
        CONFIG,
        _config("download", download_dir="C:\temp"),
        says=("single quotes",),
    ),
    # --- 納付利用者IDs
    BadInput(
        "user-id-pattern-invalid",
        "user_id_pattern is not a regular expression",
        CONFIG,
        _config("download", user_id_pattern="[KN"),
        says=("regular expression",),
    ),
    BadInput(
        "user-id-pattern-any-path",
        'user_id_pattern = ".*" and -u ../../victim',
        CONFIG,
        _config("download", "-u", "../../victim", user_id_pattern=".*"),
        says=("not valid",),
    ),
    BadInput(
        "user-id-pattern-too-long",
        "user_id_pattern of thousands of characters",
        CONFIG,
        _config("download", user_id_pattern="(K|N)" * 1000),
        says=("at most",),
    ),
    BadInput(
        "concurrency-true",
        "concurrency = true in the config",
        CONFIG,
        _config("download", concurrency=True),
        says=("true/false",),
    ),
    BadInput(
        "user-id-slash",
        "-u with a slash",
        CONFIG,
        _config("download", "-u", "KNAB/1234", user_id_pattern=".*"),
        says=("not valid",),
    ),
    BadInput(
        "user-id-wrong-shape",
        "-u that does not look like KNAB1234",
        CONFIG,
        _args("download", "-u", "KNAB12345"),
        says=("KNAB1234",),
    ),
    BadInput(
        "user-id-none",
        "no ID given anywhere",
        CONFIG,
        _config("download", user_id=None),
        says=("--user-id",),
    ),
    # --- settings from the environment and .env
    BadInput(
        "env-wrong-number",
        "KOSS_KEEP_RUNS=abc",
        CONFIG,
        _both(_env(KOSS_KEEP_RUNS="abc"), _args("download")),
        says=("KOSS_KEEP_RUNS",),
    ),
    BadInput(
        "env-not-json",
        "KOSS_BROWSER_ARGS that is not a JSON list",
        CONFIG,
        _both(_env(KOSS_BROWSER_ARGS="--foo"), _args("download")),
        says=("KOSS_BROWSER_ARGS", "JSON"),
    ),
    BadInput(
        "env-timeout-inf",
        "KOSS_TIMEOUTS__ACTION_SECONDS=inf",
        CONFIG,
        _both(_env(KOSS_TIMEOUTS__ACTION_SECONDS="inf"), _args("download")),
        says=("KOSS_TIMEOUTS__ACTION_SECONDS",),
    ),
    BadInput(
        "dotenv-wrong-number",
        ".env with KOSS_KEEP_RUNS=abc",
        CONFIG,
        _both(
            lambda box: (box.root / ".env").write_text("KOSS_KEEP_RUNS=abc\n"), _args("download")
        ),
        says=(".env", "KOSS_KEEP_RUNS"),
    ),
    BadInput(
        "dotenv-not-utf8",
        ".env saved in Shift_JIS",
        CONFIG,
        _both(
            lambda box: (box.root / ".env").write_bytes("# 設定\n".encode("cp932")),
            _args("download"),
        ),
        says=(".env", "UTF-8"),
    ),
    BadInput(
        "koss-config-missing",
        "KOSS_CONFIG names a file that does not exist",
        CONFIG,
        _koss_config_missing,
        says=("does not exist",),
    ),
    BadInput(
        "config-option-missing",
        "--config names a file that does not exist",
        CONFIG,
        lambda box: setattr(box, "args", ["--config", "none.toml", "download"]),
        says=("does not exist",),
    ),
    # --- the config file
    BadInput(
        "config-nested-deep",
        "config.toml with arrays nested 5000 deep",
        CONFIG,
        _config("download", text=b"a = " + b"[" * 5000 + b"]" * 5000 + b"\n"),
        says=("too deeply",),
    ),
    BadInput(
        "state-dir-empty",
        "state_dir is an empty path",
        CONFIG,
        _config("download", state_dir=""),
        says=("empty",),
    ),
    BadInput(
        "state-dir-relative-in-environment",
        "KOSS_STATE_DIR is a relative path (no file to be relative to)",
        CONFIG,
        _both(_env(KOSS_STATE_DIR="state"), _args("download")),
        says=("relative",),
    ),
    BadInput(
        "config-bom",
        "config.toml with a UTF-8 BOM",
        CONFIG,
        _config("download", text=b"\xef\xbb\xbfkeep_runs = 5\n"),
        says=("BOM",),
    ),
    BadInput(
        "config-backslash",
        "Windows backslashes in config.toml",
        CONFIG,
        _config("download", text='download_dir = "D:\\dl\\koss"\n'),
        says=("single quotes",),
    ),
    BadInput(
        "config-shift-jis",
        "config.toml saved in Shift_JIS",
        CONFIG,
        _config("download", text="# 設定\nkeep_runs = 5\n".encode("cp932")),
        says=("not UTF-8",),
    ),
    BadInput(
        "config-binary",
        "a binary file as config.toml",
        CONFIG,
        _config("download", text=bytes(range(256))),
        says=("binary",),
    ),
    BadInput(
        "config-folder",
        "a folder as config.toml",
        CONFIG,
        lambda box: setattr(box, "args", ["--config", str(box.root), "download"]),
        says=("does not exist",),
    ),
    BadInput(
        "config-unknown-key",
        "a misspelt setting",
        CONFIG,
        _config("download", keep_run=3),
        says=("unknown setting",),
    ),
    # --- time-outs
    BadInput(
        "timeout-inf",
        "timeouts.action_seconds = inf",
        CONFIG,
        _config("download", text="[timeouts]\naction_seconds = inf\n"),
        says=("timeouts.action_seconds",),
    ),
    BadInput(
        "timeout-nan",
        "timeouts.navigation_seconds = nan",
        CONFIG,
        _config("download", text="[timeouts]\nnavigation_seconds = nan\n"),
        says=("timeouts.navigation_seconds",),
    ),
    BadInput(
        "timeout-huge",
        "timeouts.download_seconds = 1e12",
        CONFIG,
        _config("download", text="[timeouts]\ndownload_seconds = 1e12\n"),
        says=("timeouts.download_seconds",),
    ),
    BadInput(
        "timeout-zero",
        "timeouts.action_seconds = 0",
        CONFIG,
        _config("download", text="[timeouts]\naction_seconds = 0\n"),
        says=("timeouts.action_seconds",),
    ),
    BadInput(
        "retry-max-inf",
        "retry.max_seconds = inf",
        CONFIG,
        _config("download", text="[retry]\nmax_seconds = inf\n"),
        says=("retry.max_seconds",),
    ),
    BadInput(
        "lock-wait-huge",
        "lock_wait_seconds = 1e300",
        CONFIG,
        _config("download", text="lock_wait_seconds = 1e300\n"),
        says=("lock_wait_seconds",),
    ),
    # --- --json
    BadInput(
        "json-usage-unknown-option",
        "--json with an unknown option",
        EXIT_USAGE,
        _args("download", "--no-such-option", "--json"),
    ),
    BadInput(
        "json-usage-unknown-command",
        "--json with an unknown command",
        EXIT_USAGE,
        _args("no-such-command", "--json"),
    ),
    BadInput(
        "json-usage-bad-value",
        "--json with --concurrency 99",
        EXIT_USAGE,
        _both(_accounts(ONE_ACCOUNT, "--concurrency", "99"), lambda box: box.args.append("--json")),
    ),
    BadInput(
        "json-internal-error",
        "--json and an internal error",
        EXIT_INTERNAL,
        _internal_error,
        says=("internal error",),
    ),
    BadInput(
        "json-config-error",
        "--json and a wrong setting",
        CONFIG,
        _config("download", "--json", keep_runs=0),
        says=("keep_runs",),
    ),
    # --- prompts and interrupts
    BadInput(
        "set-not-a-terminal",
        "credentials set without --stdin from a pipe",
        CONFIG,
        _args("credentials", "set", USER_ID),
        says=("--stdin",),
    ),
    BadInput(
        "delete-not-a-terminal",
        "credentials delete without --yes from a pipe",
        CONFIG,
        _args("credentials", "delete", USER_ID),
        says=("--yes",),
    ),
    BadInput(
        "set-ctrl-c",
        "Ctrl-C at the password prompt",
        EXIT_INTERRUPTED,
        _interrupt_prompt(KeyboardInterrupt, "credentials", "set", USER_ID),
        says=("interrupted", "nothing was lost"),
    ),
    BadInput(
        "set-eof",
        "Ctrl-D (end of input) at the password prompt",
        EXIT_INTERRUPTED,
        _interrupt_prompt(EOFError, "credentials", "set", USER_ID),
        says=("interrupted", "nothing was lost"),
    ),
    BadInput(
        "delete-ctrl-c",
        "Ctrl-C at the delete confirmation",
        EXIT_INTERRUPTED,
        _interrupt_prompt(KeyboardInterrupt, "credentials", "delete", USER_ID),
        says=("interrupted",),
    ),
    BadInput(
        "batch-ctrl-c",
        "Ctrl-C during a batch: the report of what was done is written",
        EXIT_INTERRUPTED,
        _interrupted_batch,
        says=("interrupted",),
        browser_allowed=True,
        check=_report_of_what_was_done,
    ),
    # --- passwords given to credentials set
    BadInput(
        "password-blank",
        "a password of only blanks",
        CONFIG,
        _stdin_password("    \n"),
        says=("blanks",),
    ),
    BadInput(
        "password-empty", "an empty password", CONFIG, _stdin_password("\n"), says=("No password",)
    ),
    BadInput(
        "password-megabyte",
        "a 1 MB password",
        CONFIG,
        _stdin_password("x" * (1 << 20) + "\n"),
        says=("max_length",),
    ),
    BadInput(
        "password-too-long",
        "a password longer than password_policy.max_length",
        CONFIG,
        _stdin_password("Abcdefgh12345678901\n"),
        says=("max_length",),
    ),
    BadInput(
        "changed-on-future",
        "--changed-on in the future",
        CONFIG,
        _stdin_password("Keiji2019\n", "--changed-on", FUTURE),
        says=("future",),
    ),
    BadInput(
        "changed-on-not-a-date",
        "--changed-on that is not a date",
        CONFIG,
        _stdin_password("Keiji2019\n", "--changed-on", "2026-13-45"),
        says=("2026-11-01",),
    ),
    # --- the manifest
    BadInput(
        "manifest-dotdot",
        "a manifest line with a ../ path: ignored and reported",
        EXIT_OK,
        _manifest_with(json.dumps(_entry(USER_ID, "2099-01", "../../victim.xlsm"))),
        says=("ignored",),
        check=_skipped_the_real_file,
    ),
    BadInput(
        "manifest-non-string-path",
        "a manifest line whose path is a number",
        EXIT_OK,
        _manifest_with(json.dumps(_entry(USER_ID, "2099-01", 12345))),
        says=("ignored",),
        check=_skipped_the_real_file,
    ),
    BadInput(
        "manifest-garbage",
        "a manifest line that is not JSON",
        EXIT_OK,
        _manifest_with("\x00\x01 garbage {"),
        says=("ignored",),
        check=_skipped_the_real_file,
    ),
    BadInput(
        "manifest-absolute",
        "a manifest line with an absolute path",
        EXIT_OK,
        _manifest_with(json.dumps(_entry(USER_ID, "2099-01", "/etc/passwd"))),
        says=("ignored",),
        check=_skipped_the_real_file,
    ),
    # --- no password stored: no browser
    BadInput(
        "no-password-download",
        "download for an ID with no stored password",
        MISSING,
        _args("download", "-u", NO_PASSWORD_ID),
        says=("credentials set",),
    ),
    BadInput(
        "no-password-info",
        "info for an ID with no stored password",
        MISSING,
        _args("info", "-u", NO_PASSWORD_ID),
        says=("credentials set",),
    ),
    BadInput(
        "no-password-change",
        "change-password for an ID with no stored password",
        MISSING,
        _args("change-password", "-u", NO_PASSWORD_ID),
        says=("credentials set",),
    ),
    BadInput(
        "no-password-batch",
        "a batch whose accounts have no stored password",
        EXIT_BATCH_PARTIAL,
        _accounts(f'[[accounts]]\nuser_id = "{NO_PASSWORD_ID}"\n'),
    ),
)


def cases() -> tuple[BadInput, ...]:
    return CASES
