"""Subject access: every record linked to one demo pupil, nothing of another pupil, logged as a read-out."""

from __future__ import annotations

import json
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from htst_tui.cli import main
from htst_tui.db.local import AuditEntry
from htst_tui.errors import NotFound
from htst_tui.services.context import ServiceContext, open_context
from htst_tui.services.demo import build_demo
from htst_tui.services.subject_access import gather, write_subject_access
from htst_tui.settings import Settings


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceContext]:
    path = tmp_path_factory.mktemp("sar") / "demo.db"
    ctx = open_context(path, officer="Sam Access", settings=Settings())
    build_demo(ctx, pupils=30, seed=5)
    yield ctx
    ctx.close()


def rows(ctx: ServiceContext, sql: str, *args: object) -> list[tuple]:
    conn = sqlite3.connect(ctx.db.path)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def subject(ctx: ServiceContext) -> tuple[str, str, str]:
    """A pupil who shares an incident with another child and has panel cases: (id, LA ref, the other's id)."""
    for (ids,) in rows(ctx, "SELECT pupil_ids FROM incidents ORDER BY id"):
        linked = json.loads(ids)
        for pid in linked:
            if len(linked) > 1 and rows(ctx, "SELECT 1 FROM panel_cases WHERE pupil_id = ?", pid):
                ref = rows(ctx, "SELECT la_reference FROM pupils WHERE id = ?", pid)[0][0]
                return pid, ref, next(i for i in linked if i != pid)
    raise AssertionError("the demo has a shared incident for a pupil with panel cases")


def test_sar_gathers_every_linked_record_and_nothing_of_another_pupil(demo: ServiceContext, tmp_path: Path) -> None:
    pid, ref, other = subject(demo)
    cases = {r[0] for r in rows(demo, "SELECT id FROM panel_cases WHERE pupil_id = ? OR pupil_ref = ?", pid, ref)}
    marks = ",".join("?" * len(cases))
    decisions = {r[0] for r in rows(demo, f"SELECT id FROM panel_decisions WHERE case_id IN ({marks})", *cases)}
    reviews = {r[0] for r in rows(demo, f"SELECT id FROM panel_reviews WHERE case_id IN ({marks})", *cases)}
    incidents = {i for i, ids in rows(demo, "SELECT id, pupil_ids FROM incidents") if pid in json.loads(ids)}
    follow_ups = {f for f, s in rows(demo, "SELECT id, source_id FROM follow_ups WHERE source_kind = 'incident'")
                  if s in incidents}
    letters = {r[0] for r in rows(demo, f"SELECT id FROM panel_cases WHERE id IN ({marks}) AND letter_sent_on "
                                        "IS NOT NULL", *cases)}

    found = gather(demo, ref.lower())  # the reference is matched whatever its case
    assert found.ids("pupils") == {pid}
    assert found.ids("panel_cases") == cases and cases
    assert found.ids("panel_decisions") == decisions
    assert found.ids("panel_reviews") == reviews
    assert found.ids("incidents") == incidents and incidents
    assert found.ids("follow_ups") == follow_ups
    assert {case_id for case_id, _ in found.letters} == letters
    for item in found.items["incidents"]:
        assert item.data["pupil_ids"] == [pid]
    shared = [i for i in found.items["incidents"] if i.data["other_pupils_linked"]]
    assert shared, "the other child is reduced to a count"

    out = tmp_path / "sar" / "subject.html"
    result = write_subject_access(demo, ref, out)
    assert result.bundle == tmp_path / "sar" / "subject-csv"
    texts = {out: out.read_text()} | {p: p.read_text() for p in result.bundle.glob("*.csv")}
    assert {p.name for p in result.bundle.glob("*.csv")} == {f"{k}.csv" for k in found.counts() if k != "letters"}
    for path, text in texts.items():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert other not in text, path.name
    assert all(i in texts[result.bundle / "incidents.csv"] for i in incidents)
    own_name = rows(demo, "SELECT first_name || ' ' || last_name FROM pupils WHERE id = ?", pid)[0][0]
    assert ref in texts[out] and own_name in texts[out]
    for other_id, other_ref, other_name in rows(demo, "SELECT id, la_reference, first_name || ' ' || last_name "
                                                      "FROM pupils WHERE id != ?", pid):
        for text in texts.values():
            assert other_id not in text and other_ref not in text
            if other_name != own_name:
                assert other_name not in text
    with demo.read() as session:
        log = session.execute(select(AuditEntry).where(AuditEntry.action == "readout")).scalars().all()
    assert [(e.entity, e.officer) for e in log] == [("subject_access", "Sam Access")]
    assert str(out) in log[0].detail and pid in log[0].detail and ref not in log[0].detail


def test_sar_cli_writes_markdown_and_refuses_unknown_or_bad_names(demo: ServiceContext, tmp_path: Path) -> None:
    _, ref, _ = subject(demo)
    out = tmp_path / "sar.md"
    result = CliRunner().invoke(main, ["sar", ref, "--to", str(out), "--db", str(demo.db.path)])
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith(f"# Subject access: records held about pupil {ref}")
    assert (tmp_path / "sar-csv" / "pupils.csv").exists()
    bad = CliRunner().invoke(main, ["sar", ref, "--to", str(tmp_path / "sar.pdf"), "--db", str(demo.db.path)])
    assert bad.exit_code == 1 and ".html or .md" in bad.output
    unknown = CliRunner().invoke(main, ["sar", "NOSUCH1", "--to", str(out), "--db", str(demo.db.path)])
    assert unknown.exit_code == 1 and "NOSUCH1" in unknown.output
    with pytest.raises(NotFound):
        gather(demo, "NOSUCH1")
