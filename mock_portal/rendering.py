"""Jinja2 rendering shared by the screens and the fault layer, in the request's markup variant;
a page whose context is plain text is rendered once per variant and kept."""

from __future__ import annotations

from datetime import datetime
from functools import cache, lru_cache
from typing import Any

from jinja2 import (
    ChoiceLoader,
    Environment,
    PackageLoader,
    StrictUndefined,
    select_autoescape,
)
from starlette.responses import HTMLResponse

from mock_portal import messages, variants
from mock_portal.clock import as_jst
from mock_portal.playback import captured_page
from mock_portal.variants import Variant


def portal_datetime(moment: datetime) -> str:
    """利用者情報更新日時 as the manual prints it: `2019年 02月 24日 09時 30分`."""
    local = as_jst(moment)
    return f"{local:%Y}年 {local:%m}月 {local:%d}日 {local:%H}時 {local:%M}分"


@cache
def environment(variant: Variant) -> Environment:
    """The Jinja environment of a variant: its own templates first, then its parents', then the
    base ones (so `{% extends "base.html" %}` finds the variant's base)."""
    loader = ChoiceLoader(
        [PackageLoader("mock_portal", folder) for folder in variants.template_folders(variant)]
    )
    env = Environment(
        loader=loader,
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # The templates are package data: no file system check on every render.
        auto_reload=False,
    )
    # `tojson` (the dialogs variant's alert texts) keeps the words readable in the page's source.
    env.policies["json.dumps_kwargs"] = {"ensure_ascii": False, "sort_keys": True}
    env.filters["portal_datetime"] = portal_datetime
    env.globals["m"] = messages
    env.globals["variant"] = variant
    return env


def render_text(name: str, **context: Any) -> str:
    """Render a template to a string; `alerts`, `notices` and `screen` default to empty."""
    context.setdefault("alerts", [])
    context.setdefault("notices", [])
    context.setdefault("screen", "")
    return environment(variants.current()).get_template(name).render(**context)


def encode_page(html: str) -> tuple[bytes, str]:
    """The page's bytes in the request's variant's encoding, and its Content-Type. Characters
    the encoding lacks (©, « in Shift_JIS) become character references, as such sites do."""
    variant = variants.current()
    body = html.encode(variant.encoding, errors="xmlcharrefreplace")
    return body, f"text/html; charset={variant.charset}"


_Plain = tuple[tuple[str, type, Any], ...]
_PLAIN_KINDS = frozenset({str, int, bool, type(None)})


def _plain(context: dict[str, Any]) -> _Plain | None:
    """The context as a key, when it holds only texts, numbers, None and lists of texts (what
    the login, reset and message screens get); None when it holds anything else."""
    items = []
    for name, value in context.items():
        kind = type(value)
        if kind is list or kind is tuple:
            if not all(type(each) is str for each in value):
                return None
            items.append((name, kind, tuple(value)))
        elif kind in _PLAIN_KINDS:
            items.append((name, kind, value))
        else:
            return None
    return tuple(items)


@lru_cache(maxsize=512)
def _plain_page(variant: Variant, name: str, plain: _Plain) -> tuple[bytes, str]:
    context = {key: list(value) if kind is list else value for key, kind, value in plain}
    return encode_page(render_text(name, **context))


def render_page(name: str, **context: Any) -> tuple[bytes, str]:
    """`encode_page(render_text(name, **context))`; a page of a plain context is rendered once
    per variant (the templates read nothing but their context and constants)."""
    plain = _plain(context)
    if plain is None:
        return encode_page(render_text(name, **context))
    return _plain_page(variants.current(), name, plain)


def render(name: str, *, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a template as an HTML response, in the request's markup variant (or the captured
    screen served instead of it, with `--screens DIR`: mock_portal/playback.py, always UTF-8)."""
    captured = captured_page(name, context)
    if captured is not None:
        return HTMLResponse(captured, status_code=status_code)
    body, content_type = render_page(name, **context)
    return HTMLResponse(body, status_code=status_code, headers={"content-type": content_type})
