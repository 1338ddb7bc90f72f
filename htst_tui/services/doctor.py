"""`htst doctor`: everything support needs to know about an installation, and whether anything is wrong.

It reports where the files are, the schema version, the device id, record counts and SQLite's own integrity
check, and lists problems in plain words. It never upgrades the database (so it can inspect one a newer or
older HTST Desk wrote) and every failure is a problem in the report, never a traceback.
"""

from __future__ import annotations

import sqlite3
import stat
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import exc as sa_exc
from sqlalchemy import func, select

from htst_tui.db.engine import known_revisions, open_database, translate_sqlite_error
from htst_tui.db.schema import SCHEMA_HEAD
from htst_tui.entities import ENTITIES
from htst_tui.errors import HtstError
from htst_tui.paths import config_file, data_directory, default_database
from htst_tui.settings import load_settings


@dataclass(frozen=True)
class EntityCount:
    entity: str
    live: int
    deleted: int
    unsynced: int


@dataclass
class DoctorReport:
    facts: list[tuple[str, str]] = field(default_factory=list)
    """(label, value) lines in the order they are shown."""
    counts: list[EntityCount] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    """Worth fixing but not a failure (exit 0): e.g. loose permissions that opening has since tightened."""

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def unsynced(self) -> int:
        return sum(c.unsynced for c in self.counts)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _schema_version(path: Path) -> str | None:
    """Read `alembic_version` read-only, so looking never changes the file."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        has = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'").fetchone()
        if not has:
            return None
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        return row[0] if row else None
    finally:
        conn.close()


def _check_paths(report: DoctorReport, db_path: Path) -> None:
    folder = data_directory()
    report.facts.append(("Data folder", f"{folder} ({_mode(folder):04o})"))
    if _mode(folder) & 0o077:
        report.warnings.append(f"The data folder {folder} can be read by other users (mode {_mode(folder):04o}); "
                               f"run: chmod 700 {folder}")
    cfg = config_file()
    report.facts.append(("Config file", str(cfg) if cfg.exists() else f"{cfg} (not created yet: defaults apply)"))
    try:
        load_settings(cfg)
    except HtstError as exc:
        report.problems.append(f"{exc.title}: {exc.message}")
    report.facts.append(("Database", str(db_path.absolute())))


def _check_schema(report: DoctorReport, db_path: Path) -> bool:
    """Report the schema version; True when the database is at this version's head and can be read."""
    version = _schema_version(db_path)
    if version == SCHEMA_HEAD:
        report.facts.append(("Schema version", f"{version} (up to date)"))
        return True
    if version is not None and version not in known_revisions():
        report.facts.append(("Schema version", f"{version} (newer than this HTST Desk: {SCHEMA_HEAD})"))
        report.problems.append(f"The database was written by a newer HTST Desk (schema {version}). Update HTST "
                               "Desk to use it.")
        return False
    report.facts.append(("Schema version", f"{version or 'empty'} (upgrade to {SCHEMA_HEAD} pending: it happens "
                                           "the next time HTST Desk opens this database)"))
    return False


def _check_contents(report: DoctorReport, db_path: Path) -> None:
    db = open_database(db_path, migrate=False)
    try:
        report.facts.append(("Device id", db.device_id))
        with db.sessions() as session:
            for e in ENTITIES:
                orm = e.orm
                live, deleted, unsynced = session.execute(select(
                    func.count().filter(orm.deleted.is_(False)),
                    func.count().filter(orm.deleted.is_(True)),
                    func.count().filter(orm.dirty.is_(True)),
                ).select_from(orm)).one()
                report.counts.append(EntityCount(e.name, live, deleted, unsynced))
        try:
            with db.engine.connect() as conn:
                results = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check").fetchall()]
        except sa_exc.DBAPIError as exc:  # damage bad enough that the check itself cannot finish
            results = [str(exc.orig)]
    finally:
        db.close()
    report.facts.append(("Unsynced changes", str(report.unsynced)))
    if results == ["ok"]:
        report.facts.append(("Integrity check", "ok"))
    else:
        report.facts.append(("Integrity check", "FAILED"))
        report.problems.append("SQLite's integrity check found damage: " + "; ".join(results[:5]) +
                               ". Restore the database from a backup, or sync it to a new file.")


def diagnose(db_path: Path | None = None) -> DoctorReport:
    """Check the installation and the database at `db_path` (default: HTST_DB, else the data folder)."""
    report = DoctorReport()
    path = Path(db_path).expanduser() if db_path else default_database()
    _check_paths(report, path)
    if not path.exists():
        report.problems.append(f"There is no database at {path}. Run `htst` (or `htst demo`) to create one, or "
                               "give the right file with --db.")
        return report
    if path.is_dir():
        report.problems.append(f"{path} is a folder, not a database file.")
        return report
    mode = _mode(path)
    report.facts.append(("Database file mode", f"{mode:04o}"))
    try:
        if _check_schema(report, path):
            _check_contents(report, path)
    except HtstError as exc:
        report.problems.append(f"{exc.title}: {exc.message}")
    except (sqlite3.Error, sa_exc.DBAPIError) as exc:
        err = translate_sqlite_error(exc, path)
        report.problems.append(f"{err.title}: {err.message}")
    if mode != 0o600:
        now = _mode(path)
        fix = "HTST Desk has now set it to 0600" if now == 0o600 else f"run: chmod 600 {path}"
        report.warnings.append(f"The database file could be read by other users (mode {mode:04o}, should be 0600); "
                               f"{fix}.")
    return report
