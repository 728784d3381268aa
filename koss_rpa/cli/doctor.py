"""The commands about koss-rpa itself on this computer: `doctor` (is the set-up right?), `demo`
(the download flow against the bundled mock portal) and `version`."""

from __future__ import annotations

from typing import Annotated

import typer

from koss_rpa import __version__
from koss_rpa.cli.args import UserIdOption, invocation


def doctor(ctx: typer.Context, user_id: UserIdOption = None) -> None:
    """Check the set-up as this user sees it: settings, folder, keyring, browser, portal.

    Run it once by hand, and once the way the scheduler will (same user, same environment).
    """
    from koss_rpa.jobs.doctor import run_doctor

    inv = invocation(ctx)
    code = run_doctor(inv.config, user_id, inv.output())
    if code:
        raise typer.Exit(code)


def demo(
    ctx: typer.Context,
    headed: Annotated[bool, typer.Option(help="Show the browser window.")] = False,
) -> None:
    """Run the real download flow against the bundled mock portal, with an expired password.

    Shows the menu, the forced password change, the new login and the saved file. Uses a
    throw-away keyring; touches neither the real portal nor your keyring.
    """
    from koss_rpa.jobs.demo import run_demo

    run_demo(invocation(ctx).output(), headed=headed)


def version(ctx: typer.Context) -> None:
    """Print the version."""
    out = invocation(ctx).output()
    out.line(__version__)
    out.result("version", {"version": __version__})
