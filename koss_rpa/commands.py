"""The commands of unattended operation: `notify`, `schedule` and `status`.

Registered on the main app by `register(app)`; they use the helpers of `koss_rpa.cli` (settings,
output) like every other command, and no browser.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from koss_rpa.errors import EXIT_NOTIFY_FAILED, EXIT_STATUS_ATTENTION, SettingsInvalid
from koss_rpa.i18n import _

notify_app = typer.Typer(
    help="Notifications (apprise URLs, notify_command): test them, keep URLs in the keyring.",
    no_args_is_help=True,
)
schedule_app = typer.Typer(
    help="The daily job: install, status, remove (cron, systemd, Task Scheduler, launchd).",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(notify_app, name="notify")
    app.add_typer(schedule_app, name="schedule")
    app.command("status")(status)


def _cli() -> Any:
    from koss_rpa import cli

    return cli


@notify_app.command("test")
def notify_test() -> None:
    """Send a test message to every configured target and say which failed.

    \b
    Example:
      KOSS_NOTIFY_URLS='mailto://user:pw@smtp.example.jp?to=office@example.jp' koss-rpa notify test
    """
    from koss_rpa import notify

    cli = _cli()
    settings = cli._settings()
    urls = notify.check_targets(settings)
    if not urls and not settings.notify_command:
        raise SettingsInvalid(
            _(
                "No notification target: set notify_urls (or KOSS_NOTIFY_URLS, or "
                "koss-rpa notify set-urls) or notify_command."
            )
        )
    out = cli._output()
    results: list[dict[str, Any]] = []
    message = notify.test_message()
    notify._quiet_apprise()
    for index, url in enumerate(urls):
        failure = notify._send_url(index, url, message)
        name = notify.describe(index, url)
        out.check(failure is None, failure or name)
        results.append({"target": name, "ok": failure is None, "error": failure})
    if settings.notify_command:
        failure = notify._run_command(settings.notify_command, message, {})
        out.check(failure is None, failure or "notify_command")
        results.append({"target": "notify_command", "ok": failure is None, "error": failure})
    out.result("notify test", {"targets": results})
    if not all(r["ok"] for r in results):
        raise typer.Exit(EXIT_NOTIFY_FAILED)


@notify_app.command("set-urls")
def notify_set_urls(
    clear: Annotated[bool, typer.Option("--clear", help="Remove the stored URLs.")] = False,
) -> None:
    """Keep apprise URLs that carry tokens in the keyring, read from standard input (one a line).

    They are used with the notify_urls setting's, and never printed.

    \b
    Example:
      printf '%s\\n' "$TEAMS_URL" | koss-rpa notify set-urls
    """
    from koss_rpa import notify

    cli = _cli()
    settings = cli._settings()
    urls = [] if clear else [line.strip() for line in sys.stdin if line.strip()]
    if not clear and not urls:
        raise SettingsInvalid(_("No URL on standard input (one apprise URL a line)."))
    import apprise

    notify._quiet_apprise()
    for index, url in enumerate(urls):
        if apprise.Apprise.instantiate(url) is None:
            raise SettingsInvalid(
                _("Line {n} is not a URL apprise understands ({scheme}://…).").format(
                    n=index + 1, scheme=notify._scheme(url)
                )
            )
    notify.store_keyring_urls(settings.keyring_service, urls)
    out = cli._output()
    out.line(_("Stored {n} notification URL(s) in the keyring.").format(n=len(urls)))
    out.result("notify set-urls", {"stored": len(urls)})


def status(
    accounts_file: Annotated[
        Path | None, typer.Argument(help="TOML file listing the accounts (default: user_id).")
    ] = None,
    user_id: Annotated[str | None, typer.Option("--user-id", "-u", help="納付利用者ID.")] = None,
) -> None:
    """Every account at a glance: this month's file, password age, pending rotation, login
    budget, the last run. No browser, no portal access.

    Exit code 0 when every account has this month's file and nothing needs a person, 8
    otherwise (so it can serve as a monitoring probe).

    \b
    Examples:
      koss-rpa status accounts.toml
      koss-rpa status accounts.toml --json
    """
    from koss_rpa.status import collect, render

    cli = _cli()
    settings = cli._settings()
    rows = collect(settings, accounts_file, user_id)
    out = cli._output()
    if not out.as_json:
        render(out.out, rows)
    out.result("status", {"ok": all(r.ok for r in rows), "accounts": [r.to_json() for r in rows]})
    if not all(r.ok for r in rows):
        raise typer.Exit(EXIT_STATUS_ATTENTION)
