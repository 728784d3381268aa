"""The commands that work on the portal for accounts: `download`, `batch`, `change-password`,
`info`. Each maps its arguments to a job (`koss_rpa.jobs.runner`) and shows its result."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from koss_rpa.cli.args import CaptureOption, UserIdOption, invocation, starts_driver
from koss_rpa.i18n import _
from koss_rpa.jobs import runner


class OncePer(StrEnum):
    run = "run"
    month = "month"


@starts_driver
def download(
    ctx: typer.Context,
    user_id: UserIdOption = None,
    once_per: Annotated[
        OncePer,
        typer.Option(help="'month': do nothing if this month's file is already saved."),
    ] = OncePer.run,
    download_dir: Annotated[
        Path | None, typer.Option(help="Where files go (default: the download_dir setting).")
    ] = None,
    headed: Annotated[bool, typer.Option(help="Show the browser window.")] = False,
    capture: CaptureOption = None,
) -> None:
    """Log in, download this month's まとめ納付管理ファイル and save it.

    The file goes to DOWNLOAD_DIR/<納付利用者ID>/<YYYY-MM>/ under the portal's own name; an earlier
    file is never overwritten. An expired password is changed on the way (on_expired = rotate).

    \b
    Examples:
      koss-rpa download --user-id KNAB1234
      koss-rpa download --once-per month --json    # from cron / Task Scheduler
    """
    inv = invocation(ctx)
    overrides: dict[str, Any] = {"download_dir": download_dir}
    if headed:
        overrides["headless"] = False
    job = runner.download_job(once_per_month=once_per is OncePer.month).captured(capture)
    result, out = runner.run_account_job(job, inv.account(user_id, **overrides), inv.output)
    if result.rotated:
        out.line(_("The password was changed; the new one is in the keyring."))
    if result.outcome == "skipped":  # --once-per month, and this month's file is saved
        out.line(_("Already saved this month: {path}").format(path=result.path))
    elif result.unchanged:  # byte-identical to the month's newest: nothing was written
        out.line(_("Unchanged (the same file as before): {path}").format(path=result.path))
    else:
        out.line(_("Saved: {path}").format(path=result.path))
    for warning in result.warnings:
        out.say(_("warning: {warning}").format(warning=warning), stderr=True)
    out.result("download", result.to_json())


def batch(
    ctx: typer.Context,
    accounts_file: Annotated[Path, typer.Argument(help="TOML file listing the accounts.")],
    once_per: Annotated[
        OncePer,
        typer.Option(help="'month': skip accounts whose file of this month is already saved."),
    ] = OncePer.run,
    concurrency: Annotated[
        int | None, typer.Option(min=1, max=16, help="Accounts at once (default: setting).")
    ] = None,
    report: Annotated[Path | None, typer.Option(help="Write the JSON run report here too.")] = None,
) -> None:
    """Download for every account in ACCOUNTS_FILE with one browser, a few at a time.

    Exit code 0 only when every account succeeded (or was already done); 30 when some failed.
    The JSON report (per account: outcome, file, SHA-256, duration, error code, whether the
    password was changed) is kept in the run folder, and printed with --json.

    \b
    Example (daily from cron / systemd / Task Scheduler; one file per account per month):
      koss-rpa batch accounts.toml --once-per month
    """
    inv = invocation(ctx)
    settings = inv.settings(**({"concurrency": concurrency} if concurrency else {}))
    result, payload, out = runner.run_batch_job(
        settings, accounts_file, report, inv.output, once_per_month=once_per is OncePer.month
    )
    out.result("batch", payload)
    if result.exit_code:
        raise typer.Exit(result.exit_code)


@starts_driver
def change_password(ctx: typer.Context, user_id: UserIdOption = None) -> None:
    """Change the password now, through the login screen's パスワード変更 link.

    The new password is generated, kept in the keyring as pending before it is submitted,
    and becomes current once the portal confirms it.

    \b
    Example:
      koss-rpa change-password --user-id KNAB1234
    """
    inv = invocation(ctx)
    result, out = runner.run_account_job(
        runner.change_password_job(), inv.account(user_id), inv.output
    )
    out.line(_("The password was changed; the new one is in the keyring."))
    out.result("change-password", result.to_json())


@starts_driver
def info(ctx: typer.Context, user_id: UserIdOption = None, capture: CaptureOption = None) -> None:
    """Show the マイページ's 利用者情報 and 国庫金ダイレクト納付口座情報.

    \b
    Example:
      koss-rpa info --user-id KNAB1234 --json
    """
    inv = invocation(ctx)
    job = runner.info_job().captured(capture)
    result, out = runner.run_account_job(job, inv.account(user_id), inv.output)
    for label, value in result.user_info.items():
        out.line(f"{label}: {value}")
    for row in result.direct_payment_accounts:
        out.line(" / ".join(f"{k}: {v}" for k, v in row.items()))
    out.result("info", result.to_json())
