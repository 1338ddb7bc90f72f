"""Has anything a form shows been written since a moment? One cheap read answers it.

A form filled ahead of time (screens/kept.py: the list's cursor rested on a row) is shown as it is only if
nothing was written since it was filled; otherwise it is filled again. Every record version written here, pulled by
a sync or written by another process on the same database takes the next local write number, and every draft
write changes the drafts table's count or newest time, so the pair of them is the mark.
"""

from __future__ import annotations

from sqlalchemy import func, select

from htst_tui.db.local import Draft
from htst_tui.services.context import ServiceContext, current_seq

ChangeMark = tuple[int, int, object]


def records_written(ctx: ServiceContext) -> int:
    """The local write number alone: what a list of records shows changes only with it (drafts are not listed)."""
    with ctx.read() as session:
        return current_seq(session)


def change_mark(ctx: ServiceContext) -> ChangeMark:
    with ctx.read() as session:
        drafts, newest = session.execute(select(func.count(), func.max(Draft.saved_at))).one()
        return current_seq(session), int(drafts), newest
