"""The same revision made on two devices (both delete the same record: same content, same parent, so the same
rev) differs only in its time and officer. Every device, the store and the export must keep the same copy,
whatever order the copies arrive in — found by the replica property test, where a kept replica and a fresh one
exported different `updated_by` values."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from htst_tui.services.records import Records
from htst_tui.sync.merge import Version, fold, made_key
from htst_tui.sync.postgres import PostgresTarget
from htst_tui.sync.run import sync
from tests.sync_support import add_school, device, pg_server, pg_url, snapshot  # noqa: F401

RID = "9a9a9a9a-0000-4000-8000-000000000001"
DEVICE = "9a9a9a9a-0000-4000-8000-0000000000d0"


def copy(officer: str, second: int) -> Version:
    return Version("schools", RID, "2-ab", ["1-aa"], {"name": "x"}, True,
                   dt.datetime(2026, 11, 23, 9, 0, second, tzinfo=dt.UTC), officer, DEVICE)


def test_fold_keeps_the_earliest_copy_in_either_order() -> None:
    early, late = copy("Officer B", 1), copy("Officer A", 2)
    one = fold([late], early)
    assert one is not None and [made_key(v) for v in one] == [made_key(early)]
    assert fold([early], late) is None  # the earlier copy is already held: nothing changes


def _both_delete_the_same_record(tmp_path: Path, target: str) -> list[dict[str, dict[str, tuple[object, ...]]]]:
    a, b = device(tmp_path, "a"), device(tmp_path, "b")
    sid = add_school(a)
    sync(a, target)
    sync(b, target)
    first = Records(b, "schools").delete(sid)
    second = Records(a, "schools").delete(sid)
    assert first.rev == second.rev  # the same revision, made twice
    for _ in range(2):
        for ctx in (a, b):
            assert not sync(ctx, target).rejected
    return [snapshot(a), snapshot(b)]


def test_devices_keep_the_same_copy_through_a_folder(tmp_path: Path) -> None:
    on_a, on_b = _both_delete_the_same_record(tmp_path, str(tmp_path / "stick"))
    assert on_a == on_b
    (kept,) = on_a["schools"].values()
    assert kept[3] == "Officer b"  # b deleted first: its copy is the earliest


@pytest.mark.postgres
def test_devices_keep_the_same_copy_through_postgres_after_a_schema_1_store_is_upgraded(
        tmp_path: Path, pg_url: str) -> None:  # noqa: F811
    PostgresTarget(pg_url).close()
    engine = create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:  # as a schema 1 store was: one copy per revision
        conn.execute(text("ALTER TABLE htst_versions DROP CONSTRAINT uq_htst_versions_copy"))
        conn.execute(text("ALTER TABLE htst_versions ADD CONSTRAINT uq_htst_versions_version "
                          "UNIQUE (entity, record_id, rev)"))
        conn.execute(text("UPDATE htst_store SET value = '1' WHERE key = 'schema'"))
    on_a, on_b = _both_delete_the_same_record(tmp_path, pg_url)
    assert on_a == on_b
    with engine.connect() as conn:
        assert conn.execute(text("SELECT value FROM htst_store WHERE key = 'schema'")).scalar_one() == "2"
        assert conn.execute(text("SELECT count(*) FROM htst_versions WHERE deleted")).scalar_one() == 2
    engine.dispose()
