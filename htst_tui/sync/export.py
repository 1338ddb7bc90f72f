"""The consolidated export: a store (folder of bundles or PostgreSQL) -> one CSV per entity and an XLSX workbook.

The store is read through its local replica (`sync/replica.py`): the same pull and merge a device uses, so the
export holds exactly the winners every device holds (conflict losers excluded), validated the same way.
Output is deterministic: rows sorted by id, a fixed column order (id, the model's fields, then the sync
columns), ISO dates, UTF-8, "\\n" line ends — the same store gives byte-identical CSVs.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Float, String

from htst_tui.entities import ENTITIES, Entity
from htst_tui.errors import HtstError
from htst_tui.paths import ensure_private_dir, write_private_file
from htst_tui.services.context import ServiceContext
from htst_tui.sync.merge import Progress
from htst_tui.sync.replica import store_replica
from htst_tui.sync.sqlite_rows import csv_cell_sql, kind

Format = Literal["csv", "xlsx", "all"]
TRAILING = ("rev", "updated_at", "updated_by", "origin_device", "deleted")
WORKBOOK = "htst-export.xlsx"
FIXED_TIME = dt.datetime(2000, 1, 1)


class ExportFailed(HtstError):
    title = "The export could not be made"


@dataclass
class ExportResult:
    files: list[Path] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    rejected: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


def columns(ent: Entity) -> list[str]:
    return ["id", *ent.data_fields, *TRAILING]


def entity_rows(ctx: ServiceContext, ent: Entity) -> list[tuple[Any, ...]]:
    """Rows sorted by id, each cell already export text (rendered by SQLite: see sqlite_rows.csv_cell_sql)."""
    t = ent.table
    sql = f'SELECT {", ".join(csv_cell_sql(t.c[name]) for name in columns(ent))} FROM "{t.name}" ORDER BY id'
    with ctx.read() as session:
        return session.connection().connection.driver_connection.execute(sql).fetchall()  # type: ignore[union-attr]


def csv_lines(rows: list[tuple[Any, ...]]) -> str:
    """Rows as CSV text, one line each ending "\n" (the export's one CSV dialect)."""
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def write_csv(path: Path, header: list[str], rows: list[tuple[Any, ...]]) -> None:
    write_private_file(path, (csv_lines([tuple(header)]) + csv_lines(rows)).encode("utf-8"))


_SEP = "\x1f"
"""Joins a row's cells in SQL (the ASCII unit separator); a row whose cells hold it is written by Python."""


def _needs_quoting() -> re.Pattern[str]:
    """The characters that make Python's csv writer (the export's dialect) quote a field, found by asking
    it, so lines joined in SQL match `csv_lines` on every Python version (3.12 added "\r")."""
    quoted = [ch for ch in ',"\n\r' if csv_lines([(f"a{ch}b", "")]).startswith('"')]
    return re.compile("[" + re.escape("".join(quoted)) + "]")


_NEEDS_QUOTING = _needs_quoting()


def _sql_cell(col: Any) -> str:
    """A column's export text in SQL; NULL (so the row is written by Python) for a REAL value, whose Python
    text (repr) SQLite does not reproduce. A TEXT column holds no REAL (SQLite stores numbers as text)."""
    cell = csv_cell_sql(col)
    if kind(col) == "plain" and not isinstance(col.type, String):
        return f"CASE WHEN typeof(\"{col.name}\") = 'real' THEN NULL ELSE {cell} END"
    return cell


def entity_csv(ctx: ServiceContext, ent: Entity) -> tuple[str, int]:
    """The entity's CSV file text and its row count: byte-for-byte `write_csv` of `entity_rows`
    (tests/test_sync_export_fast.py), but SQLite joins each row's cells into one string, so Python handles
    one string per row instead of every cell through the csv writer. Rows that need CSV quoting, hold the
    separator or a REAL (floats) are written by the csv writer itself from their cells."""
    t = ent.table
    names = columns(ent)
    if any(isinstance(t.c[n].type, Float) for n in names):
        rows = entity_rows(ctx, ent)
        return csv_lines([tuple(names), *rows]), len(rows)
    joined = f" || '{_SEP}' || ".join(f"({_sql_cell(t.c[n])})" for n in names)
    one_row = f'SELECT {", ".join(csv_cell_sql(t.c[n]) for n in names)} FROM "{t.name}" WHERE id = ?'
    seps = len(names) - 1
    with ctx.read() as session:
        conn: Any = session.connection().connection.driver_connection
        rendered = conn.execute(f'SELECT id, {joined} FROM "{t.name}"').fetchall()
        rendered.sort()  # by id, as entity_rows: SQLite's binary order of UTF-8 = Python's code point order
        lines: list[str] = []
        for rid, line in rendered:
            if line is None or line.count(_SEP) != seps:
                lines.append(csv_lines(conn.execute(one_row, (rid,)).fetchall()))
            elif _NEEDS_QUOTING.search(line):
                lines.append(csv_lines([tuple(line.split(_SEP))]))
            else:
                lines.append(line.replace(_SEP, ",") + "\n")
    return csv_lines([tuple(names)]) + "".join(lines), len(lines)


def write_xlsx(path: Path, tables: dict[str, tuple[list[str], list[tuple[Any, ...]]]]) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    wb.properties.creator = "HTST Desk"
    for name, (header, rows) in tables.items():
        ws = wb.create_sheet(title=name[:31])
        ws.append(header)
        for r in rows:
            ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    write_private_file(path, buf.getvalue())


def export_store(spec: str, out_dir: Path, fmt: Format = "all", key_path: Path | None = None,
                 progress: Progress | None = None, *, fresh: bool = False,
                 replicas: Path | None = None) -> ExportResult:
    """Write the store's consolidated export, read through its local replica (`sync/replica.py`): `fresh`
    rebuilds the replica from the whole store first, `replicas` is the folder replicas are kept in."""
    out = ExportResult()
    if out_dir.exists() and not out_dir.is_dir():
        raise ExportFailed(f"{out_dir} is a file; give a folder for the export.")
    ensure_private_dir(out_dir)
    with store_replica(spec, key_path, fresh=fresh, folder=replicas, progress=progress) as replica:
        ctx = replica.ctx
        out.rejected = replica.rejected
        out.notices = replica.notices
        for ent in ENTITIES:
            if fmt in ("csv", "all"):
                text, out.rows[ent.name] = entity_csv(ctx, ent)
                path = out_dir / f"{ent.name}.csv"
                write_private_file(path, text.encode("utf-8"))
                out.files.append(path)
        if fmt in ("xlsx", "all"):
            tables = {ent.name: (columns(ent), entity_rows(ctx, ent)) for ent in ENTITIES}
            out.rows = {name: len(rows) for name, (_, rows) in tables.items()}
            path = out_dir / WORKBOOK
            write_xlsx(path, tables)
            out.files.append(path)
    return out
