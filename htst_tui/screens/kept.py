"""Form screens the app keeps installed and shows again for each record, instead of building one per opening.

Composing and styling a form's 30–60 widgets costs hundreds of ms at every opening (far more than reading the
record); a kept screen is built once per kind and refilled. Each form resets every piece of per-record state
when it is reopened. A kept screen still on a screen stack (e.g. under the lock screen) is never taken over: the
caller builds a fresh, unkept one instead.
"""

from __future__ import annotations

from typing import Any, TypeVar

from textual import events
from textual.screen import Screen

ResultT = TypeVar("ResultT")


def on_a_stack(app: Any, screen: Screen[Any]) -> bool:
    """Is `screen` on any of the app's screen stacks (shown, or under another screen)?"""
    return any(screen in stack for stack in app._screen_stacks.values())


def free_kept_screen(app: Any, name: str) -> Any:
    """The screen installed as `name` if it is not on a screen stack, else None."""
    screen = app.get_screen(name) if app.is_screen_installed(name) else None
    return None if screen is None or on_a_stack(app, screen) else screen


def keep(app: Any, screen: Screen[Any], name: str) -> None:
    """Install `screen` as `name` unless a screen is already kept under that name (it is then busy)."""
    if not app.is_screen_installed(name):
        app.install_screen(screen, name)


class KeptScreen(Screen[ResultT]):
    """Skips the restyle of every widget that Textual does each time a screen is pushed, when nothing it depends
    on changed: the screen was styled for the app's current CSS (a theme change bumps Textual's CSS count, and
    the restyle then runs as usual). Focus, hover and class changes restyle their own widgets as they happen."""

    _styled_for_css: int | None = None

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        css = self.app._css_update_count
        if event.refresh_styles and self._styled_for_css == css:
            event.refresh_styles = False
        self._styled_for_css = css
