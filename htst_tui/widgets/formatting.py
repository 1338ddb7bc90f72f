"""How stored values read in tables and detail views: one rule for the whole app."""

from __future__ import annotations

import datetime as dt
from typing import Any


def display_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return value.astimezone().strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return ", ".join(display_value(v) for v in value)
    return str(value)
