"""The commands of unattended operation: `notify`, `schedule` and `status`.

Registered on the main app by `register(app)`; like every other command they read the settings
and make their output through the invocation (`koss_rpa.cli.args.Invocation`, Typer's `ctx.obj`),
and use no browser.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from koss_rpa.cli.args import invocation
from koss_rpa.errors import EXIT_NOTIFY_FAILED, EXIT_STATUS_ATTENTION, SettingsInvalid
from koss_rpa.i18n import _

if TYPE_CHECKING:
    from koss_rpa.jobs.console import Output
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


SystemdOption = Annotated[
    bool, typer.Option("--systemd", help="Linux: a systemd user timer instead of cron.")
]


def _language(inv: Any, settings: Settings) -> str:
    """The language this invocation speaks: --lang, the lang setting, else the locale's."""
    from koss_rpa.i18n import detect_language, normalize_language

    return (
        (normalize_language(inv.lang) if inv.lang else None) or settings.lang or (detect_language())
    )


def _job_files() -> tuple[Path, Path]:
    """The job's frozen settings and its Windows wrapper, in the config folder."""
    from koss_rpa import schedule
    from koss_rpa.settings import default_config_file

    folder = default_config_file().parent.resolve()
    return folder / schedule.JOB_SETTINGS, folder / schedule.WINDOWS_WRAPPER


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
            "mode 0600; read by the job, never copied; its values win over the environment "
            "install was run in."
        ),
    ] = None,
    replace: Annotated[bool, typer.Option(help="Replace a job installed before.")] = False,
) -> None:
    """Install the daily job: batch ACCOUNTS_FILE --once-per month (or download for one account).

    The job runs with the settings in effect here, as `koss-rpa doctor` shows them (config
    file, .env, KOSS_* variables, language): they are frozen into job-settings.toml in the
    config folder (mode 0600), which the job reads. Secrets stay in the keyring or --env-file.

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
        from koss_rpa.account.roster import load_accounts

        load_accounts(accounts_file, settings)
        args = ["batch", str(accounts_file.resolve()), "--once-per", "month"]
    else:
        user_id = settings.validated_user_id(user_id)
        args = ["download", "--user-id", user_id, "--once-per", "month"]
    job_settings, wrapper = _job_files()
    frozen = schedule.frozen_settings(settings, _language(inv, settings))
    log_file = (settings.state_dir / "schedule.log").resolve()
    scheduler = schedule.scheduler_for(systemd)
    job = schedule.Job(
        at=when,
        args=("--log-file", str(log_file), "--config", str(job_settings), *args),
        environment=schedule.passed_environment(),
        env_file=schedule.check_env_file(env_file) if env_file is not None else None,
        log_file=log_file,
        workdir=job_settings.parent,
        wrapper=wrapper if scheduler.kind == "schtasks" else None,
    )
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
    files = {job_settings: (schedule.toml_text(frozen), "utf-8")}
    if job.wrapper is not None:
        files[job.wrapper] = (schedule.windows_wrapper(job), "utf-8-sig")
    try:
        log_file.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise schedule._not_writable(str(log_file.parent), exc) from exc
    with schedule.all_or_nothing(files):
        written = scheduler.install(job)
    out.line(
        _("Installed the daily job at {at} ({kind}):").format(
            at=f"{when:%H:%M}", kind=scheduler.kind
        )
    )
    _items(out, [*written, *map(str, files)])
    out.line(_("The job will use these settings (frozen in {path}):").format(path=job_settings))
    for name, value in schedule.shown_settings(settings, frozen).items():
        out.line(f"  {name} = {value}")
    if settings.notify_urls:
        out.line(
            _(
                "Note: notify_urls may hold tokens and are not frozen: the job reads them from "
                "KOSS_NOTIFY_URLS in the env file or from the keyring (koss-rpa notify set-urls)."
            )
        )
    out.line(_("Its output goes to {path}.").format(path=log_file))
    out.result(
        "schedule install",
        {
            "kind": scheduler.kind,
            "changed": True,
            "installed": written,
            "files": [str(p) for p in files],
            "command": job.argv,
            "settings": frozen,
            "log": str(log_file),
        },
    )


@schedule_app.command("status")
def schedule_status(ctx: typer.Context, systemd: SystemdOption = False) -> None:
    """What is installed, the settings it runs with, and how the last run went per account."""
    from koss_rpa import schedule
    from koss_rpa.settings import read_toml

    inv = invocation(ctx)
    settings, scheduler, out = _scheduling(ctx, systemd)
    present = scheduler.installed()
    heading, none = _("Installed ({kind}):"), _("No daily job is installed ({kind}).")
    _listing(out, present, heading, none, scheduler.kind)
    job_settings, _wrapper = _job_files()
    differ: list[dict[str, Any]] = []
    state = settings.state_dir
    if present and job_settings.is_file():
        job = read_toml(job_settings, _("The job's settings file {path}").format(path=job_settings))
        state = Path(job.get("state_dir") or state)  # the job's runs are told where it keeps them
        here = schedule.frozen_settings(settings, _language(inv, settings))
        differ = [
            {"setting": name, "job": theirs, "here": ours}
            for name, theirs, ours in schedule.differences(job, here)
        ]
        if differ:
            out.line(
                _("The job's settings ({path}) differ from those in effect here:").format(
                    path=job_settings
                )
            )
            for d in differ:
                out.line(
                    "  "
                    + _("{setting}: job {job}, here {here}").format(
                        setting=d["setting"], job=d["job"], here=d["here"]
                    )
                )
        else:
            out.line(_("The job's settings are those in effect here."))
    last = last_run(state)
    words = {"downloaded": _("downloaded"), "skipped": _("skipped"), "failed": _("failed")}
    if last is None:
        out.line(_("No run yet."))
    else:
        out.line(
            _("Last run: {when} → {outcome}").format(when=last["when"], outcome=last["outcome"])
        )
        for account in last["accounts"]:
            where = account["run_folder"] or _("no run folder")
            detail = (
                f"{words.get(account['outcome'], account['outcome'])}"
                if not account["exit_code"]
                else f"{account['code']} (exit {account['exit_code']})"
            )
            out.line(f"  {account['user_id']}: {detail} · {where}")
    out.result(
        "schedule status",
        {
            "kind": scheduler.kind,
            "installed": present,
            "settings_differ": differ,
            "last_run": last,
        },
    )


@schedule_app.command("remove")
def schedule_remove(ctx: typer.Context, systemd: SystemdOption = False) -> None:
    """Remove exactly what install wrote (the job, its settings file, its wrapper)."""
    from koss_rpa import schedule

    _settings, scheduler, out = _scheduling(ctx, systemd)
    removed = scheduler.remove()
    removed += schedule.remove_files(list(_job_files()))
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


def last_run(state: Path) -> dict[str, Any] | None:
    """How the last day went: the outcome records (`koss_rpa.evidence.outcomes`) in the state folder
    `state` of the newest run's day (Japan time), per account, skipped accounts included;
    None before any run."""
    from koss_rpa.evidence.outcomes import read_outcomes

    records = read_outcomes(state)
    if not records:
        return None
    newest = max(r.finished_at for r in records.values())
    day = newest[:10]
    accounts = [
        {
            "user_id": user_id,
            "outcome": r.outcome,
            "exit_code": r.exit_code,
            "code": r.code,
            "finished_at": r.finished_at,
            "run_folder": r.run_folder or None,
        }
        for user_id, r in sorted(records.items())
        if r.finished_at[:10] == day
    ]
    counts: dict[str, int] = {}
    for r in records.values():
        if r.finished_at[:10] == day:
            counts[r.outcome] = counts.get(r.outcome, 0) + 1
    words = {"downloaded": _("downloaded"), "skipped": _("skipped"), "failed": _("failed")}
    outcome = ", ".join(
        _("{n} {outcome}").format(n=n, outcome=words.get(name, name))
        for name, n in sorted(counts.items())
    )
    return {"when": newest, "outcome": outcome, "counts": counts, "accounts": accounts}
