"""Alembic environment: always run with a connection handed in by `htst_tui.db.engine`."""

from __future__ import annotations

from alembic import context

from htst_tui.db.search_index import include_object
from htst_tui.db.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only a developer running `alembic` by hand gets here
    raise SystemExit("Run migrations through htst (they open the database themselves).")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,  # SQLite alters tables by copy-and-move
    compare_type=True,
    include_object=include_object,  # FTS5 search indexes are not models (db/search_index.py)
)
with context.begin_transaction():
    context.run_migrations()
