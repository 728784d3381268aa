"""The control API as a tester checks it: `pip install 'koss-rpa[mock]'`, `koss-mock-portal`,
then the stock schemathesis CLI with every check over `/_control/openapi.json`: no failure,
no error (docs/mock-portal.md, "Control API")."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.packaging.conftest import Venv, clean_env, run


def test_stock_schemathesis_should_find_nothing(mock_venv: Venv, elsewhere: Path) -> None:
    # Long by design: the stock schemathesis CLI with its default examples and every check
    # over every operation of the control API, as a tester runs it.
    env = clean_env()
    portal = subprocess.Popen(
        [str(mock_venv.bin / "koss-mock-portal"), "--port", "0"],
        cwd=elsewhere,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert portal.stdout is not None
        url = None
        for line in portal.stdout:
            found = re.match(r"Mock portal: (http://\S+)", line)
            if found:
                url = found.group(1)
                break
        assert url is not None, "the mock portal printed no URL"
        schemathesis = Path(sys.executable).with_name("schemathesis")
        done = run(
            schemathesis,
            "run",
            "--checks",
            "all",
            f"{url}/_control/openapi.json",
            cwd=elsewhere,
            env=env,
            timeout=600,
        )
    finally:
        portal.terminate()
        portal.communicate(timeout=30)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr
    counts = re.search(r"(\d+) generated, (\d+) passed", done.stdout)
    assert counts is not None, done.stdout[-6000:]
    assert counts.group(1) == counts.group(2), done.stdout[-6000:]
    assert "FAILURES" not in done.stdout, done.stdout[-6000:]
    assert "ERRORS" not in done.stdout, done.stdout[-6000:]
