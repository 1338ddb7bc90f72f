"""The retention review at scale: `services.purge` reviews only the records that could be due (found in SQL),
with what their rules read, and must find exactly what the whole-database review finds (every record read
whole, `retention.review(held_records(...))`): same records due, same rule, same count kept by reference, on the
demo data across the years, under short and long periods, and after deletes and a purge (tombstones, erased
parents, orphaned follow-ups)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import literal_column, select, text
from sqlalchemy.dialects import sqlite

from htst_tui.domain import retention
from htst_tui.entities import BY_NAME, ENTITIES
from htst_tui.services.context import ServiceContext
from htst_tui.services.purge import _review, held_records, plan_purge, run_purge
from htst_tui.services.records import Records
from htst_tui.settings import RetentionSettings, Settings
from tests.test_privacy_purge import demo_device

DAYS = [dt.date(2026, 3, 16), dt.date(2027, 9, 1), dt.date(2029, 2, 28), dt.date(2032, 8, 31), dt.date(2036, 1, 2),
        dt.date(2045, 6, 1), dt.date(2090, 1, 1)]
SCHEDULES = [RetentionSettings(),
             RetentionSettings(pupils_years_after_leaving=0, decisions_years_after_leaving=0, refusals_years=0,
                               meetings_years=0, incidents_years=0, safeguarding_years_after_birth=0,
                               spot_checks_years=0, route_returns_years=0, deleted_records_days=0),
             RetentionSettings(incidents_years=1, safeguarding_years_after_birth=12, meetings_years=2,
                               spot_checks_years=1, refusals_years=1, decisions_years_after_leaving=3),
             RetentionSettings(incidents_years=0, spot_checks_years=30, route_returns_years=30, meetings_years=30,
                               pupils_years_after_leaving=5)]
"""Defaults; everything at once; short periods; follow-ups due long before the checks they came from."""


def whole(ctx: ServiceContext, today: dt.date) -> retention.RetentionReview:
    """The reference: every record read whole, as before the review learnt to pre-filter."""
    with ctx.read() as session:
        return retention.review(held_records(session), {e.name: e.references for e in ENTITIES},
                                ctx.settings.retention, today)


def filtered(ctx: ServiceContext, today: dt.date) -> retention.RetentionReview:
    with ctx.read() as session:
        return _review(ctx, session, today)


def assert_same(ctx: ServiceContext, today: dt.date) -> int:
    a, b = whole(ctx, today), filtered(ctx, today)
    assert b.due == a.due, (today, ctx.settings.retention)
    assert b.kept_by_reference == a.kept_by_reference
    return len(a.due)


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[ServiceContext]:
    ctx = demo_device(tmp_path, "scale")
    yield ctx
    ctx.close()


def with_schedule(ctx: ServiceContext, schedule: RetentionSettings) -> ServiceContext:
    ctx.settings = Settings(retention=schedule)
    return ctx


@pytest.mark.parametrize("schedule", SCHEDULES, ids=["defaults", "zero", "short", "followers-first"])
def test_same_due_set_as_the_whole_review_on_the_demo_data(demo: ServiceContext, schedule: RetentionSettings) -> None:
    with_schedule(demo, schedule)
    found = [assert_same(demo, day) for day in DAYS]
    assert found[-1] > 0 and found[0] < found[-1]  # the dates span nothing-much-due to much-due


def test_same_due_set_after_deletes_and_a_purge(demo: ServiceContext) -> None:
    """Tombstones (recent and old), erased records whose followers remain, a pupil deleted from the register
    that cases and incidents still name, follow-ups whose source is gone."""
    with demo.read() as session:
        held = held_records(session)
    ids = {kind: [r.id for r in rows] for kind, rows in held.items()}
    for kind in ("pupils", "incidents", "panel_cases", "panel_meetings", "vehicle_checks", "routes",
                 "route_returns", "crew_members"):
        for rid in ids[kind][:2]:
            Records(demo, kind).delete(rid)
    for day in DAYS[:4]:
        assert_same(demo, day)
    with_schedule(demo, SCHEDULES[2])
    run_purge(demo, dt.date(2029, 2, 28))  # erased parents; later reviews see their tombstones
    with demo.read() as session:
        live = [r.id for r in held_records(session)["incidents"] if not r.deleted]
    for rid in live[:2]:
        Records(demo, "incidents").delete(rid)
    for schedule in SCHEDULES:
        with_schedule(demo, schedule)
        for day in DAYS:
            assert_same(demo, day)


def test_plan_purge_counts_what_the_whole_review_finds(demo: ServiceContext) -> None:
    with_schedule(demo, SCHEDULES[2])
    day = dt.date(2032, 8, 31)
    plan = plan_purge(demo, day)
    assert plan.total == len(whole(demo, day).due) > 0


class Reading(dict[str, Any]):
    """A record's data that notes which fields are read."""

    seen: set[tuple[str, str]] = set()

    def __init__(self, kind: str, data: Mapping[str, Any]) -> None:
        super().__init__(data)
        self.kind = kind

    def get(self, key: str, default: Any = None) -> Any:
        Reading.seen.add((self.kind, key))
        return super().get(key, default)

    def __getitem__(self, key: str) -> Any:
        Reading.seen.add((self.kind, key))
        return super().__getitem__(key)


def test_the_rules_read_only_the_fields_declared_in_reads(demo: ServiceContext) -> None:
    """The review reads live records by `retention.READS` and their references: the rules must need no more."""
    with demo.read() as session:
        held = held_records(session)
    watched = {kind: [retention.Held(r.kind, r.id, r.data if r.deleted else Reading(kind, r.data), r.deleted,
                                     r.updated_at) for r in rows] for kind, rows in held.items()}
    Reading.seen = set()
    for schedule in SCHEDULES:
        for day in DAYS:  # tombstones are read whole (erasure compares every field): only live records watched
            retention.review(watched, {e.name: e.references for e in ENTITIES}, schedule, day)
    allowed = {(e.name, f) for e in ENTITIES for f in (*retention.READS.get(e.name, ()), *e.references)}
    assert Reading.seen - allowed == set()
    assert Reading.seen  # the rules did read something


def test_parents_agree_with_follows() -> None:
    for kind, (field_name, kinds) in retention.PARENTS.items():
        for source_kind in ("vehicle_check", "incident", "route_return", "other"):
            data = {field_name: "p-1", "source_kind": source_kind}
            parent = retention.FOLLOWS[kind](retention.Held(kind, "x", data))
            assert parent is not None
            if parent[0]:
                assert parent == (parent[0], "p-1") and parent[0] in kinds
        assert field_name in BY_NAME[kind].data_fields


def test_born_by_to_have_left_bounds_every_leaving_date() -> None:
    """The query bound on birth dates: whoever has left by `day` was born on or before it, and it is tight."""
    days = [dt.date(2025, 8, 30), dt.date(2025, 8, 31), dt.date(2025, 9, 1), dt.date(2028, 2, 29),
            dt.date(2030, 12, 31)]
    for day in days:
        bound = retention.born_by_to_have_left(day)
        assert retention.leaving_date(bound) <= day  # tight: the latest such birthday has left
        assert retention.leaving_date(bound + dt.timedelta(days=1)) > day
        born = dt.date(1990, 1, 1)
        while born < dt.date(2026, 1, 1):
            for year_13 in (False, True):
                left = retention.leaving_date(born, stays_to_year_13=year_13)
                assert left is not None
                if left <= day:
                    assert born <= bound
            born += dt.timedelta(days=13)


def test_every_kinds_tombstones_come_from_its_index_in_rowid_order(ctx: ServiceContext) -> None:
    """The review reads a kind's tombstones in rowid order: the tombstone index (db/base.py) gives them so,
    without a scan of the table or a sort."""
    with ctx.read() as session:
        for ent in ENTITIES:
            t = ent.table
            stmt = select(t.c.id).where(t.c.deleted.is_(True)).order_by(literal_column("rowid"))
            sql = str(stmt.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
            plan = [row[3] for row in session.execute(text(f"EXPLAIN QUERY PLAN {sql}"))]
            assert plan == [f"SEARCH {t.name} USING INDEX ix_{t.name}_tombstones (deleted=?)"], plan
