"""Imports every table module so `Base.metadata` is complete (Alembic and the schema test rely on it)."""

from htst_tui.db import follow_ups, incidents, local, panel, reference, spot_checks, sync_state  # noqa: F401
from htst_tui.db.base import Base

metadata = Base.metadata
