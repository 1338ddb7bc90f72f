"""`htst compact --target TARGET [--key PATH] [--dry-run] [--json] [--db PATH]`: the central store purges too.

Exit 1 when any bundle could not be compacted (encrypted and no key, damaged, or changed meanwhile), after every
other one was; the compaction is an audit event in the local database (--db, or the default one when it exists).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from htst_tui.cli import db_option

if TYPE_CHECKING:
    from htst_tui.sync.compact import CompactReport


@click.command("compact")
@click.option("--target", "target", default="", metavar="TARGET",
              help="A sync folder or a postgresql+psycopg:// URL (default: sync.default_target).")
@click.option("--key", "key_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The council's private key, to compact encrypted bundles (default: sync.private_key_path).")
@click.option("--dry-run", is_flag=True, help="Only count what would be removed; change nothing.")
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object: records, removed (and by kind), rewritten, not_compacted.")
@db_option
def command(target: str, key_path: Path | None, dry_run: bool, as_json: bool, db_path: Path | None) -> None:
    """Remove the superseded versions of deleted records from the central store.

    After `htst purge` and a sync, an erased record's earlier versions (and the conflict copies the purge
    folded in) are still in the store's old bundles or rows; this removes them and keeps the deletion itself,
    so devices that already synced see no change and new ones end the same. Counts by kind, never names.
    """
    from htst_tui.commands import local_log, shown_target
    from htst_tui.services.audit import record_data_event
    from htst_tui.settings import load_settings
    from htst_tui.sync.compact import compact_store
    from htst_tui.sync.target import is_postgres_url

    sync_settings = load_settings().sync
    spec = target or sync_settings.default_target
    if not spec:
        raise click.UsageError("give --target FOLDER or a postgresql+psycopg:// URL (sync.default_target is unset)")
    if key_path is None and sync_settings.private_key_path and not is_postgres_url(spec):
        key_path = Path(sync_settings.private_key_path).expanduser()
    report = compact_store(spec, key_path=key_path, dry_run=dry_run)
    if as_json:
        click.echo(json.dumps(report.counts()))
    else:
        show(report)
    for problem in report.not_compacted:
        click.echo(f"not compacted: {problem}", err=True)
    if not dry_run:
        ctx = local_log(db_path, "compaction")
        if ctx is not None:
            kinds = " ".join(f"{name}={n}" for name, _, _, n in report.by_kind()) or "nothing"
            try:
                record_data_event(ctx, action="compact", detail=(
                    f"{shown_target(spec)}; removed {kinds}; rewritten {report.rewritten}; "
                    f"not compacted {len(report.not_compacted)}"))
            finally:
                ctx.close()
    if report.not_compacted:
        sys.exit(1)


def show(report: CompactReport) -> None:
    """Counts by kind, never names."""
    click.echo(f"Compacting {report.target}{' (dry run)' if report.dry_run else ''}.")
    rows = report.by_kind()
    if not rows:
        click.echo("No superseded versions of deleted records.")
    else:
        width = max(len("total"), *(len(label) for _, label, _, _ in rows))
        click.echo("Superseded versions of deleted records:")
        click.echo(f"  {'':<{width}}  {'records':>7}  {'versions':>8}")
        for _, label, records, versions in rows:
            click.echo(f"  {label:<{width}}  {records:>7}  {versions:>8}")
        click.echo(f"  {'total':<{width}}  {sum(r[2] for r in rows):>7}  {report.total:>8}")
    conflicting = sum(report.still_conflicting.values())
    if conflicting:
        click.echo(f"{conflicting} deleted records also have a concurrent edit in the store, kept for review "
                   "(Conflicts screen on a device).")
    if report.temp_files:
        click.echo(f"{'Found' if report.dry_run else 'Removed'} {report.temp_files} stale temporary bundle files.")
    if report.dry_run:
        click.echo("Dry run: nothing was changed.")
    elif report.store == "folder":
        click.echo(f"Rewrote {report.rewritten} bundles.")
    else:
        click.echo(f"Deleted {report.rewritten} versions.")
