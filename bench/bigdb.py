"""A city-scale database for benchmarks: 50,000 pupils, 60,000 panel decisions, 100,000 incidents, 20,000
vehicle checks. Bench-only: never used by the app or the tests.

The reference data (schools, operators, routes, pupils, crew, panel register) and each feature's own demo
records come from `htst demo` (`services.demo.build_demo`); this module's demo extension then tops each big
kind up to its target with the features' own row makers and Core bulk inserts (`services.bulk.insert_new`).
The file is cached under bench/out/ (gitignored) and rebuilt when the code's schema head changes, so only the
first run pays the build (a few minutes on a 2-core machine).

    .venv/bin/python bench/bigdb.py            build (or reuse) and print the counts
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

PUPILS = 50_000
TARGETS = {"panel_decisions": 60_000, "incidents": 100_000, "vehicle_checks": 20_000}
CASES_PER_MEETING = 20
CHUNK = 10_000
"""Rows per insert_new call: bounds the memory of the build."""
VERSION = 2
"""Bumped when this generator changes, so a stale cached database is not reused."""
OUT = Path(__file__).resolve().parent / "out"
SEED = 9
TODAY = dt.date(2026, 3, 16)
"""Fixed, so a cached database and a fresh one hold the same days."""


def _live(ctx: Any, name: str) -> int:
    from sqlalchemy import func, select

    from htst_tui.entities import entity

    orm = entity(name).orm
    with ctx.read() as session:
        return int(session.execute(select(func.count()).select_from(orm).where(orm.deleted.is_(False))).scalar_one())


def _insert(ctx: Any, name: str, rows: list[dict[str, Any]]) -> None:
    from htst_tui.entities import entity
    from htst_tui.services.bulk import insert_new

    with ctx.transaction(bulk=True) as session:
        for start in range(0, len(rows), CHUNK):
            insert_new(ctx, session, entity(name), rows[start:start + CHUNK], detail="bench data")


def _more_incidents(ctx: Any, ref: Any, rng: random.Random, wanted: int) -> None:
    from htst_tui.entities import entity
    from htst_tui.services import incident_demo
    from htst_tui.services.records import validate_data

    by_route: dict[str, list[str]] = {}
    for pupil, route in ref.pupil_route.items():
        if route:
            by_route.setdefault(route, []).append(pupil)
    now = dt.datetime.combine(ref.today, dt.time(12, 0)).astimezone()
    ent = entity("incidents")
    for start in range(0, wanted, CHUNK):
        rows = [validate_data(ent, incident_demo._incident(ctx, ref, rng, by_route, now))
                for _ in range(min(CHUNK, wanted - start))]
        _insert(ctx, "incidents", rows)


def _register(ctx: Any) -> list[dict[str, Any]]:
    """Every pupil, shaped as `panel_demo._pupils` shapes its sample: at city scale the cases spread over the
    whole register (about one decision per child), not over the demo's 200."""
    from sqlalchemy import select

    from htst_tui.db.reference import PupilRecord, SchoolRecord

    p = PupilRecord
    with ctx.read() as session:
        rows = session.execute(select(p.id, p.la_reference, p.date_of_birth, p.ehcp, p.needs_summary, SchoolRecord.name)
                               .join(SchoolRecord, SchoolRecord.id == p.school_id).order_by(p.la_reference)).all()
    return [{"pupil_id": pid, "pupil_ref": ref, "date_of_birth": born, "ehcp": ehcp, "need_summary": needs,
             "school_name": school} for pid, ref, born, ehcp, needs, school in rows]


def _more_decisions(ctx: Any, ref: Any, rng: random.Random, wanted: int) -> None:
    """Past meetings, one per working day going back, 20 cases each, every case with its decision."""
    from htst_tui.services import panel_demo

    pupils = _register(ctx)
    day = ref.today - dt.timedelta(days=30)
    made = 0
    while made < wanted:
        meetings: list[dict[str, Any]] = []
        cases: list[dict[str, Any]] = []
        decisions: list[dict[str, Any]] = []
        while made < wanted and len(decisions) < CHUNK:
            day = panel_demo._weekday(day - dt.timedelta(days=1))
            mid = panel_demo._new_id()
            meetings.append({"id": mid, "meeting_date": day, "place": "Fictional Town Hall, Room 2",
                             "online": False, "chair_member_id": ref.panel_member_ids[0], "status": "closed"})
            for seq in range(1, min(CASES_PER_MEETING, wanted - made) + 1):
                case, decision = panel_demo._case(rng, mid, seq, day, pupils)
                cases.append(case)
                decisions.append(decision)
                made += 1
        for name, rows in (("panel_meetings", meetings), ("panel_cases", cases), ("panel_decisions", decisions)):
            _insert(ctx, name, panel_demo._rows(ctx, name, rows))


def _more_checks(ctx: Any, ref: Any, rng: random.Random, wanted: int) -> None:
    """The spot-check demo makes 3-5 checks per visit; run it with enough visits, in rounds, until reached."""
    from htst_tui.services import spot_check_demo

    visits = spot_check_demo.VISITS
    try:
        while (short := wanted - _live(ctx, "vehicle_checks")) > 0:
            spot_check_demo.VISITS = min(2_000, max(1, short // 3))
            spot_check_demo.add_demo(ctx, ref, rng)
    finally:
        spot_check_demo.VISITS = visits


def add_city_scale(ctx: Any, ref: Any, rng: random.Random) -> None:
    """`htst demo` extension (runs after the features' own): top each big kind up to its target."""
    for name, grow in (("incidents", _more_incidents), ("panel_decisions", _more_decisions)):
        short = TARGETS[name] - _live(ctx, name)
        if short > 0:
            grow(ctx, ref, rng, short)
    _more_checks(ctx, ref, rng, TARGETS["vehicle_checks"])


def db_path() -> Path:
    from htst_tui.db.schema import SCHEMA_HEAD

    return OUT / f"city-{PUPILS}-v{VERSION}-{SCHEMA_HEAD}.db"


def ensure_big_db(*, quiet: bool = False) -> Path:
    """The cached city-scale database, built first if missing. Returns its path."""
    path = db_path()
    if path.exists():
        return path
    older = sorted(OUT.glob(f"city-{PUPILS}-v{VERSION}-*.db"))
    if older:  # the same data at an older schema: copy it and let open_database upgrade it (timed: a real upgrade)
        return _upgraded_copy(older[-1], path, quiet=quiet)
    sys.path.insert(0, str(Path(__file__).resolve().parent))  # so build_demo can import "bigdb:add_city_scale"
    from htst_tui.services.context import open_context
    from htst_tui.services.demo import EXTENSIONS, build_demo
    from htst_tui.settings import Settings

    OUT.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".building")
    for p in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        p.unlink(missing_ok=True)
    start = time.perf_counter()
    ctx = open_context(partial, officer="Bench Officer", settings=Settings())
    try:
        summary = build_demo(ctx, pupils=PUPILS, seed=SEED, today=TODAY,
                             extensions=[*EXTENSIONS, "bigdb:add_city_scale"])
        with ctx.db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.exec_driver_sql("ANALYZE")
    finally:
        ctx.close()
    partial.rename(path)
    if not quiet:
        print(f"built {path.name}: {summary.total:,} demo records in {time.perf_counter() - start:.0f} s")
    return path


def _upgraded_copy(source: Path, path: Path, *, quiet: bool) -> Path:
    import shutil

    from htst_tui.db.engine import open_database

    partial = path.with_suffix(".building")
    shutil.copyfile(source, partial)
    start = time.perf_counter()
    db = open_database(partial)
    seconds = time.perf_counter() - start
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    partial.rename(path)
    if not quiet:
        print(f"upgraded a copy of {source.name} to {path.name} in {seconds:.1f} s")
    return path


def main() -> None:
    os.environ.setdefault("HTST_CONFIG_DIR", str(OUT / "config"))
    path = ensure_big_db()
    from htst_tui.services.context import open_context
    from htst_tui.settings import Settings

    ctx = open_context(path, officer="Bench Officer", settings=Settings())
    try:
        counts = {name: _live(ctx, name) for name in ("pupils", *TARGETS, "panel_cases", "panel_meetings")}
    finally:
        ctx.close()
    size = path.stat().st_size / 1e6
    print(f"{path.name} ({size:.0f} MB): " + ", ".join(f"{n} {c:,}" for n, c in counts.items()))


if __name__ == "__main__":
    main()
