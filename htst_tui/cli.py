"""The `htst` command (click). Each subcommand lives in `htst_tui/commands/` and calls services.

Exit codes (DESIGN.md): 0 success, 1 anything failed (an `HtstError`, printed as one plain message, never a
traceback), 2 usage errors (click's own). Heavy modules are imported inside commands so that `htst` opens
the TUI without paying for them.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from htst_tui import __version__
from htst_tui.errors import HtstError

DB_HELP = "Database file (default: HTST_DB, else htst.db in the user data folder)."


def db_option(func: Any) -> Any:
    """The `--db PATH` option every command takes; `HTST_DB` is its environment default."""
    return click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), envvar="HTST_DB",
                        default=None, help=DB_HELP)(func)


class HtstGroup(click.Group):
    """Turns expected failures into one clear line on stderr and exit 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except HtstError as exc:
            click.secho(f"{exc.title}: {exc.message}", fg="red", err=True)
            sys.exit(1)


@click.group(cls=HtstGroup, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"]})
@db_option
@click.version_option(__version__, prog_name="htst")
@click.pass_context
def main(ctx: click.Context, db_path: Path | None) -> None:
    """HTST Desk: Transport Panel decisions, spot checks, incidents and sync for Home to School Transport.

    With no command, opens the terminal app.
    """
    os.umask(0o077)  # every file this process creates is owner-only
    if ctx.invoked_subcommand is None:
        from htst_tui.app import run_app

        run_app(db_path)


def _register() -> None:
    from htst_tui.commands import compact, demo, doctor, export, importer, keygen, purge, report, sar, sync

    for module in (demo, doctor, importer, sync, export, report, keygen, purge, compact, sar):
        main.add_command(module.command)


_register()
