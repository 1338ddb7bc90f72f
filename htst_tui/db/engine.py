"""Opening a database: owner-only file, WAL, foreign keys, busy timeout, upgrade on open.

Every way a database can be wrong (missing folder, locked, read-only, damaged, newer schema, not ours)
becomes one typed `DatabaseError` with a message that says what to do; nothing here lets a raw
sqlite3 traceback reach a user.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session, sessionmaker

from htst_tui.db.schema import SCHEMA_HEAD
from htst_tui.errors import (
    DatabaseCorruptError,
    DatabaseError,
    DatabaseLockedError,
    DatabaseReadOnlyError,
    DatabaseTooNewError,
)

SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 5000
MIGRATIONS_DIR = Path(__file__).parent / "migrations"


@dataclass
class Database:
    path: Path
    engine: Engine
    sessions: sessionmaker[Session]
    device_id: str
    upgraded_from: str | None = None
    meta: dict[str, str] = field(default_factory=dict)

    def close(self) -> None:
        self.engine.dispose()

    def scrub(self, tables: Iterable[str] | None = None) -> None:
        """Leave no copy of erased values in the files: compact the search indexes (which keep deleted text
        until their segments merge), then checkpoint the write-ahead log into the database and truncate it
        (it still holds the pages as they were before the erasure). Freed pages are zeroed by
        `secure_delete`. Run after a purge and after a pull that brought deletions (`tables`: the indexes to
        compact, default all); costs about a second on a city-sized database."""
        from htst_tui.db import search_index

        with self.engine.begin() as conn:
            search_index.optimize(conn, tables)
        with self.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def _set_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.execute("PRAGMA synchronous = NORMAL")
    # Erased or overwritten values (a purge, an edit of a child's details) are zeroed in the file, not left
    # readable in free pages of a laptop's database (UK GDPR storage limitation; see services/purge.py).
    cur.execute("PRAGMA secure_delete = ON")
    cur.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    cur.close()


CACHE_KIB = 8 * 1024
"""Page cache per connection (SQLite's default is 2 MB). Every pooled connection keeps its own, filled by any
scan (Home's counts, a list's search), so the app holds a few: a big one each was most of its memory at city
scale. Work that writes much at once takes BULK_CACHE_KIB for its transaction (`bulk_cache`)."""

BULK_CACHE_KIB = 64 * 1024
"""A sync or a bulk insert touches every index of tables of 100,000 rows; a small cache re-reads pages from disk
for each of them (measured: bulk inserts about twice as slow with 2 MB)."""


def bulk_cache(session: Session) -> None:
    """BULK_CACHE_KIB for `session`'s connection until it goes back to the pool (`_small_cache_again`)."""
    conn = session.connection()
    conn.exec_driver_sql(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
    conn.connection.info["bulk_cache"] = True


def _small_cache_again(dbapi_conn: Any, record: Any) -> None:
    """A connection back in the pool returns its bulk cache (freeing the pages beyond CACHE_KIB)."""
    if record.info.pop("bulk_cache", False):
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        cur.close()


def make_engine(path: Path) -> Engine:
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        # the connection used last is used again: the others are opened only while it is busy, so one page
        # cache is warm and full instead of every pooled connection's (each costs memory: CACHE_KIB)
        pool_use_lifo=True,
    )
    event.listen(engine, "connect", _set_pragmas)
    event.listen(engine, "checkin", _small_cache_again)
    return engine


def translate_sqlite_error(exc: BaseException, path: Path) -> DatabaseError:
    """Map a sqlite3/SQLAlchemy failure to the message a user can act on."""
    msg = str(getattr(exc, "orig", exc) or exc).lower()
    if "locked" in msg or "busy" in msg:
        return DatabaseLockedError(
            f"{path} is locked by another program (another HTST Desk window or a sync?). "
            "Close it and try again."
        )
    if "readonly" in msg or "read-only" in msg:
        return DatabaseReadOnlyError(
            f"{path} cannot be written (read-only file or folder). Check its permissions, or copy it to a "
            "folder you own and open it with --db."
        )
    if "not a database" in msg or "malformed" in msg or "corrupt" in msg:
        return DatabaseCorruptError(
            f"{path} is damaged or is not an HTST Desk database. Restore it from a backup, or move it aside "
            "and sync from the central store to rebuild it."
        )
    if "unable to open" in msg:
        return DatabaseError(f"{path} cannot be opened: check that its folder exists and that you may write there.")
    return DatabaseError(f"{path}: {exc}")


def _create_private_file(path: Path) -> None:
    if not path.parent.exists():
        raise DatabaseError(
            f"The folder {path.parent} does not exist. Create it first, or choose another place with --db."
        )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
    except FileExistsError:
        pass
    except PermissionError as exc:
        raise DatabaseReadOnlyError(f"Cannot create {path}: the folder {path.parent} is not writable.") from exc


def _check_header(path: Path) -> None:
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
    except PermissionError as exc:
        raise DatabaseReadOnlyError(f"{path} cannot be read: permission denied.") from exc
    if head and head != SQLITE_HEADER:
        raise DatabaseCorruptError(
            f"{path} is not an SQLite database (damaged, or another kind of file). "
            "Restore it from a backup, or choose another file with --db."
        )


def _tighten(path: Path) -> None:
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            if p.exists() and (p.stat().st_mode & 0o777) != 0o600:
                p.chmod(0o600)
        except PermissionError:
            pass


def _current_revision(conn: Any) -> str | None:
    has = conn.execute(
        text("SELECT name FROM sqlite_master WHERE type='table' AND name='alembic_version'")
    ).first()
    if not has:
        others = conn.execute(
            text("SELECT count(*) FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")
        ).scalar_one()
        if others:
            raise DatabaseCorruptError("this SQLite file is not an HTST Desk database (no schema version).")
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def known_revisions() -> set[str]:
    return {p.stem for p in (MIGRATIONS_DIR / "versions").glob("*.py") if not p.stem.startswith("_")}


def upgrade(engine: Engine) -> None:
    """Run Alembic up to head on this engine (imported only when needed: it is slow to import), then make sure
    the search indexes survived it (a copy-and-move migration drops a table's triggers)."""
    from alembic import command
    from alembic.config import Config

    from htst_tui.db import search_index

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("file_template", "%%(rev)s")  # file name = revision id (see known_revisions)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        search_index.ensure(conn)


def _ensure_meta(engine: Engine) -> dict[str, str]:
    with engine.begin() as conn:
        rows = {k: v for k, v in conn.execute(text("SELECT key, value FROM local_meta"))}
        if "device_id" not in rows:
            rows["device_id"] = str(uuid.uuid4())
            conn.execute(text("INSERT INTO local_meta(key, value) VALUES ('device_id', :v)"), {"v": rows["device_id"]})
        if "local_seq" not in rows:
            rows["local_seq"] = "0"
            conn.execute(text("INSERT INTO local_meta(key, value) VALUES ('local_seq', '0')"))
    return rows


def open_database(path: Path | str, *, migrate: bool = True) -> Database:
    """Open (creating if needed) and upgrade a database; raise a `DatabaseError` a user can act on."""
    path = Path(path).expanduser()
    if path.is_dir():
        raise DatabaseError(f"{path} is a folder; give the path of a database file, e.g. {path}/htst.db.")
    if not path.exists():
        _create_private_file(path)
    _check_header(path)
    engine = make_engine(path)
    upgraded_from: str | None = None
    try:
        with engine.connect() as conn:
            mode = conn.exec_driver_sql("PRAGMA journal_mode = WAL").scalar()
            if mode != "wal":  # read-only media cannot switch; say so rather than misbehave
                raise DatabaseReadOnlyError(f"{path} cannot be opened for writing (journal mode {mode}).")
            current = _current_revision(conn)
        if current != SCHEMA_HEAD:
            if current is not None and current not in known_revisions():
                raise DatabaseTooNewError(
                    f"{path} was written by a newer HTST Desk (schema {current}). Update HTST Desk to open it; "
                    "nothing was changed."
                )
            if not migrate:
                raise DatabaseError(f"{path} needs an upgrade (schema {current or 'empty'} → {SCHEMA_HEAD}).")
            upgrade(engine)
            upgraded_from = current or "empty"
        meta = _ensure_meta(engine)
    except DatabaseError:
        engine.dispose()
        raise
    except (sqlite3.Error, sa_exc.OperationalError, sa_exc.DatabaseError) as exc:
        engine.dispose()
        raise translate_sqlite_error(exc, path) from exc
    _tighten(path)
    return Database(
        path=path,
        engine=engine,
        sessions=sessionmaker(engine, expire_on_commit=False),
        device_id=meta["device_id"],
        upgraded_from=upgraded_from,
        meta=meta,
    )
