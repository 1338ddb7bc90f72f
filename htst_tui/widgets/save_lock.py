"""A form locked while its save runs in a thread: no key reaches a field, so no edit slips in unsaved.

Locking takes the focus away (keys then reach only the screen's bindings, which refuse or defer what would
change the record); unlocking gives it back. Cheaper than disabling the form, which restyles every field twice.
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widget import Widget


def lock_while_saving(screen: Screen[Any]) -> Widget | None:
    """Take the focus off the form; returns the widget to give it back to."""
    focused = screen.focused
    screen.set_focus(None)
    return focused


def unlock_after_save(focused: Widget | None) -> None:
    if focused is not None and focused.is_attached:
        focused.focus()
