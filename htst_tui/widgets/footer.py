"""A Footer that rebuilds its keys only when the keys shown actually change.

Textual's Footer recomposes on every focus change (the active bindings are recomputed), which on a long form
costs a visible fraction of a second per Tab. Most focus moves leave the shown keys the same, so this Footer
compares what it would show and skips the rebuild when nothing differs.

Nor does it rebuild for a screen that is not the current one: Textual refreshes a screen's bindings when another
screen is pushed over it (and again when it comes back), so a plain Footer rebuilds the list screen's keys
under every form it opens. A suspended screen's keys are compared when it is shown again.
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Footer


class StableFooter(Footer):
    _shown: tuple[Any, ...] | None = None

    def bindings_changed(self, screen: Screen[Any]) -> None:
        if not screen.is_current and self._shown is not None:
            return
        shown = tuple(self._keys_shown(screen).values())
        if shown == self._shown:
            return
        self._shown = shown
        super().bindings_changed(screen)

    def _keys_shown(self, screen: Screen[Any]) -> dict[str, tuple[Any, ...]]:
        """Action -> how its key is shown. Like Footer, one key per action: the first binding's (so "F1/?" reads
        the same whether or not a focused text box takes "?" for itself)."""
        shown: dict[str, tuple[Any, ...]] = {}
        for _node, binding, enabled, tooltip in screen.active_bindings.values():
            if binding.show or binding.key == self.app.COMMAND_PALETTE_BINDING:
                shown.setdefault(binding.action, (self.app.get_key_display(binding), binding.description, enabled,
                                                  tooltip, binding.group))
        return shown
