"""One module per `htst` subcommand; each exposes `command` (a click command)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from htst_tui.services.context import ServiceContext


def local_log(db_path: Path | None, what: str) -> ServiceContext | None:
    """The local database that logs a command working on a store (export, compact): --db, or the default
    database when it exists; never one created just for the log (a note says so, and None)."""
    from htst_tui.paths import default_database
    from htst_tui.services.context import open_context

    path = db_path or default_database()
    if not path.exists():
        click.echo(f"Note: no local database to log this {what} in (give --db).", err=True)
        return None
    return open_context(path)


def shown_target(spec: str) -> str:
    """A target for the audit log and the screen: a URL without its password."""
    from sqlalchemy.engine import make_url

    return make_url(spec).render_as_string(hide_password=True) if "://" in spec else spec
