"""Whether the `mock` extra is installed, asked without importing it.

The mock portal's own modules need FastAPI, uvicorn, Jinja2, httpx, … which `pip install
koss-rpa` leaves out; `pip install 'koss-rpa[mock]'` brings them. The entry points that need
them (`koss-mock-portal`, `koss-rpa demo`, the pytest plugin's fixtures) ask here first and say
in one line what to install, rather than dying on an ImportError.
"""

from __future__ import annotations

import importlib.util

#: What to run to get the missing part.
INSTALL_HINT = "pip install 'koss-rpa[mock]'"

#: The exit code of a command whose optional part is missing (koss_rpa.errors.ComponentMissing).
EXIT_COMPONENT_MISSING = 8

#: Modules the mock imports that come with the extra (import names, not distribution names).
MODULES = ("fastapi", "fastapi_offline", "starlette", "uvicorn", "jinja2", "httpx", "openpyxl")


def missing_modules() -> list[str]:
    """The extra's modules this environment lacks (empty when the extra is installed)."""
    return [name for name in MODULES if importlib.util.find_spec(name) is None]


def is_extra_module(name: str | None) -> bool:
    """Whether a `ModuleNotFoundError.name` is one of the extra's modules."""
    return name is not None and name.split(".")[0] in MODULES


def missing_message(what: str, missing: list[str]) -> str:
    """One line: what needs the extra, which modules are missing, what to install."""
    return f"{what} needs the mock extra (missing: {', '.join(missing)}): {INSTALL_HINT}"
