"""Benchmark: compacting a folder store (and PostgreSQL with `--pg URL`) after a large purge.

One device holds N synthetic pupils (default 8,000; a quarter of them have left school), pushes them, edits
every pupil once and pushes again, purges the leavers and pushes the erasures. Then: the dry run, the
compaction, and the store's size before and after; then a fresh device pulls the compacted store (it must
get no rejection). Plain script that prints figures; synthetic data only. Run it with `nice` on a shared machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

from htst_tui.entities import BY_NAME
from htst_tui.services.bulk import insert_new
from htst_tui.services.context import open_context
from htst_tui.services.purge import run_purge
from htst_tui.services.records import Records
from htst_tui.settings import Settings
from htst_tui.sync.compact import compact_store
from htst_tui.sync.run import sync


def size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def timed(label: str, fn):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = fn()
    print(f"{label:<34} {time.perf_counter() - start:7.2f} s")
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pupils", type=int, default=8_000)
    ap.add_argument("--pg", default="", help="also compact this (empty) PostgreSQL database")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="htst-bench-compact-"))
    ctx = open_context(tmp / "a.db", officer="Bench", settings=Settings())
    with ctx.transaction() as s:
        (school,) = insert_new(ctx, s, BY_NAME["schools"], [
            {"urn": 100001, "name": "Fictional School", "phase": "secondary", "postcode": "BN1 1AA"}])
        ids = insert_new(ctx, s, BY_NAME["pupils"], [
            {"la_reference": f"TST{i:07d}", "first_name": "Testchild", "last_name": f"Example{i}",
             "date_of_birth": dt.date(2009 if i % 4 == 0 else 2020, 3, 2), "school_id": school,
             "year_group": 13 if i % 4 == 0 else 1, "needs_summary": f"Example{i} needs a booster seat"}
            for i in range(args.pupils)])
    targets = [str(tmp / "stick"), *([args.pg] if args.pg else [])]
    for t in targets:
        sync(ctx, t)
    timed("edit every pupil once", lambda: [Records(ctx, "pupils").update(
        i, {**Records(ctx, "pupils").get(i).data, "needs_summary": "edited"}) for i in ids])
    for t in targets:
        sync(ctx, t)
    erased = timed("purge (leavers)", lambda: run_purge(ctx, dt.date(2028, 1, 1))).total
    for t in targets:
        timed(f"push to {'folder' if t == targets[0] else 'PostgreSQL'}", lambda t=t: sync(ctx, t))
    print(f"pupils {args.pupils}, erased {erased}")
    for t in targets:
        kind = "folder" if t == targets[0] else "PostgreSQL"
        before = size(tmp / "stick") if kind == "folder" else 0
        dry = timed(f"{kind}: dry run", lambda t=t: compact_store(t, dry_run=True))
        done = timed(f"{kind}: compaction", lambda t=t: compact_store(t))
        print(f"{kind}: removed {done.total} versions of {sum(done.records.values())} records "
              f"(dry run said {dry.total}); rewritten {done.rewritten}")
        if kind == "folder":
            print(f"folder: {before / 1e6:.1f} MB before, {size(tmp / 'stick') / 1e6:.1f} MB after")
        fresh = open_context(tmp / f"fresh-{kind}.db", officer="Fresh", settings=Settings())
        result = timed(f"{kind}: fresh device pulls", lambda t=t, fresh=fresh: sync(fresh, t))
        assert not result.rejected, result.rejected[:3]
        fresh.close()
        again = timed(f"{kind}: compaction again", lambda t=t: compact_store(t))
        assert again.total == 0
    ctx.close()


if __name__ == "__main__":
    main()
