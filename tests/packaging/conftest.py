"""The package as users get it: the sdist and wheel built with `build`, and fresh venvs with
the wheel installed, with and without the `mock` extra.

Everything here is built once per test run: the packaging tests run on one xdist worker
(`TOGETHER` in tests/conftest.py), and `dist` fails on any other that would build it again.
The dependencies' wheels are kept in pytest's cache folder (`.pytest_cache`), so a venv is
installed with `pip install --no-index --find-links CACHE` in seconds; the first run on a
machine (or a new dependency) fills the cache from the package index with `pip wheel`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import venv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(
    *args: str | Path,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """Run a command, capturing its output as text (no check: the tests look at it)."""
    return subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def ok(done: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    """`done`, after failing the test with its output if it failed."""
    if done.returncode != 0:
        pytest.fail(f"{done.args} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done


@dataclass(frozen=True)
class Dist:
    sdist: Path
    wheel: Path


def checkout_copy(dest: Path) -> Path:
    """The files git tracks in this checkout, as they are in the working tree, copied to `dest`:
    what a clone has. The build then reads no local leftovers (an old `*.egg-info`), and its
    release tree is in `dest`, not in the checkout that the other tests read meanwhile."""
    tracked = ok(run("git", "ls-files", "-z", cwd=ROOT)).stdout.split("\0")
    for name in filter(None, tracked):
        source = ROOT / name
        if source.is_file():  # a file deleted but not yet committed is not in a clone's future
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return dest


def _built_on_one_worker(config: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Under `--dist loadgroup`, fail if another xdist worker of this run built the packages
    too: the packaging tests were meant to run on one (`TOGETHER`, tests/conftest.py)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None or not config.getoption("loadgroup", False):
        return
    run_root = tmp_path_factory.getbasetemp().parent  # shared by the run's workers
    mine = run_root / f"packaging-built-on-{worker}"
    mine.touch()
    builders = sorted(p.name.rsplit("-", 1)[-1] for p in run_root.glob("packaging-built-on-*"))
    assert builders == [worker], f"the packaging tests ran on workers {builders}, not on one"


@pytest.fixture(scope="session")
def dist(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Dist:
    """The sdist, and the wheel built from it, as `python -m build` makes them.

    `--no-isolation`: the build backend (setuptools, in the `test` extra) is this venv's, so
    the build needs no download.
    """
    _built_on_one_worker(request.config, tmp_path_factory)
    out = tmp_path_factory.mktemp("dist")
    source = checkout_copy(tmp_path_factory.mktemp("source"))
    ok(run(sys.executable, "-m", "build", "--no-isolation", "--outdir", out, source, cwd=source))
    [sdist] = out.glob("*.tar.gz")
    [wheel] = out.glob("*.whl")
    return Dist(sdist, wheel)


@pytest.fixture(scope="session")
def wheel_cache(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder of dependency wheels kept between runs (a new one under `-p no:cacheprovider`)."""
    cache = getattr(request.config, "cache", None)
    if cache is None:
        return tmp_path_factory.mktemp("koss-rpa-wheels")
    return Path(cache.mkdir("koss-rpa-wheels"))


@dataclass(frozen=True)
class Venv:
    """A fresh venv with the built wheel installed."""

    path: Path

    @property
    def bin(self) -> Path:
        return self.path / ("Scripts" if os.name == "nt" else "bin")

    def run(
        self,
        command: str,
        *args: str,
        cwd: Path,
        env: dict[str, str] | None = None,
        timeout: float = 180,
    ) -> subprocess.CompletedProcess[str]:
        """Run one of the venv's commands (`koss-rpa`, `python`, …) from `cwd`."""
        environment = clean_env() | (env or {})
        environment["PATH"] = f"{self.bin}{os.pathsep}{environment.get('PATH', '')}"
        return run(self.bin / command, *args, cwd=cwd, env=environment, timeout=timeout)


def clean_env() -> dict[str, str]:
    """This process's environment without what points into the source tree or this venv."""
    drop = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTEST_", "KOSS_", "COV_")
    return {k: v for k, v in os.environ.items() if not k.startswith(drop)}


def _pip_install(
    target: Path, requirements: list[str], cache: Path
) -> subprocess.CompletedProcess[str]:
    # This venv's pip installs into the fresh one (`--python`): the fresh one needs no pip.
    return run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        target,
        "install",
        "--quiet",
        "--no-index",
        "--find-links",
        cache,
        *requirements,
    )


#: What the venvs here take between them beyond the wheel's own requirements: the `mock`
#: extra and the tester's pytest. The cache is filled for all of them in one go, the first time
#: any venv misses something, so the other venvs find theirs there (one resolution against the
#: package index on a clean checkout instead of one per venv).
FILLED_EXTRAS = "[mock]"
FILLED_ALSO = ("pytest",)


def make_venv(folder: Path, wheel: Path, extras: str, cache: Path, *also: str) -> Venv:
    """A new venv at `folder` with `wheel[extras]` (and the requirements `also`) and their
    dependencies, from the cache (filled from the package index when it lacks something)."""
    venv.EnvBuilder(with_pip=False, clear=True).create(folder)
    requirements = [f"{wheel}{extras}", *also]
    done = _pip_install(folder, requirements, cache)
    if done.returncode != 0:
        wanted = sorted({*requirements, f"{wheel}{FILLED_EXTRAS}", *FILLED_ALSO})
        # Filled through a folder of its own: pip copies every wheel it uses into the
        # wheel folder, the project's own too, which must never land in the cache.
        fresh = Path(tempfile.mkdtemp(prefix="koss-rpa-wheels-", dir=cache.parent))
        try:
            ok(
                run(
                    sys.executable,
                    "-m",
                    "pip",
                    "wheel",
                    "--quiet",
                    "--wheel-dir",
                    fresh,
                    "--find-links",
                    cache,
                    *wanted,
                )
            )
            for built in fresh.glob("*.whl"):
                if not built.name.startswith("koss_rpa-") and not (cache / built.name).exists():
                    shutil.move(built, cache / built.name)
        finally:
            shutil.rmtree(fresh, ignore_errors=True)
        ok(_pip_install(folder, requirements, cache))
    return Venv(folder)


@pytest.fixture(scope="session")
def plain_venv(tmp_path_factory: pytest.TempPathFactory, dist: Dist, wheel_cache: Path) -> Venv:
    """`pip install koss-rpa`: no extras."""
    return make_venv(tmp_path_factory.mktemp("venv-plain"), dist.wheel, "", wheel_cache)


@pytest.fixture(scope="session")
def mock_venv(tmp_path_factory: pytest.TempPathFactory, dist: Dist, wheel_cache: Path) -> Venv:
    """`pip install 'koss-rpa[mock]'`."""
    return make_venv(tmp_path_factory.mktemp("venv-mock"), dist.wheel, "[mock]", wheel_cache)


@pytest.fixture(scope="session")
def tester_venv(tmp_path_factory: pytest.TempPathFactory, dist: Dist, wheel_cache: Path) -> Venv:
    """An E2E tester's: `pip install 'koss-rpa[mock]' pytest`."""
    folder = tmp_path_factory.mktemp("venv-tester")
    return make_venv(folder, dist.wheel, "[mock]", wheel_cache, "pytest")


@pytest.fixture
def elsewhere(tmp_path: Path) -> Iterator[Path]:
    """A working folder outside the source tree, with an empty config file beside it."""
    folder = tmp_path / "work"
    folder.mkdir()
    (tmp_path / "config.toml").write_text("", encoding="utf-8")
    yield folder
    shutil.rmtree(folder, ignore_errors=True)
