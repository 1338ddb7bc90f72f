"""The app shell driven with keys: first run, Records browser and forms, drafts, help, palette, problems, Home."""

from __future__ import annotations

import datetime as dt
import stat
import threading
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from htst_tui.app import HtstApp
from htst_tui.paths import config_file, crash_directory
from htst_tui.screens.db_problem import DbProblemScreen
from htst_tui.screens.draft_modal import DraftModal
from htst_tui.screens.help import HelpScreen
from htst_tui.screens.home import HomeScreen
from htst_tui.screens.picker import RecordPicker
from htst_tui.screens.profile import ProfileModal
from htst_tui.screens.record_form import RecordFormScreen
from htst_tui.screens.records import RecordsScreen
from htst_tui.screens.settings import SettingsScreen
from htst_tui.services import dashboard, references
from htst_tui.services.context import ServiceContext, open_context
from htst_tui.services.dashboard_types import DueItem
from htst_tui.services.drafts import Drafts
from htst_tui.services.records import Records
from htst_tui.settings import ProfileSettings, Settings, load_settings
from tests.pilot_support import settle

TODAY = dt.date(2026, 3, 2)


async def type_school(pilot: Pilot[Any], urn: str, name: str, postcode: str) -> None:
    """Fill the school form from its first field: URN, name, phase (second option: primary), postcode."""
    await pilot.press(*urn, "tab", *name, "tab", "enter", "down", "down", "enter", "tab", *postcode)


def error_text(app: HtstApp, field: str) -> str:
    return str(app.screen.query_one(f"#error-{field}", Static).render())


async def test_first_run_profile_then_add_school_with_keys(db_path: Path) -> None:
    app = HtstApp(db_path)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, ProfileModal)
        await pilot.press("ctrl+s")  # a blank name is refused with a plain message
        await pilot.pause()
        assert isinstance(app.screen, ProfileModal)
        assert "Please type your name" in str(app.screen.query_one("#profile-name-error", Static).render())
        await pilot.press(*"Alex Fictional", "ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, HomeScreen)
        assert app.ctx.officer == "Alex Fictional"
        await pilot.press("f3")
        await settle(app, pilot)
        await pilot.press("n")
        await settle(app, pilot)
        await type_school(pilot, "123456", "Fictional Primary", "bn11aa")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, RecordsScreen)
        table = app.screen.paged.table
        assert [table.get_row_at(i) for i in range(table.row_count)] == [
            ["123456", "Fictional Primary", "primary", "BN1 1AA"]]
        rows = Records(app.ctx, "schools").list().rows
        saved = Records(app.ctx, "schools").get(rows[0]["id"])
    app.close_database()
    assert saved.updated_by == "Alex Fictional"
    assert saved.data["phase"] == "primary"
    assert load_settings().profile.officer_name == "Alex Fictional"
    assert stat.S_IMODE(config_file().stat().st_mode) == 0o600


async def test_validation_errors_shown_and_nothing_saved(ctx: ServiceContext) -> None:
    app = HtstApp(ctx=ctx)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        await pilot.press("f3")
        await settle(app, pilot)
        await pilot.press("n")
        await settle(app, pilot)
        await type_school(pilot, "12", "Fictional Infants", "XYZ")
        await pilot.pause()
        assert error_text(app, "urn") == "URN must be at least 100000"
        assert error_text(app, "postcode") == "Postcode is not a UK postcode (for example BN1 1AA)"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, RecordFormScreen)
        assert error_text(app, "urn") == "URN must be at least 100000"
        assert app.focused is app.screen.query_one("#field-urn")
    assert Records(ctx, "schools").count() == 0


async def test_draft_survives_teardown_and_is_restored(db_path: Path) -> None:
    settings = Settings(profile=ProfileSettings(officer_name="Dana Draft"))
    first = HtstApp(db_path, settings=settings)
    async with first.run_test() as pilot:
        await settle(first, pilot)
        await pilot.press("f3")
        await settle(first, pilot)
        await pilot.press("n")
        await settle(first, pilot)
        await pilot.press(*"111222", "tab", *"Unsaved Fictional School")
        await settle(first, pilot)  # the draft writer is a worker: it has run, as it would before a kill
    first.close_database()

    second = HtstApp(db_path, settings=settings)
    async with second.run_test() as pilot:
        await settle(second, pilot)
        await pilot.press("f3")
        await settle(second, pilot)
        await pilot.press("n")
        await settle(second, pilot)
        assert isinstance(second.screen, DraftModal)
        await pilot.press("r")
        await settle(second, pilot)
        form_screen = second.screen
        assert isinstance(form_screen, RecordFormScreen)
        assert form_screen.form is not None
        raw = form_screen.form.raw_data()
        assert (raw["urn"], raw["name"]) == ("111222", "Unsaved Fictional School")
        await pilot.press("tab", "tab", "enter", "down", "enter", "tab", *"BN1 1AA", "ctrl+s")
        await settle(second, pilot)
        assert isinstance(second.screen, RecordsScreen)
        ctx = second.ctx
        assert Drafts(ctx).load("record:schools", None) is None
        assert [r["name"] for r in Records(ctx, "schools").list().rows] == ["Unsaved Fictional School"]
    second.close_database()


async def test_escape_keeps_draft_and_discard_clears_it(ctx: ServiceContext) -> None:
    app = HtstApp(ctx=ctx)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        await pilot.press("f3")
        await settle(app, pilot)
        await pilot.press("n")
        await settle(app, pilot)
        await pilot.press(*"333444", "escape")
        await settle(app, pilot)
        assert isinstance(app.screen, RecordsScreen)
        assert Drafts(ctx).load("record:schools", None) is not None
        await pilot.press("n")
        await settle(app, pilot)
        await pilot.press("d")
        await settle(app, pilot)
        assert isinstance(app.screen, RecordFormScreen)
        assert app.screen.form is not None and app.screen.form.raw_data()["urn"] == ""
    assert Drafts(ctx).load("record:schools", None) is None


async def test_delete_asks_first(ctx: ServiceContext) -> None:
    school = Records(ctx, "schools").create({"urn": 222333, "name": "Doomed Fictional School", "phase": "special",
                                             "postcode": "BN3 1AA"})
    app = HtstApp(ctx=ctx)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        await pilot.press("f3")
        await settle(app, pilot)
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("n")
        await settle(app, pilot)
        assert not Records(ctx, "schools").get(school.id, include_deleted=True).deleted
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("y")
        await settle(app, pilot)
        assert isinstance(app.screen, RecordsScreen)
        assert app.screen.paged.table.row_count == 0
    gone = Records(ctx, "schools").get(school.id, include_deleted=True)
    assert gone.deleted and gone.updated_by == "Test Officer"


async def test_help_lists_screen_and_global_keys(ctx: ServiceContext) -> None:
    app = HtstApp(ctx=ctx)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        await pilot.press("f3")
        await settle(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        keys = app.screen.query_one("#help-keys", DataTable)
        rows = {(str(r[0]), str(r[1])) for r in (keys.get_row_at(i) for i in range(keys.row_count))}
        for expected in [("n", "New"), ("d", "Delete"), ("e", "Open/edit"), ("r", "Refresh"), ("f2", "Home"),
                         ("f3", "Records"), ("f9", "Settings"), ("^q", "Quit"), ("f1", "Help"), ("?", "Help"),
                         ("^p", "Command palette: every screen and action")]:
            assert expected in rows
        assert "pgdn" in {key for key, _ in rows}  # keys of the focused list are listed too
        assert "n adds a record" in str(app.screen.query_one("#help-topic", Static).render())
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, RecordsScreen)


async def test_palette_reaches_screens_and_new_record(ctx: ServiceContext) -> None:
    app = HtstApp(ctx=ctx)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+p", *"open records")
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, RecordsScreen)
        await pilot.press("ctrl+p", *"new panel member")
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, RecordFormScreen)
        assert app.screen.ent.name == "panel_members"
        assert len(app.screen_stack) == 3  # Home, Records, the form: the palette never stacks screens up


async def test_damaged_database_shows_problem_screen(tmp_path: Path) -> None:
    bad = tmp_path / "htst.db"
    bad.write_bytes(b"this is not a database, just fictional text" * 10)
    app = HtstApp(bad)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, DbProblemScreen)
        assert "damaged" in str(app.screen.query_one("#problem-title", Static).render())
        assert str(bad) in str(app.screen.query_one("#problem-message", Static).render())
        await pilot.press("f3")  # navigation needs the database: refused, no exception
        await pilot.pause()
        assert isinstance(app.screen, DbProblemScreen)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_missing_folder_and_bad_settings_show_problem_screen(tmp_path: Path) -> None:
    app = HtstApp(tmp_path / "no-such-folder" / "htst.db")
    async with app.run_test() as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, DbProblemScreen)
        assert "does not exist" in str(app.screen.query_one("#problem-message", Static).render())
    config_file().write_text("[profile\nofficer_name = 'broken'\n")
    app = HtstApp(tmp_path / "htst.db")
    async with app.run_test() as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, DbProblemScreen)
        assert "settings file" in str(app.screen.query_one("#problem-title", Static).render())


def fictional_due(ctx: ServiceContext, today: dt.date) -> list[DueItem]:
    return [DueItem("Reviews", "Stage 1 review reply for case FC-7", today - dt.timedelta(days=2), True)]


async def test_dashboard_counts_and_due_items(ctx: ServiceContext, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dashboard, "DASHBOARD_PROVIDERS",
                        [*dashboard.DASHBOARD_PROVIDERS, "tests.test_shell:fictional_due"])
    operator = Records(ctx, "operators").create({"name": "Fictional Coaches", "licence_no": "PK-0001"})
    crew = Records(ctx, "crew_members").create({"name": "Sam Sample", "operator_id": operator.id, "role": "driver",
                                                "badge_number": "B-77", "dbs_expiry": "2026-02-01"})
    app = HtstApp(ctx=ctx, clock=lambda: TODAY)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        home = app.screen
        assert isinstance(home, HomeScreen)
        counts = home.query_one("#home-counts", DataTable)
        by_kind = {str(r[0]): (str(r[1]), str(r[2])) for r in (counts.get_row_at(i) for i in range(counts.row_count))}
        assert by_kind["Operator"] == ("1", "1") and by_kind["Crew member"] == ("1", "1")
        assert "Unsynced changes: 2" in str(home.query_one("#home-sync", Static).render())
        assert "Last sync: never" in str(home.query_one("#home-sync", Static).render())
        due = home.query_one("#home-due", DataTable)
        titles = [str(due.get_row_at(i)[2]) for i in range(due.row_count)]
        assert titles == ["DBS expired: Sam Sample (badge B-77)", "Stage 1 review reply for case FC-7"]
        assert str(due.get_row_at(0)[0]) == "OVERDUE 2026-02-01"
        due.focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, RecordFormScreen)
        assert app.screen.record_id == crew.id
        await pilot.press("f2")
        await settle(app, pilot)
        renewed = {**crew.data, "dbs_expiry": dt.date(2027, 1, 1)}
        renewed.pop("training_completed")  # blank: left out, as a form leaves out blank fields
        Records(ctx, "crew_members").update(crew.id, renewed)
        await pilot.press("r")
        await settle(app, pilot)
        due = app.screen.query_one("#home-due", DataTable)
        assert [str(due.get_row_at(i)[2]) for i in range(due.row_count)] == ["Stage 1 review reply for case FC-7"]


async def test_settings_validate_save_and_theme_persists(ctx: ServiceContext) -> None:
    app = HtstApp(ctx=ctx)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        await pilot.press("f9")
        await settle(app, pilot)
        assert isinstance(app.screen, SettingsScreen)
        await pilot.press(*"Morgan Settings")
        app.screen.forms["panel"].editor("training_valid_months").focus()
        await pilot.pause()
        await pilot.press("end", "backspace", "backspace", "0", "ctrl+s")
        await pilot.pause()
        assert error_text(app, "training_valid_months") == "Training valid months must be at least 1"
        assert not config_file().exists()
        await pilot.press("backspace", *"12", "ctrl+s")
        await settle(app, pilot)
        saved = load_settings()
        assert saved.panel.training_valid_months == 12
        assert saved.profile.officer_name == "Morgan Settings"
        assert ctx.officer == "Morgan Settings"
        app.theme = "nord"
        await settle(app, pilot)
    assert load_settings().ui.theme == "nord"


async def test_unexpected_error_writes_crash_file(ctx: ServiceContext) -> None:
    class Buggy(HtstApp):
        BINDINGS = [("f12", "explode", "Explode")]

        def action_explode(self) -> None:
            raise RuntimeError("fictional bug")

    app = Buggy(ctx=ctx)
    with pytest.raises(RuntimeError, match="fictional bug"):
        async with app.run_test() as pilot:
            await settle(app, pilot)
            await pilot.press("f12")
            await pilot.pause()
    assert app.crash_file is not None and app.crash_file.parent == crash_directory()
    assert stat.S_IMODE(app.crash_file.stat().st_mode) == 0o600
    assert "RuntimeError: fictional bug" in app.crash_file.read_text()


def test_open_context_is_separate_from_app(db_path: Path) -> None:
    """A context opened by a caller is left open by the app (it belongs to the caller)."""
    context = open_context(db_path, officer="Caller", settings=Settings())
    app = HtstApp(ctx=context)
    app.close_database()
    assert app.ctx is context
    context.close()


async def test_route_form_with_pickers_for_big_kinds(ctx: ServiceContext, monkeypatch: pytest.MonkeyPatch) -> None:
    """Over SMALL_KIND_LIMIT records, references are chosen in a searchable picker (here: every kind)."""
    monkeypatch.setattr(references, "SMALL_KIND_LIMIT", 0)
    school = Records(ctx, "schools").create({"urn": 100001, "name": "Alpha Fictional", "phase": "primary",
                                             "postcode": "BN1 1AA"})
    operator = Records(ctx, "operators").create({"name": "Beta Fictional Cars", "licence_no": "L1"})
    app = HtstApp(ctx=ctx)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        app.new_record("routes")
        await settle(app, pilot)
        await pilot.press(*"r1", "tab", "enter")  # operator: open the picker
        await settle(app, pilot)
        assert isinstance(app.screen, RecordPicker)
        await pilot.press("enter", "enter")  # search box -> list -> choose the only operator
        await settle(app, pilot)
        await pilot.press("tab", "enter")  # schools: a list, one pick added
        await settle(app, pilot)
        await pilot.press("enter", "enter")
        await settle(app, pilot)
        form_screen = app.screen
        assert isinstance(form_screen, RecordFormScreen) and form_screen.form is not None
        picked = form_screen.form.editor("school_ids")
        assert "Alpha Fictional" in str(picked.render())
        await pilot.press("tab", "enter", "down", "enter", "ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, RecordsScreen)
        table = app.screen.paged.table
        assert [str(c) for c in table.get_row_at(0)] == ["R1", "car", "Beta Fictional Cars"]  # a name, not an id
    route = Records(ctx, "routes").list().rows[0]
    saved = Records(ctx, "routes").get(route["id"])
    assert (saved.data["code"], saved.data["operator_id"], saved.data["school_ids"]) == (
        "R1", operator.id, [school.id])


async def test_home_shows_its_tables_once_the_figures_arrive(ctx: ServiceContext,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Home's first frame leaves its tables out (their layout and drawing would delay it); they appear with the
    dashboard's figures."""
    Records(ctx, "operators").create({"name": "Fictional Coaches", "licence_no": "PK-0002"})
    gate = threading.Event()
    build = dashboard.build_dashboard

    def held(*args: Any, **kwargs: Any) -> Any:
        gate.wait(10)
        return build(*args, **kwargs)

    monkeypatch.setattr(dashboard, "build_dashboard", held)
    app = HtstApp(ctx=ctx, clock=lambda: TODAY)
    async with app.run_test() as pilot:
        await pilot.pause()
        home = app.screen
        assert isinstance(home, HomeScreen) and home.dashboard is None
        tables = [home.query_one(f"#{name}", DataTable) for name in ("home-counts", "home-due")]
        assert [t.display for t in tables] == [False, False] and [t.size.height for t in tables] == [0, 0]
        gate.set()
        await settle(app, pilot)
        assert home.dashboard is not None
        assert [t.display for t in tables] == [True, True] and all(t.size.height > 0 for t in tables)
        assert tables[0].row_count > 0
