"""Opening databases: permissions, pragmas, upgrades, and every bad database as one plain error."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from htst_tui.db.engine import MIGRATIONS_DIR, open_database
from htst_tui.db.schema import SCHEMA_HEAD
from htst_tui.db.search_index import include_object
from htst_tui.db.tables import metadata
from htst_tui.errors import (
    DatabaseCorruptError,
    DatabaseError,
    DatabaseLockedError,
    DatabaseReadOnlyError,
    DatabaseTooNewError,
)


def test_new_database_is_private_wal_with_foreign_keys(tmp_path: Path) -> None:
    db = open_database(tmp_path / "new.db")
    try:
        assert stat.S_IMODE((tmp_path / "new.db").stat().st_mode) == 0o600
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
        assert db.upgraded_from == "empty"
        assert len(db.device_id) == 36
    finally:
        db.close()


def test_device_id_is_made_once(tmp_path: Path) -> None:
    first = open_database(tmp_path / "d.db")
    first.close()
    second = open_database(tmp_path / "d.db")
    second.close()
    assert first.device_id == second.device_id
    assert second.upgraded_from is None


def test_schema_head_constant_matches_alembic() -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    assert ScriptDirectory.from_config(cfg).get_current_head() == SCHEMA_HEAD


def test_migrations_produce_exactly_the_models(tmp_path: Path) -> None:
    db = open_database(tmp_path / "m.db")
    try:
        with db.engine.connect() as conn:
            opts = {"compare_type": True, "include_object": include_object}  # as migrations/env.py
            diff = compare_metadata(MigrationContext.configure(conn, opts=opts), metadata)
        assert diff == []
    finally:
        db.close()


def test_not_a_database(tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_text("these are not the bytes you are looking for")
    with pytest.raises(DatabaseCorruptError, match="not an SQLite database"):
        open_database(bad)
    assert bad.read_text().startswith("these are")  # untouched


def test_damaged_database(tmp_path: Path) -> None:
    path = tmp_path / "damaged.db"
    open_database(path).close()
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)
    path.write_bytes(bytes(data))
    with pytest.raises(DatabaseError):
        open_database(path)


def test_foreign_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE recipes (id integer)")
    conn.commit()
    conn.close()
    with pytest.raises(DatabaseCorruptError, match="not an HTST Desk database"):
        open_database(path)


def test_newer_schema_refused_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    db = open_database(path)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    db.close()
    with pytest.raises(DatabaseTooNewError, match="newer HTST Desk"):
        open_database(path)
    conn2 = sqlite3.connect(path)
    assert conn2.execute("SELECT version_num FROM alembic_version").fetchone() == ("9999_future",)
    conn2.close()


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="does not exist"):
        open_database(tmp_path / "nowhere" / "x.db")
    assert not (tmp_path / "nowhere").exists()


def test_folder_given_instead_of_file(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="is a folder"):
        open_database(tmp_path)


def test_read_only_media_message(tmp_path: Path) -> None:
    """Root (CI) ignores file modes, so the read-only case is checked at the translation layer."""
    from htst_tui.db.engine import translate_sqlite_error

    err = translate_sqlite_error(sqlite3.OperationalError("attempt to write a readonly database"), tmp_path / "x.db")
    assert isinstance(err, DatabaseReadOnlyError)
    assert "cannot be written" in err.message


def test_locked_database(tmp_path: Path) -> None:
    path = tmp_path / "locked.db"
    open_database(path).close()
    holder = sqlite3.connect(path, timeout=0)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        import htst_tui.db.engine as eng

        original = eng.BUSY_TIMEOUT_MS
        eng.BUSY_TIMEOUT_MS = 50
        try:
            db = open_database(path)
            try:
                from htst_tui.services.context import ServiceContext
                from htst_tui.services.records import Records
                from htst_tui.settings import Settings

                ctx = ServiceContext(db=db, officer="t", settings=Settings())
                with pytest.raises(DatabaseLockedError, match="locked by another program"):
                    Records(ctx, "operators").create({"name": "A", "licence_no": "L1"})
            finally:
                db.close()
        except DatabaseLockedError:
            pass  # locked already at open: also the right answer
        finally:
            eng.BUSY_TIMEOUT_MS = original
    finally:
        holder.rollback()
        holder.close()


def test_connections_keep_a_small_page_cache_and_bulk_work_a_big_one_for_its_transaction(tmp_path: Path) -> None:
    from htst_tui.db.engine import BULK_CACHE_KIB, CACHE_KIB
    from htst_tui.services.context import ServiceContext
    from htst_tui.settings import Settings

    ctx = ServiceContext(db=open_database(tmp_path / "cache.db"), officer="Test Officer", settings=Settings())

    def cache(session: object) -> int:
        return int(session.execute(text("PRAGMA cache_size")).scalar_one())  # type: ignore[attr-defined]

    with ctx.read() as session:
        assert cache(session) == -CACHE_KIB
    with ctx.transaction(bulk=True) as session:
        assert cache(session) == -BULK_CACHE_KIB
    with ctx.transaction() as session:  # the same pooled connection, its big cache given back
        assert cache(session) == -CACHE_KIB
    with pytest.raises(RuntimeError), ctx.transaction(bulk=True) as session:
        raise RuntimeError("a failed bulk write")
    with ctx.read() as session:
        assert cache(session) == -CACHE_KIB
    ctx.close()


def test_the_connection_used_last_is_used_again(tmp_path: Path) -> None:
    """One warm page cache, not one filled per pooled connection in turn (memory at city scale)."""
    db = open_database(tmp_path / "lifo.db")
    first = db.engine.connect()
    second = db.engine.connect()
    ids = (id(first.connection.dbapi_connection), id(second.connection.dbapi_connection))
    second.close()
    first.close()
    for _ in range(3):
        with db.engine.connect() as conn:
            assert id(conn.connection.dbapi_connection) == ids[0]  # the last one given back
    db.close()
