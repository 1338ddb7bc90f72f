"""The shared list and modal widgets, driven with keys."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.app import App, ComposeResult
from textual.geometry import Region

from htst_tui.widgets.modals import ConfirmModal
from htst_tui.widgets.paged_table import PagedTable

ROWS = [{"id": f"id-{i:03d}", "name": f"Fictional School {i:03d}", "open": i % 2 == 0} for i in range(120)]


@dataclass
class FakePage:
    rows: list[dict[str, Any]]
    total: int


def fetch(search: str, offset: int, limit: int) -> FakePage:
    hits = [r for r in ROWS if search.lower() in r["name"].lower()]
    return FakePage(hits[offset:offset + limit], len(hits))


class TableApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.chosen: list[str] = []

    def compose(self) -> ComposeResult:
        yield PagedTable(fetch, [("name", "Name"), ("open", "Open")], page_size=50)

    def on_paged_table_chosen(self, event: PagedTable.Chosen) -> None:
        self.chosen.append(event.record_id)


async def test_paged_table_pages_filters_and_chooses() -> None:
    app = TableApp()
    async with app.run_test() as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        paged = app.query_one(PagedTable)
        assert paged.table.row_count == 50
        assert paged.total == 120
        assert paged.table.get_row_at(0) == ["Fictional School 000", "yes"]
        paged.table.focus()
        await pilot.press("pagedown")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert paged.page_start == 50
        assert paged.table.get_row_at(0)[0] == "Fictional School 050"
        await pilot.press("ctrl+f", *"11")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert paged.page_start == 0
        names = [paged.table.get_row_at(i)[0] for i in range(paged.table.row_count)]
        assert names == ["Fictional School 011", "Fictional School 110", "Fictional School 111",
                         "Fictional School 112", "Fictional School 113", "Fictional School 114",
                         "Fictional School 115", "Fictional School 116", "Fictional School 117",
                         "Fictional School 118", "Fictional School 119"]
        await pilot.press("enter", "down", "enter")
        await pilot.pause()
        assert app.chosen == ["id-110"]


class ModalApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.answers: list[bool | None] = []

    def on_mount(self) -> None:
        self.ask()

    def ask(self) -> None:
        self.push_screen(ConfirmModal("Delete the fictional record?"), self.answers.append)


async def test_confirm_modal_keys() -> None:
    app = ModalApp()
    async with app.run_test() as pilot:
        await pilot.press("n")
        await pilot.pause()
        app.ask()
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        app.ask()
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
    assert app.answers == [False, True, False]


async def test_row_table_draws_its_cursor_as_focus_and_theme_have_it() -> None:
    """A draw works the line styles out once (RowTable.render_lines), so it must still follow focus and theme."""
    app = TableApp()
    async with app.run_test(size=(80, 20)) as pilot:
        await pilot.pause()
        paged = app.query_one(PagedTable)
        table = paged.table

        def cursor_and_plain() -> tuple[Any, Any]:
            lines = table.render_lines(Region(0, 0, table.size.width, 4))  # header, cursor row, two rows
            return lines[1]._segments[0].style, lines[3]._segments[0].style

        table.focus()
        await pilot.pause()
        focused, plain = cursor_and_plain()
        assert focused == table.rich_style + table.get_component_rich_style("row-table--cursor") != plain
        paged.action_focus_search()
        await pilot.pause()
        blurred, _ = cursor_and_plain()
        assert blurred != focused and blurred == table.rich_style + table.get_component_rich_style(
            "row-table--cursor")
        app.theme = "textual-light" if app.theme != "textual-light" else "nord"
        await pilot.pause()
        themed, _ = cursor_and_plain()
        assert themed != blurred
