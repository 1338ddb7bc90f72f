"""Help: every key of the screen you came from (read from its live bindings), the global keys, and the
top-level screens from the registry, beside the help text in `help_data.py`."""

from __future__ import annotations

from typing import Any

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Footer, Header, Label, Static

from htst_tui.help_data import GENERAL, TOPICS, WHERE_LABELS
from htst_tui.screens.registry import SCREENS


def topic_of(screen: Screen[Any]) -> str:
    """The help text for `screen`: its HELP_TOPIC, else its registry line."""
    topic = getattr(screen, "HELP_TOPIC", None)
    if topic and topic in TOPICS:
        return TOPICS[topic]
    for entry in SCREENS:
        if entry.target.endswith(f":{type(screen).__name__}"):
            return entry.help
    return ""


def key_rows(app: App[Any], screen: Screen[Any]) -> list[tuple[str, str, str]]:
    """(key, what it does, where) for every binding active on `screen`, shown or not, screen keys first."""
    rows: list[tuple[int, str, str, str]] = []
    for key, active in screen.active_bindings.items():
        binding = active.binding
        node = active.node
        if binding.system:
            continue
        if isinstance(node, App):
            rank, where = 2, WHERE_LABELS["app"]
        elif isinstance(node, Screen):
            rank, where = 0, WHERE_LABELS["screen"]
        else:
            rank, where = 1, f"In the {_widget_name(node)}"
        what = binding.description or binding.action.replace("_", " ")
        rows.append((rank, app.get_key_display(Binding(key, binding.action)), what, where))
    seen = {r[1] for r in rows}
    for node, rank, where in ((screen, 0, WHERE_LABELS["screen"]), (app, 2, WHERE_LABELS["app"])):
        for key, binding in node._bindings:  # keys a focused text box hides are still keys of this screen
            shown = app.get_key_display(Binding(key, binding.action))
            if not binding.system and shown not in seen and app._check_action_state(binding.action, node) is not False:
                seen.add(shown)
                rows.append((rank, shown, binding.description or binding.action.replace("_", " "), where))
    palette = (3, app.get_key_display(Binding(app.COMMAND_PALETTE_BINDING, "command_palette")),
               "Command palette: every screen and action", WHERE_LABELS["app"])
    rows.append(palette)
    rows.sort(key=lambda r: r[0])
    return [(k, w, where) for _, k, w, where in rows]


def _widget_name(node: Any) -> str:
    if isinstance(node, Widget) and node.id:
        return node.id.replace("-", " ")
    return type(node).__name__


class HelpScreen(Screen[None]):
    HELP_TOPIC = "help"
    BINDINGS = [Binding("escape,q,f1", "close", "Close help")]

    def __init__(self, about: Screen[Any]) -> None:
        super().__init__()
        self.about = about

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="help-body"):
            yield Static(topic_of(self.about), id="help-topic")
            yield Label("Keys", classes="section-title")
            yield DataTable(id="help-keys", cursor_type="row", zebra_stripes=True)
            yield Label("Screens", classes="section-title")
            yield DataTable(id="help-screens", cursor_type="row", zebra_stripes=True)
            yield Static(GENERAL, id="help-general")
        yield Footer()

    def on_mount(self) -> None:
        keys = self.query_one("#help-keys", DataTable)
        keys.add_columns("Key", "What it does", "Where")
        for row in key_rows(self.app, self.about):
            keys.add_row(*row)
        screens = self.query_one("#help-screens", DataTable)
        screens.add_columns("Key", "Screen", "What it is for")
        for entry in SCREENS:
            key = self.app.get_key_display(Binding(entry.key, "")) if entry.key else "ctrl+p"
            screens.add_row(key, entry.title, entry.help)
        keys.focus()

    def action_close(self) -> None:
        self.dismiss(None)
