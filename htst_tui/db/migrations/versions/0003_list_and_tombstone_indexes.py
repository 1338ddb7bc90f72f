"""incident list order, tombstone and follow-up indexes

Revision ID: 0003_list_and_tombstone_indexes
Revises: 0002_search_indexes
Create Date: 2026-11-23 16:04:59.080266

The incident log's list-order index (a searched page walks it without visiting the table, db/incidents.py), a
partial index of each synced table's tombstones and one on follow-ups' closing date (what the retention review
reads, services/purge.py). Indexes only: no table is copied, no row changes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_list_and_tombstone_indexes"
down_revision: str | None = "0002_search_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


SYNCED = ("schools", "operators", "routes", "pupils", "crew_members", "panel_members", "spot_check_visits",
          "vehicle_checks", "incidents", "route_returns", "panel_meetings", "panel_attendance", "panel_cases",
          "panel_decisions", "panel_dissents", "panel_reviews", "follow_ups")
"""The synced tables as of this revision, each given a partial index of its tombstones."""

LIST_ORDER = ["occurred_at", "id", "deleted", "status", "severity", "category", "route_id", "operator_id", "school_id"]


def upgrade() -> None:
    op.create_index("ix_incidents_list_order", "incidents", LIST_ORDER, unique=False)
    op.create_index("ix_follow_ups_closed_on", "follow_ups", ["closed_on"], unique=False)
    for table in SYNCED:
        op.create_index(f"ix_{table}_tombstones", table, ["deleted"], unique=False,
                        sqlite_where=sa.text("deleted IS 1"))


def downgrade() -> None:
    for table in SYNCED:
        op.drop_index(f"ix_{table}_tombstones", table_name=table)
    op.drop_index("ix_follow_ups_closed_on", table_name="follow_ups")
    op.drop_index("ix_incidents_list_order", table_name="incidents")
