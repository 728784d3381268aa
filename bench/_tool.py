"""Shared by the benchmarks that time `koss-rpa download`: a keyring file, a config against the
mock portal, and the command line of the tool as a separate process."""

from __future__ import annotations

import compileall
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from koss_rpa.flows.browser import CLOSED_NETWORK_ARGS
from testkit import filekeyring

ROOT = Path(__file__).resolve().parent.parent
USER_ID, PASSWORD = "KNAB1234", "Keiji2019"


@dataclass(frozen=True)
class Tool:
    """`koss-rpa download` against one mock portal, and the environment it runs in."""

    work: Path
    command: list[str]
    env: dict[str, str]


def compile_sources() -> None:
    """Compile the tool's modules as pip compiles an installed wheel's: the benches run it from
    this source tree, where PYTHONDONTWRITEBYTECODE (set on these machines) would otherwise
    make every run compile them again, a cost no installed koss-rpa pays."""
    for package in ("koss_rpa", "mock_portal", "testkit"):
        compileall.compile_dir(ROOT / package, quiet=1)


def download_tool(python: str, portal_url: str, browser: str) -> Tool:
    """A work folder with the account's password in a file keyring and a config for the mock;
    the tool's modules compiled (`compile_sources`)."""
    compile_sources()
    work = Path(tempfile.mkdtemp(prefix="koss-bench-"))
    keyring_file = work / "keyring.json"
    filekeyring.write(keyring_file, {USER_ID: PASSWORD})
    config = work / "config.toml"
    config.write_text(
        f'portal_url = "{portal_url}"\nuser_id = "{USER_ID}"\n'
        f'download_dir = "{work / "downloads"}"\nrun_dir = "{work / "runs"}"\n'
        # The account's state of its own: another run of this machine may hold KNAB1234's.
        f'state_dir = "{work / "state"}"\n'
        f'browser = "{browser or "auto"}"\nbrowser_args = {list(CLOSED_NETWORK_ARGS)!r}\n'.replace(
            "'", '"'
        ),
        encoding="utf-8",
    )
    env = {
        **os.environ,
        "PYTHON_KEYRING_BACKEND": "testkit.filekeyring.FileKeyring",
        "KOSS_TEST_KEYRING_FILE": str(keyring_file),
        "PYTHONPATH": str(ROOT),
    }
    return Tool(work, [python, "-m", "koss_rpa", "--config", str(config), "download"], env)
