"""The merge shared by every target: outgoing versions from this device, incoming versions into it.

A record's state is its set of *leaves*: versions that no other known version descends from (CouchDB's model).
The row in the entity table holds the winner (highest `rev_sort_key`: longest history, then highest hash);
the other leaves are conflict losers in `sync_conflicts`. Folding a version into a leaf set is commutative
and idempotent, so every device that has seen the same versions ends with the same winner and losers,
whatever order bundles arrived in:
- the same rev, or an ancestor of a leaf (stale): no-op;
- otherwise the leaves it descends from are replaced by it (a fast-forward when that was the winner),
  and any leaf it does not descend from stays: a conflict, the loser kept for review.
Losers carry a `local_seq` and travel like records, so every device and target sees the same losers.

Bulk paths use SQLAlchemy Core, and validation runs once per incoming version (pydantic, the form's model).
"""

from __future__ import annotations

import datetime as dt
import gc
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, cast

from pydantic import ValidationError
from sqlalchemy import Table, delete, insert, select
from sqlalchemy.orm import Session

from htst_tui.db import search_index
from htst_tui.db.base import utcnow
from htst_tui.db.sync_state import SyncConflict
from htst_tui.domain.common import friendly_errors
from htst_tui.domain.revisions import MAX_HISTORY, rev_sort_key
from htst_tui.entities import BY_NAME, ENTITIES, Entity
from htst_tui.services.context import reserve_seq
from htst_tui.services.records import json_data
from htst_tui.sync.sqlite_rows import (
    CONFLICT_WIRE_SQL,
    as_update_params,
    insert_sql,
    update_sql,
    version_row,
    wire_select_sql,
)

REV_RE = re.compile(r"^[1-9]\d{0,8}-[0-9a-f]{1,64}$")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
CHUNK = 500
BULK_LOAD_ROWS = 5_000
"""Inserts into an empty table from this many rows build its indexes afterwards (see _bulk_load)."""
WIRE_KEYS = frozenset({"e", "id", "rev", "h", "d", "x", "at", "by", "o"})

Progress = Callable[[str, float], None]
"""progress(message, fraction 0..1)."""


@dataclass(slots=True)
class Version:
    """One record version as it travels: `data` is JSON-shaped (ISO dates), normalised by the model."""

    entity: str
    id: str
    rev: str
    history: list[str]
    data: dict[str, Any]
    deleted: bool
    updated_at: dt.datetime
    updated_by: str
    origin_device: str
    source: str = ""
    """Where it came from (bundle file, server sequence), for reports."""
    stamp: str = ""
    """`updated_at` as the bundle line gave it (checked): stored as text without re-formatting a datetime."""

    def descends_from(self, rev: str) -> bool:
        return rev in self.history


@dataclass(frozen=True)
class Rejection:
    source: str
    """The bundle file or server position."""
    entity: str
    record_id: str
    reason: str
    retry: bool = False
    """True when the record waits for a record it points at: its unit is read again on the next sync."""

    def __str__(self) -> str:
        what = f" {self.entity} {self.record_id}" if self.record_id else ""
        return f"{self.source}:{what} {self.reason}".strip()


@dataclass
class ApplyResult:
    pulled: int = 0
    conflicts: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    tombstoned: set[str] = field(default_factory=set)
    """Tables whose rows became deletions here (erased by a purge elsewhere?): their files get scrubbed."""


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a pull or export reads and merges a store.

    Such a step allocates 100,000s of long-lived dicts and versions and no reference cycles worth collecting
    before it ends; the collector would re-scan them all each time their number grows by a quarter
    (measured: 3 of 12 s of a 100,000-record pull). Reference counting still frees everything as usual, and
    the collector resumes afterwards, if it was running (nested or concurrent pauses leave it to the first)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# ---------------------------------------------------------------- wire format


def to_wire(ent_name: str, record_id: str, row: Any, data: dict[str, Any]) -> dict[str, Any]:
    """A row (entity table or conflict) as a JSON-ready bundle line; `data` already JSON-shaped."""
    return {"e": ent_name, "id": record_id, "rev": row.rev,
            "h": list(row.rev_history or []), "d": data, "x": bool(row.deleted),
            "at": row.updated_at.isoformat(), "by": row.updated_by, "o": row.origin_device}


_uuid = UUID_RE.match
_rev = REV_RE.match
_iso = dt.datetime.fromisoformat


def from_wire(obj: Any, source: str) -> Version | Rejection:
    """Check a bundle line's envelope (not its data: that is the entity model's job).

    The same checks as `_checked_from_wire`, written as one expression for the lines that pass them all
    (every line of a sound bundle); any line that fails one gets the full check, for its exact reason."""
    if type(obj) is dict and obj.keys() == WIRE_KEYS:
        ent, rid, rev, hist, data, deleted, at, by, origin = (
            obj["e"], obj["id"], obj["rev"], obj["h"], obj["d"], obj["x"], obj["at"], obj["by"], obj["o"])
        if (type(ent) is str and ent in BY_NAME and type(rid) is str and _uuid(rid)
                and type(rev) is str and _rev(rev)
                and type(hist) is list and len(hist) <= MAX_HISTORY
                and (not hist or all(type(h) is str and _rev(h) for h in hist))
                and type(data) is dict and type(deleted) is bool
                and type(by) is str and len(by) <= 120 and type(origin) is str and _uuid(origin)
                and type(at) is str):
            try:
                when = _iso(at)
            except ValueError:
                when = None
            if when is not None and when.tzinfo is not None:
                return Version(ent, rid, rev, hist, data, deleted, when, by, origin, source, at)
    return _checked_from_wire(obj, source)


def _checked_from_wire(obj: Any, source: str) -> Version | Rejection:
    """Every envelope check in turn, naming the first that fails."""
    if not isinstance(obj, dict):
        return Rejection(source, "", "", "a record line is not a JSON object")
    rid: str = obj["id"] if isinstance(obj.get("id"), str) else ""
    ent: str = obj["e"] if isinstance(obj.get("e"), str) else ""

    def bad(reason: str) -> Rejection:
        return Rejection(source, str(ent)[:40], str(rid)[:36], reason)

    if set(obj) != WIRE_KEYS:
        return bad(f"record fields {sorted(obj)} are not the bundle's record fields")
    if ent not in BY_NAME:
        return bad("unknown record kind")
    if not UUID_RE.match(rid):
        return bad("the record id is not a UUID")
    rev, hist, data = obj["rev"], obj["h"], obj["d"]
    if not isinstance(rev, str) or not REV_RE.match(rev):
        return bad("the revision id is malformed")
    if (not isinstance(hist, list) or len(hist) > MAX_HISTORY
            or not all(isinstance(h, str) and REV_RE.match(h) for h in hist)):
        return bad("the revision history is malformed")
    if not isinstance(data, dict):
        return bad("the record's data is not an object")
    if not isinstance(obj["x"], bool):
        return bad("the deleted flag is not true/false")
    by, origin, at = obj["by"], obj["o"], obj["at"]
    if not isinstance(by, str) or len(by) > 120 or not isinstance(origin, str) or not UUID_RE.match(origin):
        return bad("updated_by or origin_device is malformed")
    try:
        when = dt.datetime.fromisoformat(at) if isinstance(at, str) else None
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        return bad("updated_at is not a UTC timestamp")
    return Version(ent, rid, rev, hist, data, obj["x"], when, by, origin, source, at)


# ---------------------------------------------------------------- outgoing


def collect_outgoing(session: Session, after_seq: int) -> list[str]:
    """Every version this device holds with `local_seq > after_seq`, as bundle lines rendered by SQLite:
    records (parents first), then conflict losers."""
    conn = session.connection()
    out: list[str] = []
    for ent in ENTITIES:
        out.extend(r[0] for r in conn.exec_driver_sql(wire_select_sql(ent), (after_seq,)))
    out.extend(r[0] for r in conn.exec_driver_sql(CONFLICT_WIRE_SQL, (after_seq,)))
    return out


# ---------------------------------------------------------------- folding


def fold(leaves: list[Version], incoming: Version) -> list[Version] | None:
    """The leaf set after `incoming`, or None when it adds nothing (already held, or an ancestor of a leaf).

    The same rev can arrive with a longer history (a resolution made on two devices with the same content):
    the histories are united, so the leaves it supersedes drop everywhere, not only where it was made; and
    with other metadata: the copy `made_key` orders first is kept.
    """
    same: Version | None = None
    for leaf in leaves:
        if leaf.descends_from(incoming.rev):
            return None
        if leaf.rev == incoming.rev:
            same = leaf
    kept = [leaf for leaf in leaves if leaf.rev != incoming.rev and not incoming.descends_from(leaf.rev)]
    if same is None:
        return [*kept, incoming]
    extra = [h for h in incoming.history if h not in same.history]
    earlier = made_key(incoming) < made_key(same)
    if not extra and not earlier and len(kept) == len(leaves) - 1:
        return None
    merged = replace(incoming if earlier else same, history=[*same.history, *extra][:MAX_HISTORY])
    return [*kept, merged]


def made_key(v: Version) -> tuple[dt.datetime, str, str]:
    """Which copy of one revision every device keeps: the same content made on two devices (the same delete,
    the same resolution) has the same rev but its own time, officer and device. Keeping the first arrival
    would make devices (and exports) differ by the order bundles came in; the earliest made, then the
    device and officer, is the same choice everywhere."""
    return v.updated_at, v.origin_device, v.updated_by


def winner_of(leaves: Sequence[Version]) -> Version:
    if len(leaves) == 1:
        return leaves[0]  # the common case: no conflict
    return max(leaves, key=lambda v: rev_sort_key(v.rev))


# ---------------------------------------------------------------- incoming


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _validate(ent: Entity, versions: list[Version], result: ApplyResult) -> list[Version]:
    """Validate each version's data with the entity's model; bad ones are reported, never written."""
    good: list[Version] = []
    # model_validate(...).model_dump(mode="json") without the per-call Python wrappers
    validate = ent.schema.__pydantic_validator__.validate_python
    dump = ent.schema.__pydantic_serializer__.to_python
    for v in versions:
        try:
            v.data = dump(validate(v.data), mode="json")
        except ValidationError as exc:
            errors = "; ".join(f"{k}: {m}" for k, m in friendly_errors(exc).items())
            result.rejected.append(Rejection(v.source, ent.name, v.id, f"invalid record ({errors})"))
            continue
        good.append(v)
    return good


def _existing_ids(session: Session, ent: Entity, ids: set[str]) -> set[str]:
    """Which of `ids` are rows of the entity's table (driver-level: this runs for every pulled record)."""
    found: set[str] = set()
    conn = session.connection()
    for chunk in _chunks(sorted(ids)):
        sql = f'SELECT id FROM "{ent.table.name}" WHERE id IN ({",".join("?" * len(chunk))})'
        found.update(r[0] for r in conn.exec_driver_sql(sql, tuple(chunk)))
    return found


def _check_references(session: Session, ent: Entity, versions: list[Version], result: ApplyResult
                      ) -> list[Version]:
    """Referenced records must exist here once parents of this batch are applied (ENTITIES order)."""
    if not ent.references:
        return versions
    wanted: dict[str, set[str]] = defaultdict(set)
    for v in versions:
        for f, target in ent.references.items():
            value = v.data.get(f)
            wanted[target].update(value if isinstance(value, list) else ([value] if value else []))
    present = {target: _existing_ids(session, BY_NAME[target], ids) for target, ids in wanted.items()}
    if all(ids <= present[target] for target, ids in wanted.items()):
        return versions  # every reference resolves (the usual case): no per-record pass
    good = []
    for v in versions:
        missing = ""
        for f, target in ent.references.items():
            value = v.data.get(f)
            for ref_id in value if isinstance(value, list) else ([value] if value else []):
                if ref_id not in present[target]:
                    missing = f"{f} points at {BY_NAME[target].label.lower()} {ref_id}, which is not here"
                    break
            if missing:
                break
        if missing:
            result.rejected.append(Rejection(v.source, ent.name, v.id, missing, retry=True))
        else:
            good.append(v)
    return good


def _row_version(ent: Entity, row: Any) -> Version:
    return Version(ent.name, row.id, row.rev, list(row.rev_history or []),
                   json_data({f: getattr(row, f) for f in ent.data_fields}), bool(row.deleted), row.updated_at,
                   row.updated_by, row.origin_device)


def _loser_version(ent: Entity, row: Any) -> tuple[int, Version]:
    return row.seq, Version(ent.name, row.record_id, row.rev, list(row.rev_history or []), dict(row.data),
                            bool(row.deleted), row.updated_at, row.updated_by, row.origin_device)


def _loser_key(v: Version) -> tuple[Any, ...]:
    return v.rev, tuple(v.history), made_key(v)


def _table_is_empty(session: Session, ent: Entity) -> bool:
    return session.connection().exec_driver_sql(f'SELECT 1 FROM "{ent.table.name}" LIMIT 1').first() is None


def drop_secondary_indexes(conn: Any, table: str) -> list[str]:
    """Drop `table`'s own indexes (not the primary key's or a UNIQUE constraint's); returns their SQL."""
    indexes = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
        (table,)).all()
    for name, _ in indexes:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    return [sql for _, sql in indexes]


def _bulk_load(session: Session, ent: Entity, rows: list[tuple[Any, ...]]) -> None:
    """Fill an empty table (a new device's first pull, a store's new replica): drop its secondary indexes,
    insert in id order, and re-create them from their own stored SQL, all in the caller's transaction; its
    search index likewise (`search_index.bulk_filling`). Building an index once from sorted data is several
    times faster than 100,000 random inserts into it; constraints (primary key, foreign keys, NOT NULL) are
    checked as usual on insert, and a unique index that the rows break fails on re-creation, rolling the
    whole pull back as before."""
    conn = session.connection()
    indexes = drop_secondary_indexes(conn, ent.table.name)
    with search_index.bulk_filling(conn, ent.table.name):
        conn.exec_driver_sql(insert_sql(ent), rows)
    for sql in indexes:
        conn.exec_driver_sql(sql)


def apply_entity(session: Session, ent: Entity, versions: list[Version], result: ApplyResult) -> None:
    """Validate, check references, fold into the stored leaf sets and write the changes (Core, bulk)."""
    versions = _check_references(session, ent, _validate(ent, versions, result), result)
    if not versions:
        return
    t = ent.table
    c = cast(Table, SyncConflict.__table__)
    ids = sorted({v.id for v in versions})
    current: dict[str, Version] = {}
    losers: dict[str, list[tuple[int, Version]]] = defaultdict(list)
    empty = _table_is_empty(session, ent)  # a new device's first pull: nothing held to look up
    held_ids = [] if empty else sorted(_existing_ids(session, ent, set(ids)))
    for chunk in _chunks(held_ids):
        for row in session.execute(select(t).where(t.c.id.in_(chunk))):
            current[row.id] = _row_version(ent, row)
        for row in session.execute(select(c).where(c.c.entity == ent.name, c.c.record_id.in_(chunk))):
            losers[row.record_id].append(_loser_version(ent, row))
    leaves: dict[str, list[Version]] = {rid: [] for rid in ids}
    for rid in held_ids:
        leaves[rid] = [current[rid]] + [v for _, v in losers.get(rid, [])]
    changed: set[str] = set()
    for v in versions:
        held = leaves[v.id]
        new = fold(held, v) if held else [v]
        if new is not None:
            leaves[v.id] = new
            changed.add(v.id)
            result.pulled += 1
    if not changed:
        return
    inserts: list[Version] = []
    updates: list[Version] = []
    loser_adds: list[Version] = []
    loser_drops: list[int] = []
    for rid in sorted(changed):
        held_leaves = leaves[rid]
        win = winner_of(held_leaves)
        old = current.get(rid)
        if old is None:
            inserts.append(win)
        elif old.rev != win.rev or old.history != win.history or made_key(old) != made_key(win):
            updates.append(win)
            if win.deleted and not old.deleted:
                result.tombstoned.add(t.name)
        if len(held_leaves) == 1 and rid not in losers:
            continue  # no conflict before or after: no loser to keep or drop
        kept = {v.rev for v in held_leaves if v.rev != win.rev}
        stored = {_loser_key(v): seq for seq, v in losers.get(rid, [])}
        now_kept = {_loser_key(v) for v in held_leaves if v.rev in kept}
        loser_drops.extend(seq for key, seq in stored.items() if key not in now_kept)
        loser_adds.extend(v for v in held_leaves if v.rev in kept and _loser_key(v) not in stored)
    seq = reserve_seq(session, len(inserts) + len(updates) + len(loser_adds))
    build_row = version_row(ent)
    conn = session.connection()
    if inserts:
        rows = [build_row(w.data, w.id, w.rev, w.history, w.stamp or w.updated_at, w.updated_by, w.origin_device,
                    w.deleted, seq + i) for i, w in enumerate(inserts)]
        seq += len(rows)
        if empty and len(rows) >= BULK_LOAD_ROWS:
            _bulk_load(session, ent, rows)
        else:
            conn.exec_driver_sql(insert_sql(ent), rows)
    if updates:
        rows = [build_row(w.data, w.id, w.rev, w.history, w.stamp or w.updated_at, w.updated_by, w.origin_device,
                    w.deleted, seq + i) for i, w in enumerate(updates)]
        seq += len(rows)
        conn.exec_driver_sql(update_sql(ent), [as_update_params(ent, r) for r in rows])
    if loser_drops:
        for chunk in _chunks(loser_drops):
            session.execute(delete(c).where(c.c.seq.in_(chunk)))
    if loser_adds:
        now = utcnow()
        session.execute(insert(c), [
            {"entity": ent.name, "record_id": v.id, "rev": v.rev, "rev_history": v.history,
             "data": v.data, "deleted": v.deleted, "updated_at": v.updated_at,
             "updated_by": v.updated_by, "origin_device": v.origin_device, "detected_at": now,
             "local_seq": seq + i}
            for i, v in enumerate(loser_adds)
        ])
        result.conflicts += len(loser_adds)


def apply_incoming(session: Session, raw: Iterable[tuple[str, Any]], progress: Progress | None = None
                   ) -> ApplyResult:
    """Apply (source, wire record) pairs in one transaction, entity by entity in ENTITIES order."""
    result = ApplyResult()
    by_entity: dict[str, list[Version]] = defaultdict(list)
    for source, obj in raw:
        v = from_wire(obj, source)
        if isinstance(v, Rejection):
            result.rejected.append(v)
        else:
            by_entity[v.entity].append(v)
    total = max(1, sum(len(vs) for vs in by_entity.values()))
    done = 0
    for ent in ENTITIES:
        versions = by_entity.get(ent.name, [])
        if versions:
            if progress:
                progress(f"Merging {len(versions)} {ent.name}", done / total)
            apply_entity(session, ent, versions, result)
            done += len(versions)
    return result
