"""`htst sar PUPIL_REFERENCE --to FILE [--db PATH]`: everything held about one pupil (subject access)."""

from __future__ import annotations

from pathlib import Path

import click

from htst_tui.cli import db_option


@click.command("sar")
@click.argument("pupil_reference")
@click.option("--to", "to", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The file to write: .html or .md. A folder NAME-csv/ with one CSV per record kind goes beside it.")
@db_option
def command(pupil_reference: str, to: Path, db_path: Path | None) -> None:
    """Subject access: every record that names or links the pupil with this LA reference, in one readable
    file plus a CSV bundle. Other children are never included. Making it is logged (read-out audit)."""
    from htst_tui.services.context import open_context
    from htst_tui.services.subject_access import write_subject_access

    ctx = open_context(db_path)
    try:
        result = write_subject_access(ctx, pupil_reference, to)
    finally:
        ctx.close()
    for kind, count in result.counts.items():
        click.echo(f"{kind}: {count}")
    click.echo(f"wrote {result.document}")
    click.echo(f"wrote {result.bundle}/")
