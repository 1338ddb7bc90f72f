"""Substring search indexes: an SQLite FTS5 table with the trigram tokenizer per big entity, kept right by triggers.

Why: type-to-search looks for a case-insensitive substring in any of an entity's `search_fields`. As
`LIKE '%term%'` that reads every row: at city scale (50,000 pupils, 100,000 incidents) each keystroke scanned
and counted the whole table. A trigram index answers the same question (any field containing the term, case
folded) from the index for terms of `MIN_TERM` characters or more; shorter terms match so many rows that the
list's ordered scan finds a page at once, so they keep using LIKE.

Why triggers: every writer — forms (ORM), bulk inserts (Core), sync's merge, imports, purges — keeps the index
right without knowing it exists. The index is "external content" (it stores no copy of the text; it reads it
from the entity's table by rowid), so it costs the index alone.

Why outside the ORM metadata: SQLAlchemy cannot describe virtual tables or triggers. They are created by the
migration `0002_search_indexes` (calling `install`) and left out of autogenerate and of the models-equal-migrations test
by `include_object` (FTS5 also makes shadow tables named `<index>_data`, `_idx`, `_docsize`, `_config`).

Rowids: the index is keyed by the entity table's rowid. A batch (copy-and-move) migration of an indexed table or
a VACUUM can renumber rowids and drops the table's triggers, so `engine.upgrade` calls `ensure` after every
upgrade: it recreates whatever is missing and rebuilds that index from the table.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, text

MIN_TERM = 3
"""Shorter terms cannot use a trigram index (and match most rows anyway)."""

SUFFIX = "_search"

INDEXED: dict[str, tuple[str, ...]] = {
    "pupils": ("la_reference", "first_name", "last_name"),
    "crew_members": ("name", "badge_number"),
    "vehicle_checks": ("vehicle_registration", "plate_number"),
    "incidents": ("description", "reported_by_name", "immediate_action", "outcome"),
    "panel_cases": ("pupil_ref", "child_name", "school_name"),
    "panel_decisions": ("outcome", "reasons"),
    "follow_ups": ("owner", "description"),
}
"""table -> the columns indexed: the entity's `search_fields` (a test holds the two equal) for the kinds that
grow to tens of thousands of rows. Small kinds (schools, operators, routes, the panel register) scan in a
millisecond or two and are not indexed."""

SHADOW = ("_data", "_idx", "_docsize", "_config", "_content")


def index_name(table: str) -> str:
    return f"{table}{SUFFIX}"


def is_search_table(name: str) -> bool:
    """An FTS5 table of ours or one of its shadow tables."""
    for table in INDEXED:
        base = index_name(table)
        if name == base or (name.startswith(base) and name[len(base):] in SHADOW):
            return True
    return False


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic filter: the search indexes are not models (see module docstring)."""
    return not (type_ == "table" and name is not None and is_search_table(name))


def _triggers(table: str, columns: Sequence[str]) -> dict[str, str]:
    fts = index_name(table)
    cols = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    remove = f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.rowid, {old});"
    add = f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.rowid, {new});"
    return {
        f"{fts}_insert": f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN {add} END",
        f"{fts}_delete": f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN {remove} END",
        f"{fts}_update": f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {cols} ON {table} BEGIN {remove} {add} END",
    }


def _create_index(conn: Connection, table: str, columns: Sequence[str]) -> None:
    fts = index_name(table)
    conn.execute(text(f"CREATE VIRTUAL TABLE {fts} USING fts5({', '.join(columns)}, content='{table}', "
                      "content_rowid='rowid', tokenize='trigram')"))


def rebuild(conn: Connection, table: str) -> None:
    """Re-read the whole table into its index (after rowids may have changed)."""
    fts = index_name(table)
    conn.execute(text(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')"))


def install(conn: Connection) -> None:
    """Create every index and its triggers, filled from the rows already held (the migration calls this)."""
    for table, columns in INDEXED.items():
        _create_index(conn, table, columns)
        for sql in _triggers(table, columns).values():
            conn.execute(text(sql))
        rebuild(conn, table)


@contextmanager
def bulk_filling(conn: Connection, table: str) -> Iterator[None]:
    """Fill an empty, indexed `table` with its triggers off, then build its index once from the rows.

    Why: every trigger call tokenises one row into trigrams and merges them into the index as it goes; a
    'rebuild' reads the table once and writes the index in one pass (a new device's first pull of 80,000
    pupils: most of the insert time). Nothing else reads the index inside the caller's transaction, and an
    error rolls the dropped triggers back with the rows."""
    columns = INDEXED.get(table)
    present = conn.execute(text("SELECT 1 FROM sqlite_master WHERE name = :n"), {"n": index_name(table)}).first()
    if columns is None or present is None:  # not indexed, or a store replica (which has no search indexes)
        yield
        return
    triggers = _triggers(table, columns)
    for name in triggers:
        conn.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
    yield
    for sql in triggers.values():
        conn.execute(text(sql))
    rebuild(conn, table)


def optimize(conn: Connection, tables: Iterable[str] | None = None) -> None:
    """Merge every index's segments into one, dropping the entries of deleted or changed rows.

    Why: FTS5 records a deletion as a marker and keeps the old trigrams (with their rowid and positions, from
    which a name could be pieced back together) until segments merge. After a purge nothing of the erased
    text may stay in the file."""
    have = {name for (name,) in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'"))}
    for table in INDEXED if tables is None else [t for t in tables if t in INDEXED]:
        fts = index_name(table)
        if fts in have:
            conn.execute(text(f"INSERT INTO {fts}({fts}) VALUES ('optimize')"))


def drop(conn: Connection) -> None:
    for table in INDEXED:
        fts = index_name(table)
        for name in _triggers(table, INDEXED[table]):
            conn.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
        conn.execute(text(f"DROP TABLE IF EXISTS {fts}"))


def ensure(conn: Connection) -> list[str]:
    """Recreate any missing index or trigger and rebuild that index; returns the tables repaired.

    Only for databases already at a schema that has the indexes (0002_search_indexes or later).
    """
    have = {name for (name,) in conn.execute(text("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')"))}
    if not any(index_name(t) in have for t in INDEXED):
        return []  # an older schema: its migration will install them
    repaired = []
    for table, columns in INDEXED.items():
        missing = False
        if index_name(table) not in have:
            _create_index(conn, table, columns)
            missing = True
        for name, sql in _triggers(table, columns).items():
            if name not in have:
                conn.execute(text(sql))
                missing = True
        if missing:
            rebuild(conn, table)
            repaired.append(table)
    return repaired


def match_expression(term: str) -> str:
    """The FTS5 query for "contains `term`": one quoted string, so the user's quotes and operators are text."""
    return '"' + term.replace('"', '""') + '"'
