"""What a person sees: progress on stderr, results on stdout, one line per error."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console

from koss_rpa.errors import KossError
from koss_rpa.flows.runtime import Step
from koss_rpa.i18n import _


class Output:
    """Human or JSON output for one command."""

    def __init__(self, *, as_json: bool = False, quiet: bool = False) -> None:
        self.as_json = as_json
        self.quiet = quiet
        self.out = Console(highlight=False, soft_wrap=True)
        self.err = Console(stderr=True, highlight=False, soft_wrap=True)

    def progress(self, step: Step) -> None:
        if self.quiet or self.as_json:
            return
        who = f"[{step.user_id}] " if step.user_id else ""
        self.err.print(f"→ {who}{step.message}", markup=False)

    def line(self, text: str) -> None:
        if not self.as_json:
            self.out.print(text, markup=False)

    def check(self, ok: bool, text: str, remedy: str = "") -> None:
        if self.as_json:
            return
        mark = "✓" if ok else "✗"
        self.out.print(
            f"{mark} {text}" + (f"\n    → {remedy}" if remedy and not ok else ""), markup=False
        )

    def result(self, command: str, data: dict[str, Any]) -> None:
        if self.as_json:
            payload = {"ok": True, "command": command, "result": data}
            sys.stdout.write(json.dumps(payload, ensure_ascii=False, default=str) + "\n")

    def error(self, command: str, exc: KossError) -> None:
        if self.as_json:
            payload = {
                "ok": False,
                "command": command,
                "error": {"code": exc.code, "exit_code": exc.exit_code, "message": str(exc)},
            }
            sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
        self.err.print(
            _("error [{code}]: {message}").format(code=exc.code, message=exc), markup=False
        )
