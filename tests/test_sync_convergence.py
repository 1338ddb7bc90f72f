"""Property: any interleaving of edits on 2-4 devices and any order of syncs converges everywhere, and no
version is lost (each one is current, an ancestor of a kept version, or a retrievable conflict loser).
The same suite runs against a folder and against PostgreSQL."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from htst_tui.db.sync_state import SyncConflict
from htst_tui.entities import ENTITIES
from htst_tui.errors import HtstError
from htst_tui.services.records import Records
from htst_tui.services.sync import list_conflicts, resolve_conflict
from htst_tui.sync.run import sync
from tests.sync_support import device, fresh_pg_database, losers, pg_server, school, snapshot  # noqa: F401

NAMES = ["Fictional Academy", "Imaginary Infants", "Pretend Primary"]

op = st.one_of(
    st.tuples(st.just("create"), st.integers(0, 3), st.sampled_from(["school", "pupil"])),
    st.tuples(st.just("update"), st.integers(0, 3), st.integers(0, 20), st.sampled_from(NAMES)),
    st.tuples(st.just("delete"), st.integers(0, 3), st.integers(0, 20)),
    st.tuples(st.just("sync"), st.integers(0, 3)),
    st.tuples(st.just("resolve"), st.integers(0, 3), st.sampled_from(["current", "other"])),
)


def all_versions(ctx: Any) -> dict[tuple[str, str], set[str]]:
    """(entity, id) -> every rev this device can account for: current, losers and all their ancestors."""
    out: dict[tuple[str, str], set[str]] = {}
    with ctx.read() as session:
        for ent in ENTITIES:
            t = ent.table
            for r in session.execute(select(t.c.id, t.c.rev, t.c.rev_history)):
                out.setdefault((ent.name, r.id), set()).update([r.rev, *r.rev_history])
        for c in session.execute(select(SyncConflict)).scalars():
            out.setdefault((c.entity, c.record_id), set()).update([c.rev, *c.rev_history])
    return out


class World:
    def __init__(self, folder: Path, n: int, target: str) -> None:
        self.devices = [device(folder, f"d{i}") for i in range(n)]
        self.target = target
        self.made: list[tuple[str, str, str]] = []
        self.urn = 0

    def live(self, ctx: Any, kind: str) -> list[str]:
        return [r["id"] for r in Records(ctx, kind).list(limit=100).rows]

    def run(self, step: tuple[Any, ...]) -> None:
        kind, who = step[0], self.devices[step[1] % len(self.devices)]
        try:
            if kind == "create":
                self.urn += 1
                if step[2] == "school":
                    v = Records(who, "schools").create(school(self.urn))
                else:
                    schools = self.live(who, "schools")
                    if not schools:
                        return
                    v = Records(who, "pupils").create({
                        "la_reference": f"TST{self.urn:05d}", "first_name": "Testchild", "last_name": "Example",
                        "date_of_birth": "2016-05-04", "school_id": schools[0], "year_group": 3})
                self.made.append((v.entity, v.id, v.rev))
            elif kind in ("update", "delete"):
                ids = self.live(who, "schools")
                if not ids:
                    return
                rid = ids[step[2] % len(ids)]
                recs = Records(who, "schools")
                if kind == "update":  # the device's number in the name: concurrent edits really differ
                    data = dict(recs.get(rid).data, name=f"{step[3]} {step[1] % len(self.devices)}")
                    v = recs.update(rid, data)
                else:
                    v = recs.delete(rid)
                self.made.append((v.entity, v.id, v.rev))
            elif kind == "sync":
                assert not sync(who, self.target).rejected
            else:
                page = list_conflicts(who, limit=1)
                if page.rows:
                    resolve_conflict(who, page.rows[0]["seq"], step[2])
        except HtstError:
            pass  # e.g. an update whose school was deleted meanwhile: refused like in a form

    def share_some_records(self) -> None:
        """Start from records every device holds, so random edits hit the same records concurrently."""
        for _ in (1, 2):
            self.urn += 1
            v = Records(self.devices[0], "schools").create(school(self.urn))
            self.made.append((v.entity, v.id, v.rev))
        for ctx in self.devices:
            sync(ctx, self.target)

    def converge(self) -> None:
        for _ in range(2):
            for ctx in self.devices:
                result = sync(ctx, self.target)
                assert not result.rejected, [str(r) for r in result.rejected]

    def close(self) -> None:
        for ctx in self.devices:
            ctx.close()


def check(world: World, folder: Path) -> None:
    world.converge()
    first = world.devices[0]
    expected, expected_losers = snapshot(first), losers(first)
    fresh = device(folder, "fresh")  # the target's own state, read by a device that never wrote
    try:
        sync(fresh, world.target)
        views = [*world.devices, fresh]
        for ctx in views:
            assert snapshot(ctx) == expected
            assert losers(ctx) == expected_losers
        held = all_versions(first)
        for ent, rid, rev in world.made:
            assert rev in held.get((ent, rid), set()), f"version {rev} of {ent} {rid} was lost"
        again = [sync(ctx, world.target).counts() for ctx in world.devices]
        assert all(c == {"pushed": 0, "pulled": 0, "conflicts": 0, "rejected": 0} for c in again)
        assert snapshot(first) == expected
    finally:
        fresh.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(2, 4), steps=st.lists(op, min_size=1, max_size=20))
def test_folder_sync_converges_and_loses_nothing(n: int, steps: list[tuple[Any, ...]]) -> None:
    folder = Path(tempfile.mkdtemp(prefix="htst-conv-"))
    world = World(folder, n, str(folder / "stick"))
    try:
        world.share_some_records()
        for s in steps:
            world.run(s)
        check(world, folder)
    finally:
        world.close()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.postgres
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(n=st.integers(2, 4), steps=st.lists(op, min_size=1, max_size=20))
def test_postgres_sync_converges_and_loses_nothing(pg_server: str, n: int, steps: list[tuple[Any, ...]]) -> None:  # noqa: F811
    folder = Path(tempfile.mkdtemp(prefix="htst-conv-pg-"))
    url, drop = fresh_pg_database(pg_server)
    world = World(folder, n, url)
    try:
        world.share_some_records()
        for s in steps:
            world.run(s)
        check(world, folder)
    finally:
        world.close()
        drop()
        shutil.rmtree(folder, ignore_errors=True)
