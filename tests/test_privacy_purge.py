"""Purge: the dry run changes nothing; a real purge leaves erased tombstones that sync, so a second device and
the consolidated export lose the data too; drafts and conflict copies go with it; the audit keeps counts only."""

from __future__ import annotations

import atexit
import datetime as dt
import shutil
import sqlite3
import tempfile
from pathlib import Path

import pytest
import tomli_w
from click.testing import CliRunner
from sqlalchemy import select

from htst_tui.cli import main
from htst_tui.db.local import AuditEntry
from htst_tui.domain import retention
from htst_tui.entities import ENTITIES
from htst_tui.paths import config_file
from htst_tui.services.context import ServiceContext, open_context
from htst_tui.services.demo import LAST_NAMES, build_demo
from htst_tui.services.drafts import Drafts
from htst_tui.services.purge import held_records, plan_purge, run_purge
from htst_tui.services.records import Records
from htst_tui.settings import Settings
from htst_tui.sync.run import sync
from tests.sync_support import device, losers

FAR = dt.date(2090, 1, 1)
"""Past every period of the demo data: everything with personal data is due."""


def dump(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def names_in(text: str) -> list[str]:
    return [n for n in LAST_NAMES if n in text]


_demo_file: list[Path] = []


def demo_device(folder: Path, name: str) -> ServiceContext:
    """A device holding the demo data (built once per test run, then copied with a new device id)."""
    if not _demo_file:
        folder = Path(tempfile.mkdtemp(prefix="htst-purge-demo-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)  # one per test process, gone when it ends
        ctx = device(folder, "demo")
        build_demo(ctx, pupils=30, seed=11)
        ctx.close()
        conn = sqlite3.connect(ctx.db.path, isolation_level=None)
        conn.execute("DELETE FROM local_meta WHERE key = 'device_id'")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        _demo_file.append(ctx.db.path)
    path = folder / f"{name}-demo.db"
    shutil.copyfile(_demo_file[0], path)
    return open_context(path, officer=f"Officer {name}", settings=Settings())


def test_cli_dry_run_lists_counts_without_names_and_changes_nothing(tmp_path: Path) -> None:
    ctx = demo_device(tmp_path, "a")
    path = ctx.db.path
    ctx.close()
    config_file().parent.mkdir(parents=True, exist_ok=True)
    config_file().write_text(tomli_w.dumps({"retention": {"incidents_years": 0, "refusals_years": 0,
                                                          "spot_checks_years": 0}}))
    before = dump(path)
    result = CliRunner().invoke(main, ["purge", "--db", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Incident" in result.output and "Vehicle check" in result.output
    assert "Dry run: nothing was changed." in result.output
    assert names_in(result.output) == [] and "DEMO0" not in result.output
    assert dump(path) == before
    # refusing the prompt changes nothing either
    result = CliRunner().invoke(main, ["purge", "--db", str(path)], input="n\n")
    assert result.exit_code == 0 and "Nothing was changed." in result.output
    assert dump(path) == before
    result = CliRunner().invoke(main, ["purge", "--db", str(path), "--yes"])
    assert result.exit_code == 0, result.output
    assert "Erased" in result.output
    assert dump(path) != before
    again = CliRunner().invoke(main, ["purge", "--db", str(path), "--dry-run"])
    assert "Nothing is past retention." in again.output


def test_purge_syncs_to_a_second_device_and_the_export(tmp_path: Path) -> None:
    stick = tmp_path / "stick"
    a = demo_device(tmp_path, "a")
    b = device(tmp_path, "b")
    sync(a, str(stick))
    sync(b, str(stick))
    incident_id = Records(a, "incidents").list(limit=1).rows[0]["id"]
    pupil_id = Records(a, "pupils").list(limit=1).rows[0]["id"]
    # a conflict on one incident, held on both devices
    for ctx, words in ((a, "Edited on A"), (b, "Edited on B")):
        data = Records(ctx, "incidents").get(incident_id).data
        Records(ctx, "incidents").update(incident_id, {**data, "description": words})
    sync(a, str(stick))
    sync(b, str(stick))
    sync(a, str(stick))
    assert any(r == incident_id for _, r, _ in losers(a)) and losers(a) == losers(b)
    drafts = Drafts(a)
    drafts.save("incident", incident_id, {"description": "half typed"})
    drafts.save("panel_case", None, {"pupil_id": pupil_id, "need_summary": "half typed"})
    drafts.save("school", None, {"name": "unrelated"})

    plan = plan_purge(a, FAR)
    result = run_purge(a, FAR)
    assert result.total == plan.total > 0
    assert result.erased == plan.review.counts()
    assert result.conflicts_cleared >= 1 and result.drafts_cleared == 2
    assert [d.key for d in drafts.all()] == ["school:new"]
    assert plan_purge(a, FAR).total == 0  # erased tombstones are recognised and left alone

    sync(a, str(stick))
    sync(b, str(stick))
    for ctx in (a, b):
        assert losers(ctx) == set()  # the conflict copy went with the erasure, on both devices
        with ctx.read() as session:
            held = held_records(session)
        for ent in ENTITIES:
            if ent.personal:
                rows = held[ent.name]
                assert rows and all(r.deleted and retention.is_erased(r) for r in rows), ent.name
        assert held["schools"] and not any(r.deleted for r in held["schools"])  # no personal data: kept
        assert names_in(str([held[e.name] for e in ENTITIES if e.personal])) == []

    out = tmp_path / "export"
    result_cli = CliRunner().invoke(main, ["export", "--from", str(stick), "--to", str(out), "--format", "csv",
                                           "--db", str(a.db.path)])
    assert result_cli.exit_code == 0, result_cli.output
    pupils_csv = (out / "pupils.csv").read_text()
    assert "Erased" in pupils_csv
    for ent in ENTITIES:
        text = (out / f"{ent.name}.csv").read_text()
        assert "Edited on" not in text
        if ent.personal:
            assert names_in(text) == [] and "DEMO0" not in text, ent.name

    with a.read() as session:
        log = session.execute(select(AuditEntry)).scalars().all()
    purge = [e for e in log if e.action == "purge"]
    assert len(purge) == 1 and f"pupils={result.erased['pupils']}" in purge[0].detail
    erase_ids = {e.record_id for e in log if e.action == "erase"}
    assert incident_id in erase_ids and pupil_id in erase_ids
    assert names_in(" ".join(e.detail + " ".join(e.fields) for e in log)) == []
    (export,) = [e for e in log if e.action == "readout"]  # the export is a logged read-out
    assert export.entity == "export" and str(out) in export.detail and str(stick) in export.detail
    shown = CliRunner().invoke(main, ["doctor", "--audit", "--db", str(a.db.path)])
    assert shown.exit_code == 0
    lines = shown.output.splitlines()
    assert "export" in lines[1] and str(out) in lines[1] and "purge" in lines[2]  # newest first
    a.close()
    b.close()


def test_purge_runs_in_one_transaction(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure part-way (here: the audit write) leaves every record as it was."""
    ctx = demo_device(tmp_path, "a")
    before = dump(ctx.db.path)

    from htst_tui.services import records

    calls = []
    real = records.record_event

    def boom(*args: object, **kwargs: object) -> None:
        calls.append(1)
        if len(calls) == 50:
            raise RuntimeError("disk full")
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(records, "record_event", boom)
    with pytest.raises(RuntimeError):
        run_purge(ctx, FAR)
    ctx.close()
    assert dump(ctx.db.path) == before
