"""The sync and export fast paths give exactly what the general paths give.

- The export's CSVs (cells joined by SQLite, scratch database without secondary indexes) equal, byte for byte,
  the csv writer over `entity_rows` of a device that pulled the same store, on a store with every entity,
  conflicts, tombstones, awkward text (commas, quotes, new lines, the separator), floats, a bad record and a
  dangling reference.
- Rows a pull writes (built by `version_row`, into an emptied table by `_bulk_load`) equal the rows the
  writing device stored, column for column, and the table keeps every index.
- `from_wire`'s one-expression check agrees with the step-by-step check on valid and damaged lines.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from htst_tui.entities import ENTITIES
from htst_tui.services.demo import build_demo
from htst_tui.services.records import Records
from htst_tui.sync import merge
from htst_tui.sync.bundle import encode_bundle
from htst_tui.sync.export import columns, entity_rows, export_store, write_csv
from htst_tui.sync.run import sync
from htst_tui.sync.sqlite_rows import kind
from tests.sync_support import add_school, device

TODAY = dt.date(2026, 3, 2)
AWKWARD = 'Fictional, "Quoted"\nSchool\r\x1fÜ'


def _filled_store(tmp_path: Path) -> Path:
    """Two devices with demo data, a conflict, tombstones and awkward text; plus a bundle holding an
    invalid record and a record whose reference is missing."""
    stick = tmp_path / "stick"
    a, b = device(tmp_path, "a"), device(tmp_path, "b")
    build_demo(a, pupils=40, today=TODAY)
    sid = add_school(a, 7)
    add_school(a, 8, name=AWKWARD)
    sync(a, str(stick))
    sync(b, str(stick))
    schools_a, schools_b = Records(a, "schools"), Records(b, "schools")
    schools_a.update(sid, {**schools_a.get(sid).data, "name": "Edited; on A, with a comma"})
    schools_b.update(sid, {**schools_b.get(sid).data, "name": 'Edited "on B"'})
    pupil = Records(b, "pupils").list(limit=1).rows[0]["id"]
    Records(b, "pupils").delete(pupil)
    sync(a, str(stick))
    sync(b, str(stick))
    assert sync(a, str(stick)).conflicts + sync(b, str(stick)).conflicts >= 1
    stray = "9a9a9a9a-0000-4000-8000-000000000001"
    line = {"e": "schools", "id": "9a9a9a9a-0000-4000-8000-000000000002", "rev": "1-ab", "h": [],
            "d": {"urn": 5, "name": "Fictional Bad", "phase": "primary", "postcode": "BN1 1AA"}, "x": False,
            "at": "2026-01-01T10:00:00.000000+00:00", "by": "Officer X", "o": stray}
    dangling = {**line, "e": "operators", "id": "9a9a9a9a-0000-4000-8000-000000000003",
                "d": {"name": "Fictional Cabs", "licence_no": "L9", "contact": ""}}
    route = {**line, "e": "routes", "id": "9a9a9a9a-0000-4000-8000-000000000004",
             "d": {"code": "R9", "operator_id": "9a9a9a9a-0000-4000-8000-000000000099", "school_ids": [sid],
                   "vehicle_type": "car"}}
    folder = stick / "bundles" / stray
    folder.mkdir(parents=True)
    (folder / "0000000001.bundle").write_bytes(encode_bundle(stray, 1, [line, dangling, route]))
    return stick


def test_export_csvs_equal_the_general_path_on_a_mixed_store(tmp_path: Path) -> None:
    stick = _filled_store(tmp_path)
    result = export_store(str(stick), tmp_path / "out", "csv")
    assert any("urn" in r for r in result.rejected) and any("not here" in r for r in result.rejected)
    general = device(tmp_path, "general")
    sync(general, str(stick), push_first=False)
    texts = {}
    for ent in ENTITIES:
        path = tmp_path / "general" / f"{ent.name}.csv"
        path.parent.mkdir(exist_ok=True)
        write_csv(path, columns(ent), entity_rows(general, ent))
        texts[ent.name] = (tmp_path / "out" / f"{ent.name}.csv").read_bytes()
        assert texts[ent.name] == path.read_bytes(), ent.name
        assert result.rows[ent.name] == len(entity_rows(general, ent))
    assert sum(1 for rows in result.rows.values() if rows) >= 10  # the demo fills most entities
    schools = texts["schools"].decode("utf-8")
    assert '"Fictional, ""Quoted""\nSchool\r\x1fÜ"' in schools
    assert ('"Edited; on A, with a comma"' in schools) != ('"Edited ""on B"""' in schools)  # the winner only
    assert ",true\n" in texts["pupils"].decode("utf-8")  # a tombstone
    assert b"Fictional Cabs" in texts["operators"]  # a record waiting for nothing is exported...
    assert b"R9" not in texts["routes"]  # ...one whose operator is missing is not, nor the invalid school
    assert b"Fictional Bad" not in texts["schools"]


def _raw_rows(ctx: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every stored column but dirty/local_seq, JSON columns decoded (the ORM writes JSON with spaces after
    separators, sync compactly: the same values)."""
    conn = sqlite3.connect(ctx.db.path)
    try:
        out = {}
        for ent in ENTITIES:
            names = (*ent.data_fields, "id", "rev", "rev_history", "updated_at", "updated_by", "origin_device",
                     "deleted")
            cols = ", ".join(f'"{n}"' for n in names)
            is_json = [kind(ent.table.c[n]) == "json" for n in names]
            out[ent.name] = [
                tuple(json.loads(v) if j and v is not None else v for j, v in zip(is_json, row, strict=True))
                for row in conn.execute(f'SELECT {cols} FROM "{ent.table.name}" ORDER BY id')]
        return out
    finally:
        conn.close()


def _indexes(ctx: Any) -> list[tuple[str, str]]:
    conn = sqlite3.connect(ctx.db.path)
    try:
        return conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name").fetchall()
    finally:
        conn.close()


def test_pulled_rows_equal_the_writers_rows_and_bulk_load_keeps_indexes(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(merge, "BULK_LOAD_ROWS", 1)  # every table of the new device goes through _bulk_load
    stick = tmp_path / "stick"
    a, b = device(tmp_path, "a"), device(tmp_path, "b")
    build_demo(a, pupils=40, today=TODAY)
    add_school(a, 7, name=AWKWARD)
    indexes = _indexes(b)
    sync(a, str(stick))
    assert sync(b, str(stick)).pulled > 100
    written, pulled = _raw_rows(a), _raw_rows(b)
    assert pulled == written and sum(map(len, pulled.values())) > 100
    assert _indexes(b) == indexes


def _wire_lines(tmp_path: Path) -> list[dict[str, Any]]:
    a = device(tmp_path, "w")
    build_demo(a, pupils=20, today=TODAY)
    with a.read() as session:
        return [json.loads(line) for line in merge.collect_outgoing(session, 0)]


DAMAGE: list[tuple[str, Any]] = [
    ("e", "nope"), ("e", 3), ("e", ["schools"]), ("id", "not-a-uuid"), ("id", 5), ("id", None),
    ("rev", "0-ab"), ("rev", 7), ("h", "1-ab"), ("h", ["bad"]), ("h", [3]), ("h", ["1-ab"] * 201), ("d", []),
    ("d", None), ("x", 0), ("x", "false"), ("at", "2026-01-01T10:00:00"), ("at", "yesterday"), ("at", 5),
    ("by", 5), ("by", "x" * 121), ("o", "nope"), ("o", None),
]


def test_from_wire_fast_check_agrees_with_the_full_check(tmp_path: Path) -> None:
    lines = _wire_lines(tmp_path)
    cases: list[Any] = [*lines, [], "text", None]
    for i, (key, value) in enumerate(DAMAGE):
        broken = copy.deepcopy(lines[i % len(lines)])
        broken[key] = value
        cases.append(broken)
    extra = copy.deepcopy(lines[0])
    extra["zz"] = 1
    missing = copy.deepcopy(lines[1])
    del missing["by"]
    cases += [extra, missing]
    accepted = 0
    for obj in cases:
        fast = merge.from_wire(copy.deepcopy(obj), "f.bundle")
        full = merge._checked_from_wire(copy.deepcopy(obj), "f.bundle")
        assert fast == full, obj
        accepted += isinstance(fast, merge.Version)
    assert accepted == len(lines)


def test_wire_timestamps_are_stored_in_one_form_whatever_iso_spelling_they_use() -> None:
    """Only the canonical bundle form is stored by slicing; any other accepted spelling is parsed."""
    from htst_tui.sync.sqlite_rows import storage_datetime

    canonical = "2026-01-01 10:00:00.123456"
    for spelling in ("2026-01-01T10:00:00.123456+00:00", "2026-01-01T10:00:00,123456+00:00",
                     "2026-01-01T11:00:00.123456+01:00", "2026-01-01T10:00:00.123456Z"):
        assert storage_datetime(spelling) == canonical, spelling
    assert storage_datetime(dt.datetime(2026, 1, 1, 10, 0, 0, 123456, tzinfo=dt.UTC)) == canonical
