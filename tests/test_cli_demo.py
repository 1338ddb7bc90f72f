"""`htst demo`: city-scale, fictional, deterministic demo data, and never into a database that holds records."""

from __future__ import annotations

import datetime as dt
import random
import re
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from htst_tui.cli import main
from htst_tui.domain.reference import PanelRole
from htst_tui.services import demo
from htst_tui.services.context import ServiceContext
from htst_tui.services.demo import FIRST_NAMES, LAST_NAMES, DemoScale, build_demo
from htst_tui.services.demo_types import DemoReference
from htst_tui.services.records import Records

TODAY = dt.date(2026, 3, 10)


def query(path: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def count(path: Path, table: str) -> int:
    return query(path, f"SELECT count(*) FROM {table} WHERE deleted = 0")[0][0]


def test_default_scale_is_a_city_service(db_path: Path) -> None:
    result = CliRunner().invoke(main, ["demo", "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    counts = {t: count(db_path, t) for t in ("schools", "operators", "routes", "pupils", "crew_members",
                                             "panel_members")}
    assert counts["schools"] == 40
    assert counts["operators"] == 8
    assert counts["routes"] == 180
    assert counts["pupils"] == 600
    assert counts["panel_members"] >= 12  # the panel demo adds reviewers who never sat on a first decision
    crew_routes = dict(query(db_path, "SELECT role, count(DISTINCT route_id) FROM crew_members GROUP BY role"))
    assert crew_routes["driver"] == 180  # a driver on every route
    assert 60 < crew_routes["pa"] < 180  # a PA on many routes, not all
    assert re.search(r"^  pupils +600$", result.output, re.MULTILINE)  # the summary says what was made
    on_route = query(db_path, "SELECT count(*) FROM pupils WHERE route_id IS NOT NULL")[0][0]
    send = query(db_path, "SELECT count(*) FROM pupils WHERE send")[0][0]
    ehcp_without_send = query(db_path, "SELECT count(*) FROM pupils WHERE ehcp AND NOT send")[0][0]
    assert on_route > 480  # most pupils are on a route
    assert 300 < send < 420  # about 60% SEND
    assert ehcp_without_send == 0  # EHCP is a subset of SEND
    assert query(db_path, "SELECT count(*) FROM pupils WHERE send AND needs_summary = ''")[0][0] == 0
    roles = {r for (r,) in query(db_path, "SELECT role FROM panel_members")}
    assert roles == {r.value for r in PanelRole}


def test_pupils_option_scales_schools_and_routes(db_path: Path) -> None:
    result = CliRunner().invoke(main, ["demo", "--db", str(db_path), "--pupils", "150"])
    assert result.exit_code == 0, result.output
    assert count(db_path, "pupils") == 150
    assert count(db_path, "schools") == 10
    assert count(db_path, "routes") == 45
    assert count(db_path, "operators") == 4
    assert count(db_path, "panel_members") >= 12


def test_scale_for_a_county() -> None:
    scale = DemoScale.for_pupils(50_000)
    assert (scale.schools, scale.routes) == (3333, 15000)
    assert scale.operators < 100  # operators grow slower than pupils


def test_refuses_a_database_with_records_and_changes_nothing(ctx: ServiceContext, db_path: Path) -> None:
    Records(ctx, "operators").create({"name": "Real Operator Ltd", "licence_no": "PH-1"})
    before = query(db_path, "SELECT count(*) FROM audit_log")[0][0]
    result = CliRunner().invoke(main, ["demo", "--db", str(db_path)])
    assert result.exit_code == 1
    assert "The database is not empty" in result.output
    assert "Nothing was changed" in result.output
    assert "Traceback" not in result.output
    assert count(db_path, "schools") == 0
    assert count(db_path, "operators") == 1
    assert query(db_path, "SELECT count(*) FROM audit_log")[0][0] == before


def test_a_database_of_only_tombstones_may_take_demo_data(ctx: ServiceContext) -> None:
    records = Records(ctx, "operators")
    records.delete(records.create({"name": "Gone Ltd", "licence_no": "PH-2"}).id)
    summary = build_demo(ctx, pupils=30, today=TODAY)
    assert summary.counts["pupils"] == 30


def test_same_seed_same_data_other_seed_other_data(tmp_path: Path) -> None:
    runner = CliRunner()
    paths = [tmp_path / f"{n}.db" for n in ("a", "b", "c")]
    for path, seed in zip(paths, ("7", "7", "8"), strict=True):
        assert runner.invoke(main, ["demo", "--db", str(path), "--pupils", "60", "--seed", seed]).exit_code == 0
    sql = ("SELECT id, la_reference, first_name, last_name, date_of_birth, school_id, year_group, send, ehcp, "
           "needs_summary, route_id, rev FROM pupils ORDER BY la_reference")
    a, b, c = (query(p, sql) for p in paths)
    assert a == b
    assert a != c
    crew = "SELECT name, badge_number, dbs_expiry, route_id FROM crew_members ORDER BY badge_number"
    assert query(paths[0], crew) == query(paths[1], crew)


def test_every_name_is_fictional(ctx: ServiceContext, db_path: Path) -> None:
    build_demo(ctx, pupils=200, today=TODAY)
    for name, postcode, urn in query(db_path, "SELECT name, postcode, urn FROM schools"):
        assert name.startswith("Fictional ") and name.endswith("(DEMO)")
        assert postcode.startswith("ZZ")  # no such postcode area
        assert 900000 <= urn <= 999999
    assert all(n.endswith("(DEMO)") for (n,) in query(db_path, "SELECT name FROM operators"))
    for ref, first, last in query(db_path, "SELECT la_reference, first_name, last_name FROM pupils"):
        assert ref.startswith("DEMO")
        assert first in FIRST_NAMES and last in LAST_NAMES
    for (name,) in query(db_path, "SELECT name FROM crew_members UNION ALL SELECT name FROM panel_members"):
        first, last = name.split(" ")
        assert first in FIRST_NAMES and last in LAST_NAMES
    assert all("DEMO" in o for (o,) in query(db_path, "SELECT organisation FROM panel_members"))


def test_dates_make_checks_interesting(ctx: ServiceContext, db_path: Path) -> None:
    build_demo(ctx, pupils=600, today=TODAY)
    expiries = [dt.date.fromisoformat(d) for (d,) in query(db_path, "SELECT dbs_expiry FROM crew_members")]
    assert any(d < TODAY for d in expiries)
    assert any(TODAY <= d <= TODAY + dt.timedelta(days=30) for d in expiries)
    months = ctx.settings.panel.training_valid_months
    trained = [dt.date.fromisoformat(d) for (d,) in query(db_path, "SELECT training_date FROM panel_members")]
    stale = [d for d in trained if (TODAY - d).days > months * 30]
    assert 1 <= len(stale) < len(trained)
    # reception children (year 0) were 4 on 1 September of this academic year
    for (dob,) in query(db_path, "SELECT date_of_birth FROM pupils WHERE year_group = 0"):
        assert dt.date(2020, 9, 1) <= dt.date.fromisoformat(dob) <= dt.date(2021, 8, 31)


CALLS: list[tuple[int, int]] = []


def fake_extension(ctx: ServiceContext, ref: DemoReference, rng: random.Random) -> None:
    """Stands in for a feature's add_demo: it sees the reference ids and writes through the services."""
    CALLS.append((len(ref.pupil_ids), len(ref.route_ids)))
    Records(ctx, "schools").create({"urn": 999999, "name": "Fictional Extension School (DEMO)",
                                    "phase": "special", "postcode": "ZZ1 1AA"})
    assert set(ref.route_school) == set(ref.route_ids)
    assert isinstance(rng, random.Random)


def test_extensions_run_after_reference_data(ctx: ServiceContext, monkeypatch: pytest.MonkeyPatch) -> None:
    CALLS.clear()
    monkeypatch.setattr(demo, "EXTENSIONS", [f"{__name__}:fake_extension"])
    summary = build_demo(ctx, pupils=60, today=TODAY)
    assert CALLS == [(60, 18)]
    assert summary.extensions == [f"{__name__}:fake_extension"]
    assert summary.counts["schools"] == 4 + 1
