"""A koss-rpa config file (TOML) written from a dict of settings, tables included."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def _toml_value(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def write_config(path: Path, values: dict[str, Any]) -> None:
    lines: list[str] = []
    tables: dict[str, dict[str, Any]] = {}
    for key, value in values.items():
        if isinstance(value, dict):
            tables[key] = value
        else:
            lines.append(f"{key} = {_toml_value(value)}")
    for name, table in tables.items():
        lines.append(f"[{name}]")
        lines.extend(f"{k} = {_toml_value(v)}" for k, v in table.items())
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
