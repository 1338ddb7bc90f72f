"""The incident log's searched pages come out the same whichever way they are found: counted one way of matching at a
time (`capped_union`), then read from the matches found, walked in list order, or sorted (a far page). Checked
against a plain scan in Python over generated incidents, with the count's cap made small so every path runs."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.dialects import sqlite

from htst_tui.db.incidents import IncidentRecord
from htst_tui.db.reference import RouteRecord
from htst_tui.services import incidents as inc
from htst_tui.services import search
from htst_tui.services.context import ServiceContext
from htst_tui.services.records import Records
from tests.incident_fixtures import Ref, make_reference

WORDS = ["seatbelt", "seizure", "shouting", "late", "kicking", "Penny", "window", "DEMO", "delay", "seat"]
TERMS = ["se", "sei", "seat", "SEATBELT", "R1", "R101", "pretend", "cabs", "Fictional", "vale", "late", "e", "zz",
         "nobody here", "o", "window late"]
FILTERS: list[dict[str, Any]] = [{}, {"status": "closed"}, {"severity": "minor"}, {"category": "behaviour"},
                                 {"date_from": dt.date(2026, 3, 3)}]


def make_incidents(ctx: ServiceContext, ref: Ref, seed: int, n: int = 40) -> None:
    """Incidents with text, route, operator and school in every mix (some missing), equal times (ties on the
    list order) and a few tombstones."""
    rng = random.Random(seed)
    for k in range(n):
        rid = inc.log_incident(ctx, {
            "occurred_at": f"2026-03-0{1 + rng.randrange(5)} 08:{rng.choice([10, 10, 20, 35]):02d}",
            "reported_at": "2026-03-06 09:00", "reported_by_kind": "crew",
            "reported_by_name": rng.choice([None, "Driver Window", "Escort Quill"]),
            "category": rng.choice(["behaviour", "breakdown", "medical_event", "other"]),
            "route_id": rng.choice([None, *ref.routes]), "operator_id": rng.choice([None, *ref.operators]),
            "school_id": rng.choice([None, *ref.schools]), "pupil_ids": [], "notifications": [],
            "description": " ".join(rng.sample(WORDS, 3)) + f" #{k}"}).id
        roll = rng.random()
        if roll < 0.25:
            inc.transition(ctx, rid, "closed", outcome=rng.choice(["Seat swapped", "Late again"]))
        elif roll < 0.35:
            Records(ctx, "incidents").delete(rid)


def scanned(ctx: ServiceContext, flt: inc.IncidentFilter) -> list[str]:
    """Every live incident matching `flt`, in list order, worked out in Python from each record."""
    names = {kind: {r["id"]: Records(ctx, kind).get(r["id"]).data for r in Records(ctx, kind).list(limit=100).rows}
             for kind in ("routes", "operators", "schools")}
    out = []
    for row in Records(ctx, "incidents").list(limit=1000).rows:
        d = Records(ctx, "incidents").get(row["id"]).data
        if any(getattr(flt, f) and str(d[f]) != str(getattr(flt, f))
               for f in ("status", "category", "severity", "operator_id", "school_id")):
            continue
        if flt.date_from and d["occurred_at"].astimezone().date() < flt.date_from:
            continue
        linked = [str((names[kind].get(d[link]) or {}).get(field) or "") for kind, link, field in
                  (("routes", "route_id", "code"), ("operators", "operator_id", "name"),
                   ("schools", "school_id", "name"))]
        haystack = [str(d.get(f) or "") for f in ("description", "reported_by_name", "immediate_action", "outcome")]
        if flt.search.strip().lower() in " ".join(f"\0{h.lower()}" for h in [*haystack, *linked]):
            out.append((d["occurred_at"], row["id"]))
    ordered = sorted(out, key=lambda t: t[1])
    return [rid for _, rid in sorted(ordered, key=lambda t: t[0], reverse=True)]


@pytest.mark.parametrize("seed", [1, 2])
def test_every_path_gives_the_pages_a_scan_gives(ctx: ServiceContext, monkeypatch: pytest.MonkeyPatch,
                                                 seed: int) -> None:
    make_incidents(ctx, make_reference(ctx), seed)
    walked: list[bool] = []
    real = search.walk_list_order
    monkeypatch.setattr(inc, "walk_list_order", lambda *a: walked.append(real(*a)) or walked[-1])
    for cap in (1, 4, 1000):  # 1 and 4: most searches pass the cap, so pages are walked; 1000: read from matches
        monkeypatch.setattr(inc, "COUNT_CAP", cap)
        for extra in FILTERS:
            for term in TERMS:
                flt = inc.IncidentFilter(search=term, **extra)
                expected = scanned(ctx, flt)
                for offset in (0, 3, 9):
                    page = inc.list_incidents(ctx, flt, offset, 3)
                    assert [r["id"] for r in page.rows] == expected[offset:offset + 3], (cap, extra, term, offset)
                    assert page.more == (len(expected) > offset + cap)
                    assert page.total == min(len(expected), offset + cap)
    assert True in walked  # the far pages, sorted: the next test


def test_a_far_page_of_a_common_term_is_sorted_not_walked(ctx: ServiceContext, monkeypatch: pytest.MonkeyPatch) -> None:
    make_incidents(ctx, make_reference(ctx), 3)
    monkeypatch.setattr(inc, "COUNT_CAP", 1)
    monkeypatch.setattr(search, "DENSE_PAGE_ROWS", 2)  # every page but the first is "far"
    flt = inc.IncidentFilter(search="e")
    expected = scanned(ctx, flt)
    assert len(expected) > 6
    assert [[r["id"] for r in inc.list_incidents(ctx, flt, offset, 2).rows] for offset in (0, 2, 4)] == \
        [expected[0:2], expected[2:4], expected[4:6]]


def test_a_way_that_finds_nothing_is_left_out_of_the_walk(ctx: ServiceContext) -> None:
    """Found only by text: the walked page probes the text index alone, no route, operator or school name."""
    ref = make_reference(ctx)
    make_incidents(ctx, ref, 4)
    with ctx.read() as session:
        union = search.capped_union(session, inc._ways(inc.IncidentFilter(), "seizure"), 1)
    assert union.more and union.empty == {0, 1, 2}  # operators, schools, routes: no "seizure" in their names
    sql = str(inc._walked_match("seizure", union.empty).compile(dialect=sqlite.dialect()))
    assert "incidents_search" in sql and "LIKE" not in sql
    assert "LIKE" in str(inc._walked_match("seizure", frozenset()).compile(dialect=sqlite.dialect()))


def test_capped_union_counts_distinct_keys_and_stops_at_the_cap(ctx: ServiceContext) -> None:
    ref = make_reference(ctx)
    make_incidents(ctx, ref, 5)
    i = IncidentRecord
    ways = [select(i.id).where(i.deleted.is_(False), i.route_id == route) for route in ref.routes]
    ways.append(select(i.id).where(i.deleted.is_(False), i.route_id.is_not(None)))  # all of both again
    with ctx.read() as session:
        every = set(session.execute(ways[2]).scalars())
        none = select(i.id).where(i.id == "no such id")
        assert search.capped_union(session, [*ways, none], 1000) == search.Union(len(every), False, every,
                                                                                 frozenset({3}))
        assert search.capped_union(session, ways, len(every) - 1).more
        assert search.capped_union(session, ways, len(every)).total == len(every)


def test_outer_first_keeps_the_small_table_outside(ctx: ServiceContext) -> None:
    i = IncidentRecord
    stmt = select(i.id).select_from(search.outer_first(RouteRecord, i, i.route_id == RouteRecord.id)).where(
        RouteRecord.code.like("%R1%"))
    assert "FROM routes CROSS JOIN incidents ON" in str(stmt.compile(dialect=sqlite.dialect()))
    with ctx.read() as session:
        plan = [r[3] for r in session.execute(text("EXPLAIN QUERY PLAN " + str(stmt.compile(
            dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))))]
    assert plan[0].startswith("SCAN routes") and "ix_incidents_route_id" in plan[1]
