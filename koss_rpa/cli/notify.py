"""`koss-rpa notify`: test the notification targets, keep apprise URLs in the keyring."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from koss_rpa.cli.args import invocation
from koss_rpa.errors import EXIT_NOTIFY_FAILED, SettingsInvalid
from koss_rpa.i18n import _

app = typer.Typer(
    help="Notifications (apprise URLs, notify_command): test them, keep URLs in the keyring.",
    no_args_is_help=True,
)


@app.command("test")
def notify_test(ctx: typer.Context) -> None:
    """Send a test message to every configured target and say which failed.

    \b
    Example:
      KOSS_NOTIFY_URLS='mailto://user:pw@smtp.example.jp?to=office@example.jp' koss-rpa notify test
    """
    from koss_rpa.notify.command import run_command
    from koss_rpa.notify.messages import test_message
    from koss_rpa.notify.targets import check_targets, describe, quiet_apprise, send_url

    inv = invocation(ctx)
    settings = inv.settings()
    urls = check_targets(settings.notify_config())
    if not urls and not settings.notify_command:
        raise SettingsInvalid(
            _(
                "No notification target: set notify_urls (or KOSS_NOTIFY_URLS, or "
                "koss-rpa notify set-urls) or notify_command."
            )
        )
    out = inv.output()
    results: list[dict[str, Any]] = []
    message = test_message()
    quiet_apprise()
    for index, url in enumerate(urls):
        failure = send_url(index, url, message)
        name = describe(index, url)
        out.check(failure is None, failure or name)
        results.append({"target": name, "ok": failure is None, "error": failure})
    if settings.notify_command:
        failure = run_command(settings.notify_command, message, {})
        out.check(failure is None, failure or "notify_command")
        results.append({"target": "notify_command", "ok": failure is None, "error": failure})
    out.result("notify test", {"targets": results})
    if not all(r["ok"] for r in results):
        raise typer.Exit(EXIT_NOTIFY_FAILED)


@app.command("set-urls")
def notify_set_urls(
    ctx: typer.Context,
    clear: Annotated[bool, typer.Option("--clear", help="Remove the stored URLs.")] = False,
) -> None:
    """Keep apprise URLs that carry tokens in the keyring, read from standard input (one a line).

    They are used with the notify_urls setting's, and never printed.

    \b
    Example:
      printf '%s\\n' "$TEAMS_URL" | koss-rpa notify set-urls
    """
    from koss_rpa.notify.targets import quiet_apprise, scheme, store_keyring_urls

    inv = invocation(ctx)
    settings = inv.settings()
    urls = [] if clear else [line.strip() for line in sys.stdin if line.strip()]
    if not clear and not urls:
        raise SettingsInvalid(_("No URL on standard input (one apprise URL a line)."))
    import apprise

    quiet_apprise()
    for index, url in enumerate(urls):
        if apprise.Apprise.instantiate(url) is None:
            raise SettingsInvalid(
                _("Line {n} is not a URL apprise understands ({scheme}://…).").format(
                    n=index + 1, scheme=scheme(url)
                )
            )
    store_keyring_urls(settings.keyring_service, urls)
    out = inv.output()
    out.line(_("Stored {n} notification URL(s) in the keyring.").format(n=len(urls)))
    out.result("notify set-urls", {"stored": len(urls)})
