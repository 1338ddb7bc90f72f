"""How long one filtered, searched page of the incident log takes with many incidents.

Usage: .venv/bin/python bench/incident_list.py [N]   (default 20000 incidents in a scratch database)
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

from htst_tui.services import incidents as svc
from htst_tui.services.context import open_context
from htst_tui.services.demo_types import DemoReference
from htst_tui.services.incident_demo import add_demo
from htst_tui.settings import Settings


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.incident_fixtures import make_reference

    with tempfile.TemporaryDirectory() as tmp:
        ctx = open_context(Path(tmp) / "bench.db", officer="Bench", settings=Settings())
        made = make_reference(ctx)
        ref = DemoReference(today=dt.date.today(), school_ids=made.schools, operator_ids=made.operators,
                            route_ids=made.routes, pupil_ids=made.pupils,
                            route_school=dict(zip(made.routes, made.schools, strict=True)),
                            route_operator=dict(zip(made.routes, made.operators, strict=True)),
                            pupil_route={p: made.routes[0] for p in made.pupils})
        rng = random.Random(1)
        t = time.perf_counter()
        for _ in range(max(1, n // 250)):
            add_demo(ctx, ref, rng)
        print(f"inserted {n} incidents (+ route returns, follow-ups) in {time.perf_counter() - t:.2f} s")
        cases = {
            "first page, no filter": svc.IncidentFilter(),
            "open + minor": svc.IncidentFilter(status="open", severity="minor"),
            "operator + date range": svc.IncidentFilter(operator_id=made.operators[0],
                                                        date_from=dt.date.today() - dt.timedelta(days=60)),
            "search 'late'": svc.IncidentFilter(search="late"),
        }
        for label, flt in cases.items():
            t = time.perf_counter()
            page = svc.list_incidents(ctx, flt, offset=0, limit=50)
            print(f"{label:<24} {page.total:>6} rows  {1000 * (time.perf_counter() - t):7.1f} ms")
        t = time.perf_counter()
        items = svc.due_items(ctx, dt.date.today())
        print(f"due_items                {len(items):>6} items {1000 * (time.perf_counter() - t):7.1f} ms")
        ctx.close()


if __name__ == "__main__":
    main()
