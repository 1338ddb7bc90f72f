"""A Footer that rebuilds its keys only when the keys shown actually change.

Textual's Footer recomposes on every focus change (the active bindings are recomputed), which on a long form
costs a visible fraction of a second per Tab. Most focus moves leave the shown keys the same, so this Footer
compares what it would show and skips the rebuild when nothing differs.
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Footer


class StableFooter(Footer):
    _shown: tuple[Any, ...] | None = None

    def bindings_changed(self, screen: Screen[Any]) -> None:
        shown = tuple((binding.key, binding.action, binding.description, enabled)
                      for _node, binding, enabled, _tooltip in screen.active_bindings.values() if binding.show)
        if shown == self._shown:
            return
        self._shown = shown
        super().bindings_changed(screen)
