"""A form locked while its save runs in a thread: no key reaches a field, so no edit slips in unsaved.

While the current screen `holds_keys_while_saving` and is `saving`, the app holds back every key that is not one
of the screen's or the app's own bindings (Escape, Ctrl+S, F1, the F-keys, Ctrl+Q), so a typed key never reaches
the focused field; those bindings refuse or defer what would change the record. The focus stays where it was:
taking it away (as the lock once did) restyled the form's containers (`:focus-within`) and redrew the whole
screen, ~8–12 ms that the save's own thread then waited behind.
"""

from __future__ import annotations

from typing import Any

from textual.binding import Binding

_KEYS: dict[tuple[type, type], frozenset[str]] = {}


def _binding_keys(screen: type, app: type) -> frozenset[str]:
    found = _KEYS.get((screen, app))
    if found is None:
        found = _KEYS[(screen, app)] = frozenset(
            b.key for owner in (screen, app) for b in Binding.make_bindings(owner.BINDINGS))  # type: ignore[attr-defined]
    return found


def holds_key(app: Any, key: str) -> bool:
    """Should `key` be kept from the focused widget: a save is running on a locking screen, and the key is not
    a binding of that screen or of the app?"""
    screen = app.screen
    if not (getattr(screen, "holds_keys_while_saving", False) and getattr(screen, "saving", False)):
        return False
    return key not in _binding_keys(type(screen), type(app))
