"""Drafts: a form's unsaved state, saved as the user types (each save is its own small transaction in WAL
mode, so a killed process or a closed lid loses at most the last keystroke)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from htst_tui.db.base import utcnow
from htst_tui.db.local import Draft
from htst_tui.services.context import ServiceContext


@dataclass(frozen=True)
class DraftView:
    key: str
    form: str
    record_id: str | None
    data: dict[str, Any]


def draft_key(form: str, record_id: str | None) -> str:
    """One draft per form and record ("new" for a record not yet saved)."""
    return f"{form}:{record_id or 'new'}"


class Drafts:
    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def save(self, form: str, record_id: str | None, data: dict[str, Any]) -> None:
        """Insert or replace in one statement: two writers of one draft (two threads) cannot both insert."""
        key, now = draft_key(form, record_id), utcnow()
        upsert = sqlite_insert(Draft).values(key=key, form=form, record_id=record_id, data=data, saved_at=now)
        with self.ctx.transaction() as session:
            session.execute(upsert.on_conflict_do_update(index_elements=[Draft.key],
                                                         set_={"data": upsert.excluded.data,
                                                               "saved_at": upsert.excluded.saved_at}))

    def load(self, form: str, record_id: str | None) -> DraftView | None:
        with self.ctx.read() as session:
            row = session.get(Draft, draft_key(form, record_id))
            if row is None:
                return None
            return DraftView(row.key, row.form, row.record_id, dict(row.data))

    def discard(self, form: str, record_id: str | None) -> None:
        with self.ctx.transaction() as session:
            session.execute(delete(Draft).where(Draft.key == draft_key(form, record_id)))

    def all(self) -> list[DraftView]:
        with self.ctx.read() as session:
            rows = session.execute(select(Draft).order_by(Draft.saved_at.desc())).scalars()
            return [DraftView(r.key, r.form, r.record_id, dict(r.data)) for r in rows]
