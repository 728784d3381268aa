"""Jinja2 rendering shared by the screens and the fault layer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.responses import HTMLResponse

from mock_portal import messages
from mock_portal.clock import as_jst
from mock_portal.screens import captured_page


def portal_datetime(moment: datetime) -> str:
    """利用者情報更新日時 as the manual prints it: `2019年 02月 24日 09時 30分`."""
    local = as_jst(moment)
    return f"{local:%Y}年 {local:%m}月 {local:%d}日 {local:%H}時 {local:%M}分"


_env = Environment(
    loader=PackageLoader("mock_portal", "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters["portal_datetime"] = portal_datetime
_env.globals["m"] = messages


def render_text(name: str, **context: Any) -> str:
    """Render a template to a string; `alerts`, `notices` and `screen` default to empty."""
    context.setdefault("alerts", [])
    context.setdefault("notices", [])
    context.setdefault("screen", "")
    return _env.get_template(name).render(**context)


def render(name: str, *, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a template as an HTML response (or the captured screen served instead of it,
    with `--screens DIR`: mock_portal/screens.py)."""
    captured = captured_page(name, context)
    if captured is not None:
        return HTMLResponse(captured, status_code=status_code)
    return HTMLResponse(render_text(name, **context), status_code=status_code)
