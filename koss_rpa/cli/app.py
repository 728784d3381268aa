"""`koss-rpa`: the Typer app, its global options, every command registered on it, and `main`,
which runs it and turns every outcome into an exit code.

The commands live in one module each (`check`, `download`, `status`, `docs`, `doctor`,
`credentials`, `notify`, `schedule`); they are registered here, in the order of `--help`.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
import traceback
from pathlib import Path
from typing import Annotated

import typer

from koss_rpa import asyncrun
from koss_rpa.cli import check, credentials, docs, doctor, download, notify, schedule, status
from koss_rpa.cli.args import (
    EXIT_TYPES,
    INTERRUPT_TYPES,
    USAGE_TYPES,
    Invocation,
    command_name,
    global_value,
    hoist_globals,
    invocation,
    leading_command,
)
from koss_rpa.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_USAGE, KossError
from koss_rpa.i18n import _, set_language

# Settings (pydantic-settings), the keyring and the flows are imported where they are used
# (`jobs.runner`): a browser command loads them in a worker thread while Playwright's driver
# starts.

app = typer.Typer(
    name="koss-rpa",
    help=(
        "Fetch the まとめ納付管理ファイル from the 軽自動車OSS 利用者情報マイページ,"
        " unattended.\n\n"
        "Global options (--config, --json, --debug, --lang) may stand anywhere on the line."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)

app.command()(check.check)
app.command()(check.capture)
app.command()(download.download)
app.command()(download.batch)
app.command("change-password")(download.change_password)
app.command()(download.info)
app.command()(status.status)
app.command()(docs.docs)
app.command()(doctor.doctor)
app.command()(doctor.demo)
app.command()(doctor.version)
app.add_typer(credentials.app, name="credentials")
app.add_typer(notify.app, name="notify")
app.add_typer(schedule.app, name="schedule")


@app.callback()
def _globals(
    ctx: typer.Context,
    config: Annotated[
        Path | None, typer.Option(help="TOML config file (default: KOSS_CONFIG, then the user's).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON result on stdout.")] = False,
    debug: Annotated[bool, typer.Option(help="Show tracebacks and debug logs.")] = False,
    lang: Annotated[str | None, typer.Option(help="ja or en (default: from the locale).")] = None,
    log_file: Annotated[
        Path | None,
        typer.Option(
            hidden=True, help="Append the output to this file, rotated by size (the daily job)."
        ),
    ] = None,
) -> None:
    inv = invocation(ctx)
    inv.config, inv.as_json, inv.debug, inv.lang = config, as_json, debug, lang
    set_language(lang)


def main(argv: list[str] | None = None) -> int:
    """Entry point: runs the CLI and turns every outcome into a documented exit code."""
    try:
        with asyncrun.termination_as_interrupt():
            return _main(argv)
    finally:
        # The interpreter's last collection would walk every object that pydantic, Playwright
        # and rich created at import (a noticeable part of a short run); exit frees them
        # anyway, and everything is written and closed by now.
        gc.freeze()


def _main(argv: list[str] | None) -> int:
    args = hoist_globals(list(sys.argv[1:] if argv is None else argv))
    log_file = global_value(args, "--log-file")
    if log_file:  # the scheduled job: its output goes to schedule.log on every platform
        from koss_rpa.schedule import append_output_to

        append_output_to(Path(log_file), " ".join(a for a in args if a != log_file))
    debug = "--debug" in args
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not debug:
        logging.getLogger("koss_rpa").propagate = False
    inv = Invocation()  # the root context's `obj`: every command's `ctx.obj`
    as_json = "--json" in args
    from koss_rpa.cli import help as help_

    try:
        # The language first, so that --help is in it too (--lang, else the locale).
        set_language(help_.requested_language(args))
    except help_.UnknownLanguage as exc:
        sys.stderr.write(f"koss-rpa: {exc}\n")
        inv.json_failure(args, "usage", EXIT_USAGE, str(exc))
        return EXIT_USAGE
    try:
        command = help_.localized(app, only=_only_command(args))
        result = command(args=args, prog_name="koss-rpa", standalone_mode=False, obj=inv)
    except KossError as exc:
        inv.as_json = inv.as_json or as_json
        inv.output().error(command_name(args), exc)
        if debug:
            traceback.print_exc()
        return exc.exit_code
    except EXIT_TYPES as exc:
        return _finish(inv, args, int(getattr(exc, "exit_code", 0)))
    except INTERRUPT_TYPES:
        return _finish(inv, args, EXIT_INTERRUPTED)
    except USAGE_TYPES as exc:
        exc.show()  # type: ignore[attr-defined]
        inv.json_failure(args, "usage", EXIT_USAGE, exc.format_message())  # type: ignore[attr-defined]
        return EXIT_USAGE
    except Exception as exc:
        if debug:
            traceback.print_exc()
        message = _("internal error: {error} (run again with --debug for the traceback)").format(
            error=type(exc).__name__
        )
        sys.stderr.write(message + "\n")
        inv.json_failure(args, "internal", EXIT_INTERNAL, message)
        return EXIT_INTERNAL
    return _finish(inv, args, result if isinstance(result, int) else 0)


def _only_command(args: list[str]) -> str | None:
    """The one command the click tree needs to hold for `args` (`help_.localized`): the
    command the line runs; None (the whole tree) when something else may come first, such as
    `--help`, or when the shell asks for completions (of any command)."""
    if _COMPLETE_VAR in os.environ:
        return None
    return leading_command(args)


#: click's variable of shell completion for the program `koss-rpa`.
_COMPLETE_VAR = "_KOSS_RPA_COMPLETE"


def _finish(inv: Invocation, args: list[str], code: int) -> int:
    """An exit without an error object: Ctrl-C (typer returns it as 130) is said so, and with
    --json every exit prints its one JSON object, "ok" true exactly when `code` is 0."""
    if code == EXIT_INTERRUPTED:
        message = _interrupted()
        signum = asyncrun.stopped_by()
        if signum is not None:  # SIGTERM, SIGHUP: the shell's convention, 128 + the signal
            code = 128 + signum
            message = _("Stopped by {signal}.").format(signal=_signal_name(signum)) + " " + message
        sys.stderr.write(message + "\n")
        inv.json_failure(args, "interrupted", code, message)
    inv.finish_json(args, code, exit_meaning(code))
    return code


def exit_meaning(code: int) -> str:
    """What an exit code says (the table of `koss-rpa --help`)."""
    from koss_rpa.cli.help import exit_code_rows

    meaning = dict(exit_code_rows()).get(code)
    return meaning or _("exit code {code}").format(code=code)


def _signal_name(signum: int) -> str:
    import signal

    try:
        return signal.Signals(signum).name
    except ValueError:
        return str(signum)


def _interrupted() -> str:
    return _(
        "Interrupted. Nothing was lost: a file is saved only once complete, and every "
        "password stays in the keyring (a new one as pending until the portal confirmed it)."
    )
