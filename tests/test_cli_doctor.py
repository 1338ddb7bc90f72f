"""`htst doctor`: a healthy database reports exit 0 with counts; anything wrong is one clear problem, exit 1."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from click.testing import CliRunner, Result

from htst_tui.cli import main
from htst_tui.db.engine import open_database
from htst_tui.db.schema import SCHEMA_HEAD
from htst_tui.services.context import ServiceContext
from htst_tui.services.demo import build_demo
from htst_tui.services.records import Records


def doctor(db_path: Path) -> Result:
    return CliRunner().invoke(main, ["doctor", "--db", str(db_path)])


def row(output: str, label: str) -> str:
    match = re.search(rf"^{re.escape(label)} +(.+)$", output, re.MULTILINE)
    assert match, f"no {label!r} line in:\n{output}"
    return match.group(1)


def test_healthy_database_reports_everything(ctx: ServiceContext, db_path: Path) -> None:
    summary = build_demo(ctx, pupils=60)
    records = Records(ctx, "panel_members")
    records.delete(records.list(limit=1).rows[0]["id"])
    result = doctor(db_path)
    assert result.exit_code == 0, result.output
    out = result.output
    assert row(out, "Database") == str(db_path)
    assert row(out, "Schema version") == f"{SCHEMA_HEAD} (up to date)"
    assert row(out, "Device id") == ctx.device_id
    assert row(out, "Integrity check") == "ok"
    assert row(out, "Database file mode") == "0600"
    assert "config.toml (not created yet" in row(out, "Config file")
    assert row(out, "Data folder").endswith("(0700)")
    assert row(out, "pupils").split() == ["60", "0", "60"]
    live, tombstones, total = (int(n) for n in row(out, "panel_members").split())
    assert tombstones == 1 and live + 1 == total and total >= 12
    assert row(out, "Unsynced changes") == str(summary.total)  # the tombstone is unsynced too
    assert "No problems found." in out


def test_corrupt_database_is_one_clear_message(db_path: Path) -> None:
    open_database(db_path).close()
    data = bytearray(db_path.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # smash the schema page
    db_path.write_bytes(bytes(data))
    result = doctor(db_path)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    problems = [line for line in result.output.splitlines() if line.startswith("Problem:")]
    assert problems == [f"Problem: The database is damaged: {db_path} is damaged or is not an HTST Desk database. "
                        "Restore it from a backup, or move it aside and sync from the central store to rebuild it."]


def test_not_a_database_file(db_path: Path) -> None:
    db_path.write_text("name,urn\nnot a database,1\n")
    result = doctor(db_path)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "Problem: The database is damaged" in result.output


def test_damaged_table_pages_fail_the_integrity_check(ctx: ServiceContext, db_path: Path) -> None:
    build_demo(ctx, pupils=600)
    ctx.close()
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    (root,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'ix_pupils_last_name'").fetchone()
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    data = bytearray(db_path.read_bytes())
    start = (root - 1) * page_size
    data[start + 8:start + page_size] = bytes(page_size - 8)  # an index page emptied: rows and index disagree
    db_path.write_bytes(bytes(data))
    result = doctor(db_path)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert row(result.output, "Integrity check") == "FAILED"
    assert "Problem: SQLite's integrity check found damage: " in result.output
    assert "Restore the database from a backup" in result.output


def test_database_from_a_newer_schema(db_path: Path) -> None:
    db = open_database(db_path)
    with db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999_future'")
    db.close()
    result = doctor(db_path)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert row(result.output, "Schema version").startswith("9999_future (newer than this HTST Desk")
    assert "Problem: The database was written by a newer HTST Desk (schema 9999_future)" in result.output
    conn2 = sqlite3.connect(db_path)
    assert conn2.execute("SELECT version_num FROM alembic_version").fetchone() == ("9999_future",)  # untouched
    conn2.close()


def test_missing_database(tmp_path: Path) -> None:
    result = doctor(tmp_path / "nope.db")
    assert result.exit_code == 1
    assert "There is no database at" in result.output
    assert not (tmp_path / "nope.db").exists()  # looking does not create it


def test_loose_permissions_are_a_warning(ctx: ServiceContext, db_path: Path) -> None:
    ctx.close()
    db_path.chmod(0o644)
    result = doctor(db_path)
    assert result.exit_code == 0
    assert "Warning: The database file could be read by other users (mode 0644" in result.output
    assert db_path.stat().st_mode & 0o777 == 0o600


def test_bad_settings_file_is_a_problem(db_path: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    open_database(db_path).close()
    config = tmp_path / "config"
    config.mkdir()
    (config / "config.toml").write_text("[profile\nofficer_name = ")
    monkeypatch.setenv("HTST_CONFIG_DIR", str(config))
    result = doctor(db_path)
    assert result.exit_code == 1
    assert "Problem: The settings file has a problem" in result.output


def test_htst_db_environment_variable_chooses_the_database(db_path: Path) -> None:
    CliRunner().invoke(main, ["demo", "--pupils", "1"], env={"HTST_DB": str(db_path)})
    result = CliRunner().invoke(main, ["doctor"], env={"HTST_DB": str(db_path)})
    assert result.exit_code == 0, result.output
    assert row(result.output, "Database") == str(db_path)
    assert row(result.output, "pupils").split() == ["1", "0", "1"]
