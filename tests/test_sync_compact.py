"""Compaction of the central store: after a purge and a sync, no byte of the erased pupil's data is left in
the folder's bundles (decrypted with the key when encrypted) or PostgreSQL's rows; devices that already pulled
see no change, a fresh device and the consolidated export end the same as before; a dry run changes nothing;
compacting twice is compacting once; a crash part-way leaves a readable store."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, text

from htst_tui.cli import main
from htst_tui.services.context import ServiceContext
from htst_tui.services.purge import run_purge
from htst_tui.services.records import Records
from htst_tui.settings import Settings, SyncSettings
from htst_tui.sync import crypto
from htst_tui.sync.bundle import NAME_RE, payload_lines, read_bundle, read_manifest
from htst_tui.sync.compact import (
    LOCK_FILE,
    STALE_LOCK_SECONDS,
    STALE_TEMP_SECONDS,
    CompactionError,
    compact_store,
    compaction_lock,
)
from htst_tui.sync.export import export_store
from htst_tui.sync.run import pull_positions, sync
from htst_tui.sync.target import open_target
from tests.sync_support import add_school, device, fresh_pg_database, losers, pg_server, pg_url, snapshot  # noqa: F401
from tests.test_sync_convergence import World, check, op

SURNAME = "Quillfeatherby"
"""The erased pupil's distinctive (synthetic) surname: it must vanish from the store."""
KEPT = "Brackenholt"
"""A pupil still at school: must stay, which shows the byte search can find a name."""
TODAY = dt.date(2028, 1, 1)
"""The year-13 pupil has left (August 2027); the year-1 pupil has not."""
NOTHING = {"pushed": 0, "pulled": 0, "conflicts": 0, "rejected": 0}


def pupil(ctx: ServiceContext, school_id: str, last: str, dob: str, year: int) -> str:
    return Records(ctx, "pupils").create({
        "la_reference": f"TST{last[:5].upper()}", "first_name": "Testchild", "last_name": last,
        "date_of_birth": dob, "school_id": school_id, "year_group": year,
        "needs_summary": f"{last} needs a booster seat"}).id


def purge_scenario(tmp_path: Path, target: str, settings: Settings | None = None,
                   offline: ServiceContext | None = None) -> tuple[ServiceContext, ServiceContext]:
    """A and B hold two pupils; both edit the same one (a conflict copy everywhere); A purges it; both sync.
    `offline` syncs once, after the pupils were made, and not again."""
    a, b = device(tmp_path, "a", settings), device(tmp_path, "b", settings)
    school_id = add_school(a)
    gone = pupil(a, school_id, SURNAME, "2009-03-02", 13)
    pupil(a, school_id, KEPT, "2020-03-02", 1)
    for ctx in (a, b, *([offline] if offline else [])):
        sync(ctx, target)
    for ctx, note in ((a, f"{SURNAME} travels with a sibling"), (b, f"{SURNAME} sits at the front")):
        data = Records(ctx, "pupils").get(gone).data
        Records(ctx, "pupils").update(gone, {**data, "needs_summary": note})
    for ctx in (a, b, a):
        assert not sync(ctx, target).rejected
    assert losers(a) and losers(a) == losers(b)
    assert run_purge(a, TODAY).erased == {"pupils": 1}
    for ctx in (a, b):
        assert not sync(ctx, target).rejected
    assert losers(b) == set()
    return a, b


def store_files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def readable_bytes(folder: Path, key: Any = None) -> bytes:
    """Every byte in the folder, with each bundle's payload decrypted when a key is given."""
    out = []
    for p in sorted(folder.rglob("*")):
        if not p.is_file():
            continue
        data = p.read_bytes()
        out.append(data)
        if NAME_RE.match(p.name) and key is not None:
            manifest, payload = read_manifest(data, p)
            out.append("\n".join(payload_lines(manifest, payload, p, key)).encode())
    return b"\n".join(out)


def export_csvs(spec: str, out: Path, key: Path | None = None) -> dict[str, bytes]:
    result = export_store(spec, out, "csv", key)
    assert not result.rejected
    return {p.name: p.read_bytes() for p in result.files}


def check_same_everywhere(tmp_path: Path, spec: str, pulled_before: list[ServiceContext],
                          settings: Settings | None = None) -> None:
    """A fresh device reading the compacted store ends where the devices that read it before are, and those
    devices get nothing new from it."""
    fresh = device(tmp_path, "fresh", settings)
    try:
        assert not sync(fresh, spec).rejected
        for ctx in pulled_before:
            assert snapshot(ctx) == snapshot(fresh)
            assert losers(ctx) == losers(fresh)
            assert sync(ctx, spec).counts() == NOTHING
    finally:
        fresh.close()


# ------------------------------------------------------------------------------------------------ folder


def test_folder_compaction_erases_the_data_and_changes_no_device(tmp_path: Path) -> None:
    stick = tmp_path / "stick"
    a, b = purge_scenario(tmp_path, str(stick))
    witness = device(tmp_path, "witness")  # pulled the whole store before the compaction
    assert not sync(witness, str(stick)).rejected
    store_id = open_target(str(stick)).store_id
    positions = pull_positions(witness, store_id)
    assert SURNAME.encode() in readable_bytes(stick)
    exported = export_csvs(str(stick), tmp_path / "export-before")

    files = store_files(stick)
    dry = compact_store(str(stick), dry_run=True)
    assert store_files(stick) == files  # the dry run changes nothing
    # the pupil's first version, A's and B's edits (B's was the conflict copy), all superseded by the erasure
    assert dict(dry.removed) == {"pupils": 3} and dict(dry.records) == {"pupils": 1}
    assert dry.rewritten == 0 and not dry.not_compacted

    done = compact_store(str(stick))
    assert done.removed == dry.removed and done.rewritten >= 2 and not done.not_compacted
    data = readable_bytes(stick)
    assert SURNAME.encode() not in data and KEPT.encode() in data
    for p in stick.rglob("*.bundle"):
        manifest, records = read_bundle(p.read_bytes(), p)  # every rewritten bundle passes every check
        assert manifest.device == p.parent.name and f"{manifest.seq:010d}.bundle" == p.name
        assert manifest.count == len(records)
        assert oct(p.stat().st_mode & 0o777) == "0o600"

    check_same_everywhere(tmp_path, str(stick), [a, b, witness])
    assert pull_positions(witness, store_id) == positions
    assert export_csvs(str(stick), tmp_path / "export-after") == exported
    assert not any(SURNAME.encode() in csv for csv in exported.values())

    files = store_files(stick)
    again = compact_store(str(stick))  # idempotent: compacting twice is compacting once
    assert again.total == 0 and again.rewritten == 0 and store_files(stick) == files
    for ctx in (a, b, witness):
        ctx.close()


def test_one_compaction_at_a_time_and_a_stale_lock_is_taken_over(tmp_path: Path) -> None:
    """A second admin compacting the same folder is told who is compacting; nothing is rewritten meanwhile.
    A lock left by a crash (older than an hour) does not block the store for ever."""
    stick = tmp_path / "stick"
    a, b = purge_scenario(tmp_path, str(stick))
    with compaction_lock(stick):
        files = store_files(stick)
        with pytest.raises(CompactionError, match="is being compacted from"):
            compact_store(str(stick))
        assert store_files(stick) == files
        assert compact_store(str(stick), dry_run=True).total == 3  # a dry run reads only: no lock needed
        shown = CliRunner().invoke(main, ["compact", "--target", str(stick)])
        assert shown.exit_code != 0 and "being compacted" in shown.output and "Traceback" not in shown.output
    assert not (stick / LOCK_FILE).exists()  # released

    lock = stick / LOCK_FILE
    lock.write_text("{}")
    old = lock.stat().st_mtime - STALE_LOCK_SECONDS - 60
    os.utime(lock, (old, old))
    done = compact_store(str(stick))
    assert done.total == 3 and not lock.exists()
    for ctx in (a, b):
        ctx.close()


def test_a_bundle_left_with_no_records_keeps_its_number(tmp_path: Path) -> None:
    """A device whose bundle held only versions of the erased pupil: the bundle stays, empty, so the
    device's sequence stays gap-free and its later bundles still apply."""
    stick = tmp_path / "stick"
    a, b = purge_scenario(tmp_path, str(stick))
    c = device(tmp_path, "c")
    assert not sync(c, str(stick)).rejected
    compact_store(str(stick))
    empty = [p for p in stick.rglob("*.bundle") if read_bundle(p.read_bytes(), p)[0].count == 0]
    # A's and B's concurrent edits of the pupil were each alone in a bundle
    assert sorted(p.parent.name for p in empty) == sorted([a.device_id, b.device_id])
    later = Records(b, "schools").create({"urn": 100777, "name": "Fictional Later School", "phase": "primary",
                                          "postcode": "BN1 1AA"})
    assert sync(b, str(stick)).pushed == 1
    assert sync(c, str(stick)).pulled == 1
    assert Records(c, "schools").get(later.id).data["name"] == "Fictional Later School"
    assert sync(a, str(stick)).pulled == 1
    check_same_everywhere(tmp_path, str(stick), [a, b, c])
    for ctx in (a, b, c):
        ctx.close()


def test_an_edit_concurrent_with_the_erasure_stays_for_review_until_resolved(tmp_path: Path) -> None:
    """C edits the pupil, offline, while A erases it: the erasure wins (a later generation) and C's edit is a
    conflict copy, a leaf no compaction may drop. Resolving it for the deletion lets the next compaction go."""
    stick = tmp_path / "stick"
    c = device(tmp_path, "c")
    a, b = purge_scenario(tmp_path, str(stick), offline=c)
    (gone,) = [r["id"] for r in Records(c, "pupils").list(limit=10).rows if r["last_name"] == SURNAME]
    Records(c, "pupils").update(gone, {**Records(c, "pupils").get(gone).data, "needs_summary": f"{SURNAME} again"})
    for ctx in (c, a, b):
        assert not sync(ctx, str(stick)).rejected
    assert snapshot(c)["pupils"][gone][1] is True and len(losers(c)) == 1  # the deletion won everywhere

    first = compact_store(str(stick))
    assert dict(first.still_conflicting) == {"pupils": 1} and dict(first.removed) == {"pupils": 3}
    assert f"{SURNAME} again".encode() in readable_bytes(stick)  # the concurrent edit is kept for review ...
    check_same_everywhere(tmp_path, str(stick), [a, b, c])

    from htst_tui.services.sync import list_conflicts, resolve_conflict

    resolve_conflict(b, list_conflicts(b, limit=1).rows[0]["seq"], "current")  # ... until someone keeps the deletion
    for ctx in (b, a, c):
        assert not sync(ctx, str(stick)).rejected
    second = compact_store(str(stick))
    assert not second.still_conflicting and SURNAME.encode() not in readable_bytes(stick)
    check_same_everywhere(tmp_path, str(stick), [a, b, c])
    for ctx in (a, b, c):
        ctx.close()


def test_encrypted_bundles_need_the_key_and_are_reported_without_it(tmp_path: Path) -> None:
    private, public = crypto.generate_key_pair(tmp_path / "keys")
    settings = Settings(sync=SyncSettings(encrypt_bundles=True, public_key_path=str(public),
                                          private_key_path=str(private)))
    stick = tmp_path / "stick"
    a, b = purge_scenario(tmp_path, str(stick), settings)
    key = crypto.load_private_key(private)
    assert SURNAME.encode() not in readable_bytes(stick)  # encrypted at rest ...
    assert SURNAME.encode() in readable_bytes(stick, key)  # ... but there for the key holder
    exported = export_csvs(str(stick), tmp_path / "export-before", private)
    files = store_files(stick)

    db = tmp_path / "admin.db"
    device(tmp_path, "admin").close()
    no_key = CliRunner().invoke(main, ["compact", "--target", str(stick), "--db", str(db)])
    assert no_key.exit_code == 1
    bundles = sorted(str(p) for p in stick.rglob("*.bundle"))
    reported = [line for line in no_key.output.splitlines() if line.startswith("not compacted:")]
    assert len(reported) == 2 and all("--key" in line for line in reported)  # one per device: each waits there
    assert all(any(b in line for b in bundles) for line in reported)
    assert store_files(stick) == files

    done = compact_store(str(stick), key_path=private)
    assert dict(done.removed) == {"pupils": 3} and not done.not_compacted
    assert SURNAME.encode() not in readable_bytes(stick, key) and KEPT.encode() in readable_bytes(stick, key)
    for p in stick.rglob("*.bundle"):
        manifest, _ = read_bundle(p.read_bytes(), p, key)
        assert manifest.encrypted  # still encrypted to the council's key
    check_same_everywhere(tmp_path, str(stick), [a, b], settings)
    assert export_csvs(str(stick), tmp_path / "export-after", private) == exported
    for ctx in (a, b):
        ctx.close()


def test_cli_counts_by_kind_and_audits(tmp_path: Path) -> None:
    stick = tmp_path / "stick"
    a, b = purge_scenario(tmp_path, str(stick))
    files = store_files(stick)
    dry = CliRunner().invoke(main, ["compact", "--target", str(stick), "--dry-run", "--json", "--db", str(a.db.path)])
    assert dry.exit_code == 0, dry.output
    counts = json.loads(dry.output)
    assert counts["dry_run"] is True and counts["removed"] == 3 and counts["removed_by_kind"] == {"pupils": 3}
    assert store_files(stick) == files

    real = CliRunner().invoke(main, ["compact", "--target", str(stick), "--db", str(a.db.path)])
    assert real.exit_code == 0, real.output
    assert "Pupil " in real.output and "Rewrote 3 bundles" in real.output
    assert SURNAME not in real.output and KEPT not in real.output and "TST" not in real.output
    audit = CliRunner().invoke(main, ["doctor", "--audit", "--db", str(a.db.path)])
    newest = audit.output.splitlines()[1]
    assert "compact" in newest and str(stick) in newest and "pupils=3" in newest
    assert sum("; removed " in line for line in audit.output.splitlines()) == 1  # a dry run is not logged
    missing = CliRunner().invoke(main, ["compact", "--db", str(a.db.path)])
    assert missing.exit_code == 2  # no target and no default: a usage error
    typo = CliRunner().invoke(main, ["compact", "--target", str(tmp_path / "stik"), "--db", str(a.db.path)])
    assert typo.exit_code == 1 and "not a sync folder" in typo.output
    assert not (tmp_path / "stik").exists()  # a mistyped path is not made into a new store
    for ctx in (a, b):
        ctx.close()


CRASH = """
import os, sys
from htst_tui.sync import folder
from htst_tui.sync.compact import compact_store
calls = []
real = os.replace
class Crashing:
    def __getattr__(self, name):
        return getattr(os, name)
    def replace(self, src, dst):
        calls.append(dst)
        if len(calls) > int(sys.argv[2]):
            os._exit(9)  # killed: after the temporary file is written and fsynced, before the rename
        real(src, dst)
folder.os = Crashing()
compact_store(sys.argv[1])
"""


@pytest.mark.parametrize("renames_before_crash", [0, 1])
def test_a_crash_mid_compaction_leaves_a_readable_store(tmp_path: Path, renames_before_crash: int) -> None:
    stick = tmp_path / "stick"
    a, b = purge_scenario(tmp_path, str(stick))
    killed = subprocess.run([sys.executable, "-c", CRASH, str(stick), str(renames_before_crash)],
                            env={**os.environ, "HTST_DATA_DIR": str(tmp_path / "d")}, check=False)
    assert killed.returncode == 9
    temps = [p for p in stick.rglob(".*") if p.is_file() and p.name != LOCK_FILE]
    assert len(temps) == 1  # the rewrite it was killed in: a dot name, which readers ignore
    assert (stick / LOCK_FILE).exists()  # the killed compaction's lock: its process is gone, so it is taken over
    for p in stick.rglob("*.bundle"):
        read_bundle(p.read_bytes(), p)  # every bundle is either the old one or the new one
    check_same_everywhere(tmp_path, str(stick), [a, b])  # a half-compacted store is a valid store

    old = os.stat(temps[0]).st_mtime - STALE_TEMP_SECONDS - 60
    os.utime(temps[0], (old, old))
    done = compact_store(str(stick))  # finishes the job and clears the crash's leftover
    assert done.temp_files == 1 and not done.not_compacted and not (stick / LOCK_FILE).exists()
    assert SURNAME.encode() not in readable_bytes(stick)
    check_same_everywhere(tmp_path, str(stick), [a, b])
    for ctx in (a, b):
        ctx.close()


# ------------------------------------------------------------------------------------------------ PostgreSQL


def pg_rows(url: str) -> dict[str, dict[Any, str]]:
    """Every row of every table of the store's database, as JSON text keyed by primary key."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            tables = conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars()
            return {t: {i: row for i, row in conn.execute(text(
                f'SELECT row_number() OVER (), row_to_json(x)::text FROM "{t}" x'))} for t in sorted(tables)}
    finally:
        engine.dispose()


def versions_by_seq(url: str) -> dict[int, str]:
    return {json.loads(row)["seq"]: row for row in pg_rows(url)["htst_versions"].values()}


@pytest.mark.postgres
def test_postgres_compaction_erases_the_data_and_changes_no_device(tmp_path: Path, pg_url: str) -> None:  # noqa: F811
    a, b = purge_scenario(tmp_path, pg_url)
    witness = device(tmp_path, "witness")
    assert not sync(witness, pg_url).rejected
    store_id = open_target(pg_url).store_id
    positions = pull_positions(witness, store_id)
    exported = export_csvs(pg_url, tmp_path / "export-before")
    before = pg_rows(pg_url)
    assert SURNAME in json.dumps(before)
    by_seq = versions_by_seq(pg_url)

    dry = compact_store(pg_url, dry_run=True)
    assert dict(dry.removed) == {"pupils": 3} and pg_rows(pg_url) == before
    done = compact_store(pg_url)
    assert done.removed == dry.removed and done.rewritten == 3
    after = pg_rows(pg_url)
    assert SURNAME not in json.dumps(after) and KEPT in json.dumps(after)
    kept = versions_by_seq(pg_url)
    assert len(kept) == len(by_seq) - 3 and all(by_seq[s] == row for s, row in kept.items())  # nothing else changed
    assert {t: r for t, r in after.items() if t != "htst_versions"} == {
        t: r for t, r in before.items() if t != "htst_versions"}

    check_same_everywhere(tmp_path, pg_url, [a, b, witness])
    assert pull_positions(witness, store_id) == positions
    assert export_csvs(pg_url, tmp_path / "export-after") == exported
    again = compact_store(pg_url)
    assert again.total == 0 and pg_rows(pg_url) == after
    # pushes go on after a compaction, past every cursor
    Records(b, "schools").create({"urn": 100777, "name": "Fictional Later School", "phase": "primary",
                                  "postcode": "BN1 1AA"})
    assert sync(b, pg_url).pushed == 1 and sync(witness, pg_url).pulled == 1
    for ctx in (a, b, witness):
        ctx.close()


# ------------------------------------------------------------------------------------------------ property


class CompactingWorld(World):
    """The convergence suite's devices and edits (deletes included), with compactions at random points."""

    def __init__(self, folder: Path, n: int, target: str) -> None:
        super().__init__(folder, n, target)
        self.folder = folder

    def run(self, step: tuple[Any, ...]) -> None:
        if step[0] != "compact":
            super().run(step)
            return
        witness = device(self.folder, "witness")  # reads the store just before the compaction
        fresh = device(self.folder, "fresh")  # reads it just after
        try:
            assert not sync(witness, self.target).rejected
            report = compact_store(self.target)
            assert not report.not_compacted
            assert not sync(fresh, self.target).rejected
            assert snapshot(fresh) == snapshot(witness) and losers(fresh) == losers(witness)
            assert sync(witness, self.target).counts() == NOTHING
            assert compact_store(self.target).total == 0  # compacting twice is compacting once
        finally:
            witness.close()
            fresh.close()


compacting_op = st.one_of(op, st.tuples(st.just("compact"), st.integers(0, 3)))


def run_compacting_world(target: str, folder: Path, n: int, steps: list[tuple[Any, ...]]) -> None:
    world = CompactingWorld(folder, n, target)
    try:
        world.share_some_records()
        for s in [*steps, ("compact", 0)]:
            world.run(s)
        check(world, folder)  # converged, a fresh device agrees, and no version any device made was lost
    finally:
        world.close()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(2, 3), steps=st.lists(compacting_op, min_size=1, max_size=16))
def test_property_compacting_a_folder_changes_no_device(n: int, steps: list[tuple[Any, ...]]) -> None:
    folder = Path(tempfile.mkdtemp(prefix="htst-compact-"))
    try:
        run_compacting_world(str(folder / "stick"), folder, n, steps)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.postgres
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(n=st.integers(2, 3), steps=st.lists(compacting_op, min_size=1, max_size=16))
def test_property_compacting_postgres_changes_no_device(pg_server: str, n: int,  # noqa: F811
                                                        steps: list[tuple[Any, ...]]) -> None:
    folder = Path(tempfile.mkdtemp(prefix="htst-compact-pg-"))
    url, drop = fresh_pg_database(pg_server)
    try:
        run_compacting_world(url, folder, n, steps)
    finally:
        drop()
        shutil.rmtree(folder, ignore_errors=True)
