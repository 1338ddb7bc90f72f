"""`htst doctor`: paths, schema version, record counts and an integrity check; exit 1 on any problem."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from htst_tui.cli import db_option


@click.command("doctor")
@db_option
@click.option("--audit", "audit", is_flag=True,
              help="Show the read-out log instead: who exported, reported, answered a subject access request or "
                   "purged, when, and where to (latest 50).")
def command(db_path: Path | None, audit: bool) -> None:
    """Check the installation and the database: where files are, schema version, device id, record counts,
    unsynced changes, permissions and SQLite's integrity check. Exits 1 if anything is wrong."""
    if audit:
        show_readouts(db_path)
        return
    from htst_tui.services.doctor import diagnose

    report = diagnose(db_path)
    width = max(len(label) for label, _ in report.facts)
    for label, value in report.facts:
        click.echo(f"{label:<{width}}  {value}")
    if report.counts:
        click.echo("")
        name_width = max(len(c.entity) for c in report.counts)
        click.echo(f"{'Records':<{name_width}}  {'live':>8}  {'deleted':>8}  {'unsynced':>8}")
        for c in report.counts:
            click.echo(f"{c.entity:<{name_width}}  {c.live:>8}  {c.deleted:>8}  {c.unsynced:>8}")
    click.echo("")
    for warning in report.warnings:
        click.secho(f"Warning: {warning}", fg="yellow")
    for problem in report.problems:
        click.secho(f"Problem: {problem}", fg="red", err=True)
    if report.ok:
        click.echo("No problems found.")
    else:
        sys.exit(1)


def show_readouts(db_path: Path | None) -> None:
    from htst_tui.services.audit import readouts
    from htst_tui.services.context import open_context

    ctx = open_context(db_path)
    try:
        entries = readouts(ctx)
    finally:
        ctx.close()
    if not entries:
        click.echo("No read-outs recorded on this device.")
        return
    click.echo(f"{'When (UTC)':<17}  {'Who':<20}  {'What':<15}  Where to / detail")
    for e in entries:
        click.echo(f"{e.at:%Y-%m-%d %H:%M}  {e.officer[:20]:<20}  {e.kind[:15]:<15}  {e.detail}")
