"""`htst import KIND FILE.csv`: load reference data from CSV, all or nothing."""

from __future__ import annotations

from pathlib import Path

import click

from htst_tui.cli import db_option

KIND_NAMES = ("schools", "operators", "routes", "pupils", "crews", "members")


class ImportCommand(click.Command):
    """Help ends with every kind's columns, read from the importer's own table so help and code agree
    (imported only when help is shown, to keep `htst` start-up light)."""

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        from htst_tui.services.importer import KINDS

        for kind in KINDS.values():
            with formatter.section(f"{kind.name} columns"):
                header = ",".join(c.name for c in kind.columns)  # unwrapped, so it can be copied as is
                formatter.write(f"{'':>{formatter.current_indent}}{header}\n")
                formatter.write_dl([(c.name + (" (optional)" if c.optional else ""), c.help)
                                    for c in kind.columns])
        formatter.write_paragraph()
        formatter.write_text("Dates are YYYY-MM-DD. Yes/no columns take yes/no, y/n, true/false or 1/0. Import "
                             "schools and operators first, then routes, then pupils and crews.")


@click.command("import", cls=ImportCommand)
@click.argument("kind", type=click.Choice(KIND_NAMES))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@db_option
@click.option("--dry-run", is_flag=True, help="Check the file and report; write nothing.")
def command(kind: str, file: Path, db_path: Path | None, dry_run: bool) -> None:
    """Import reference data of KIND from FILE.csv (UTF-8 with a header row).

    Every row is checked first; one bad row means nothing is imported, and each problem names the file's
    line (the header is line 1) and the column. Operators, schools and routes are referred to by licence_no,
    URN and code, looked up among the records already in the database.
    """
    from htst_tui.services.context import open_context
    from htst_tui.services.importer import import_csv

    ctx = open_context(db_path)
    try:
        result = import_csv(ctx, kind, file, dry_run=dry_run)
    finally:
        ctx.close()
    if result.dry_run:
        click.echo(f"Dry run: {result.count} {kind} would be imported from {file.name}; nothing was written.")
    else:
        click.echo(f"Imported {result.count} {kind} from {file.name} into {ctx.db.path}.")
