"""Time `build_demo` at the default city scale and at county scale (50,000 pupils).

Speed is measured here rather than asserted in tests (timed assertions are flaky on shared machines).
Run with `make bench` or `.venv/bin/python bench/demo.py [PUPILS ...]`.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path


def time_demo(pupils: int, folder: Path) -> tuple[float, int]:
    from htst_tui.services.context import open_context
    from htst_tui.services.demo import build_demo
    from htst_tui.settings import Settings

    ctx = open_context(folder / f"demo-{pupils}.db", officer="Bench", settings=Settings())
    try:
        start = time.perf_counter()
        summary = build_demo(ctx, pupils=pupils)
        return time.perf_counter() - start, summary.total
    finally:
        ctx.close()


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [600, 50_000]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        os.environ["HTST_DATA_DIR"] = str(folder / "data")
        os.environ["HTST_CONFIG_DIR"] = str(folder / "config")
        for pupils in sizes:
            seconds, records = time_demo(pupils, folder)
            print(f"build_demo pupils={pupils:>6}: {records:>7} records in {seconds:6.2f} s "
                  f"({records / seconds:,.0f} records/s)")


if __name__ == "__main__":
    main()
