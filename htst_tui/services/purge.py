"""Purge: erase what is past retention, as tombstones that sync, so every device and the central store follow.

Erasing a record here means: its personal fields are replaced (`domain.retention.erase`: names "Erased",
free text emptied, links to children dropped), it becomes a tombstone with a new revision (the one stamping
path, `stamp_local_write`), and any concurrent version kept as a sync conflict is folded into that revision's
history, so every device drops its copy of the loser as the erasure arrives. Drafts that hold an erased
record's content are deleted. The audit log gets one "erase" entry per record (field names, never values)
and one "purge" entry with the counts and the schedule followed.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from htst_tui.db.local import Draft
from htst_tui.db.sync_state import SyncConflict
from htst_tui.domain import retention
from htst_tui.domain.revisions import MAX_HISTORY
from htst_tui.entities import BY_NAME, ENTITIES
from htst_tui.services.audit import record_event
from htst_tui.services.context import ServiceContext
from htst_tui.services.dashboard_types import DueItem
from htst_tui.services.records import row_data, stamp_local_write, validate_data

CHUNK = 500


@dataclass(frozen=True)
class KindCount:
    name: str
    label: str
    count: int


@dataclass
class PurgePlan:
    """What is past retention on `today`: counts by kind (never names)."""

    today: dt.date
    review: retention.RetentionReview

    @property
    def total(self) -> int:
        return len(self.review.due)

    def by_kind(self) -> list[KindCount]:
        counts = self.review.counts()
        return [KindCount(e.name, e.label, counts[e.name]) for e in ENTITIES if counts.get(e.name)]


@dataclass
class PurgeResult:
    erased: dict[str, int] = field(default_factory=dict)
    conflicts_cleared: int = 0
    drafts_cleared: int = 0

    @property
    def total(self) -> int:
        return sum(self.erased.values())


def held_records(session: Session) -> dict[str, list[retention.Held]]:
    """Every stored record of every synced kind (tombstones included), as the retention rule reads them."""
    out: dict[str, list[retention.Held]] = {}
    for ent in ENTITIES:
        t = ent.table
        cols = [t.c.id, t.c.deleted, t.c.updated_at, *[t.c[f] for f in ent.data_fields]]
        out[ent.name] = [
            retention.Held(ent.name, r.id, {f: getattr(r, f) for f in ent.data_fields}, bool(r.deleted), r.updated_at)
            for r in session.execute(select(*cols))
        ]
    return out


def _review(ctx: ServiceContext, session: Session, today: dt.date) -> retention.RetentionReview:
    references = {e.name: e.references for e in ENTITIES}
    return retention.review(held_records(session), references, ctx.settings.retention, today)


def plan_purge(ctx: ServiceContext, today: dt.date | None = None) -> PurgePlan:
    """The dry run: read only, nothing written (not even the audit log)."""
    today = today or dt.date.today()
    with ctx.read() as session:
        return PurgePlan(today, _review(ctx, session, today))


def _absorb_conflicts(session: Session, row: Any, losers: list[SyncConflict]) -> int:
    """Fold kept conflict versions of `row` into its history (so every device drops them) and delete them."""
    if not losers:
        return 0
    history: list[str] = []
    for rev in [*(c.rev for c in losers), *(row.rev_history or [])]:
        if rev not in history and rev != row.rev:
            history.append(rev)
    row.rev_history = history[:MAX_HISTORY - 1]
    for c in losers:
        session.delete(c)
    return len(losers)


def _load(session: Session, kind: str, ids: list[str]) -> tuple[dict[str, Any], dict[str, list[SyncConflict]]]:
    """The rows to erase and their conflict copies, a chunk of ids per query (not one query per record)."""
    orm = BY_NAME[kind].orm
    rows: dict[str, Any] = {}
    losers: dict[str, list[SyncConflict]] = defaultdict(list)
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i:i + CHUNK]
        rows.update((r.id, r) for r in session.execute(select(orm).where(orm.id.in_(chunk))).scalars())
        for c in session.execute(select(SyncConflict).where(SyncConflict.entity == kind,
                                                            SyncConflict.record_id.in_(chunk))).scalars():
            losers[c.record_id].append(c)
    return rows, losers


def _clear_drafts(session: Session, erased_ids: set[str]) -> int:
    """Drafts of an erased record, or whose content names one (a half-typed case for an erased pupil)."""
    doomed = [d.key for d in session.execute(select(Draft)).scalars()
              if d.record_id in erased_ids or any(i in json.dumps(d.data, default=str) for i in erased_ids)]
    if doomed:
        session.execute(delete(Draft).where(Draft.key.in_(doomed)))
    return len(doomed)


def run_purge(ctx: ServiceContext, today: dt.date | None = None) -> PurgeResult:
    """Erase everything past retention on `today`, in one transaction (all or nothing)."""
    today = today or dt.date.today()
    result = PurgeResult()
    with ctx.transaction() as session:
        review = _review(ctx, session, today)
        erased_ids: set[str] = set()
        by_kind: dict[str, list[retention.Due]] = defaultdict(list)
        for due in review.due:
            by_kind[due.kind].append(due)
        with session.no_autoflush:  # one flush at commit, not one per record
            for kind, dues in by_kind.items():
                ent = BY_NAME[kind]
                rows, losers = _load(session, kind, [d.id for d in dues])
                for due in dues:
                    row = rows[due.id]
                    before = row_data(ent, row)
                    after = validate_data(ent, retention.erase(kind, before))
                    changed = [f for f in ent.data_fields if before.get(f) != after.get(f)]
                    for f in changed:
                        setattr(row, f, after[f])
                    result.conflicts_cleared += _absorb_conflicts(session, row, losers.get(due.id, []))
                    stamp_local_write(ctx, session, ent, row, after, deleted=True, action="erase", fields=changed,
                                      detail=f"past retention: {due.rule}")
                    erased_ids.add(due.id)
                result.erased[kind] = len(dues)
        result.drafts_cleared = _clear_drafts(session, erased_ids)
        policy = ctx.settings.retention
        counts = " ".join(f"{k}={v}" for k, v in result.erased.items()) or "nothing due"
        record_event(session, officer=ctx.officer, device=ctx.device_id, action="purge", entity="*", record_id="-",
                     detail=f"as of {today.isoformat()}; schedule from {policy.effective_from.isoformat()} "
                            f"{policy.policy_reference}; erased {counts}; drafts {result.drafts_cleared}; "
                            f"conflict copies {result.conflicts_cleared}")
    if result.total:
        ctx.db.scrub()
    return result


def due_items(ctx: ServiceContext, today: dt.date) -> list[DueItem]:
    """Home: one line when records are past retention (a count, never names), opening the purge screen."""
    plan = plan_purge(ctx, today)
    if not plan.total:
        return []
    noun = "record" if plan.total == 1 else "records"
    return [DueItem("Data protection", f"{plan.total} {noun} past retention: review and erase", today, True,
                    screen="purge")]
