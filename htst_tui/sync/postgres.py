"""The PostgreSQL target: one append-only table of record versions, keyed by (entity, id, rev) and the copy's
time, officer and device (schema 2; schema 1 kept one copy per rev, so devices could disagree on which).

Design: `htst_versions` holds every version any device pushed (the same wire fields as a bundle line, data as
JSONB) with a `bigserial` `seq` that is the pull cursor. Nothing is overwritten, so all concurrent versions of a
record are kept on the server and every device, merging them with the same code, sees the same winner and
losers. Pushes insert with ON CONFLICT DO NOTHING (a version already held is a no-op) inside a transaction that
first takes one advisory lock: pushes are serialised, so sequence numbers become visible in commit order and a
reader can never skip a number that commits later (the classic hole in "WHERE seq > cursor"). Pulls read one
REPEATABLE READ snapshot. The app creates and migrates the tables itself (`htst_store.schema`).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Engine,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    func,
    insert,
    select,
    text,
)
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import make_url

from htst_tui.sync.merge import Progress
from htst_tui.sync.target import PullReport, PullUnit, SyncTarget, SyncTargetError

PG_SCHEMA_VERSION = 2
SCHEMA_LOCK = 0x4854_5354_0001
PUSH_LOCK = 0x4854_5354_0002
PAGE = 5_000

metadata = MetaData()
store_table = Table("htst_store", metadata, Column("key", String(40), primary_key=True),
                    Column("value", Text, nullable=False))
versions_table = Table(
    "htst_versions", metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=True),  # bigserial: the pull cursor
    Column("entity", String(40), nullable=False),
    Column("record_id", String(36), nullable=False),
    Column("rev", String(48), nullable=False),
    Column("rev_history", JSONB, nullable=False),
    Column("data", JSONB, nullable=False),
    Column("deleted", Boolean, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("updated_by", String(120), nullable=False),
    Column("origin_device", String(36), nullable=False),
    Column("pushed_by", String(36), nullable=False, index=True),
    Column("pushed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # One row per *copy* of a version: the same revision made on two devices (the same delete) differs in
    # time and officer, and every device must see both to keep the same one (merge.made_key).
    UniqueConstraint("entity", "record_id", "rev", "updated_at", "updated_by", "origin_device",
                     name="uq_htst_versions_copy"),
)

MIGRATIONS: dict[int, list[str]] = {
    2: ["ALTER TABLE htst_versions DROP CONSTRAINT uq_htst_versions_version",
        "ALTER TABLE htst_versions ADD CONSTRAINT uq_htst_versions_copy "
        "UNIQUE (entity, record_id, rev, updated_at, updated_by, origin_device)"],
}
"""Steps from version N-1 to N beyond 1 (SQL statements), applied in order under the schema lock."""


def _plain(exc: Exception, label: str) -> SyncTargetError:
    msg = str(getattr(exc, "orig", exc) or exc).strip().splitlines()[0] if str(exc) else type(exc).__name__
    return SyncTargetError(f"PostgreSQL at {label}: {msg}. Check the URL, that the server is running and "
                           "that this user may create tables.")


class PostgresTarget(SyncTarget):
    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        if parsed.drivername in ("postgresql", "postgres"):
            parsed = parsed.set(drivername="postgresql+psycopg")
        self.label = parsed.render_as_string(hide_password=True)
        self.engine: Engine = create_engine(parsed, pool_pre_ping=True)
        try:
            self.store_id = self._prepare()
        except sa_exc.SQLAlchemyError as exc:
            self.engine.dispose()
            raise _plain(exc, self.label) from exc

    def _prepare(self) -> str:
        with self.engine.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SCHEMA_LOCK})
            metadata.create_all(conn)
            values = dict(conn.execute(select(store_table.c.key, store_table.c.value)).all())
            if "schema" not in values:
                values = {"schema": str(PG_SCHEMA_VERSION), "store_id": str(uuid.uuid4())}
                conn.execute(insert(store_table), [{"key": k, "value": v} for k, v in values.items()])
            version = int(values["schema"])
            if version > PG_SCHEMA_VERSION:
                raise SyncTargetError(f"The PostgreSQL store at {self.label} was set up by a newer HTST Desk "
                                      f"(schema {version}); update HTST Desk on this device.")
            for step in range(version + 1, PG_SCHEMA_VERSION + 1):
                for sql in MIGRATIONS.get(step, []):
                    conn.execute(text(sql))
                conn.execute(store_table.update().where(store_table.c.key == "schema").values(value=str(step)))
            return values["store_id"]

    def push(self, device: str, versions: list[str], progress: Progress | None = None) -> int:
        if not versions:
            return 0
        parsed = [json.loads(line) for line in versions]
        rows = [{"entity": v["e"], "record_id": v["id"], "rev": v["rev"], "rev_history": v["h"], "data": v["d"],
                 "deleted": v["x"], "updated_at": dt.datetime.fromisoformat(v["at"]), "updated_by": v["by"],
                 "origin_device": v["o"], "pushed_by": device} for v in parsed]
        stmt = pg_insert(versions_table).on_conflict_do_nothing(constraint="uq_htst_versions_copy")
        try:
            with self.engine.begin() as conn:
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PUSH_LOCK})
                for start in range(0, len(rows), PAGE):
                    if progress:
                        progress("Sending to PostgreSQL", start / len(rows))
                    conn.execute(stmt, rows[start:start + PAGE])
        except sa_exc.SQLAlchemyError as exc:
            raise _plain(exc, self.label) from exc
        return len(versions)

    def pull(self, device: str, positions: dict[str, int], progress: Progress | None = None) -> PullReport:
        report = PullReport()
        after = positions.get("", 0)
        t = versions_table
        try:
            with self.engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
                top = conn.execute(select(func.coalesce(func.max(t.c.seq), 0))).scalar_one()
                if top <= after:
                    return report
                cols = [t.c.seq, t.c.entity, t.c.record_id, t.c.rev, t.c.rev_history, t.c.data, t.c.deleted,
                        t.c.updated_at, t.c.updated_by, t.c.origin_device]
                cursor = after
                while True:
                    page = conn.execute(select(*cols).where(t.c.seq > cursor, t.c.seq <= top,
                                                            t.c.pushed_by != device)
                                        .order_by(t.c.seq).limit(PAGE)).all()
                    if not page:
                        break
                    last = page[-1].seq
                    if progress:
                        progress("Reading from PostgreSQL", (last - after) / max(1, top - after))
                    records = [{"e": r.entity, "id": r.record_id, "rev": r.rev, "h": r.rev_history, "d": r.data,
                                "x": r.deleted, "at": r.updated_at.astimezone(dt.UTC).isoformat(),
                                "by": r.updated_by, "o": r.origin_device} for r in page]
                    report.units.append(PullUnit("", last, f"{self.label} (server versions {page[0].seq}-{last})",
                                                 records))
                    cursor = last
                if cursor < top:
                    report.units.append(PullUnit("", top, f"{self.label} (server versions to {top})", []))
        except sa_exc.SQLAlchemyError as exc:
            raise _plain(exc, self.label) from exc
        return report

    def close(self) -> None:
        self.engine.dispose()
