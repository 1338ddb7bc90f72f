"""Where a 100,000-record pull's time goes, each required step timed alone with the app's own code, against
the same floor as bench/sync.py (the `sqlite3 -csv` shell dumping the same rows).

Why: issue 6 holds the pull (validate, merge, write) to 12x the floor. This prints what the steps a pull cannot
skip cost on their own — reading and checking the bundles, the domain models' validation of every record, and
writing the rows with the indexes and search index a device needs — so the sum shows how close to the goal
any implementation of this design can come on this machine, before any merge logic at all.

    .venv/bin/python bench/sync_parts.py [--repeat 3]

Plain script: prints the figures and ratios (best of `--repeat` runs per step). Synthetic data only.
"""

from __future__ import annotations

import gc
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sync import COUNTS, fill, sqlite_shell

from htst_tui.db import search_index
from htst_tui.entities import BY_NAME, ENTITIES
from htst_tui.services.context import open_context
from htst_tui.settings import Settings
from htst_tui.sync import merge
from htst_tui.sync.run import push, target_for
from htst_tui.sync.sqlite_rows import version_row
from htst_tui.sync.target import open_target


def best(repeat: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    took, value = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        value = fn()
        took = min(took, time.perf_counter() - start)
    return took, value


def main() -> None:
    repeat = int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 3
    tmp = Path(tempfile.mkdtemp(prefix="htst-bench-parts-"))
    try:
        a = open_context(tmp / "a.db", officer="Bench", settings=Settings())
        fill(a, random.Random(6))
        stick = str(tmp / "stick")
        push(a, target_for(a, stick))
        a.close()
        query = "; ".join(f"SELECT * FROM {name}" for name in COUNTS)
        shell = sqlite_shell()
        floor, _ = best(repeat, lambda: subprocess.run([shell, "-csv", str(tmp / "a.db"), query], check=True,
                                                       stdout=subprocess.DEVNULL))
        gc.disable()  # as the pull runs (merge.gc_paused)
        target = open_target(stick)
        read, report = best(repeat, lambda: target.pull("", {}))
        raw = [(u.label, rec) for u in report.units for rec in u.records]

        def envelopes() -> dict[str, list[merge.Version]]:
            out: dict[str, list[merge.Version]] = defaultdict(list)
            for source, obj in raw:
                v = merge.from_wire(obj, source)
                assert isinstance(v, merge.Version)
                out[v.entity].append(v)
            return out

        envelope, by_entity = best(repeat, envelopes)

        def validate() -> None:
            result = merge.ApplyResult()
            for name, versions in by_entity.items():
                merge._validate(BY_NAME[name], versions, result)
            assert not result.rejected

        validation, _ = best(repeat, validate)
        rows = {ent.name: [version_row(ent)(v.data, v.id, v.rev, v.history, v.stamp or v.updated_at, v.updated_by,
                                            v.origin_device, v.deleted, i + 1)
                           for i, v in enumerate(sorted(by_entity[ent.name], key=lambda v: v.id))]
                for ent in ENTITIES if by_entity.get(ent.name)}
        def write_all(n: int, bare: bool) -> float:
            """Into a new device database; `bare`: without its secondary and search indexes (rows alone)."""
            b = open_context(tmp / f"b{n}-{bare}.db", officer="Bench", settings=Settings())
            if bare:
                with b.transaction() as session:
                    search_index.drop(session.connection())
                    for name in rows:
                        merge.drop_secondary_indexes(session.connection(), BY_NAME[name].table.name)
            start = time.perf_counter()
            with b.transaction(bulk=True) as session:
                for name, ent_rows in rows.items():
                    merge._bulk_load(session, BY_NAME[name], ent_rows)
            took = time.perf_counter() - start
            b.close()
            return took

        write = min(write_all(n, False) for n in range(repeat))
        bare = min(write_all(n, True) for n in range(repeat))
        gc.enable()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    total = sum(COUNTS.values())
    print(f"{total:,} records; best of {repeat} per step")
    print(f"{'floor: sqlite3 -csv':<58} {floor:6.3f} s")
    parts = [("read the bundles (checksums, JSON)", read), ("check every envelope (ids, revisions, times)", envelope),
             ("validate every record with the domain models", validation),
             ("write the rows, their indexes and search index, commit", write)]
    running = 0.0
    for label, took in parts:
        running += took
        print(f"{label:<58} {took:6.3f} s {took / floor:5.1f}x   running total {running / floor:5.1f}x")
    print(f"  (of the write: the rows alone, without the indexes a device searches and lists by: {bare:.3f} s, "
          f"{bare / floor:.1f}x)")
    print(f"the pull's goal is 12x the floor: these steps alone are {running / floor:.1f}x, before merging")


if __name__ == "__main__":
    main()
