"""Whether the `mock` extra is installed, asked without importing it; and what to run to get
a missing part, for the way koss-rpa was installed.

The mock portal's own modules need FastAPI, uvicorn, Jinja2, httpx, … which `pip install
koss-rpa` leaves out; `pip install 'koss-rpa[mock]'` brings them. The entry points that need
them (`koss-mock-portal`, `koss-rpa demo`, the pytest plugin's fixtures) ask here first and say
in one line what to install, rather than dying on an ImportError.

Under `uv tool` or `pipx` neither `pip` nor `playwright` is on PATH, so the command named is the
installer's: found from the installed distribution's metadata (`direct_url.json` for an
editable install, `INSTALLER`) and the environment's own marker files (`uv-receipt.toml` of
`uv tool`, `pipx_metadata.json` of pipx), never from PATH alone. Standard library only: the
command line of koss-rpa uses it too.
"""

from __future__ import annotations

import importlib.util
import json
import shlex
import shutil
import sys
from importlib import metadata
from pathlib import Path

#: What to run to get the missing part after a plain `pip install koss-rpa`.
INSTALL_HINT = "pip install 'koss-rpa[mock]'"
#: The browser command as the docs give it (a pip install into an active venv).
PLAYWRIGHT_HINT = "playwright install chromium"

#: The exit code of a command whose optional part is missing (koss_rpa.errors.ComponentMissing).
EXIT_COMPONENT_MISSING = 8

#: Modules the mock imports that come with the extra (import names, not distribution names).
MODULES = ("fastapi", "fastapi_offline", "starlette", "uvicorn", "jinja2", "httpx", "openpyxl")

DISTRIBUTION = "koss-rpa"


def missing_modules() -> list[str]:
    """The extra's modules this environment lacks (empty when the extra is installed)."""
    return [name for name in MODULES if importlib.util.find_spec(name) is None]


def is_extra_module(name: str | None) -> bool:
    """Whether a `ModuleNotFoundError.name` is one of the extra's modules."""
    return name is not None and name.split(".")[0] in MODULES


def installer(prefix: Path | None = None) -> str:
    """How koss-rpa was installed: `uv-tool`, `pipx`, `editable`, `uv` (uv pip), or `pip`
    (also the answer when nothing says otherwise)."""
    root = Path(prefix or sys.prefix)
    if (root / "uv-receipt.toml").is_file():
        return "uv-tool"
    if (root / "pipx_metadata.json").is_file():
        return "pipx"
    dist = _installed()
    if dist is None:
        return "pip"
    if _editable_source(dist) is not None:
        return "editable"
    said = (dist.read_text("INSTALLER") or "").strip().lower()
    return "uv" if said == "uv" else "pip"


def _installed() -> metadata.Distribution | None:
    """koss-rpa's installed metadata: the one an installer wrote (a source tree's own
    `koss_rpa.egg-info` on sys.path has no INSTALLER)."""
    found = list(metadata.distributions(name=DISTRIBUTION))
    written = [dist for dist in found if dist.read_text("INSTALLER") is not None]
    for dist in written or found:
        return dist
    return None


def _editable_source(dist: metadata.Distribution) -> str | None:
    """The source folder of an editable install (PEP 610's direct_url.json), else None."""
    try:
        data = json.loads(dist.read_text("direct_url.json") or "{}")
    except ValueError:
        return None
    if not isinstance(data, dict) or not data.get("dir_info", {}).get("editable"):
        return None
    url = str(data.get("url", ""))
    return url.removeprefix("file://") or None


def _python() -> str:
    return shlex.quote(sys.executable)


def install_command(how: str | None = None) -> str:
    """The command that adds the `mock` extra to this installation."""
    how = how or installer()
    if how == "uv-tool":
        return "uv tool install --reinstall 'koss-rpa[mock]'"
    if how == "pipx":
        return "pipx install --force 'koss-rpa[mock]'"
    if how == "uv":
        return f"uv pip install --python {_python()} 'koss-rpa[mock]'"
    if how == "editable":
        dist = _installed()
        source = (_editable_source(dist) if dist is not None else None) or "."
        return f"{_python()} -m pip install -e {shlex.quote(source + '[mock]')}"
    return INSTALL_HINT


def playwright_command(how: str | None = None) -> str:
    """The command that downloads Playwright's Chromium for this installation: `playwright`
    when the one on PATH is this environment's, else through this environment's Python."""
    how = how or installer()
    on_path = shutil.which("playwright")
    ours = Path(sys.executable).parent / Path(on_path or "playwright").name
    if how in ("pip", "editable") and on_path is not None and Path(on_path) == ours:
        return PLAYWRIGHT_HINT
    return f"{_python()} -m playwright install chromium"


def fit_hints(text: str) -> str:
    """`text` (a translated message) with the pip and playwright commands it names replaced
    by the ones of this installation."""
    return text.replace(INSTALL_HINT, install_command()).replace(
        PLAYWRIGHT_HINT, playwright_command()
    )


def missing_message(what: str, missing: list[str]) -> str:
    """One line: what needs the extra, which modules are missing, what to install."""
    return f"{what} needs the mock extra (missing: {', '.join(missing)}): {install_command()}"
