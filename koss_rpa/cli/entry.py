"""The `koss-rpa` program (and `python -m koss_rpa`): starts Playwright's driver first, when the
command line asks for a browser, then hands over to the CLI (`koss_rpa.cli.app.main`).

Playwright's driver is a Node.js process that takes about a quarter of a second to boot, and a
run needs it before anything else: started here, before Typer and the CLI are imported, it boots
while Python imports them and parses the arguments. The guess is made from the words of the
command line alone; a wrong one (an option's value that happens to be spelled like a command)
costs a driver started and stopped unused. `koss_rpa.cli.app.main` itself starts nothing ahead (the
tests call it in-process).

Two more things shorten every start: the driver keeps its compiled code on disk
(`use_node_compile_cache`), and the garbage collector stays off while the program imports.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Sequence

#: The commands whose run starts Playwright's driver: those marked `@starts_driver` where they
#: are defined (`koss_rpa.cli.args.starts_driver`; a test holds the two equal).
BROWSER_COMMANDS = frozenset({"download", "change-password", "info", "check", "capture"})
#: Options after which nothing runs.
_NO_RUN = frozenset({"-h", "--help", "--version"})
#: `settings.APP_NAME` (pydantic is not imported yet).
APP_NAME = "koss-rpa"
#: The global options that take a value (`cli.args.GLOBAL_VALUED`; Typer is not imported yet).
GLOBAL_VALUED = frozenset({"--config", "--lang", "--log-file"})


def needs_browser(argv: Sequence[str]) -> bool:
    """Whether the command line `argv` (without the program) runs a browser command."""
    command = None
    words = iter(argv)
    for word in words:
        if word == "--":
            break
        if word in _NO_RUN:
            return False
        if word in GLOBAL_VALUED:
            next(words, None)  # its value, e.g. `--config download.toml`
        elif command is None and not word.startswith("-"):
            command = word
    return command in BROWSER_COMMANDS


def main() -> int:
    """`koss-rpa`: the CLI, with Playwright's driver started first when it will be needed."""
    gc.disable()  # see `_imported`
    use_node_compile_cache()
    if not needs_browser(sys.argv[1:]):
        from koss_rpa.cli.app import main as cli_main

        _imported()
        return cli_main()
    return _with_early_driver()


def use_node_compile_cache() -> None:
    """Have Playwright's driver keep its compiled code on disk (Node.js ≥ 22.1 does when
    `NODE_COMPILE_CACHE` names a folder): it then starts faster.
    The driver inherits this process's environment; a folder the user chose is kept, and
    `NODE_DISABLE_COMPILE_CACHE=1` turns the cache off. Node.js says nothing when it cannot
    write there, and an older one ignores the variable."""
    import platformdirs

    cache = platformdirs.user_cache_path(APP_NAME, appauthor=False) / "node-compile-cache"
    os.environ.setdefault("NODE_COMPILE_CACHE", str(cache))


def _imported() -> None:
    """The collector back on, with everything imported so far out of its reach: a module's
    objects live as long as the program, and walking them over and over while the program
    starts (each collection of the oldest generation walks all of them) was about a tenth of
    the CPU time before the browser's launch."""
    gc.freeze()
    gc.enable()


def _with_early_driver() -> int:
    # Playwright is imported in this thread before the loop's thread starts: two threads
    # importing the same modules would wait on each other's import locks.
    import playwright.async_api  # noqa: F401

    from koss_rpa import asyncrun
    from koss_rpa.evidence import scratch
    from koss_rpa.flows import browser

    # The driver inherits the temporary folder it starts with: the run's private scratch
    # folder, so that a killed run leaves its raw traces nowhere else (`koss_rpa.evidence.scratch`).
    with scratch.private_tmp(), asyncrun.LoopThread() as loop:
        loop.call_soon(browser.start_early_driver)
        try:
            from koss_rpa.cli.app import main as cli_main

            _imported()
            return cli_main()
        finally:
            loop.run(browser.discard_early_driver())
