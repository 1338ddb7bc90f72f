"""Bulk row codecs between the local SQLite tables and JSON-shaped record data, generic over ENTITIES.

Sync moves whole tables, so it skips SQLAlchemy's per-row type processing (DESIGN.md: bulk paths pay for every
layer): SQLite itself renders outgoing bundle lines with `json_object`, and incoming rows are bound straight to
the driver (`exec_driver_sql`) in the storage format SQLAlchemy's own types read back (ISO dates, naive UTC
"YYYY-MM-DD HH:MM:SS.ffffff" datetimes, 0/1 booleans, JSON text). The column kind comes from each column's
SQLAlchemy type, so a table added to ENTITIES needs nothing here.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from functools import cache
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Boolean, Column, Date, DateTime

from htst_tui.db.base import SYNC_COLUMNS, UTCDateTime
from htst_tui.entities import Entity

Kind = str  # "bool" | "json" | "datetime" | "date" | "plain"


def kind(col: Column[Any]) -> Kind:
    t = col.type
    if isinstance(t, Boolean):
        return "bool"
    if isinstance(t, JSON):
        return "json"
    if isinstance(t, (DateTime, UTCDateTime)):
        return "datetime"
    if isinstance(t, Date):
        return "date"
    return "plain"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _json_expr(col: Column[Any], k: Kind) -> str:
    c = _q(col.name)
    if k == "bool":
        return f"json(CASE WHEN {c} IS NULL THEN 'null' WHEN {c} THEN 'true' ELSE 'false' END)"
    if k == "json":
        return f"json({c})"
    if k == "datetime":
        return f"CASE WHEN {c} IS NULL THEN NULL ELSE replace({c}, ' ', 'T') || '+00:00' END"
    return c


def wire_select_sql(ent: Entity) -> str:
    """SELECT json_object(...) rendering each row with local_seq > :after as one bundle line."""
    t = ent.table
    data = ", ".join(f"{_lit(f)}, {_json_expr(t.c[f], kind(t.c[f]))}" for f in ent.data_fields)
    return (f"SELECT json_object('e', {_lit(ent.name)}, 'id', id, 'rev', rev, 'h', json(rev_history), "
            f"'d', json_object({data}), 'x', {_json_expr(t.c.deleted, 'bool')}, "
            f"'at', {_json_expr(t.c.updated_at, 'datetime')}, 'by', updated_by, 'o', origin_device) "
            f"FROM {_q(t.name)} WHERE local_seq > ? ORDER BY local_seq")


CONFLICT_WIRE_SQL = (
    "SELECT json_object('e', entity, 'id', record_id, 'rev', rev, 'h', json(rev_history), 'd', json(data), "
    "'x', json(CASE WHEN deleted THEN 'true' ELSE 'false' END), "
    "'at', replace(updated_at, ' ', 'T') || '+00:00', 'by', updated_by, 'o', origin_device) "
    "FROM sync_conflicts WHERE local_seq > ? ORDER BY local_seq")


_UTC_ISO = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}\+00:00")
"""The form every bundle line's timestamp has (rendered by SQLite, see wire_select_sql)."""


def storage_datetime(value: str | dt.datetime) -> str:
    """An ISO timestamp (already checked to parse) or aware datetime as the naive-UTC text SQLAlchemy stores."""
    if isinstance(value, str) and _UTC_ISO.fullmatch(value):
        return f"{value[:10]} {value[11:26]}"  # the common case, without parsing
    when = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    if when.tzinfo is not None:
        when = when.astimezone(dt.UTC).replace(tzinfo=None)
    return when.isoformat(" ", "microseconds")  # SQLAlchemy's SQLite format; several times faster than strftime


_compact_json = json.JSONEncoder(separators=(",", ":")).encode


def _json_text(value: Any) -> str | None:
    """JSON column text; an empty list (most revision histories pulled into a new device) without encoding."""
    if value is None:
        return None
    if value == [] and type(value) is list:
        return "[]"
    return _compact_json(value)


def _to_storage(k: Kind) -> Callable[[Any], Any] | None:
    if k == "json":
        return _json_text
    if k == "datetime":
        return lambda v: None if v is None else storage_datetime(v)
    return None  # bool, date (ISO text), plain: sqlite3 binds them as they are


def write_columns(ent: Entity) -> tuple[tuple[str, ...], tuple[Callable[[Any], Any] | None, ...]]:
    """Every column of the table (data fields then sync columns) and its converter to storage format."""
    return _write_columns(ent.name)


@cache
def _write_columns(name: str) -> tuple[tuple[str, ...], tuple[Callable[[Any], Any] | None, ...]]:
    from htst_tui.entities import BY_NAME

    ent = BY_NAME[name]
    t = ent.table
    names = (*ent.data_fields, *SYNC_COLUMNS)
    return names, tuple(_to_storage(kind(t.c[n])) for n in names)


VersionRow = Callable[..., tuple[Any, ...]]
"""(data, id, rev, history, updated_at, updated_by, origin_device, deleted, local_seq) -> a storage row in
`write_columns` order, not dirty (a version pulled from a target)."""


def version_row(ent: Entity) -> VersionRow:
    """The row builder of one record version, in `write_columns` order with each converter applied; built
    without an intermediate dict, as sync writes 100,000s."""
    return _version_row(ent.name)


@cache
def _version_row(name: str) -> VersionRow:
    from htst_tui.entities import BY_NAME

    ent = BY_NAME[name]
    names, convs = write_columns(ent)
    fields = ent.data_fields
    n = len(fields)
    data_convs = tuple((i, c) for i, c in enumerate(convs[:n]) if c is not None)
    get = itemgetter(*fields) if n > 1 else (lambda d: (d[fields[0]],))
    hist_conv, at_conv = convs[n + 2], convs[n + 3]
    assert names[n:] == SYNC_COLUMNS and hist_conv is not None and at_conv is not None

    def build(data: dict[str, Any], rid: str, rev: str, history: list[str], updated_at: str | dt.datetime,
              updated_by: str, origin: str, deleted: bool, seq: int) -> tuple[Any, ...]:
        values: tuple[Any, ...] = get(data)
        if data_convs:
            cells = list(values)
            for i, conv in data_convs:
                cells[i] = conv(cells[i])
            values = tuple(cells)
        return (*values, rid, rev, hist_conv(history), at_conv(updated_at), updated_by, origin, deleted, False,
                seq)

    return build


def insert_sql(ent: Entity) -> str:
    names, _ = write_columns(ent)
    return (f"INSERT INTO {_q(ent.table.name)} ({', '.join(_q(n) for n in names)}) "
            f"VALUES ({', '.join('?' for _ in names)})")


def update_sql(ent: Entity) -> str:
    """Parameters: a `version_row` with the id moved last (for WHERE): see `as_update_params`."""
    names, _ = write_columns(ent)
    sets = ", ".join(f"{_q(n)} = ?" for n in names if n != "id")
    return f"UPDATE {_q(ent.table.name)} SET {sets} WHERE id = ?"


def as_update_params(ent: Entity, row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A storage row as `update_sql`'s parameters (the id moved last)."""
    i = len(ent.data_fields)  # write_columns: data fields, then "id" first of the sync columns
    return (*row[:i], *row[i + 1:], row[i])


def csv_cell_sql(col: Column[Any]) -> str:
    """A column as the export's CSV text, computed by SQLite: ISO dates, true/false, list items joined by ';'."""
    c = _q(col.name)
    k = kind(col)
    if k == "bool":
        return f"CASE WHEN {c} IS NULL THEN '' WHEN {c} THEN 'true' ELSE 'false' END"
    if k == "json":
        return (f"CASE WHEN {c} IS NULL THEN '' WHEN json_type({c}) = 'array' THEN "
                f"(SELECT coalesce(group_concat(value, ';'), '') FROM json_each({c})) ELSE {c} END")
    if k == "datetime":
        return f"CASE WHEN {c} IS NULL THEN '' ELSE replace({c}, ' ', 'T') || '+00:00' END"
    return f"coalesce({c}, '')"
