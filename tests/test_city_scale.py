"""What keeps the app fast at city scale stays correct: the search indexes answer exactly what LIKE answered and
follow every kind of write; the dashboard's one-statement rules match the old per-row ones; Home lists the most
pressing items only. (Speed itself is measured in bench/city_scale.py, never asserted here.)"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, text, update
from textual.widgets import DataTable

from htst_tui.app import HtstApp
from htst_tui.db import search_index
from htst_tui.db.engine import open_database
from htst_tui.domain.panel import AttendanceStatus
from htst_tui.entities import BY_NAME, ENTITIES, entity
from htst_tui.screens import home
from htst_tui.services import dashboard, lookups, panel, search
from htst_tui.services import incidents as inc
from htst_tui.services.bulk import insert_new
from htst_tui.services.context import ServiceContext, open_context
from htst_tui.services.dashboard_types import DueItem
from htst_tui.services.records import Records, validate_data
from htst_tui.settings import Settings
from tests.incident_fixtures import make_reference
from tests.panel_fixtures import MEETING_DATE, Register, make_register
from tests.test_panel_service import COMPLETE
from tests.test_shell import settle

NAMES = [("Quill", "Thistledown"), ("Hazel", "Oakhollow"), ("Wren", "thistleWOOD"), ("Ezra", "Dewberry"),
         ("Kit", "O'Thistle"), ("Posy", "Larkspur")]


def pupil(ctx: ServiceContext, n: int, first: str, last: str) -> dict[str, Any]:
    """A fictional pupil's fields (the school made on first use)."""
    schools = Records(ctx, "schools")
    school = schools.list(limit=1).rows or [{"id": schools.create(
        {"urn": 900001, "name": "Fictional Lantern Primary (DEMO)", "phase": "primary", "postcode": "ZZ1 1AB"}).id}]
    return {"la_reference": f"FICT{n:04d}", "first_name": first, "last_name": last, "school_id": school[0]["id"],
            "date_of_birth": dt.date(2015, 1, 1), "year_group": 5}


def scan(ctx: ServiceContext, kind: str, term: str) -> set[str]:
    """What "contains, ignoring case" means, worked out in Python over every live row."""
    ent = entity(kind)
    rows = Records(ctx, kind).list(limit=10_000).rows
    full = [Records(ctx, kind).get(r["id"]).data for r in rows]
    return {r["id"] for r, data in zip(rows, full, strict=True)
            if any(term.lower() in str(data.get(f) or "").lower() for f in ent.search_fields)}


def found(ctx: ServiceContext, kind: str, term: str) -> set[str]:
    page = Records(ctx, kind).list(term, limit=10_000)
    assert page.total == len(page.rows)
    return {r["id"] for r in page.rows}


def test_every_index_covers_exactly_its_entitys_search_fields() -> None:
    for table, columns in search_index.INDEXED.items():
        assert columns == BY_NAME[table].search_fields, table


def test_indexes_are_left_out_of_the_models_comparison() -> None:
    assert search_index.is_search_table("pupils_search") and search_index.is_search_table("incidents_search_idx")
    assert not search_index.is_search_table("pupils") and not search_index.is_search_table("pupils_searchable")


@pytest.mark.parametrize("term", ["thistle", "THISTLE", "hazel", "FICT0003", "o'th", "zz", "ha", "tle", "nobody"])
def test_search_answers_what_like_answered(ctx: ServiceContext, term: str) -> None:
    records = Records(ctx, "pupils")
    for n, (first, last) in enumerate(NAMES):
        records.create(pupil(ctx, n, first, last))
    assert search_index.MIN_TERM == 3  # "zz" and "ha" take the LIKE path, the others the index
    assert found(ctx, "pupils", term) == scan(ctx, "pupils", term)


def test_index_follows_forms_bulk_inserts_core_updates_tombstones_and_hard_deletes(ctx: ServiceContext) -> None:
    records = Records(ctx, "pupils")
    first = records.create(pupil(ctx, 1, "Quill", "Thistledown"))
    ent = entity("pupils")
    with ctx.transaction() as session:  # as demo data and CSV imports write
        [bulk_id] = insert_new(ctx, session, ent, [validate_data(ent, pupil(ctx, 2, "Bramble", "Mossgrove"))])
    assert found(ctx, "pupils", "mossgrove") == {bulk_id}
    records.update(first.id, {**first.data, "last_name": "Fernsby"})  # a form edit (ORM)
    assert found(ctx, "pupils", "thistle") == set()
    assert found(ctx, "pupils", "fernsby") == {first.id}
    with ctx.transaction() as session:  # as sync's merge writes: Core, straight to the table
        session.execute(update(ent.table).where(ent.table.c.id == bulk_id).values(first_name="Marlowe"))
    assert found(ctx, "pupils", "marlowe") == {bulk_id} and found(ctx, "pupils", "bramble") == set()
    records.delete(first.id)  # a tombstone stays indexed but is never listed
    assert found(ctx, "pupils", "fernsby") == set()
    with ctx.transaction() as session:  # a purge erases the row
        session.execute(delete(ent.table).where(ent.table.c.id == bulk_id))
    with ctx.read() as session:
        hits = session.execute(text("SELECT count(*) FROM pupils_search WHERE pupils_search MATCH '\"marlowe\"'"))
        assert hits.scalar_one() == 0


def test_upgrade_indexes_rows_already_held_and_repairs_lost_triggers(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    ctx = open_context(path, officer="Test Officer", settings=Settings())
    kept = Records(ctx, "pupils").create(pupil(ctx, 1, "Hazel", "Oakhollow")).id
    with ctx.db.engine.begin() as conn:  # back to the schema before the indexes, rows and all
        search_index.drop(conn)
        later = [n for (n,) in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'index' AND (name LIKE "
                                                 "'%\\_tombstones' ESCAPE '\\' OR name IN ('ix_pupils_list_order', "
                                                 "'ix_incidents_list_order', 'ix_follow_ups_closed_on'))"))]
        assert len(later) == len(ENTITIES) + 3  # what 0002 and 0003 add
        for name in later:
            conn.execute(text(f"DROP INDEX {name}"))
        conn.execute(text("UPDATE alembic_version SET version_num = '0001_initial'"))
    ctx.close()
    ctx = open_context(path, officer="Test Officer", settings=Settings())
    assert ctx.db.upgraded_from == "0001_initial"
    assert found(ctx, "pupils", "oakhollow") == {kept}
    with ctx.db.engine.begin() as conn:  # as a copy-and-move migration of the table would leave it
        conn.execute(text("DROP TRIGGER pupils_search_insert"))
        assert search_index.ensure(conn) == ["pupils"]
        assert search_index.ensure(conn) == []
    ctx.close()
    ctx = open_context(path, officer="Test Officer", settings=Settings())
    added = Records(ctx, "pupils").create(pupil(ctx, 2, "Wren", "Oakhollow")).id
    assert found(ctx, "pupils", "oakhollow") == {kept, added}
    ctx.close()


def test_a_fresh_database_has_every_index_and_trigger(tmp_path: Path) -> None:
    db = open_database(tmp_path / "new.db")
    with db.engine.connect() as conn:
        names = {n for (n,) in conn.execute(text("SELECT name FROM sqlite_master"))}
    db.close()
    for table in search_index.INDEXED:
        fts = search_index.index_name(table)
        assert {fts, f"{fts}_insert", f"{fts}_update", f"{fts}_delete"} <= names


def test_incident_search_by_text_route_operator_and_school(ctx: ServiceContext) -> None:
    ref = make_reference(ctx)
    route = Records(ctx, "routes").get(ref.routes[1]).data["code"]
    operator = Records(ctx, "operators").get(ref.operators[0]).data["name"]
    base = {"occurred_at": "2026-03-02 08:10", "reported_at": "2026-03-02 09:00", "reported_by_kind": "crew",
            "category": "behaviour", "route_id": ref.routes[0], "operator_id": ref.operators[1],
            "school_id": ref.schools[0], "pupil_ids": [], "notifications": []}
    quiet = inc.log_incident(ctx, {**base, "description": "Seatbelt unbuckled twice."}).id
    on_route = inc.log_incident(ctx, {**base, "description": "Shouting.", "route_id": ref.routes[1]}).id
    by_operator = inc.log_incident(ctx, {**base, "description": "Kicking seats.", "operator_id": ref.operators[0]}).id

    def search(term: str) -> set[str]:
        page = inc.list_incidents(ctx, inc.IncidentFilter(search=term))
        assert page.total == len(page.rows)
        return {r["id"] for r in page.rows}

    assert search("SEATBELT") == {quiet} and search("twice") == {quiet}
    assert search(route) == {on_route}
    assert search(operator) == {by_operator}
    assert search("se") == {quiet, by_operator}  # short: LIKE over the text ("Seatbelt", "seats")


@pytest.mark.parametrize("term", ["thistle", "ha", "FICT", "e"])
def test_a_dense_search_pages_as_the_index_does(ctx: ServiceContext, monkeypatch: pytest.MonkeyPatch,
                                               term: str) -> None:
    """Past the count's cap a page is found by walking the list order: the same rows, in the same order."""
    records = Records(ctx, "pupils")
    for n in range(12):
        first, last = NAMES[n % len(NAMES)]
        records.create(pupil(ctx, n, first, f"{last}{n}"))
    pages = [records.list(term, offset=offset, limit=2).rows for offset in (0, 2, 4)]
    monkeypatch.setattr("htst_tui.services.records.COUNT_CAP", 1)
    walked: list[bool] = []
    real = search.walk_list_order
    monkeypatch.setattr("htst_tui.services.records.walk_list_order",
                        lambda *a: walked.append(real(*a)) or walked[-1])
    dense = [records.list(term, offset=offset, limit=2) for offset in (0, 2, 4)]
    assert [p.rows for p in dense] == pages and any(p.rows for p in dense)
    assert True in walked
    assert all(p.more for p in dense if len(p.rows) == 2)


@pytest.mark.parametrize("term", ["thistle", "FICT", "th"])
def test_a_capped_count_through_the_index_counts_live_matches_only(ctx: ServiceContext,
                                                                    monkeypatch: pytest.MonkeyPatch, term: str) -> None:
    """The count walks the index's matches (`search.matches_first`; "th" takes the LIKE path): live rows only,
    and it says "more" exactly when the matches pass the cap."""
    records = Records(ctx, "pupils")
    ids = [records.create(pupil(ctx, n, *NAMES[n % len(NAMES)])).id for n in range(12)]
    gone = next(i for i in ids if i in scan(ctx, "pupils", term))
    records.delete(gone)
    live = scan(ctx, "pupils", term)
    assert gone not in live and len(live) >= 3
    assert (records.list(term).total, records.list(term).more) == (len(live), False)
    for cap in (len(live) - 1, len(live)):
        monkeypatch.setattr("htst_tui.services.records.COUNT_CAP", cap)
        page = records.list(term)
        assert (page.total, page.more) == (cap, cap < len(live))


@pytest.mark.parametrize("term", ["se", "seatbelt", "R101", "pretend", "Fictional"])
def test_a_dense_incident_search_pages_as_the_index_does(ctx: ServiceContext, monkeypatch: pytest.MonkeyPatch,
                                                        term: str) -> None:
    ref = make_reference(ctx)
    base = {"reported_at": "2026-03-04 09:00", "reported_by_kind": "crew", "category": "behaviour",
            "school_id": ref.schools[0], "pupil_ids": [], "notifications": []}
    for n in range(8):
        inc.log_incident(ctx, {**base, "occurred_at": f"2026-03-0{1 + n % 3} 08:1{n}",
                               "route_id": ref.routes[n % 2], "operator_id": ref.operators[n % 2],
                               "description": ["Seatbelt unbuckled.", "Shouting.", "Kicking seats."][n % 3]})

    def pages() -> list[list[str]]:
        return [[r["id"] for r in inc.list_incidents(ctx, inc.IncidentFilter(search=term), offset, 3).rows]
                for offset in (0, 3, 6)]

    expected = pages()
    monkeypatch.setattr("htst_tui.services.incidents.COUNT_CAP", 1)  # "more than the cap" from two matches on
    walked: list[bool] = []
    real = search.walk_list_order
    monkeypatch.setattr("htst_tui.services.incidents.walk_list_order",
                        lambda *a: walked.append(real(*a)) or walked[-1])
    assert pages() == expected and any(expected)
    assert True in walked


def test_incident_form_shows_pupil_references(ctx: ServiceContext) -> None:
    ref = make_reference(ctx)
    refs = [Records(ctx, "pupils").get(p).data["la_reference"] for p in ref.pupils[:2]]
    assert lookups.pupil_refs_for_ids(ctx, ref.pupils[:2]) == refs


@pytest.fixture
def reg(ctx: ServiceContext) -> Register:
    return make_register(ctx)


def decide(ctx: ServiceContext, reg: Register, day: dt.date, facts: dict[str, Any],
           decision: dict[str, Any] | None = None) -> str:
    meeting = panel.start_meeting(ctx, day, place="Fictional Town Hall", chair_member_id=reg.chair)
    for mid in (reg.amaze, reg.officer, reg.send):
        panel.set_attendance(ctx, meeting, mid, AttendanceStatus.present)
    case = panel.add_case(ctx, meeting, {"distance_miles": 3.4, "nearest_suitable": True, "conflicts_asked": True,
                                         "evidence": ["Walking route map", "EHCP section F"], **facts})
    panel.save_decision(ctx, case, {**COMPLETE, **(decision or {})})
    panel.finalise_decision(ctx, case)
    return case


@pytest.mark.parametrize("who", ["register", "typed reference"])
def test_a_later_decision_replaces_the_earlier_award_review(ctx: ServiceContext, reg: Register, who: str) -> None:
    facts = {"pupil_id": reg.pupil} if who == "register" else {"pupil_ref": "TYPED01", "child_name": "Fictional Kid",
                                                               "date_of_birth": dt.date(2014, 2, 2)}
    earlier = decide(ctx, reg, MEETING_DATE, facts)
    other = decide(ctx, reg, MEETING_DATE, {"pupil_ref": "OTHER01", "child_name": "Another Kid",
                                            "date_of_birth": dt.date(2014, 3, 3)})
    far = dt.date(2030, 1, 1)

    def award_reviews() -> set[str]:
        return {i.record_id for i in panel.due_items(ctx, far) if i.section == panel.AWARD_REVIEWS_SECTION}

    assert award_reviews() == {earlier, other}
    later = decide(ctx, reg, MEETING_DATE + dt.timedelta(days=28), facts)
    assert award_reviews() == {later, other}


def test_award_reviews_list_the_earliest_then_say_how_many_more(ctx: ServiceContext, reg: Register,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Home gets the SECTION_LIMIT earliest award reviews (by SQL, not thousands of items) and one line with the
    rest's count that opens the panel screen."""
    monkeypatch.setattr(panel, "SECTION_LIMIT", 2)
    cases = [decide(ctx, reg, MEETING_DATE + dt.timedelta(days=7 * n),
                    {"pupil_ref": f"TYPED{n:02d}", "child_name": "Fictional Kid", "date_of_birth": dt.date(2014, 2, 2)},
                    {"review_date": dt.date(2026, 6, 10) + dt.timedelta(days=3 - n)}) for n in range(4)]
    items = [i for i in panel.due_items(ctx, dt.date(2030, 1, 1)) if i.section == panel.AWARD_REVIEWS_SECTION]
    assert [i.record_id for i in items[:2]] == cases[:1:-1]  # the earliest reviews first
    assert [(i.title, i.screen, i.due) for i in items[2:]] == [
        ("…and 2 more award reviews (Enter opens the list)", "panel", None)]
    monkeypatch.setattr(panel, "SECTION_LIMIT", 4)
    items = [i for i in panel.due_items(ctx, dt.date(2030, 1, 1)) if i.section == panel.AWARD_REVIEWS_SECTION]
    assert [i.record_id for i in items] == cases[::-1]  # exactly the limit: nothing more to say


async def test_home_says_how_many_more_award_reviews_and_enter_opens_the_panel(
        ctx: ServiceContext, reg: Register, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(panel, "SECTION_LIMIT", 1)
    monkeypatch.setattr(dashboard, "DASHBOARD_PROVIDERS", ["htst_tui.services.panel:due_items"])
    for n in range(3):
        decide(ctx, reg, MEETING_DATE + dt.timedelta(days=7 * n),
               {"pupil_ref": f"TYPED{n:02d}", "child_name": "Fictional Kid", "date_of_birth": dt.date(2014, 2, 2)})
    app = HtstApp(ctx=ctx, clock=lambda: dt.date(2026, 6, 1))
    async with app.run_test() as pilot:
        await settle(app, pilot)
        due = app.screen.query_one("#home-due", DataTable)
        rows = [str(due.get_row_at(n)[2]) for n in range(due.row_count)]
        assert rows[0].startswith("Award review: TYPED")
        assert rows[1:] == ["…and 2 more award reviews (Enter opens the list)"]
        due.focus()
        due.move_cursor(row=1)
        await pilot.press("enter")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "PanelScreen"


def many_due(ctx: ServiceContext, today: dt.date) -> list[DueItem]:
    return [DueItem("Reviews", f"Fictional review {n:03d}", today + dt.timedelta(days=n), False)
            for n in range(home.MAX_DUE_ROWS + 25)]


async def test_home_lists_the_most_pressing_items_and_says_how_many_more(ctx: ServiceContext,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dashboard, "DASHBOARD_PROVIDERS", ["tests.test_city_scale:many_due"])
    app = HtstApp(ctx=ctx, clock=lambda: dt.date(2026, 3, 16))
    async with app.run_test() as pilot:
        await settle(app, pilot)
        due = app.screen.query_one("#home-due", DataTable)
        assert due.row_count == home.MAX_DUE_ROWS + 1
        assert str(due.get_row_at(0)[2]) == "Fictional review 000"
        assert "25 more" in str(due.get_row_at(home.MAX_DUE_ROWS)[2])
