"""Sync use cases for the screens and the CLI: run a sync, show status, list and resolve conflicts.

No Textual here: the Sync and Conflicts screens and `htst sync` share these functions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from htst_tui.db.base import SyncMixin
from htst_tui.db.sync_state import SyncConflict, SyncTargetState
from htst_tui.domain.revisions import MAX_HISTORY
from htst_tui.entities import ENTITIES, Entity, entity
from htst_tui.errors import NotFound
from htst_tui.services.context import ServiceContext
from htst_tui.services.records import Page, record_title, row_data, stamp_local_write, validate_data
from htst_tui.sync.run import SyncResult, sync


@dataclass(frozen=True)
class SyncStatus:
    last_sync_at: dt.datetime | None
    last_target: str
    last_result: dict[str, Any]
    unsynced: int
    conflicts: int


@dataclass(frozen=True)
class FieldDiff:
    name: str
    current: Any
    other: Any

    @property
    def differs(self) -> bool:
        return self.current != self.other


@dataclass(frozen=True)
class ConflictDetail:
    seq: int
    entity: str
    label: str
    record_id: str
    title: str
    current_rev: str
    other_rev: str
    current_meta: dict[str, Any]
    other_meta: dict[str, Any]
    fields: list[FieldDiff]


def run_sync(ctx: ServiceContext, target: str = "", progress: Callable[[str, float], None] | None = None
             ) -> SyncResult:
    return sync(ctx, target, progress)


def unsynced_count(ctx: ServiceContext) -> int:
    """Local edits not yet pushed to any target (the dashboard's "unsynced changes")."""
    total = 0
    with ctx.read() as session:
        for ent in ENTITIES:
            t = ent.table
            total += session.execute(select(func.count()).select_from(t).where(t.c.dirty.is_(True))).scalar_one()
    return total


def conflict_count(ctx: ServiceContext) -> int:
    with ctx.read() as session:
        return int(session.execute(select(func.count()).select_from(SyncConflict)).scalar_one())


def sync_status(ctx: ServiceContext) -> SyncStatus:
    with ctx.read() as session:
        last = session.execute(
            select(SyncTargetState).where(SyncTargetState.last_sync_at.is_not(None))
            .order_by(SyncTargetState.last_sync_at.desc()).limit(1)).scalar_one_or_none()
    return SyncStatus(last_sync_at=last.last_sync_at if last else None, last_target=last.target if last else "",
                      last_result=dict(last.last_result or {}) if last else {}, unsynced=unsynced_count(ctx),
                      conflicts=conflict_count(ctx))


def list_conflicts(ctx: ServiceContext, *, offset: int = 0, limit: int = 50) -> Page:
    """One page of conflicts, oldest first: what, which record, who wrote the version that lost."""
    with ctx.read() as session:
        total = session.execute(select(func.count()).select_from(SyncConflict)).scalar_one()
        rows = session.execute(select(SyncConflict).order_by(SyncConflict.seq).offset(offset).limit(limit)
                               ).scalars().all()
        out = []
        for c in rows:
            ent = entity(c.entity)
            current = session.get(ent.orm, c.record_id)
            out.append({"seq": c.seq, "entity": ent.label, "record_id": c.record_id,
                        "title": record_title(ent, row_data(ent, current) if current else c.data),
                        "other_by": c.updated_by, "other_at": c.updated_at,
                        "current_by": current.updated_by if current else ""})
    return Page(rows=out, total=total, offset=offset, limit=limit)


def _meta(rev: str, by: str, at: dt.datetime, device: str, deleted: bool) -> dict[str, Any]:
    return {"rev": rev, "updated_by": by, "updated_at": at, "origin_device": device, "deleted": deleted}


def _open_conflict(session: Session, seq: int) -> tuple[SyncConflict, Entity, SyncMixin]:
    """The conflict and the record it is about, or a plain NotFound (resolved meanwhile, or purged)."""
    c = session.get(SyncConflict, seq)
    if c is None:
        raise NotFound(f"Conflict {seq} is no longer open (resolved here or on another device).")
    ent = entity(c.entity)
    row = session.get(ent.orm, c.record_id)
    if row is None:
        raise NotFound(f"The {ent.label.lower()} {c.record_id} of this conflict is not here.")
    return c, ent, row


def conflict_detail(ctx: ServiceContext, seq: int) -> ConflictDetail:
    with ctx.read() as session:
        c, ent, row = _open_conflict(session, seq)
        current = row_data(ent, row)
        other = validate_data(ent, c.data)
        return ConflictDetail(
            seq=c.seq, entity=ent.name, label=ent.label, record_id=c.record_id, title=record_title(ent, current),
            current_rev=row.rev, other_rev=c.rev,
            current_meta=_meta(row.rev, row.updated_by, row.updated_at, row.origin_device, row.deleted),
            other_meta=_meta(c.rev, c.updated_by, c.updated_at, c.origin_device, c.deleted),
            fields=[FieldDiff(f, current.get(f), other.get(f)) for f in ent.data_fields])


def resolve_conflict(ctx: ServiceContext, seq: int, keep: Literal["current", "other"]) -> str:
    """Keep one version: a new local revision whose history holds both, so every device drops the loser.

    Returns the new revision id.
    """
    with ctx.transaction() as session:
        c, ent, row = _open_conflict(session, seq)
        before = row_data(ent, row)
        if keep == "other":
            data, deleted = validate_data(ent, c.data), c.deleted
        else:
            data, deleted = before, row.deleted
        changed = [f for f in ent.data_fields if before.get(f) != data.get(f)]
        for f in changed:
            setattr(row, f, data[f])
        history: list[str] = []
        for rev in [c.rev, *(c.rev_history or []), *(row.rev_history or [])]:
            if rev not in history and rev != row.rev:
                history.append(rev)
        row.rev_history = history[:MAX_HISTORY - 1]
        stamp_local_write(ctx, session, ent, row, data, deleted=deleted, action="resolve", fields=changed,
                          detail=f"conflict resolved: kept the {'other' if keep == 'other' else 'current'} version")
        session.flush()
        gone = set(row.rev_history)
        session.execute(delete(SyncConflict).where(SyncConflict.entity == c.entity,
                                                   SyncConflict.record_id == c.record_id,
                                                   SyncConflict.rev.in_(gone)))
        return row.rev
