"""A light, read-only table for one page of rows: a header line, a row cursor and zebra stripes.

Why not DataTable: DataTable renders every visible cell through Rich (padding, wrapping, per-cell styles) on
the event loop; after a new page arrives every cell is new, and at city scale that cost ~0.2–0.4 ms a cell,
50–130 ms a frame on a 2-core machine, on every keystroke of type-to-search. Here each row is formatted once,
as one padded string, when the page arrives, and a frame draws one segment per visible line.

The API is the part of DataTable's that lists use: `row_count`, `get_row_at`, `get_row`, `cursor_row`,
`move_cursor`, `clear`, and a `RowSelected` message on Enter (or a click on the highlighted row). Besides, a
`Reached` message says the cursor has just reached a row in the focused table (a form may read it and the rows
beside it ahead, in a thread), and a `Rested` message that it has stayed there for a moment: the row the officer is
likeliest to open, which a form can fill itself with ahead of time (screens/kept.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.strip import Strip
from textual.timer import Timer
from textual.widget import Widget

MAX_COLUMN = 40
"""Cells wider than this are cut (the form shows the whole value)."""


def keys_taken_in(app: object) -> int:
    """How many keys and clicks `app` has taken in (HtstApp counts them as they arrive, before any widget handles
    them); 0 for an app that does not count."""
    return int(getattr(app, "keys_taken_in", 0))


def _one_line(text: str) -> str:
    """Line breaks and tabs as spaces: a row is one line."""
    return " ".join(text.split()) if "\n" in text or "\t" in text or "\r" in text else text


class RowMessage(Message):
    """Something about one row of a RowTable: `row_key` is the row's key."""

    def __init__(self, table: RowTable, row_key: str) -> None:
        super().__init__()
        self.table = table
        self.row_key = row_key

    @property
    def control(self) -> RowTable:
        return self.table


class RowTable(Widget, can_focus=True):
    DEFAULT_CSS = """
    RowTable {
        background: $surface;
        color: $foreground;
        height: auto;
        &:focus {
            background-tint: $foreground 5%;
            & > .row-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
        }
        & > .row-table--header { text-style: bold; background: $panel; color: $foreground; }
        & > .row-table--even-row { background: $surface-lighten-1 50%; }
        &:dark > .row-table--even-row { background: $surface-darken-1 40%; }
        & > .row-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """
    COMPONENT_CLASSES = {"row-table--header", "row-table--even-row", "row-table--cursor"}
    BINDINGS = [
        Binding("enter", "select_cursor", "Select", show=False),
        Binding("up", "cursor_up", "Up", show=False),
        Binding("down", "cursor_down", "Down", show=False),
        Binding("home", "cursor_first", "First", show=False),
        Binding("end", "cursor_last", "Last", show=False),
    ]

    class RowSelected(RowMessage):
        """Enter on a row (or a click on the highlighted one): `row_key` is the row's key."""

    class Rested(RowMessage):
        """The cursor has stayed on the row `row_key` for `REST` seconds while the table has the focus, and no key
        came in meanwhile; `keys` is the app's count of keys then (`still_resting` checks none came since)."""

        def __init__(self, table: RowTable, row_key: str, keys: int) -> None:
            super().__init__(table, row_key)
            self.keys = keys

    class Reached(RowMessage):
        """The cursor has just reached the row `row_key` in the focused table; `around` is that key, then the
        keys of the rows below and above it (where the next key press may take the cursor)."""

        def __init__(self, table: RowTable, row_key: str, around: list[str]) -> None:
            super().__init__(table, row_key)
            self.around = around

    REST = 0.1
    """Longer than the gap between two repeats of a held arrow key (~30 a second), so a cursor running down a
    list is not taken for one resting; shorter than an officer takes to read a row and press Enter."""

    def __init__(self, columns: Sequence[str], *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.labels = list(columns)
        self._keys: list[str] = []
        self._rows: list[list[str]] = []
        self._index: dict[str, int] = {}
        self._lines: list[str] = []
        self._header = ""
        self._cursor = 0
        self._top = 0
        self._rest_timer: Timer | None = None
        self._rest_keys = 0
        """The app's count of keys when the cursor got to its row (or the rest was last started again)."""
        self._line_styles: tuple[Style, Style, Style, Style] | None = None
        self._drawing = False
        self._layout()

    # -- contents ---------------------------------------------------------------------------------------------

    def set_rows(self, rows: Sequence[tuple[str, Sequence[str]]], *, cursor: int | None = None) -> None:
        """Replace every row: (key, cells as text). The cursor stays on the same line number (or `cursor`)."""
        self._keys = [key for key, _ in rows]
        self._rows = [list(cells) for _, cells in rows]
        self._index = {key: n for n, key in enumerate(self._keys)}
        self._layout()
        self._cursor = max(0, min(self._cursor if cursor is None else cursor, len(self._rows) - 1))
        self._top = 0
        self._scroll_to_cursor()
        self.refresh()
        self._rest_again()

    def clear(self) -> None:
        self.set_rows([])

    def _layout(self) -> None:
        widths = [min(MAX_COLUMN, max([cell_len(label), *(cell_len(r[n]) for r in self._rows)]))
                  for n, label in enumerate(self.labels)]

        def line(cells: Sequence[str]) -> str:
            return "".join(f" {set_cell_size(cell, width)} " for cell, width in zip(cells, widths, strict=True))


        self._header = line(self.labels)
        self._lines = [line(cells) for cells in self._rows]
        self._width = sum(widths) + 2 * len(widths)

    @property
    def row_count(self) -> int:
        return len(self._rows)

    def get_row_at(self, index: int) -> list[str]:
        return list(self._rows[index])

    def get_row(self, key: str) -> list[str]:
        return list(self._rows[self._index[key]])

    @property
    def cursor_row(self) -> int:
        return self._cursor

    @property
    def cursor_key(self) -> str | None:
        return self._keys[self._cursor] if self._keys else None

    def move_cursor(self, *, row: int) -> None:
        if not self._rows:
            return
        before, top = self._cursor, self._top
        self._cursor = max(0, min(row, len(self._rows) - 1))
        self._scroll_to_cursor()
        if self._top == top:  # only the two rows' lines change: a whole page was ~2 ms a key at city scale
            width = self.content_size.width
            self.refresh(*(Region(0, index - top + 1, width, 1) for index in {before, self._cursor}))
        else:
            self.refresh()
        self._rest_again()

    def shown_again(self) -> None:
        """Its screen is shown again (a form or dialog over it closed): the row under the cursor counts as just
        reached, as Textual gives the focus back without a Focus event."""
        self._rest_again()

    def _rest_again(self, *, focused: bool | None = None) -> None:
        """The cursor (or the row under it) moved, or the table took the focus: it has not rested yet."""
        if self._rest_timer is not None:
            self._rest_timer.stop()
        focused = self.has_focus if focused is None else focused
        self._rest_keys = keys_taken_in(self.app)
        self._rest_timer = self.set_timer(self.REST, self._rested) if focused and self._keys else None
        if focused and self._keys:
            n = self._cursor
            self.post_message(self.Reached(self, self._keys[n], self._keys[n:n + 2] + self._keys[max(0, n - 1):n]))

    def _rested(self) -> None:
        self._rest_timer = None
        if not (self.has_focus and self._keys and self.app.screen is self.screen):  # not under another screen now
            return
        keys = keys_taken_in(self.app)
        if keys != self._rest_keys:
            # A key came in since the cursor got here (a Down on its way, say): the officer is not resting on the
            # row, and a form filled for it now (~20 ms) would hold that key up. Rest again from now.
            self._rest_keys = keys
            self._rest_timer = self.set_timer(self.REST, self._rested)
            return
        self.post_message(self.Rested(self, self._keys[self._cursor], keys))

    def still_resting(self, row_key: str, keys: int) -> bool:
        """Is the cursor still on `row_key`, with no key come in since its rest was reported with `keys`? A rest
        reported just before a key arrived reaches its handler after the app has taken that key in."""
        return self.cursor_key == row_key and keys_taken_in(self.app) == keys

    def on_focus(self) -> None:
        self._rest_again(focused=True)  # `has_focus` is set by Widget's own handler, which runs after this one

    def on_blur(self) -> None:
        if self._rest_timer is not None:
            self._rest_timer.stop()
            self._rest_timer = None

    # -- layout and drawing ----------------------------------------------------------------------------------

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return self._width

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._rows) + 1

    @property
    def _visible_rows(self) -> int:
        return max(1, self.content_size.height - 1)

    def _scroll_to_cursor(self) -> None:
        if self._cursor < self._top:
            self._top = self._cursor
        elif self._cursor >= self._top + self._visible_rows:
            self._top = self._cursor - self._visible_rows + 1

    def on_resize(self) -> None:
        self._scroll_to_cursor()

    def render_lines(self, crop: Region) -> list[Strip]:
        """Draw the lines in `crop`, with the four line styles worked out once for all of them: `rich_style`
        walks the widget's ancestors, and asked for on every line it was ~60% of drawing a page (a page is drawn
        at each keystroke of a search and whenever a form closes over the list)."""
        self._drawing = True
        try:
            return super().render_lines(crop)
        finally:
            self._drawing, self._line_styles = False, None

    def _styles(self) -> tuple[Style, Style, Style, Style]:
        """(plain, header, cursor, even row) as they are now (focus, theme); kept for the rest of a draw."""
        if self._line_styles is not None:
            return self._line_styles
        base = self.rich_style
        styles = (base, base + self.get_component_rich_style("row-table--header"),
                  base + self.get_component_rich_style("row-table--cursor"),
                  base + self.get_component_rich_style("row-table--even-row"))
        if self._drawing:
            self._line_styles = styles
        return styles

    def render_line(self, y: int) -> Strip:
        width = self.content_size.width
        plain, header, cursor, even = self._styles()
        if y == 0:
            text, style = self._header, header
        else:
            index = self._top + y - 1
            if index >= len(self._lines):
                return Strip.blank(width, plain)
            text = self._lines[index]
            style = cursor if index == self._cursor else even if index % 2 else plain
        return Strip([Segment(text, style)]).adjust_cell_length(width, style)

    # -- keys and mouse --------------------------------------------------------------------------------------

    def action_cursor_up(self) -> None:
        self.move_cursor(row=self._cursor - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(row=self._cursor + 1)

    def action_cursor_first(self) -> None:
        self.move_cursor(row=0)

    def action_cursor_last(self) -> None:
        self.move_cursor(row=len(self._rows) - 1)

    def action_select_cursor(self) -> None:
        if self._keys:
            self.post_message(self.RowSelected(self, self._keys[self._cursor]))

    def on_click(self, event: events.Click) -> None:
        index = self._top + event.y - 1
        if event.y < 1 or index >= len(self._rows):
            return
        if index == self._cursor:
            self.action_select_cursor()
        else:
            self.move_cursor(row=index)
