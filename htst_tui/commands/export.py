"""`htst export --from TARGET --to DIR [--format csv|xlsx|all] [--key KEYFILE]`: the consolidated export."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from htst_tui.cli import db_option


@click.command("export")
@click.option("--from", "source", required=True, metavar="TARGET", help="A sync folder or a PostgreSQL URL.")
@click.option("--to", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the CSV files and the workbook.")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "all"]), default="all", show_default=True)
@click.option("--key", "key_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The council's private key, to read encrypted bundles.")
@click.option("--fresh", is_flag=True, help="Rebuild this machine's replica of the store from every bundle "
              "first (normally only what arrived since the last export is read).")
@db_option
def command(source: str, out_dir: Path, fmt: str, key_path: Path | None, fresh: bool, db_path: Path | None) -> None:
    """One CSV per record kind (pupils.csv, ...) and an XLSX workbook with a sheet per kind.

    The store is read through a private replica kept in the data folder, so a repeat export reads only the
    bundles or rows added since the last one.

    The export is logged as a read-out (who, when, from where, to where) in this device's database: --db, or
    the default database when it exists.
    """
    from htst_tui.sync.export import export_store

    result = export_store(source, out_dir, fmt, key_path, fresh=fresh)  # type: ignore[arg-type]
    for notice in result.notices:
        click.echo(f"note: {notice}", err=True)
    log_export(db_path, source, out_dir, result.rows)
    for name, count in result.rows.items():
        click.echo(f"{name}: {count} rows")
    for path in result.files:
        click.echo(f"wrote {path}")
    for rejection in result.rejected:
        click.echo(f"rejected: {rejection}", err=True)
    if result.rejected:
        sys.exit(1)


def log_export(db_path: Path | None, source: str, out_dir: Path, rows: dict[str, int]) -> None:
    """Read-out audit: record the export in the local database (never creating one just for the log)."""
    from htst_tui.commands import local_log, shown_target
    from htst_tui.services.audit import record_readout

    ctx = local_log(db_path, "export")
    if ctx is None:
        return
    try:
        record_readout(ctx, kind="export", destination=str(out_dir),
                       detail=f"from {shown_target(source)}; " + " ".join(f"{k}={v}" for k, v in rows.items() if v))
    finally:
        ctx.close()
