"""`htst sync --to TARGET [--db PATH] [--json]`: two-way sync with a folder or a PostgreSQL URL.

Exit 1 when any bundle or record was rejected, after every good one has been applied (DESIGN.md CLI contract).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from htst_tui.cli import db_option


@click.command("sync")
@click.option("--to", "target", default="", metavar="TARGET",
              help="A folder (shared drive, USB stick) or a postgresql+psycopg:// URL (default: sync.default_target).")
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object: pushed, pulled, conflicts, rejected.")
def command(target: str, db_path: Path | None, as_json: bool) -> None:
    """Push this device's changes to TARGET and pull every other device's."""
    from htst_tui.services.context import open_context
    from htst_tui.services.sync import run_sync

    ctx = open_context(db_path)
    try:
        result = run_sync(ctx, target)
    finally:
        ctx.close()
    for notice in result.notices:
        click.echo(f"note: {notice}", err=True)
    for rejection in result.rejected:
        click.echo(f"rejected: {rejection}", err=True)
    counts = result.counts()
    if as_json:
        click.echo(json.dumps(counts))
    else:
        click.echo(f"Synced with {result.target}: pushed {counts['pushed']}, pulled {counts['pulled']}, "
                   f"conflicts {counts['conflicts']}, rejected {counts['rejected']}")
    if result.rejected:
        sys.exit(1)
