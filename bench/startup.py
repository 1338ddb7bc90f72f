"""Time to first paint: HtstApp against a bare Textual app (Header + DataTable + Footer).

Each app starts in a fresh Python process (headless, like a real start apart from the terminal), exits on
Textual's `Ready` event (sent once the first frame has been drawn), and reports the time from the top of the
process's script to that event. HtstApp runs on an empty database in a temporary data folder with a saved
profile, as on a normal day. Prints the median of several runs of each and the ratio (goal: <= 1.3).

    .venv/bin/python bench/startup.py [--runs 7]
"""

from __future__ import annotations

import time

START = time.perf_counter()

import argparse  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

import tree_first  # noqa: E402,F401  (before htst_tui is imported)

GOAL = 1.3


def child(kind: str) -> None:
    from textual.app import App, ComposeResult

    if kind == "bare":
        from textual.widgets import DataTable, Footer, Header

        class Bare(App[None]):
            def compose(self) -> ComposeResult:
                yield Header()
                yield DataTable()
                yield Footer()

            def on_ready(self) -> None:
                print(f"{time.perf_counter() - START:.6f}", flush=True)
                self.exit()

        Bare().run(headless=True)
        return

    from htst_tui.app import HtstApp

    db = Path(os.environ.get("BENCH_DB") or Path(os.environ["HTST_DATA_DIR"]) / "htst.db")
    if kind == "htst-data":  # until Home shows its figures (the database opened and the dashboard read)
        from htst_tui.screens.home import HomeScreen

        shown = HomeScreen._show

        def show_then_exit(self: HomeScreen, board: object) -> None:
            shown(self, board)  # type: ignore[arg-type]
            print(f"{time.perf_counter() - START:.6f}", flush=True)
            self.app.exit()

        HomeScreen._show = show_then_exit  # type: ignore[method-assign]
        HtstApp(db).run(headless=True)
        return

    class Timed(HtstApp):
        def on_ready(self) -> None:
            print(f"{time.perf_counter() - START:.6f}", flush=True)
            self.exit()

    Timed(db).run(headless=True)


def measure(kind: str, runs: int, db: Path | None = None) -> list[float]:
    """Start `kind` ("bare", "htst" or "htst-data") `runs` times, each in a fresh process; `db` (default: a new
    empty database) is the database HtstApp opens."""
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            env = dict(os.environ, HTST_DATA_DIR=f"{tmp}/data", HTST_CONFIG_DIR=f"{tmp}/config",
                       BENCH_DB=str(db or ""))
            Path(f"{tmp}/config").mkdir(mode=0o700)
            Path(f"{tmp}/config/config.toml").write_text('[profile]\nofficer_name = "Bench Officer"\n')
            Path(f"{tmp}/data").mkdir(mode=0o700)
            out = subprocess.run([sys.executable, __file__, "--child", kind], env=env, capture_output=True,
                                 text=True, check=True, timeout=120)
            times.append(float(out.stdout.strip().splitlines()[-1]))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--child", choices=["bare", "htst", "htst-data"])
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    measure("bare", 1)  # warm the file cache and .pyc files for both before timing
    measure("htst", 1)
    bare: list[float] = []
    htst: list[float] = []
    for _ in range(args.runs):  # interleaved, so a busy moment on the machine hits both alike
        bare += measure("bare", 1)
        htst += measure("htst", 1)
    b, h = statistics.median(bare), statistics.median(htst)
    print(f"bare Textual app (Header+DataTable+Footer): median {b * 1000:.0f} ms  "
          f"(min {min(bare) * 1000:.0f}, max {max(bare) * 1000:.0f}, {len(bare)} runs)")
    print(f"HtstApp (Home, database opened after paint): median {h * 1000:.0f} ms  "
          f"(min {min(htst) * 1000:.0f}, max {max(htst) * 1000:.0f}, {len(htst)} runs)")
    ratio = h / b
    print(f"ratio {ratio:.2f} (goal <= {GOAL})  {'OK' if ratio <= GOAL else 'OVER GOAL'}")


if __name__ == "__main__":
    main()
