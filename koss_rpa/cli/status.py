"""`koss-rpa status`: every account at a glance (`koss_rpa.jobs.status`), no browser."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from koss_rpa.cli.args import invocation
from koss_rpa.errors import EXIT_STATUS_ATTENTION


def status(
    ctx: typer.Context,
    accounts_file: Annotated[
        Path | None, typer.Argument(help="TOML file listing the accounts (default: user_id).")
    ] = None,
    user_id: Annotated[str | None, typer.Option("--user-id", "-u", help="納付利用者ID.")] = None,
) -> None:
    """Every account at a glance: this month's file, password age, pending rotation, login
    budget, the last run. No browser, no portal access.

    Exit code 0 when every account has this month's file and nothing needs a person, 31
    otherwise (so it can serve as a monitoring probe).

    \b
    Examples:
      koss-rpa status accounts.toml
      koss-rpa status accounts.toml --json
    """
    from koss_rpa.jobs.status import collect, render

    inv = invocation(ctx)
    settings = inv.settings()
    rows = collect(settings, accounts_file, user_id)
    out = inv.output()
    if not out.as_json:
        render(out.out, rows)
    out.result("status", {"ok": all(r.ok for r in rows), "accounts": [r.to_json() for r in rows]})
    if not all(r.ok for r in rows):
        raise typer.Exit(EXIT_STATUS_ATTENTION)
