"""flows.browser: which browser `auto`, a channel or a path resolves to (nothing is launched)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest

from koss_rpa.errors import BrowserNotFound
from koss_rpa.flows import browser
from koss_rpa.flows.browser import BrowserChoice, playwright_chromium_path, resolve_browser

SYSTEM_CHROMIUM = Path("/usr/bin/chromium")
SYSTEM_HEADLESS_SHELL = Path("/usr/bin/chromium-headless-shell")


def _no_bundled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(browser, "playwright_chromium_path", lambda pw=None: None)


def _which(monkeypatch: pytest.MonkeyPatch, found: dict[str, str]) -> None:
    monkeypatch.setattr(shutil, "which", lambda name, *args, **kwargs: found.get(name))


def _files(monkeypatch: pytest.MonkeyPatch, existing: set[str]) -> None:
    """Path.is_file is true for `existing` only (while the test runs)."""
    original: Callable[[Path], bool] = Path.is_file

    def is_file(self: Path) -> bool:
        text = str(self)
        if text in existing:
            return True
        if text.startswith(("/usr/bin/", "/snap/", "/opt/", "/Applications/", "C:")):
            return False
        return original(self)

    monkeypatch.setattr(Path, "is_file", is_file)


def _executable(tmp_path: Path, name: str = "my-browser") -> Path:
    path = tmp_path / name
    path.write_text("#!/bin/sh\n", encoding="utf-8")
    path.chmod(0o755)
    return path


def test_resolve_browser_should_pick_the_system_chromium_here() -> None:
    # This machine: Debian's Chromium, its headless shell where installed (.ci/run installs
    # both), and no `playwright install chromium`.
    here = SYSTEM_HEADLESS_SHELL if SYSTEM_HEADLESS_SHELL.is_file() else SYSTEM_CHROMIUM
    headless = resolve_browser("auto")
    windowed = resolve_browser("auto", headless=False)

    assert headless.executable_path == here
    assert headless.launch_kwargs() == {"executable_path": str(here)}
    assert str(here) in headless.description
    assert windowed.executable_path == SYSTEM_CHROMIUM


def test_resolve_browser_should_take_the_headless_shell_only_for_a_headless_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _no_bundled(monkeypatch)
    _which(
        monkeypatch,
        {
            "chromium": "/usr/bin/chromium",
            "chromium-headless-shell": "/opt/x/chromium-headless-shell",
        },
    )

    assert resolve_browser("auto").executable_path == Path("/opt/x/chromium-headless-shell")
    assert resolve_browser("auto", headless=True).executable_path == Path(
        "/opt/x/chromium-headless-shell"
    )
    assert resolve_browser("auto", headless=False).executable_path == SYSTEM_CHROMIUM


def test_resolve_browser_should_find_the_headless_shell_off_the_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # cron's PATH may lack /usr/bin's neighbours; the packages' own place is still looked at.
    _no_bundled(monkeypatch)
    _which(monkeypatch, {})
    _files(monkeypatch, {str(SYSTEM_HEADLESS_SHELL), str(SYSTEM_CHROMIUM)})

    assert resolve_browser("auto").executable_path == SYSTEM_HEADLESS_SHELL
    assert resolve_browser("auto", headless=False).executable_path == SYSTEM_CHROMIUM


def test_resolve_browser_should_run_headless_in_the_whole_chromium_without_the_shell(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _no_bundled(monkeypatch)
    _which(monkeypatch, {"chromium": "/usr/bin/chromium"})

    assert resolve_browser("auto", headless=True).executable_path == SYSTEM_CHROMIUM


def test_resolve_browser_should_leave_playwrights_chromium_to_pick_its_own_shell(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Playwright launches its own headless shell for a headless run of its own Chromium.
    fake = Path("/fake/ms-playwright/chromium/chrome")
    monkeypatch.setattr(browser, "playwright_chromium_path", lambda pw=None: fake)
    _which(monkeypatch, {"chromium-headless-shell": "/usr/bin/chromium-headless-shell"})

    assert resolve_browser("auto").launch_kwargs() == {}


def test_resolve_browser_should_prefer_playwright_chromium(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = Path("/fake/ms-playwright/chromium/chrome")
    monkeypatch.setattr(browser, "playwright_chromium_path", lambda pw=None: fake)
    _which(monkeypatch, {"chromium": "/usr/bin/chromium"})

    choice = resolve_browser("auto")

    assert choice.executable_path is None
    assert choice.channel is None
    assert choice.launch_kwargs() == {}
    assert str(fake) in choice.description


@pytest.mark.parametrize("spec", ["", "  auto  "])
def test_resolve_browser_should_treat_blank_as_auto(
    monkeypatch: pytest.MonkeyPatch, spec: str
) -> None:
    _no_bundled(monkeypatch)
    _which(monkeypatch, {"chromium": "/somewhere/chromium"})

    assert resolve_browser(spec).executable_path == Path("/somewhere/chromium")


def test_resolve_browser_should_fall_back_to_chromium_browser(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _no_bundled(monkeypatch)
    _which(monkeypatch, {"chromium-browser": "/usr/local/bin/chromium-browser"})

    choice = resolve_browser("auto")

    assert choice.launch_kwargs() == {"executable_path": "/usr/local/bin/chromium-browser"}


def test_resolve_browser_should_fall_back_to_the_snap_chromium(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _no_bundled(monkeypatch)
    _which(monkeypatch, {})
    _files(monkeypatch, {"/snap/bin/chromium"})

    assert resolve_browser("auto").executable_path == Path("/snap/bin/chromium")


def test_resolve_browser_should_fall_back_to_chrome_before_edge(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _no_bundled(monkeypatch)
    _which(monkeypatch, {})
    _files(monkeypatch, {"/opt/google/chrome/chrome", "/opt/microsoft/msedge/msedge"})

    choice = resolve_browser("auto")

    assert choice.channel == "chrome"
    assert choice.launch_kwargs() == {"channel": "chrome"}


def test_resolve_browser_should_fall_back_to_edge(monkeypatch: pytest.MonkeyPatch) -> None:
    _no_bundled(monkeypatch)
    _which(monkeypatch, {})
    _files(monkeypatch, {"/opt/microsoft/msedge/msedge"})

    assert resolve_browser("auto").launch_kwargs() == {"channel": "msedge"}


def test_resolve_browser_should_find_chrome_on_the_path(monkeypatch: pytest.MonkeyPatch) -> None:
    _no_bundled(monkeypatch)
    _which(monkeypatch, {"google-chrome": "/usr/bin/google-chrome"})
    _files(monkeypatch, set())

    assert resolve_browser("auto").channel == "chrome"


def test_resolve_browser_should_say_what_to_install_when_nothing_is_found(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _no_bundled(monkeypatch)
    _which(monkeypatch, {})
    _files(monkeypatch, set())

    with pytest.raises(BrowserNotFound, match="playwright install chromium") as info:
        resolve_browser("auto")

    assert "apt-get install chromium" in str(info.value)
    assert info.value.exit_code == 4


def test_resolve_browser_should_use_playwright_chromium_when_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = Path("/fake/chrome")
    monkeypatch.setattr(browser, "playwright_chromium_path", lambda pw=None: fake)

    assert resolve_browser("chromium") == BrowserChoice(f"Playwright Chromium ({fake})")


def test_resolve_browser_should_reject_chromium_when_playwright_has_none(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _no_bundled(monkeypatch)

    with pytest.raises(BrowserNotFound, match="playwright install chromium"):
        resolve_browser("chromium")


def test_resolve_browser_should_accept_an_installed_channel(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _which(monkeypatch, {})
    _files(monkeypatch, {"/opt/microsoft/msedge/msedge"})

    choice = resolve_browser("msedge")

    assert choice == BrowserChoice("msedge (installed)", channel="msedge")


def test_resolve_browser_should_reject_a_channel_not_installed() -> None:
    # This machine has no Microsoft Edge.
    with pytest.raises(BrowserNotFound, match="'msedge' is not installed"):
        resolve_browser("msedge")


def test_resolve_browser_should_accept_an_executable_path(tmp_path: Path) -> None:
    exe = _executable(tmp_path)

    choice = resolve_browser(str(exe))

    assert choice.executable_path == exe
    assert choice.launch_kwargs() == {"executable_path": str(exe)}


def test_resolve_browser_should_expand_a_home_relative_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    exe = _executable(tmp_path)

    assert resolve_browser("~/my-browser").executable_path == exe


def test_resolve_browser_should_reject_a_missing_path(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-browser"

    with pytest.raises(BrowserNotFound, match="neither auto, chromium, a channel") as info:
        resolve_browser(str(missing))

    assert str(missing) in str(info.value)


def test_resolve_browser_should_reject_a_file_that_is_not_executable(tmp_path: Path) -> None:
    plain = tmp_path / "readme.txt"
    plain.write_text("not a browser", encoding="utf-8")
    plain.chmod(0o644)
    assert not os.access(plain, os.X_OK)  # even as root: no execute bit at all

    with pytest.raises(BrowserNotFound):
        resolve_browser(str(plain))


def test_resolve_browser_should_reject_a_directory(tmp_path: Path) -> None:
    with pytest.raises(BrowserNotFound):
        resolve_browser(str(tmp_path))


def test_launch_kwargs_should_prefer_the_executable_path_over_the_channel() -> None:
    choice = BrowserChoice("both", channel="chrome", executable_path=Path("/x/chrome"))

    assert choice.launch_kwargs() == {"executable_path": "/x/chrome"}


def test_launch_kwargs_should_be_empty_for_playwright_chromium() -> None:
    assert BrowserChoice("Playwright Chromium").launch_kwargs() == {}


def test_playwright_chromium_path_should_ask_a_running_playwright(tmp_path: Path) -> None:
    exe = _executable(tmp_path, "chrome")
    running = SimpleNamespace(chromium=SimpleNamespace(executable_path=str(exe)))
    missing = SimpleNamespace(chromium=SimpleNamespace(executable_path=str(tmp_path / "none")))

    assert playwright_chromium_path(running) == exe
    assert playwright_chromium_path(missing) is None


def test_main_should_print_the_choice_and_return_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exe = _executable(tmp_path)

    assert browser.main([str(exe)]) == 0

    assert capsys.readouterr().out == f"✓ browser: {exe}\n"


def test_main_should_return_one_and_explain_when_nothing_fits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert browser.main([str(tmp_path / "none")]) == 1
    assert capsys.readouterr().err.startswith("✗ ")

    assert browser.main(["--quiet", str(tmp_path / "none")]) == 1
    assert capsys.readouterr().err == ""


# Chromium's switches: Playwright's disabled features kept, Chrome's address-bar pop-up off


def _bundle(tmp_path: Path, body: str) -> Path:
    lib = tmp_path / "lib"
    (lib / "server").mkdir(parents=True)
    (lib / "server" / "coreBundle.js").write_text(
        f"var x = 1;\n    disabledFeatures = [\n{body}\n    ].filter(Boolean);\n", "utf-8"
    )
    return lib


def test_disabled_features_in_should_read_string_literals_and_skip_comments(
    tmp_path: Path,
) -> None:
    lib = _bundle(tmp_path, '  // See https://example.org/"x"\n  "PaintHolding",\n  "MediaRouter"')

    assert browser.disabled_features_in(lib) == ("PaintHolding", "MediaRouter")


@pytest.mark.parametrize(
    "body",
    [
        '"PaintHolding", process.env.X ? "" : "MediaRouter"',
        '"PaintHolding", ...more',
        "",
    ],
)
def test_disabled_features_in_should_give_up_on_anything_but_literals(
    tmp_path: Path, body: str
) -> None:
    assert browser.disabled_features_in(_bundle(tmp_path, body)) is None


def test_disabled_features_in_should_give_up_without_the_list(tmp_path: Path) -> None:
    assert browser.disabled_features_in(tmp_path) is None


def test_chromium_args_should_end_with_one_disable_features_of_all(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(browser, "playwright_disabled_features", lambda: ("A", "B"))

    args = browser.chromium_args(["--x", "--disable-features=B,C", "--y"])

    assert args == [
        "--x",
        "--y",
        "--disable-features=A,B,C," + ",".join(browser.QUIET_FEATURES),
    ]


def test_chromium_args_should_leave_args_alone_without_playwrights_list(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(browser, "playwright_disabled_features", lambda: None)

    assert browser.chromium_args(["--x", "--disable-features=C"]) == ["--x", "--disable-features=C"]
