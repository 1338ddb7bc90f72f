"""Command palette (ctrl+p): every registry screen, a new record of each kind, help, theme and passphrase.

Its own module (as Posting does) so app.py stays small; imported when the palette first opens. Not to be
confused with `htst_tui/commands/`, the CLI's subcommands.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

from htst_tui.screens.registry import SCREENS


@dataclass(frozen=True)
class PaletteCommand:
    name: str
    run: Callable[[], Any]
    help: str


def palette_commands(app: Any) -> list[PaletteCommand]:
    """Everything the palette offers, from the screen registry and the entity registry."""
    commands = [PaletteCommand(f"Open {s.title}", partial(app.open_screen, s.name), s.help) for s in SCREENS]
    commands.append(PaletteCommand("Help: keys of this screen", app.action_help,
                                   "Every key of the current screen and the global keys."))
    commands.append(PaletteCommand("Change theme", app.action_change_theme,
                                   "Pick a colour theme; it is remembered in your settings."))
    if app.has_ctx:
        from htst_tui.entities import ENTITIES

        commands.append(PaletteCommand("Change unlock passphrase", app.action_change_passphrase,
                                       "The passphrase the idle lock asks for: current one, then the new one twice."))

        commands.extend(
            PaletteCommand(f"New {e.label.lower()}", partial(app.new_record, e.name),
                           f"Open a blank {e.label.lower()} form in Records.")
            for e in ENTITIES
        )
    return commands


class HtstCommands(Provider):
    async def discover(self) -> Hits:
        for command in palette_commands(self.app):
            yield DiscoveryHit(command.name, command.run, help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in palette_commands(self.app):
            score = matcher.match(command.name)
            if score > 0:
                yield Hit(score, matcher.highlight(command.name), command.run, help=command.help)
