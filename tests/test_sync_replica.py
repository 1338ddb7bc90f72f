"""A store's replica (sync/replica.py): a kept replica and a fresh one give byte-identical exports however the
store grew in between; rejections are reported by every export; damaged replicas are rebuilt; replicas are
private files; and a purge's tombstones reach them."""

from __future__ import annotations

import datetime as dt
import stat
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from htst_tui.entities import ENTITIES
from htst_tui.services.purge import run_purge
from htst_tui.services.records import Records
from htst_tui.sync import merge
from htst_tui.sync.bundle import encode_bundle
from htst_tui.sync.export import entity_rows, export_store
from htst_tui.sync.replica import replica_path, store_replica
from htst_tui.sync.run import sync
from htst_tui.sync.target import open_target
from tests.sync_support import add_pupil, add_school, device, fresh_pg_database, pg_server  # noqa: F401

FAR = dt.date(2090, 1, 1)
"""Past every retention period of the records made here."""


def _csvs(folder: Path) -> dict[str, bytes]:
    return {ent.name: (folder / f"{ent.name}.csv").read_bytes() for ent in ENTITIES}


def _kept_equals_fresh(store: str, tmp_path: Path, tag: str) -> dict[str, bytes]:
    """Export through the kept replica, then through a fresh one (its own folder); both must agree."""
    kept = export_store(store, tmp_path / f"kept-{tag}", "csv")
    fresh = export_store(store, tmp_path / f"fresh-{tag}", "csv", replicas=tmp_path / f"replicas-{tag}")
    assert _csvs(tmp_path / f"kept-{tag}") == _csvs(tmp_path / f"fresh-{tag}")
    assert sorted(kept.rejected) == sorted(fresh.rejected)
    assert kept.rows == fresh.rows
    return _csvs(tmp_path / f"kept-{tag}")


# Each step: (device 0 or 1, action) — the store grows between two exports through the same kept replica.
STEP = st.tuples(st.integers(0, 1), st.sampled_from(["add", "edit", "delete", "sync"]))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rounds=st.lists(st.lists(STEP, min_size=1, max_size=5), min_size=1, max_size=3))
def test_a_kept_replica_exports_what_a_fresh_one_does(tmp_path_factory: pytest.TempPathFactory,
                                                      rounds: list[list[tuple[int, str]]]) -> None:
    tmp_path = tmp_path_factory.mktemp("replica")
    store = str(tmp_path / "stick")
    devices = [device(tmp_path, "a"), device(tmp_path, "b")]
    first = add_school(devices[0], 1)
    sync(devices[0], store)
    sync(devices[1], store)
    made = 1
    for r, steps in enumerate(rounds):
        for who, action in steps:
            ctx = devices[who]
            schools = Records(ctx, "schools")
            live = [row["id"] for row in schools.list(limit=50).rows]
            if action == "add" or not live:
                made += 1
                add_school(ctx, made)
            elif action == "edit":
                target = live[0] if first in live else live[-1]
                schools.update(target, {**schools.get(target).data, "name": f"Edited {r} on {who}"})
            elif action == "delete":
                schools.delete(live[-1])
            else:
                sync(ctx, store)
        for ctx in devices:
            sync(ctx, store)
        _kept_equals_fresh(store, tmp_path, str(r))
    for ctx in devices:
        ctx.close()


def test_a_replica_filled_in_bulk_equals_a_device_pull(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The bulk path (an empty table, `merge.BULK_LOAD_ROWS` rows or more) on a replica, which has no search
    indexes, and on a device, which rebuilds its own once."""
    monkeypatch.setattr(merge, "BULK_LOAD_ROWS", 1)
    stick = tmp_path / "stick"
    a = device(tmp_path, "a")
    sid = add_school(a)
    for n in range(3):
        add_pupil(a, sid, n)
    sync(a, str(stick))
    export_store(str(stick), tmp_path / "out", "csv")
    b = device(tmp_path, "b")
    sync(b, str(stick))
    assert [r["last_name"] for r in Records(b, "pupils").list("xample2").rows] == ["Example2"]  # its FTS index
    with store_replica(str(stick)) as replica:
        for ent in ENTITIES:
            assert entity_rows(replica.ctx, ent) == entity_rows(b, ent)


def test_rejections_are_reported_by_every_export_not_only_the_first(tmp_path: Path) -> None:
    stick = tmp_path / "stick"
    a = device(tmp_path, "a")
    sid = add_school(a)
    sync(a, str(stick))
    stray = "9a9a9a9a-0000-4000-8000-000000000001"
    bad = {"e": "schools", "id": "9a9a9a9a-0000-4000-8000-000000000002", "rev": "1-ab", "h": [],
           "d": {"urn": 5, "name": "Fictional Bad", "phase": "primary", "postcode": "BN1 1AA"}, "x": False,
           "at": "2026-01-01T10:00:00.000000+00:00", "by": "Officer X", "o": stray}
    good = {**bad, "id": "9a9a9a9a-0000-4000-8000-000000000003",
            "d": {"urn": 123456, "name": "Fictional Good", "phase": "primary", "postcode": "BN1 1AA"}}
    folder = stick / "bundles" / stray
    folder.mkdir(parents=True)
    (folder / "0000000001.bundle").write_bytes(encode_bundle(stray, 1, [bad, good]))
    (folder / "0000000003.bundle").write_bytes(encode_bundle(stray, 3, [good]))  # bundle 2 is missing
    first = export_store(str(stick), tmp_path / "one", "csv")
    assert any("urn" in r for r in first.rejected) and any("is missing" in r for r in first.rejected)
    assert b"Fictional Good" in (tmp_path / "one" / "schools.csv").read_bytes()
    add_pupil(a, sid)
    sync(a, str(stick))
    second = export_store(str(stick), tmp_path / "two", "csv")
    assert sorted(second.rejected) == sorted(first.rejected)
    assert second.rows["pupils"] == 1


def test_a_damaged_replica_is_rebuilt_and_said_so(tmp_path: Path) -> None:
    stick = tmp_path / "stick"
    a = device(tmp_path, "a")
    add_school(a)
    sync(a, str(stick))
    before = export_store(str(stick), tmp_path / "one", "csv")
    assert not before.notices
    path = replica_path(open_target(str(stick)).store_id)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    path.write_bytes(b"this is not a database at all" * 10)
    after = export_store(str(stick), tmp_path / "two", "csv")
    assert len(after.notices) == 1 and str(path) in after.notices[0] and "rebuilt" in after.notices[0]
    assert _csvs(tmp_path / "one") == _csvs(tmp_path / "two")


def test_a_purge_reaches_the_replica_at_the_next_export(tmp_path: Path) -> None:
    stick = tmp_path / "stick"
    a = device(tmp_path, "a")
    pid = add_pupil(a, add_school(a), 41)
    sync(a, str(stick))
    export_store(str(stick), tmp_path / "one", "csv")
    assert b"Example41" in (tmp_path / "one" / "pupils.csv").read_bytes()
    assert run_purge(a, today=FAR).erased.get("pupils") == 1
    sync(a, str(stick))
    export_store(str(stick), tmp_path / "two", "csv")
    assert b"Example41" not in (tmp_path / "two" / "pupils.csv").read_bytes()
    with store_replica(str(stick)) as replica, replica.ctx.read() as session:
        row = session.connection().exec_driver_sql("SELECT * FROM pupils WHERE id = ?", (pid,)).one()._mapping
    assert row["deleted"] == 1 and "Example41" not in repr(dict(row))
    path = replica_path(open_target(str(stick)).store_id)
    assert b"Example41" not in b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


@pytest.mark.postgres
def test_a_kept_replica_of_postgres_reads_only_new_rows_and_agrees(tmp_path: Path,
                                                                  pg_server: str) -> None:  # noqa: F811
    url, drop = fresh_pg_database(pg_server)
    try:
        a, b = device(tmp_path, "a"), device(tmp_path, "b")
        sid = add_school(a)
        sync(a, url)
        _kept_equals_fresh(url, tmp_path, "one")
        sync(b, url)
        add_pupil(b, sid)
        sync(b, url)
        with store_replica(url) as replica:
            assert not replica.rejected
        _kept_equals_fresh(url, tmp_path, "two")
    finally:
        drop()
