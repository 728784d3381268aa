"""Crash-safe rotation: koss-rpa killed (SIGKILL) at each point of a forced password change.

Each test kills a real koss-rpa process (and its Chromium) at one point, then runs koss-rpa
again as a scheduler would, without any help: it must find out what the portal did, end with
the keyring's current password equal to the portal's, and save the file. The points and the
checks are in `testkit/crash.py`, shared with `scripts/reliability_report.py`.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mock_portal.testing import ControlClient, PortalServer
from testkit import crash
from testkit.crash import CrashPoint
from tests.e2e.conftest import KossEnv

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("point", crash.POINTS, ids=[p.key for p in crash.POINTS])
def test_rotation_should_recover_without_help_after_a_kill(
    point: CrashPoint,
    portal: ControlClient,
    portal_server: PortalServer,
    koss_env: Callable[..., KossEnv],
) -> None:
    env = koss_env(**crash.SETTINGS)

    result = crash.run_crash_point(point, portal=portal, server=portal_server, config=env.config)

    assert result.killed, "the process ended before it reached the crash point:\n" + result.output
    assert result.portal_changed is point.portal_changed
    assert result.recovery_exit == 0, result.output
    assert result.keyring_current_matches, "the keyring's current password is not the portal's"
    assert not result.pending_left
    # Never more than two logins with a password the portal has not confirmed in this run
    # (pending, then current); a third, if any, uses the new password it just confirmed.
    assert tuple(result.recovery_logins) == point.recovery_logins
    assert result.recovery_changes == (0 if point.portal_changed else 1)
    assert result.login_failed_total == point.recovery_logins.count("login_failed")
    assert not result.locked
    assert result.workbooks == 1
    assert result.leaks == [], [str(leak) for leak in result.leaks]
