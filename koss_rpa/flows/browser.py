"""Which browser to drive, and launching it.

`auto` tries, in order: Playwright's own Chromium, a system Chromium (Debian/Ubuntu's
`chromium`; for a headless run its `chromium-headless-shell` first, as Playwright itself takes
its own headless shell), Google Chrome, Microsoft Edge (every Windows machine has it).
Run `python -m koss_rpa.flows.browser` to see which one would be used.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import re
import shutil
import sys
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import playwright
from playwright.async_api import Browser, Playwright, async_playwright
from playwright.async_api import Error as PlaywrightError

from koss_rpa.errors import BrowserNotFound
from koss_rpa.evidence import scratch
from koss_rpa.i18n import _
from koss_rpa.portal_errors import first_line
from mock_portal.extra import fit_hints

if TYPE_CHECKING:
    from contextlib import AbstractAsyncContextManager

    from koss_rpa.settings import Settings

#: For runs against the bundled mock on a closed network only: Chromium otherwise keeps looking
#: up Google's hosts. Never used against the real portal.
CLOSED_NETWORK_ARGS: tuple[str, ...] = (
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
)

#: Parts of Chrome's own window that a robot never shows. Headless Chrome builds the address
#: bar's pop-up (a WebUI page with its scripts and styles) in every new window — every browser
#: context, and every window the portal opens: most of the CPU a fresh context costs
#: (bench/page_phases.py measures it).
QUIET_FEATURES: tuple[str, ...] = (
    "PreloadTopChromeWebUI",
    "WebUIOmniboxPopup",
    "WebUIOmniboxAimPopup",
)
_DISABLE_FEATURES = "--disable-features="

log = logging.getLogger("koss_rpa.flows.browser")

CHANNELS = ("chrome", "chrome-beta", "msedge", "msedge-beta", "msedge-dev")

_SYSTEM_CHROMIUM = ("chromium", "chromium-browser")
#: Chromium's headless shell (Debian's `chromium-headless-shell`): what Playwright launches for
#: a headless run of its own Chromium. It builds none of a browser window's parts, and a run
#: costs about a quarter less CPU than in the whole browser's headless mode
#: (bench/download_vs_handwritten.py --browser). Only for headless runs.
_SYSTEM_HEADLESS_SHELL = "chromium-headless-shell"
_CHANNEL_PATHS: dict[str, tuple[str, ...]] = {
    "chrome": (
        "/opt/google/chrome/chrome",
        "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
        r"C:\Program Files\Google\Chrome\Application\chrome.exe",
        r"C:\Program Files (x86)\Google\Chrome\Application\chrome.exe",
    ),
    "msedge": (
        "/opt/microsoft/msedge/msedge",
        "/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
        r"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe",
        r"C:\Program Files\Microsoft\Edge\Application\msedge.exe",
    ),
}


@dataclass(frozen=True)
class BrowserChoice:
    """A browser Playwright can launch: its own Chromium, a channel, or an executable."""

    description: str
    channel: str | None = None
    executable_path: Path | None = None

    def launch_kwargs(self) -> dict[str, Any]:
        if self.executable_path is not None:
            return {"executable_path": str(self.executable_path)}
        if self.channel is not None:
            return {"channel": self.channel}
        return {}


def playwright_chromium_path(pw: Any = None) -> Path | None:
    """Playwright's own Chromium, if `playwright install chromium` has put it on disk.

    `pw` is a running Playwright; without one, a driver is started just to ask.
    """
    if pw is not None:
        path = Path(pw.chromium.executable_path)
        return path if path.is_file() else None
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as started:  # only outside an event loop (doctor, conftest)
            return playwright_chromium_path(started)
    except Exception:  # no driver, or a driver that cannot start: no bundled browser
        return None


def _system_chromium(headless: bool) -> Path | None:
    names = (_SYSTEM_HEADLESS_SHELL, *_SYSTEM_CHROMIUM) if headless else _SYSTEM_CHROMIUM
    for name in names:
        found = shutil.which(name)
        if found:
            return Path(found)
    for candidate in (*(f"/usr/bin/{name}" for name in names), "/snap/bin/chromium"):
        if Path(candidate).is_file():
            return Path(candidate)
    return None


def _channel_installed(channel: str) -> bool:
    base = channel.split("-")[0]
    paths = list(_CHANNEL_PATHS.get(base, ()))
    if sys.platform == "win32" and base == "chrome" and os.environ.get("LOCALAPPDATA"):
        local = os.environ["LOCALAPPDATA"]
        paths.append(str(Path(local) / "Google/Chrome/Application/chrome.exe"))
    commands = {"chrome": "google-chrome", "msedge": "microsoft-edge"}
    suffix = channel[len(base) :]  # "", "-beta", "-dev"
    return any(Path(p).is_file() for p in paths if not suffix) or bool(
        shutil.which(commands.get(base, base) + suffix)
    )


def resolve_browser(spec: str = "auto", pw: Any = None, *, headless: bool = True) -> BrowserChoice:
    """Turn the `browser` setting into something Playwright can launch, for a run with or
    without a window (`headless`, as the setting of that name; a default run has none).

    Raises:
        BrowserNotFound: nothing usable, with what to install.
    """
    value = spec.strip()
    if value in ("", "auto"):
        bundled = playwright_chromium_path(pw)
        if bundled is not None:
            return BrowserChoice(f"Playwright Chromium ({bundled})")
        system = _system_chromium(headless)
        if system is not None:
            return BrowserChoice(f"Chromium ({system})", executable_path=system)
        for channel in ("chrome", "msedge"):
            if _channel_installed(channel):
                return BrowserChoice(f"{channel} (installed)", channel=channel)
        raise BrowserNotFound(install_hint())
    if value == "chromium":
        bundled = playwright_chromium_path(pw)
        if bundled is None:
            raise BrowserNotFound(
                fit_hints(
                    _("Playwright's Chromium is not installed: run 'playwright install chromium'.")
                )
            )
        return BrowserChoice(f"Playwright Chromium ({bundled})")
    if value in CHANNELS:
        if not _channel_installed(value):
            raise BrowserNotFound(
                _("The browser channel {channel!r} is not installed on this machine.").format(
                    channel=value
                )
            )
        return BrowserChoice(f"{value} (installed)", channel=value)
    path = Path(value).expanduser()
    if path.is_file() and os.access(path, os.X_OK):
        return BrowserChoice(f"{path}", executable_path=path)
    raise BrowserNotFound(
        _(
            "The browser {spec!r} is neither auto, chromium, a channel ({channels}) "
            "nor an executable file."
        ).format(spec=value, channels=", ".join(CHANNELS))
    )


def install_hint() -> str:
    """What to do without a browser; the commands are those of this installation."""
    return fit_hints(
        _(
            "No browser found. Run 'playwright install chromium', or on Debian/Ubuntu "
            '\'apt-get install chromium\', or set browser = "msedge" / "chrome" / a path.'
        )
    )


@functools.cache
def playwright_disabled_features() -> tuple[str, ...] | None:
    """The features Playwright itself disables (its own `--disable-features`), read from the
    driver it ships; None unless they can be read for certain."""
    return disabled_features_in(Path(playwright.__file__).parent / "driver" / "package" / "lib")


def disabled_features_in(lib: Path) -> tuple[str, ...] | None:
    """The `disabledFeatures` list of Playwright's Chromium switches under `lib`; None when it
    is missing or anything but string literals (a condition, a spread: not certain)."""
    for name in ("chromiumSwitches.js", "coreBundle.js"):
        for path in sorted(lib.rglob(name)):
            # Searched as bytes: the bundle is megabytes, and only the list needs decoding.
            found = re.search(rb"disabledFeatures\s*=\s*\[(.*?)\]", path.read_bytes(), re.S)
            if found:
                body = re.sub(r"//[^\n]*", "", found.group(1).decode("utf-8", "replace"))
                names = re.findall(r'"([A-Za-z0-9_]+)"', body)
                rest = re.sub(r'"[A-Za-z0-9_]+"|[\s,]', "", body)
                return tuple(names) if names and not rest else None
    return None


def chromium_args(args: Iterable[str]) -> list[str]:
    """`args` with one `--disable-features` that holds Playwright's own list, the features in
    `args` and `QUIET_FEATURES`: Chromium obeys only the last `--disable-features` it is given,
    so a second one would silently undo Playwright's. When Playwright's list cannot be read,
    `args` are left as they are."""
    args = list(args)
    defaults = playwright_disabled_features()
    if defaults is None:
        log.debug("Playwright's disabled features not found; Chrome's pop-ups stay on")
        return args
    given = [a for a in args if a.startswith(_DISABLE_FEATURES)]
    features = list(defaults)
    for arg in given:
        features += arg.removeprefix(_DISABLE_FEATURES).split(",")
    features += QUIET_FEATURES
    merged = _DISABLE_FEATURES + ",".join(dict.fromkeys(f for f in features if f))
    return [a for a in args if a not in given] + [merged]


class Driver:
    """Playwright's driver (a Node.js process, slow to start), started ahead of need so
    that it boots while Python still reads the settings. `launched` takes it; a run that stops
    before the browser calls `discard`, which stops it unused."""

    def __init__(self) -> None:
        self._start = asyncio.get_running_loop().create_task(async_playwright().start())
        self._taken = False

    async def take(self) -> Playwright:
        self._taken = True
        return await self._start

    async def discard(self) -> None:
        if self._taken:
            return
        self._taken = True
        try:
            playwright = await self._start
        except Exception:  # it did not start; nothing to stop
            return
        await playwright.stop()


#: Drivers started before the command was known (`start_early_driver`), by their event loop.
_early: dict[asyncio.AbstractEventLoop, Driver] = {}


def start_early_driver() -> None:
    """Start Playwright's driver on the running event loop before any command asks for one:
    the entry point does, so that Node.js boots while Python imports and parses the command
    line. `start_driver` on this loop hands it out; `discard_early_driver` stops it unused."""
    _early[asyncio.get_running_loop()] = Driver()


async def discard_early_driver() -> None:
    """Stop the driver `start_early_driver` started on this loop, if nothing took it."""
    early = _early.pop(asyncio.get_running_loop(), None)
    if early is not None:
        await early.discard()


def start_driver() -> Driver | None:
    """Playwright's driver for a run on the running event loop: the one started early on this
    loop, if any (once), else one started now (tests replace this)."""
    early = _early.pop(asyncio.get_running_loop(), None)
    if early is not None:
        log.debug("Playwright's driver started early, taken")
        return early
    return Driver()


def no_display() -> bool:
    """Linux (or another X11/Wayland system) without a display to open a window on."""
    if sys.platform in ("win32", "darwin"):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


@asynccontextmanager
async def launched(
    spec: str,
    *,
    headless: bool = True,
    args: tuple[str, ...] = (),
    driver: Driver | None = None,
) -> AsyncIterator[Browser]:
    """Start Playwright (or take its `driver`, started earlier) and the browser named by
    `spec`; yields the `Browser`.

    Raises:
        BrowserNotFound: no such browser, or it would not start.
    """
    pw = await (driver.take() if driver else async_playwright().start())
    try:
        choice = resolve_browser(spec, pw, headless=headless)
        try:
            browser = await pw.chromium.launch(
                headless=headless,
                args=chromium_args(args),
                env=scratch.browser_env(),
                **choice.launch_kwargs(),
            )
        except PlaywrightError as exc:
            if not headless and no_display():
                raise BrowserNotFound(
                    _(
                        "Could not start {browser} with a window (headless = false): there is "
                        "no display here (DISPLAY and WAYLAND_DISPLAY are not set, as in a "
                        "scheduled job or over ssh); set headless = true, or run it in a "
                        "desktop session."
                    ).format(browser=choice.description)
                ) from exc
            raise BrowserNotFound(
                _("Could not start {browser}: {error}").format(
                    browser=choice.description, error=first_line(exc)
                )
            ) from exc
        try:
            yield browser
        finally:
            await browser.close()
    finally:
        await pw.stop()


def browser_for(
    settings: Settings, driver: Driver | None = None
) -> AbstractAsyncContextManager[Browser]:
    """The browser the settings name, started with their options."""
    return launched(
        settings.browser, headless=settings.headless, args=settings.browser_args, driver=driver
    )


def main(argv: list[str] | None = None) -> int:
    """`python -m koss_rpa.flows.browser [--quiet] [SPEC]`: say which browser would be used."""
    args = list(sys.argv[1:] if argv is None else argv)
    quiet = "--quiet" in args
    rest = [a for a in args if a != "--quiet"]
    try:
        choice = resolve_browser(rest[0] if rest else "auto")
    except BrowserNotFound as exc:
        if not quiet:
            print(f"✗ {exc}", file=sys.stderr)
        return 1
    print(f"✓ browser: {choice.description}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
