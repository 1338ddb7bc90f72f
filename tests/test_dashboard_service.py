"""The Home dashboard's figures and the reference-data due items, without the UI."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from htst_tui.domain.reference import Pupil, Route
from htst_tui.services import dashboard
from htst_tui.services.context import ServiceContext
from htst_tui.services.dashboard_types import DueItem
from htst_tui.services.records import Records
from htst_tui.services.sync import run_sync
from htst_tui.widgets.model_form import field_label, field_specs

TODAY = dt.date(2026, 3, 2)


@pytest.mark.parametrize(("day", "months", "expected"), [
    (dt.date(2024, 1, 31), 1, dt.date(2024, 2, 29)),
    (dt.date(2023, 1, 31), 1, dt.date(2023, 2, 28)),
    (dt.date(2024, 3, 15), 24, dt.date(2026, 3, 15)),
    (dt.date(2024, 11, 30), 3, dt.date(2025, 2, 28)),
    (dt.date(2024, 12, 1), 12, dt.date(2025, 12, 1)),
])
def test_add_months(day: dt.date, months: int, expected: dt.date) -> None:
    assert dashboard.add_months(day, months) == expected


def _crew(ctx: ServiceContext, operator_id: str, name: str, expiry: str | None) -> str:
    data = {"name": name, "operator_id": operator_id, "role": "pa", "badge_number": f"B-{name[:3]}"}
    if expiry:
        data["dbs_expiry"] = expiry
    return Records(ctx, "crew_members").create(data).id


def test_reference_due_items(ctx: ServiceContext) -> None:
    op = Records(ctx, "operators").create({"name": "Fictional Taxis", "licence_no": "PH-1"}).id
    _crew(ctx, op, "Expired Eve", "2026-03-01")
    _crew(ctx, op, "Soon Sol", "2026-04-01")  # exactly 30 days ahead: shown
    _crew(ctx, op, "Later Lou", "2026-04-02")  # 31 days ahead: not yet
    _crew(ctx, op, "Unknown Uma", None)
    members = Records(ctx, "panel_members")
    members.create({"name": "Current Cai", "role": "chair", "training_date": "2024-03-02"})  # 24 months: still valid
    lapsed = members.create({"name": "Lapsed Lee", "role": "clerk", "training_date": "2024-03-01"}).id
    members.create({"name": "Never Nia", "role": "pacc_rep"})
    members.create({"name": "Retired Rio", "role": "other", "training_date": "2010-01-01", "active": False})
    items = dashboard.reference_due_items(ctx, TODAY)
    shown = {(i.title, i.due, i.overdue) for i in items}
    assert shown == {
        ("DBS expired: Expired Eve (badge B-EXP)", dt.date(2026, 3, 1), True),
        ("DBS expires: Soon Sol (badge B-SOO)", dt.date(2026, 4, 1), False),
        ("HTST law training out of date: Lapsed Lee", dt.date(2026, 3, 1), True),
        ("No HTST law training recorded: Never Nia", None, True),
    }
    assert dashboard.locate_record(ctx, lapsed) == "panel_members"
    ctx.settings.panel.training_valid_months = 36
    assert "HTST law training out of date: Lapsed Lee" not in {i.title for i in
                                                               dashboard.reference_due_items(ctx, TODAY)}


def test_dbs_checks_list_the_soonest_then_how_many_more(ctx: ServiceContext,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    op = Records(ctx, "operators").create({"name": "Fictional Taxis", "licence_no": "PH-1"}).id
    for n, name in enumerate(["Ann", "Ben", "Cal", "Dee"]):
        _crew(ctx, op, f"{name} Crew", f"2026-02-0{4 - n}")
    monkeypatch.setattr(dashboard, "SECTION_LIMIT", 2)
    items = dashboard.reference_due_items(ctx, TODAY)
    assert [(i.title, i.screen) for i in items] == [
        ("DBS expired: Dee Crew (badge B-DEE)", "records"), ("DBS expired: Cal Crew (badge B-CAL)", "records"),
        ("…and 2 more DBS checks expired or expiring (Enter opens the list)", "records")]


def test_separate_providers_answer_as_in_process(ctx: ServiceContext) -> None:
    """Home runs the whole-database review in a separate process: the same items, this device's settings."""
    op = Records(ctx, "operators").create({"name": "Fictional Taxis", "licence_no": "PH-1"}).id
    _crew(ctx, op, "Expired Eve", "2026-03-01")
    Records(ctx, "panel_members").create({"name": "Lapsed Lee", "role": "clerk", "training_date": "2024-03-01"})
    ctx.settings.panel.training_valid_months = 36  # a setting the other process must be given, not re-read
    providers = ["htst_tui.services.dashboard:reference_due_items", *dashboard.SEPARATE_PROVIDERS]
    here = dashboard.due_items(ctx, TODAY, providers)
    there = dashboard.separate_due_items(ctx, TODAY, providers)
    assert there == here
    assert [i.title for i in there[0]] == ["DBS expired: Expired Eve (badge B-EXP)"]
    assert set(dashboard.in_process_providers()) | set(dashboard.SEPARATE_PROVIDERS) == \
        set(dashboard.DASHBOARD_PROVIDERS)
    board = dashboard.build_dashboard(ctx, TODAY, dashboard.in_process_providers())
    late = DueItem("Data protection", "3 records past retention: review and erase", TODAY, True, screen="purge")
    merged = dashboard.with_more_due(board, [late], ["Busy: try again"])
    assert [i.title for i in merged.due] == ["DBS expired: Expired Eve (badge B-EXP)", late.title]  # by date
    assert merged.problems == ["Busy: try again"] and merged.counts == board.counts


def test_dashboard_counts_unsynced_and_last_sync(ctx: ServiceContext, tmp_path: Path) -> None:
    schools = Records(ctx, "schools")
    kept = schools.create({"urn": 100001, "name": "Kept Fictional", "phase": "primary", "postcode": "BN1 1AA"})
    gone = schools.create({"urn": 100002, "name": "Gone Fictional", "phase": "primary", "postcode": "BN1 1AB"})
    schools.delete(gone.id)
    board = dashboard.build_dashboard(ctx, TODAY)
    by_name = {c.name: c for c in board.counts}
    assert (by_name["schools"].live, by_name["schools"].unsynced) == (1, 2)  # a tombstone is a change to sync
    assert board.unsynced == 2 and board.total_records == 1 and board.last_sync is None
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    run_sync(ctx, str(tmp_path / "stick"))
    after = dashboard.build_dashboard(ctx, TODAY)
    assert after.last_sync is not None
    assert before <= dt.datetime.fromisoformat(after.last_sync) <= dt.datetime.now(dt.UTC)
    assert after.unsynced == 0  # the target has both changes now
    assert kept.id


def test_form_fields_come_from_the_model() -> None:
    specs = {s.name: s for s in field_specs(Route, {"operator_id": "operators", "school_ids": "schools"})}
    assert (specs["operator_id"].kind, specs["operator_id"].target) == ("ref", "operators")
    assert specs["school_ids"].kind == "refs" and specs["school_ids"].label == "Schools"
    assert specs["vehicle_type"].kind == "enum" and ("wav", "wav") in specs["vehicle_type"].options
    pupil = {s.name: s for s in field_specs(Pupil, {"school_id": "schools", "route_id": "routes"})}
    assert pupil["date_of_birth"].kind == "date" and pupil["year_group"].kind == "int"
    assert pupil["send"].kind == "bool" and not pupil["send"].required
    assert pupil["route_id"].kind == "ref" and not pupil["route_id"].required
    assert field_label("la_reference") == "LA reference" and field_label("dbs_expiry") == "DBS expiry"
