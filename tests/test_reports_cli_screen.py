"""`htst report` exit codes and sources, and the Reports screen driven by keys."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from textual.widgets import DataTable, Input

from htst_tui.app import HtstApp
from htst_tui.cli import main
from htst_tui.db.local import AuditEntry
from htst_tui.screens.reports import ReportsScreen
from htst_tui.services.context import ServiceContext, open_context
from htst_tui.services.incidents import log_incident
from htst_tui.settings import Settings
from htst_tui.widgets.bar_chart import BarChart


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def _with_incidents(path: Path, n: int = 6) -> None:
    ctx = open_context(path, officer="Test Officer", settings=Settings())
    when = dt.datetime(2026, 10, 5, 8, 15).astimezone()
    for _ in range(n):
        log_incident(ctx, {"occurred_at": when, "reported_at": when, "reported_by_kind": "school",
                           "category": "late_or_missed_pickup", "description": "Vehicle 20 minutes late."})
    ctx.close()


def test_report_from_a_database_writes_the_file_and_logs_the_readout(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    _with_incidents(db)
    out = tmp_path / "paper.md"
    code, text = run("report", "--db", str(db), "--to", str(out), "--period", "2026-09-01..2026-12-31")
    assert code == 0, text
    assert "| Late or missed pick-up | 0 | 0 | 6 | 6 |" in out.read_text(encoding="utf-8")
    assert out.stat().st_mode & 0o777 == 0o600
    ctx = open_context(db, officer="x", settings=Settings())
    with ctx.read() as session:
        details = session.execute(select(AuditEntry.detail).where(AuditEntry.action == "readout")).scalars().all()
    ctx.close()
    assert details == [f"{out} period 2026-09-01..2026-12-31"]


def test_report_from_a_sync_folder_reads_the_store(tmp_path: Path) -> None:
    db = tmp_path / "device.db"
    _with_incidents(db, 7)
    stick = tmp_path / "stick"
    assert run("sync", "--to", str(stick), "--db", str(db))[0] == 0
    out = tmp_path / "central.html"
    code, text = run("report", "--from", str(stick), "--to", str(out), "--period", "2026-09-01..2026-12-31")
    assert code == 0, text
    page = out.read_text(encoding="utf-8")
    assert "<td>Late or missed pick-up</td><td>0</td><td>0</td><td>7</td><td>7</td>" in page
    assert "<svg" in page


def test_usage_errors_exit_2_with_a_clear_message(tmp_path: Path) -> None:
    db = str(tmp_path / "a.db")
    code, text = run("report", "--db", db, "--to", str(tmp_path / "r.pdf"))
    assert code == 2 and ".md, .html or .xlsx" in text
    code, text = run("report", "--db", db, "--to", str(tmp_path / "r.md"), "--period", "2026-12-31..2026-09-01")
    assert code == 2 and "ends before it starts" in text
    code, text = run("report", "--db", db, "--to", str(tmp_path / "r.md"), "--period", "last term")
    assert code == 2 and "2026-09-01..2026-12-31" in text
    code, text = run("report", "--db", db, "--from", str(tmp_path), "--to", str(tmp_path / "r.md"))
    assert code == 2 and "not both" in text
    assert not (tmp_path / "r.md").exists()


async def test_reports_screen_changes_period_and_writes_a_file_by_keys(ctx: ServiceContext, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    when = dt.datetime(2026, 10, 5, 8, 15).astimezone()
    for _ in range(5):
        log_incident(ctx, {"occurred_at": when, "reported_at": when, "reported_by_kind": "school",
                           "category": "behaviour", "description": "Shouting on the bus."})
    app = HtstApp(ctx=ctx)
    async with app.run_test(size=(140, 50)) as pilot:
        await app.push_screen(ReportsScreen())
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReportsScreen) and screen.report is not None
        start = screen.query_one("#start", Input)
        start.focus()
        start.value = ""
        await pilot.press(*"2026-09-01")
        screen.query_one("#end", Input).focus()
        screen.query_one("#end", Input).value = ""
        await pilot.press(*"2026-12-31", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert (screen.report.start, screen.report.end) == (dt.date(2026, 9, 1), dt.date(2026, 12, 31))
        table = screen.query_one("#t-incidents-autumn-2026", DataTable)
        assert [str(c) for c in table.get_row_at(7)] == ["Behaviour", "0", "0", "5", "5"]
        chart = str(screen.query_one("#c-incidents-by-category", BarChart).render())
        assert "Behaviour" in chart and "█" in chart
        await pilot.press("ctrl+s")
        assert app.focused is screen.query_one("#path", Input)
        out = tmp_path / "r.xlsx"
        await pilot.press(*"r.xlsx", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert out.exists() and out.stat().st_mode & 0o777 == 0o600
    assert out.read_bytes()[:2] == b"PK"
