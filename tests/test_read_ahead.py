"""Records read ahead in a thread as the list's cursor reaches a row (screens/read_ahead.py): an Enter typed at once
then fills the form without reading. A read done ahead is used only if nothing was written since; each check that
the opening did not read is paired with one where it must."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import Input

from htst_tui.app import HtstApp
from htst_tui.screens.incidents import incident_form
from htst_tui.screens.incidents.incident_form import IncidentFormScreen
from htst_tui.screens.record_form import RecordFormScreen
from htst_tui.services import incidents
from htst_tui.services.context import ServiceContext
from htst_tui.services.drafts import Drafts
from htst_tui.services.incident_form_data import IncidentForForm
from htst_tui.services.records import Records
from htst_tui.widgets.paged_table import PagedTable
from htst_tui.widgets.row_table import RowTable
from tests.test_form_reuse import settle
from tests.test_kept_screens import open_schools_list
from tests.test_prepared_forms import incident_log, log_three


class CountedReads:
    """Wraps the incident form's read: which records were read, on which thread, and how many at once."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.thread_delay = 0.0
        """Seconds each read in a thread takes longer (a slow disk)."""
        self.on_loop: list[str | None] = []
        self.in_thread: list[str | None] = []
        self.running = self.most_at_once = 0
        self._lock = threading.Lock()
        original = incident_form.read_for_form

        def counted(ctx: ServiceContext, record_id: str | None) -> IncidentForForm:
            on_loop = threading.current_thread() is threading.main_thread()
            (self.on_loop if on_loop else self.in_thread).append(record_id)
            with self._lock:
                self.running += 1
                self.most_at_once = max(self.most_at_once, self.running)
            try:
                if not on_loop:
                    time.sleep(self.thread_delay)
                return original(ctx, record_id)
            finally:
                with self._lock:
                    self.running -= 1

        monkeypatch.setattr(incident_form, "read_for_form", counted)


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[CountedReads]:
    """Counts reads; and the cursor never rests, so no form is filled ahead: only reads are done ahead."""
    monkeypatch.setattr(RowTable, "REST", 60.0)
    yield CountedReads(monkeypatch)


async def move_to_the_second_row(app: HtstApp, pilot: Pilot[Any]) -> tuple[PagedTable, IncidentFormScreen, str]:
    """Open the incident log, move down one row, and let any read ahead done in the thread land."""
    table, form = await incident_log(app, pilot)
    table.table.focus()
    await pilot.press("down")
    await settle(app, pilot)
    second = table.current_id
    assert second is not None
    return table, form, second


async def reach_the_second_row(app: HtstApp, pilot: Pilot[Any]) -> tuple[PagedTable, IncidentFormScreen, str]:
    """As `move_to_the_second_row`, and the row was read ahead."""
    table, form, second = await move_to_the_second_row(app, pilot)
    assert form.read_ahead.holds(second)
    return table, form, second


async def test_down_then_enter_at_once_fills_the_form_from_the_read_done_ahead(
        ctx: ServiceContext, reads: CountedReads) -> None:
    ids = log_three(ctx)
    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(160, 48)) as pilot:
        _, form, second = await reach_the_second_row(app, pilot)  # the form is not filled: no rest yet
        assert second in reads.in_thread
        assert form.prepared is None or form.prepared[0] != second, "no rest yet: only read"
        reads.on_loop.clear()
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen is form and form.record_id == second and reads.on_loop == [], "nothing read on Enter"
        stored = Records(ctx, "incidents").get(second)
        assert form.values()["description"] == stored.data["description"] and form.rev == stored.rev
        assert set(ids) >= set(reads.in_thread) - {None}


async def test_the_rows_beside_the_cursor_are_read_too(ctx: ServiceContext, reads: CountedReads) -> None:
    log_three(ctx)
    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(160, 48)) as pilot:
        table, form, _ = await move_to_the_second_row(app, pilot)
        rows = [table.table.get_row_at(n) for n in range(3)]
        keys = [table.table._keys[n] for n in range(3)]
        assert len(rows) == 3 and all(form.read_ahead.holds(k) for k in keys), "above, on and below the cursor"


@pytest.mark.parametrize("write", ["the record", "a draft"])
async def test_a_write_after_the_read_ahead_makes_the_opening_read_again(
        ctx: ServiceContext, reads: CountedReads, write: str) -> None:
    log_three(ctx)
    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(160, 48)) as pilot:
        _, form, second = await reach_the_second_row(app, pilot)
        stored = Records(ctx, "incidents").get(second)
        if write == "the record":
            incidents.edit_incident(ctx, second, {**stored.data, "description": "Changed by another officer."},
                                    expected_rev=stored.rev)
        else:
            Drafts(ctx).save("incident", second, {"description": "typed on another screen"})
        reads.on_loop.clear()
        form.refill(second)  # as Enter would, before anything else runs: no new read ahead can have landed
        assert reads.on_loop == [second], "read again: the read done ahead is older than the write"
        assert form.values()["description"] == Records(ctx, "incidents").get(second).data["description"]


async def test_a_record_deleted_after_the_read_ahead_is_not_shown(ctx: ServiceContext, reads: CountedReads) -> None:
    log_three(ctx)
    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(160, 48)) as pilot:
        _, form, second = await reach_the_second_row(app, pilot)
        list_screen = app.screen
        Records(ctx, "incidents").delete(second)
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen is not form, "not opened on a record that has gone"
        assert list_screen in app.screen_stack and app.return_code is None


async def test_a_cursor_running_down_the_list_reads_one_at_a_time_and_ends_on_its_row(
        ctx: ServiceContext, reads: CountedReads) -> None:
    first = Records(ctx, "incidents").get(log_three(ctx)[0]).data
    for n in range(4):
        incidents.log_incident(ctx, {**first, "description": f"Fictional breakdown number {n + 4}."})
    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(160, 48)) as pilot:
        table, form = await incident_log(app, pilot)
        table.table.focus()
        await settle(app, pilot)
        reads.in_thread.clear()
        reads.thread_delay = 0.05  # each read outlasts a key press: the cursor moves on while one runs
        await pilot.press(*["down"] * 6)
        await settle(app, pilot)
        assert reads.most_at_once == 1
        landed = table.current_id
        assert landed is not None and form.read_ahead.holds(landed)
        assert len(reads.in_thread) < 6 * 3, "reads wanted while one ran were dropped, not queued"


async def test_a_read_that_fails_in_the_thread_is_dropped_and_the_opening_reads(
        ctx: ServiceContext, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(RowTable, "REST", 60.0)
    log_three(ctx)
    original = incident_form.read_for_form
    on_loop: list[str | None] = []

    def failing_in_thread(c: ServiceContext, record_id: str | None) -> IncidentForForm:
        if threading.current_thread() is not threading.main_thread():
            from sqlalchemy.exc import OperationalError
            raise OperationalError("SELECT", {}, Exception("database is locked"))
        on_loop.append(record_id)
        return original(c, record_id)

    monkeypatch.setattr(incident_form, "read_for_form", failing_in_thread)
    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(160, 48)) as pilot:
        _, form, second = await move_to_the_second_row(app, pilot)
        assert not form.read_ahead.holds(second)
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen is form and form.record_id == second and on_loop[-1] == second
        assert app.return_code is None


async def test_the_records_form_opens_from_a_read_done_ahead_and_still_offers_a_draft(
        ctx: ServiceContext, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(RowTable, "REST", 60.0)
    a = Records(ctx, "schools").create({"urn": 100001, "name": "Fictional Downs Primary", "phase": "primary",
                                        "postcode": "BN1 1AA"}).id
    b = Records(ctx, "schools").create({"urn": 200002, "name": "Imaginary Vale Academy", "phase": "secondary",
                                        "postcode": "BN2 2BB"}).id
    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(160, 48)) as pilot:
        records = await open_schools_list(app, pilot)
        table = records.paged
        table.table.focus()
        await pilot.press("down")
        await settle(app, pilot)
        second = table.current_id
        assert second in (a, b)
        form = app.get_screen(RecordFormScreen.kept_as("schools"))
        assert isinstance(form, RecordFormScreen) and form.read_ahead.holds(second)
        loop_reads: list[str | None] = []
        original = form._read_record

        def counted(c: ServiceContext, record_id: str | None) -> Any:
            if threading.current_thread() is threading.main_thread():
                loop_reads.append(record_id)
            return original(c, record_id)

        monkeypatch.setattr(form, "_read_record", counted)
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen is form and form.record_id == second and loop_reads == []
        stored = Records(ctx, "schools").get(second)
        assert form.form is not None and form.form.raw_data()["name"] == stored.data["name"]

        # typed, then left with Escape: the draft is kept, and reopening at once offers it (read again, not ahead)
        form.form.editor("name").value = "Fictional Downs Primary (renamed)"
        await settle(app, pilot)
        await pilot.press("escape")
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        from htst_tui.screens.draft_modal import DraftModal
        assert isinstance(app.screen, DraftModal), "the draft written since the read ahead is offered"


class OneTable(App[None]):
    def compose(self) -> ComposeResult:
        yield Input()  # has the focus first
        yield RowTable(["Name"])


async def test_the_table_says_where_the_cursor_arrived_and_what_is_beside_it() -> None:
    reached: list[tuple[str, list[str]]] = []
    seen: list[RowTable.Reached] = []

    def hook(message: Any) -> None:  # called at each node the message bubbles through: counted once
        if isinstance(message, RowTable.Reached) and not any(m is message for m in seen):
            seen.append(message)
            reached.append((message.row_key, message.around))

    app = OneTable()
    async with app.run_test(message_hook=hook) as pilot:

        async def arrived(count: int) -> list[tuple[str, list[str]]]:
            for _ in range(200):  # the messages bubble up after the keys are handled
                if len(reached) >= count:
                    break
                await pilot.pause(0.01)
            return reached

        table = app.query_one(RowTable)
        table.set_rows([(k, [k]) for k in "abcd"])
        await pilot.pause(0.1)
        assert reached == [], "not focused: nobody is moving through it"
        table.focus()
        assert await arrived(1) == [("a", ["a", "b"])]
        await pilot.press("down", "down")
        assert (await arrived(3))[1:] == [("b", ["b", "c", "a"]), ("c", ["c", "d", "b"])]
        await pilot.press("end")
        assert (await arrived(4))[3:] == [("d", ["d", "c"])]


async def test_back_on_the_incident_log_the_row_under_the_cursor_is_read_again(
        ctx: ServiceContext, reads: CountedReads) -> None:
    log_three(ctx)
    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(160, 48)) as pilot:
        table, form, second = await reach_the_second_row(app, pilot)
        await pilot.press("enter")  # takes the read: a form may change what it holds
        await settle(app, pilot)
        assert app.screen is form and not form.read_ahead.holds(second)
        await pilot.press("escape")  # nothing written: the page is not fetched again, but the row is reached again
        await settle(app, pilot)
        assert app.screen is table.screen and form.read_ahead.holds(second)


async def test_back_on_the_records_list_the_row_under_the_cursor_is_read_again(
        ctx: ServiceContext, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(RowTable, "REST", 60.0)
    for urn, name in ((100001, "Fictional Downs Primary"), (200002, "Imaginary Vale Academy")):
        Records(ctx, "schools").create({"urn": urn, "name": name, "phase": "primary", "postcode": "BN1 1AA"})
    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(160, 48)) as pilot:
        records = await open_schools_list(app, pilot)
        records.paged.table.focus()
        await settle(app, pilot)
        row = records.paged.current_id
        assert row is not None
        await pilot.press("enter")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, RecordFormScreen) and not form.read_ahead.holds(row)
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is records and form.read_ahead.holds(row)
