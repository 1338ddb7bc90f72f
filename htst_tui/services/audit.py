"""The append-only audit log: services call `record_event` inside the same transaction as the change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from htst_tui.db.base import utcnow
from htst_tui.db.local import AuditEntry
from htst_tui.services.context import ServiceContext


def record_event(session: Session, *, officer: str, device: str, action: str, entity: str, record_id: str,
                 fields: Iterable[str] = (), detail: str = "") -> None:
    session.add(AuditEntry(at=utcnow(), officer=officer, device=device, action=action, entity=entity,
                           record_id=record_id, fields=sorted(fields), detail=detail[:500]))


def record_readout(ctx: ServiceContext, *, kind: str, destination: str, detail: str = "") -> None:
    """Log that data left the app (export, report, subject access, purge list): who, when, what, where to.

    The council must be able to show who read data out (issue: read-out audit); the entry names the
    destination, never the content.
    """
    record_data_event(ctx, action="readout", entity=kind, detail=f"{destination} {detail}".strip())


def record_data_event(ctx: ServiceContext, *, action: str, entity: str = "*", detail: str = "") -> None:
    """One audit entry in its own transaction, for data-protection events that change no local record
    (read-outs, compaction of a central store)."""
    with audited(ctx, action=action, entity=entity, detail=detail):
        pass


@contextmanager
def audited(ctx: ServiceContext, *, action: str, entity: str = "*", detail: str = "", officer: str = ""
            ) -> Iterator[None]:
    """Like `record_data_event`, around a change kept outside the database (e.g. config.toml): the entry is
    committed only if the block finishes, so a failed change leaves no entry. `officer` names who did it when
    the context does not know yet (the first-run profile saves the name and the passphrase together)."""
    with ctx.transaction() as session:
        record_event(session, officer=officer or ctx.officer, device=ctx.device_id, action=action, entity=entity,
                     record_id="-", fields=(), detail=detail)
        yield


READOUT_ACTIONS = ("readout", "purge", "compact", "passphrase")
"""The audit actions `htst doctor --audit` lists."""


@dataclass(frozen=True)
class Readout:
    at: dt.datetime
    officer: str
    device: str
    kind: str
    detail: str


def readouts(ctx: ServiceContext, *, limit: int = 50) -> list[Readout]:
    """The latest read-outs, purges, compactions and passphrase changes, newest first: what a manager reviews
    (`htst doctor --audit`)."""
    with ctx.read() as session:
        rows = session.execute(select(AuditEntry).where(AuditEntry.action.in_(READOUT_ACTIONS))
                               .order_by(AuditEntry.seq.desc()).limit(limit)).scalars()
        return [Readout(r.at, r.officer, r.device, r.entity if r.action == "readout" else r.action, r.detail)
                for r in rows]
