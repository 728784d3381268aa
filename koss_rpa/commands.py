"""The commands of unattended operation: `notify`, `schedule` and `status`.

Registered on the main app by `register(app)`; like every other command they read the settings
and make their output through the invocation (`koss_rpa.cliargs.Invocation`, Typer's `ctx.obj`),
and use no browser.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from koss_rpa.cliargs import invocation
from koss_rpa.errors import EXIT_NOTIFY_FAILED, EXIT_STATUS_ATTENTION, SettingsInvalid
from koss_rpa.i18n import _

if TYPE_CHECKING:
    from koss_rpa.console import Output
    from koss_rpa.schedule import Scheduler
    from koss_rpa.settings import Settings

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


@notify_app.command("test")
def notify_test(ctx: typer.Context) -> None:
    """Send a test message to every configured target and say which failed.

    \b
    Example:
      KOSS_NOTIFY_URLS='mailto://user:pw@smtp.example.jp?to=office@example.jp' koss-rpa notify test
    """
    from koss_rpa import notify

    inv = invocation(ctx)
    settings = inv.settings()
    urls = notify.check_targets(settings)
    if not urls and not settings.notify_command:
        raise SettingsInvalid(
            _(
                "No notification target: set notify_urls (or KOSS_NOTIFY_URLS, or "
                "koss-rpa notify set-urls) or notify_command."
            )
        )
    out = inv.output()
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
    ctx: typer.Context,
    clear: Annotated[bool, typer.Option("--clear", help="Remove the stored URLs.")] = False,
) -> None:
    """Keep apprise URLs that carry tokens in the keyring, read from standard input (one a line).

    They are used with the notify_urls setting's, and never printed.

    \b
    Example:
      printf '%s\\n' "$TEAMS_URL" | koss-rpa notify set-urls
    """
    from koss_rpa import notify

    inv = invocation(ctx)
    settings = inv.settings()
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
    out = inv.output()
    out.line(_("Stored {n} notification URL(s) in the keyring.").format(n=len(urls)))
    out.result("notify set-urls", {"stored": len(urls)})


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
    from koss_rpa.status import collect, render

    inv = invocation(ctx)
    settings = inv.settings()
    rows = collect(settings, accounts_file, user_id)
    out = inv.output()
    if not out.as_json:
        render(out.out, rows)
    out.result("status", {"ok": all(r.ok for r in rows), "accounts": [r.to_json() for r in rows]})
    if not all(r.ok for r in rows):
        raise typer.Exit(EXIT_STATUS_ATTENTION)


SystemdOption = Annotated[
    bool, typer.Option("--systemd", help="Linux: a systemd user timer instead of cron.")
]


def _config_path(config: Path | None) -> Path | None:
    """The config file the job is to use: `--config`, KOSS_CONFIG, or the user's if any."""
    import os

    from koss_rpa.settings import default_config_file

    if config is not None:
        return Path(config).resolve()
    if os.environ.get("KOSS_CONFIG"):
        return Path(os.environ["KOSS_CONFIG"]).resolve()
    default: Path = default_config_file()
    return default if default.is_file() else None


@schedule_app.command("install")
def schedule_install(
    ctx: typer.Context,
    accounts_file: Annotated[
        Path | None, typer.Argument(help="TOML file listing the accounts (else --user-id).")
    ] = None,
    user_id: Annotated[
        str | None, typer.Option("--user-id", "-u", help="One account: download instead of batch.")
    ] = None,
    at: Annotated[str, typer.Option(help="Time of day, HH:MM (local time).")] = "06:15",
    systemd: SystemdOption = False,
    env_file: Annotated[
        Path | None,
        typer.Option(
            help="File of KEY=value lines for the keyring (KEYRING_CRYPTFILE_PASSWORD=…), "
            "mode 0600; sourced by the job, never copied."
        ),
    ] = None,
    replace: Annotated[bool, typer.Option(help="Replace a job installed before.")] = False,
) -> None:
    """Install the daily job: batch ACCOUNTS_FILE --once-per month (or download for one account).

    \b
    Examples:
      koss-rpa schedule install ~/.config/koss-rpa/accounts.toml --at 06:15 \\
          --env-file ~/.config/koss-rpa/secrets.env
      koss-rpa schedule install accounts.toml --systemd
    """
    from koss_rpa import schedule

    inv = invocation(ctx)
    settings = inv.settings()
    when = schedule.parse_at(at)
    if accounts_file is not None:
        from koss_rpa.accounts import load_accounts

        load_accounts(accounts_file, settings)
        args = ["batch", str(accounts_file.resolve()), "--once-per", "month"]
    else:
        uid = settings.validated_user_id(user_id)
        args = ["download", "--user-id", uid, "--once-per", "month"]
    config = _config_path(inv.config)
    if config is not None:
        args = ["--config", str(config), *args]
    job = schedule.Job(
        at=when,
        args=tuple(args),
        environment=schedule.passed_environment(),
        env_file=schedule.check_env_file(env_file) if env_file is not None else None,
        log_file=(settings.run_dir.parent / "schedule.log").resolve(),
    )
    scheduler = schedule.scheduler_for(systemd)
    out = inv.output()
    present = scheduler.installed()
    if present and not replace:
        out.line(
            _("Already installed ({kind}); nothing changed (add --replace to replace it):").format(
                kind=scheduler.kind
            )
        )
        _items(out, present)
        out.result(
            "schedule install", {"kind": scheduler.kind, "changed": False, "installed": present}
        )
        return
    (job.log_file or settings.run_dir).parent.mkdir(parents=True, exist_ok=True)
    written = scheduler.install(job)
    out.line(
        _("Installed the daily job at {at} ({kind}):").format(
            at=f"{when:%H:%M}", kind=scheduler.kind
        )
    )
    _items(out, written)
    out.result(
        "schedule install",
        {"kind": scheduler.kind, "changed": True, "installed": written, "command": job.argv},
    )


@schedule_app.command("status")
def schedule_status(ctx: typer.Context, systemd: SystemdOption = False) -> None:
    """What is installed, and how the last run ended."""
    settings, scheduler, out = _scheduling(ctx, systemd)
    present = scheduler.installed()
    heading, none = _("Installed ({kind}):"), _("No daily job is installed ({kind}).")
    _listing(out, present, heading, none, scheduler.kind)
    last = last_run(settings.run_dir)
    if last is None:
        out.line(_("No run yet."))
    else:
        out.line(
            _("Last run: {name} → {outcome}").format(name=last["folder"], outcome=last["outcome"])
        )
    out.result("schedule status", {"kind": scheduler.kind, "installed": present, "last_run": last})


@schedule_app.command("remove")
def schedule_remove(ctx: typer.Context, systemd: SystemdOption = False) -> None:
    """Remove exactly what install wrote."""
    _settings, scheduler, out = _scheduling(ctx, systemd)
    removed = scheduler.remove()
    heading, none = _("Removed ({kind}):"), _("No daily job was installed ({kind}).")
    _listing(out, removed, heading, none, scheduler.kind)
    out.result("schedule remove", {"kind": scheduler.kind, "removed": removed})


def _scheduling(ctx: typer.Context, systemd: bool) -> tuple[Settings, Scheduler, Output]:
    """The settings (read for their checks and language), this platform's scheduler, the
    output."""
    from koss_rpa import schedule

    inv = invocation(ctx)
    settings = inv.settings()
    return settings, schedule.scheduler_for(systemd), inv.output()


def _items(out: Output, items: list[str]) -> None:
    for item in items:
        out.line(f"  {item}")


def _listing(out: Output, items: list[str], heading: str, none: str, kind: str) -> None:
    """What a scheduler installed or removed, under `heading`; `none` if nothing (both
    name the scheduler's `kind`)."""
    if items:
        out.line(heading.format(kind=kind))
        _items(out, items)
    else:
        out.line(none.format(kind=kind))


def last_run(run_dir: Path) -> dict[str, Any] | None:
    """The newest batch or download run folder, and its outcome as far as it is known."""
    import json

    if not run_dir.is_dir():
        return None
    folders = sorted(
        (
            p
            for p in run_dir.iterdir()
            if p.is_dir() and ("-batch-" in p.name or "-download-" in p.name)
        ),
        key=lambda p: p.name,
    )
    if not folders:
        return None
    newest = run_dir / folders[-1]
    outcome = _("see run.log")
    report = newest / "report.json"
    if report.is_file():
        try:
            data = json.loads(report.read_text(encoding="utf-8"))
            outcome = _("exit code {code}").format(code=data["exit_code"])
        except (OSError, ValueError, KeyError, TypeError):
            outcome = _("report.json is damaged")
    return {"folder": str(newest), "outcome": outcome}
