"""`htst demo`: fill an empty database with synthetic, clearly fictional demo data."""

from __future__ import annotations

from pathlib import Path

import click

from htst_tui.cli import db_option


@click.command("demo")
@db_option
@click.option("--pupils", type=click.IntRange(1, 200_000), default=600, show_default=True,
              help="How many pupils; schools, routes and crews scale with it (600 is a city service).")
@click.option("--seed", type=int, default=None, help="Random seed: the same seed gives the same data [default: 2026].")
def command(db_path: Path | None, pupils: int, seed: int | None) -> None:
    """Fill an EMPTY database with synthetic demo data.

    About 40 schools, 8 operators, 180 routes, 600 pupils, their crews and 12 panel members at the default
    size, plus each feature's own demo records. Every name is made up and marked DEMO. A database that
    already holds any record is refused and left unchanged.
    """
    from htst_tui.services.context import open_context
    from htst_tui.services.demo import DEFAULT_SEED, build_demo

    ctx = open_context(db_path)
    try:
        summary = build_demo(ctx, pupils=pupils, seed=DEFAULT_SEED if seed is None else seed)
    finally:
        ctx.close()
    click.echo(f"Demo data written to {ctx.db.path} (seed {summary.seed}):")
    width = max(len(name) for name in summary.counts)
    for name, count in summary.counts.items():
        click.echo(f"  {name.replace('_', ' '):<{width}}  {count:>7}")
    click.echo(f"  {'total':<{width}}  {summary.total:>7}")
