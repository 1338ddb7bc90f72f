"""The sync use case: push this device's unsent versions, then pull and merge everyone else's.

Push first, so a version this device is about to lose in a conflict has already reached the target. The push
cursor ("pushed up to local_seq X") moves only after the target has the data; the pull is applied, and the
pull positions stored, in one local transaction. Versions written by the pull came from this target, so when
the push cursor was caught up it moves past them too (no echo back), yet they still travel to other targets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from htst_tui.db.base import utcnow
from htst_tui.db.sync_state import SyncPullState, SyncTargetState
from htst_tui.entities import ENTITIES
from htst_tui.services.context import ServiceContext, current_seq
from htst_tui.sync.merge import Progress, Rejection, apply_incoming, collect_outgoing, gc_paused
from htst_tui.sync.target import PullReport, SyncTarget, open_target


@dataclass
class SyncResult:
    target: str
    pushed: int = 0
    pulled: int = 0
    conflicts: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    tombstoned: set[str] = field(default_factory=set)

    def counts(self) -> dict[str, int]:
        """The `--json` object: exactly these four keys."""
        return {"pushed": self.pushed, "pulled": self.pulled, "conflicts": self.conflicts,
                "rejected": len(self.rejected)}


def _state(session: Session, store_id: str, label: str) -> SyncTargetState:
    state = session.get(SyncTargetState, store_id)
    if state is None:
        state = SyncTargetState(store_id=store_id, target=label, pushed_seq=0, last_result={})
        session.add(state)
        session.flush()
    return state


def target_for(ctx: ServiceContext, spec: str) -> SyncTarget:
    s = ctx.settings.sync
    return open_target(spec or s.default_target, public_key_path=s.public_key_path, encrypt=s.encrypt_bundles,
                       private_key_path=s.private_key_path)


def push(ctx: ServiceContext, target: SyncTarget, progress: Progress | None = None) -> int:
    with ctx.read() as session:
        state = session.get(SyncTargetState, target.store_id)
        after = state.pushed_seq if state else 0
        upto = current_seq(session)
        versions = collect_outgoing(session, after)
    sent = target.push(ctx.device_id, versions, progress)
    with ctx.transaction(bulk=True) as session:  # only now is anything marked sent
        state = _state(session, target.store_id, target.label)
        state.pushed_seq = max(state.pushed_seq, upto)
        for ent in ENTITIES:
            t = ent.table
            session.execute(update(t).where(t.c.dirty.is_(True), t.c.local_seq <= upto).values(dirty=False))
    return sent


def apply_pull(ctx: ServiceContext, target: SyncTarget, report: PullReport, result: SyncResult,
               progress: Progress | None = None) -> None:
    """Merge every unit, then store each source's new position: just before its first unit that had a
    record waiting for a reference (so it is read again next time), else its last unit."""
    with ctx.transaction(bulk=True) as session:
        state = _state(session, target.store_id, target.label)
        caught_up = state.pushed_seq == current_seq(session)
        pairs = [(u.label, rec) for u in report.units for rec in u.records]
        applied = apply_incoming(session, pairs, progress)
        waiting = {r.source for r in applied.rejected if r.retry}
        positions: dict[str, int] = {}
        blocked: set[str] = set()
        for u in report.units:
            if u.source in blocked:
                continue
            if u.label in waiting:
                blocked.add(u.source)
                continue
            positions[u.source] = u.position
        for source, position in positions.items():
            row = session.get(SyncPullState, (target.store_id, source))
            if row is None:
                session.add(SyncPullState(store_id=target.store_id, source=source, position=position))
            else:
                row.position = max(row.position, position)
        if caught_up:
            state.pushed_seq = current_seq(session)
        result.pulled += applied.pulled
        result.conflicts += applied.conflicts
        result.tombstoned |= applied.tombstoned
        result.rejected.extend(report.rejected)
        result.rejected.extend(applied.rejected)
        result.notices.extend(report.notices)


def pull_positions(ctx: ServiceContext, store_id: str) -> dict[str, int]:
    with ctx.read() as session:
        rows = session.execute(select(SyncPullState).where(SyncPullState.store_id == store_id)).scalars()
        return {r.source: r.position for r in rows}


def sync(ctx: ServiceContext, spec: str = "", progress: Callable[[str, float], None] | None = None,
         *, push_first: bool = True) -> SyncResult:
    """Two-way sync with a folder or PostgreSQL URL; see the module docstring for the order of things."""
    target = target_for(ctx, spec)
    result = SyncResult(target=target.label)

    def step(lo: float, hi: float) -> Progress | None:
        if progress is None:
            return None
        return lambda msg, frac: progress(msg, lo + (hi - lo) * min(max(frac, 0.0), 1.0))

    try:
        if push_first:
            result.pushed = push(ctx, target, step(0.0, 0.3))
        with gc_paused():
            report = target.pull(ctx.device_id, pull_positions(ctx, target.store_id), step(0.3, 0.6))
            apply_pull(ctx, target, report, result, step(0.6, 1.0))
            del report  # freed while the collector still waits
    finally:
        target.close()
    if result.tombstoned:
        ctx.db.scrub(result.tombstoned)  # what a purge elsewhere erased leaves no trace in this device's files
    with ctx.transaction() as session:
        state = _state(session, target.store_id, target.label)
        state.target = target.label
        state.last_sync_at = utcnow()
        summary: dict[str, Any] = result.counts()
        summary["messages"] = [str(r) for r in result.rejected][:200]
        summary["notices"] = result.notices[:200]
        state.last_result = summary
    if progress:
        progress("Done", 1.0)
    return result
