"""Helpers for the sync tests: devices (fresh databases), synthetic records, and a throwaway PostgreSQL.

PostgreSQL: HTST_TEST_PG_URL when set (CI's .ci/postgres.sh), else a cluster started here the same way
(initdb as the `postgres` user via runuser when root, a free loopback port, stopped at session end), so the
PostgreSQL tests run everywhere and never skip. Each test gets a fresh database.
"""

from __future__ import annotations

import atexit
import itertools
import os
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from htst_tui.services.context import ServiceContext, open_context
from htst_tui.services.records import Records
from htst_tui.settings import Settings

_names = itertools.count(1)


_template: list[Path] = []


def _template_db() -> Path:
    """A migrated empty database without a device id, copied for each device (migrating is the slow part)."""
    if not _template:
        folder = Path(tempfile.mkdtemp(prefix="htst-template-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)  # one per test process, gone when it ends
        path = folder / "template.db"
        open_context(path, officer="template", settings=Settings()).close()
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("DELETE FROM local_meta WHERE key = 'device_id'")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        _template.append(path)
    return _template[0]


def device(folder: Path, name: str = "", settings: Settings | None = None) -> ServiceContext:
    """A new device: its own database and device id."""
    path = folder / f"{name or 'dev'}-{next(_names)}.db"
    shutil.copyfile(_template_db(), path)
    path.chmod(0o600)
    return open_context(path, officer=f"Officer {name or 'X'}", settings=settings or Settings())


def school(n: int = 1, **extra: Any) -> dict[str, Any]:
    return {"urn": 100000 + n, "name": f"Fictional School {n}", "phase": "primary", "postcode": "BN1 1AA", **extra}


def add_school(ctx: ServiceContext, n: int = 1, **extra: Any) -> str:
    return Records(ctx, "schools").create(school(n, **extra)).id


def add_pupil(ctx: ServiceContext, school_id: str, n: int = 1) -> str:
    return Records(ctx, "pupils").create({
        "la_reference": f"TST{n:05d}", "first_name": "Testchild", "last_name": f"Example{n}",
        "date_of_birth": "2016-05-04", "school_id": school_id, "year_group": 4}).id


def snapshot(ctx: ServiceContext) -> dict[str, dict[str, tuple[Any, ...]]]:
    """entity -> id -> (rev, deleted, updated_at, updated_by, origin_device): what must be equal on converged
    devices (the metadata too: the same revision made on two devices must be the same copy everywhere)."""
    from sqlalchemy import select

    from htst_tui.entities import ENTITIES

    out: dict[str, dict[str, tuple[Any, ...]]] = {}
    with ctx.read() as session:
        for ent in ENTITIES:
            t = ent.table
            cols = (t.c.rev, t.c.deleted, t.c.updated_at, t.c.updated_by, t.c.origin_device)
            out[ent.name] = {r[0]: tuple(r[1:]) for r in session.execute(select(t.c.id, *cols))}
    return out


def losers(ctx: ServiceContext) -> set[tuple[str, str, str]]:
    from sqlalchemy import select

    from htst_tui.db.sync_state import SyncConflict

    with ctx.read() as session:
        return {(r.entity, r.record_id, r.rev) for r in session.execute(
            select(SyncConflict.entity, SyncConflict.record_id, SyncConflict.rev))}


# ------------------------------------------------------------------ PostgreSQL


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_cluster() -> tuple[str, list[str], str, Path]:
    bindirs = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    if not bindirs:
        subprocess.run(["apt-get", "install", "-y", "-qq", "postgresql"], check=True,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        bindirs = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    bindir = bindirs[-1]
    folder = Path(tempfile.mkdtemp(prefix="htst-pg-test-"))
    runas: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        runas = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    subprocess.run([*runas, str(bindir / "initdb"), "-D", str(folder / "data"), "-U", "htst", "--auth=trust",
                    "-E", "UTF8"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([*runas, str(bindir / "pg_ctl"), "-D", str(folder / "data"), "-l", str(folder / "log"), "-w",
                    "-o", f"-h 127.0.0.1 -p {port} -k {folder} -c fsync=off -c max_connections=100", "start"],
                   check=True, stdout=subprocess.DEVNULL)
    return f"postgresql+psycopg://htst@127.0.0.1:{port}/postgres", runas, str(bindir), folder


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    url = os.environ.get("HTST_TEST_PG_URL")
    if url:
        yield url
        return
    url, runas, bindir, folder = _start_cluster()
    try:
        yield url
    finally:
        subprocess.run([*runas, f"{bindir}/pg_ctl", "-D", str(folder / "data"), "-m", "immediate", "stop"],
                       check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(folder, ignore_errors=True)


def fresh_pg_database(server_url: str) -> tuple[str, Any]:
    """Create an empty database on the server; returns its URL and a function that drops it."""
    name = f"htst_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(server_url).set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    url, drop = fresh_pg_database(pg_server)
    try:
        yield url
    finally:
        drop()
