"""A search box over a table that holds one page of rows fetched from SQL.

Lists never load a whole table: the fetch function pages with LIMIT/OFFSET in a thread worker and the table
shows one page. The table is a `RowTable`, not a DataTable: DataTable renders every cell through Rich on the
event loop, 50–130 ms a frame at city scale, paid again on each keystroke's new page (`widgets/row_table.py`).
Typing filters (the query runs SQL-side); PageUp/PageDown move between pages; Enter opens a row.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static
from textual.worker import get_current_worker

from htst_tui.widgets.formatting import display_value
from htst_tui.widgets.row_table import RowTable


class PageLike(Protocol):
    @property
    def rows(self) -> list[dict[str, Any]]: ...
    @property
    def total(self) -> int: ...
    # A page may also say `more` (bool): `total` is then a floor, shown as "1,050+".


Fetch = Callable[[str, int, int], PageLike]
"""fetch(search, offset, limit) -> a page; runs in a worker thread (services only, no UI calls)."""

FRESH_FOR = 60.0
"""Seconds a page shown again counts as current when nothing was written since it was fetched: what a list shows
can also follow the clock (an incident's written report falls overdue)."""


class RecordMessage(Message):
    """Something about the record on one row of a PagedTable: `record_id` is its id."""

    def __init__(self, table: PagedTable, record_id: str) -> None:
        super().__init__()
        self.table = table
        self.record_id = record_id

    @property
    def control(self) -> PagedTable:
        return self.table


class PagedTable(Vertical):
    DEFAULT_CSS = """
    PagedTable { height: 1fr; }
    PagedTable > Input { margin: 0 0 0 0; }
    PagedTable > RowTable { height: 1fr; }
    PagedTable > .paged-status { height: 1; width: 1fr; color: $text-muted; padding: 0 1; }
    """

    BINDINGS = [
        Binding("pagedown", "next_page", "Next page", show=False, priority=True),
        Binding("pageup", "previous_page", "Previous page", show=False, priority=True),
        Binding("ctrl+f", "focus_search", "Search", show=False),
    ]

    class Chosen(RecordMessage):
        """Enter pressed on a row: `record_id` is the row's id."""

    class Rested(RecordMessage):
        """The cursor has rested on the row `record_id` (RowTable.Rested): a form may fill itself with it, if the
        rest `still_holds` when this is handled."""

        def __init__(self, table: PagedTable, record_id: str, keys: int) -> None:
            super().__init__(table, record_id)
            self.keys = keys

        def still_holds(self) -> bool:
            """No key has come in since the rest (RowTable.still_resting): filling a form now holds nothing up."""
            return self.table.table.still_resting(self.record_id, self.keys)

    class Reached(RecordMessage):
        """The cursor has just reached the row `record_id` (RowTable.Reached): a form may read it ahead, with
        the rows beside it; `around` is their ids, this row's first."""

        def __init__(self, table: PagedTable, record_id: str, around: list[str]) -> None:
            super().__init__(table, record_id)
            self.around = around

    class Loaded(Message):
        """A page arrived (tests and screens wait on this)."""

        def __init__(self, table: PagedTable, total: int) -> None:
            super().__init__()
            self.table = table
            self.total = total

    def __init__(self, fetch: Fetch, columns: Sequence[tuple[str, str]], *, page_size: int = 50,
                 placeholder: str = "Type to search…", written: Callable[[], int] | None = None,
                 id: str | None = None) -> None:
        """`written()`: the database's local write number (read in the worker, like `fetch`); with it, a page shown
        again is fetched again only if something was written since (`reload_if_written`)."""
        super().__init__(id=id)
        self.fetch = fetch
        self.written = written
        self._fetched: tuple[int, float] | None = None
        """The write number read just before the page shown was fetched, and when (monotonic)."""
        self.columns = list(columns)
        self.page_size = page_size
        self.placeholder = placeholder
        self.page_start = 0
        self.total = 0
        self.more = False
        """The total is a floor: the service stopped counting (a very common search term)."""
        self.search = ""
        self.loading_page = False

    def compose(self) -> ComposeResult:
        yield Input(placeholder=self.placeholder, classes="paged-search")
        yield RowTable([label for _, label in self.columns])
        yield Static("", classes="paged-status")

    @property
    def table(self) -> RowTable:
        return self.query_one(RowTable)

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Fetch the current page again (after a save or delete)."""
        self.loading_page = True
        self._load(self.search, self.page_start)

    def shown_again(self) -> None:
        """The list is shown again (a form or dialog closed): its cursor's row counts as just reached (a form may
        read or fill it ahead), and its page is fetched again only if anything was written since it was fetched, or
        it is over `FRESH_FOR` s old. Fetching a page of a city's incident log takes ~20-60 ms in a thread, which
        the officer's next Down and Enter would share the interpreter with."""
        fetched = self._fetched
        if self.written is None or fetched is None or self.loading_page or \
                time.monotonic() - fetched[1] > FRESH_FOR or self.written() != fetched[0]:
            self.reload()  # the new rows count as reached when they arrive
        else:
            self.table.shown_again()

    @on(Input.Changed, ".paged-search")
    def _search_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.search = event.value
        self.page_start = 0
        self.reload()

    @on(Input.Submitted, ".paged-search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.table.focus()

    @work(thread=True, exclusive=True, group="paged-table")
    def _load(self, search: str, offset: int) -> None:
        # read before the page: a write in between makes the page look out of date, never current
        fetched = (self.written(), time.monotonic()) if self.written is not None else None
        page = self.fetch(search, offset, self.page_size)
        if get_current_worker().is_cancelled:
            return
        self.app.call_from_thread(self._show, page, offset, fetched)

    def _show(self, page: PageLike, offset: int, fetched: tuple[int, float] | None) -> None:
        tables = self.query(RowTable)
        if not self.is_attached or not tables:  # removed (screen closed, kind switched) while loading
            return
        self._fetched = fetched
        tables.first().set_rows([(str(row["id"]), [display_value(row.get(key)) for key, _ in self.columns])
                                 for row in page.rows])
        self.total = page.total
        self.page_start = offset
        self.more = bool(getattr(page, "more", False))
        last = offset + len(page.rows)
        first = offset + 1 if page.rows else 0
        pager = "  ·  PgUp/PgDn for more" if page.total > self.page_size or self.more else ""
        of = f"{page.total:,}+" if self.more else f"{page.total:,}"
        # One line of fixed size (CSS): no layout of the whole screen for it, as a plain `update` would do on
        # every keystroke's page.
        self.query_one(".paged-status", Static).update(f"{first:,}–{last:,} of {of}{pager}", layout=False)
        self.loading_page = False
        self.post_message(self.Loaded(self, page.total))

    def action_next_page(self) -> None:
        if self.page_start + self.page_size < self.total or (self.more and self.table.row_count == self.page_size):
            self.page_start += self.page_size
            self.reload()

    def action_previous_page(self) -> None:
        if self.page_start > 0:
            self.page_start = max(0, self.page_start - self.page_size)
            self.reload()

    def action_focus_search(self) -> None:
        self.query_one(".paged-search", Input).focus()

    @property
    def current_id(self) -> str | None:
        """None when no row is highlighted, or when this list has just been taken down (a kind switch) and
        its last page is still being announced: its rows are gone, so nothing is current."""
        tables = self.query(RowTable)
        return tables.first().cursor_key if tables else None

    @on(RowTable.RowSelected)
    def _row_selected(self, event: RowTable.RowSelected) -> None:
        event.stop()
        self.post_message(self.Chosen(self, event.row_key))

    @on(RowTable.Rested)
    def _row_rested(self, event: RowTable.Rested) -> None:
        event.stop()
        self.post_message(self.Rested(self, event.row_key, event.keys))

    @on(RowTable.Reached)
    def _row_reached(self, event: RowTable.Reached) -> None:
        event.stop()
        self.post_message(self.Reached(self, event.row_key, event.around))
