"""A store's replica: a private local database holding the merged state of a whole sync store, brought up to
date by an incremental pull each time an export or a store report needs it.

Why: reading a store from its first bundle means decoding, validating and merging every version it ever
held (a 100,000-record store: seconds, most of them pydantic and SQLite). A replica is a device that only
pulls: it keeps its pull positions, so the next export reads only what arrived since — through the same pull
and merge every device uses, so it holds exactly the winners every device holds. A fresh replica and a kept
one give byte-identical exports (tests/test_sync_replica.py).

What it holds: the store's records in plain text (bundles decrypted with the key given), so it is a data
file like a device's database: owner-only under the data folder (`paths.replica_directory`), named after
the store's id, listed in README's data inventory. Purges reach it as tombstones at the next export. It is
a cache: one that is damaged, from another schema, or asked to be rebuilt (`fresh`) is deleted and filled
again from the whole store, never repaired or migrated.

Rejected records are reported by every export, not only the first one that read them: a replica's pull
positions move past a bundle whose other records applied, so those rejections are kept in the replica
(`REJECTED_KEY`) and reported again. Rejected bundles and records waiting for a reference are read again by
every pull anyway.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from htst_tui.db import search_index
from htst_tui.db.engine import open_database
from htst_tui.db.sync_state import SyncTargetState
from htst_tui.entities import ENTITIES
from htst_tui.errors import HtstError
from htst_tui.paths import ensure_private_dir, replica_directory
from htst_tui.services.context import ServiceContext
from htst_tui.settings import Settings
from htst_tui.sync.merge import Progress, drop_secondary_indexes, gc_paused
from htst_tui.sync.run import SyncResult, apply_pull, pull_positions
from htst_tui.sync.target import SyncTarget, open_target

REJECTED_KEY = "rejected_records"
SIDE_FILES = ("", "-wal", "-shm")


class ReplicaError(HtstError):
    title = "The store could not be read"


@dataclass
class Replica:
    ctx: ServiceContext
    """The replica's database: read it like any device's."""
    target: str
    """The store for people (a path, or a URL without its password)."""
    rejected: list[str] = field(default_factory=list)
    """Every record and bundle of the store that was rejected, whenever it was read."""
    notices: list[str] = field(default_factory=list)


def replica_path(store_id: str, folder: Path | None = None) -> Path:
    return (ensure_private_dir(folder) if folder else replica_directory()) / f"{store_id}.db"


def _remove(path: Path) -> None:
    for suffix in SIDE_FILES:
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _open(path: Path, fresh: bool, settings: Settings) -> tuple[ServiceContext, str]:
    """The replica's context, and a notice when a kept replica could not be used and was started again."""
    notice = ""
    if fresh:
        _remove(path)
    elif path.exists():
        try:
            db = open_database(path, migrate=False)
            return ServiceContext(db=db, officer="export", settings=settings), notice
        except HtstError as exc:
            notice = f"The local replica {path} could not be used ({exc}); it was rebuilt from the whole store."
            _remove(path)
    ctx = ServiceContext(db=open_database(path), officer="export", settings=settings)
    _strip_indexes(ctx)
    return ctx, notice


def _strip_indexes(ctx: ServiceContext) -> None:
    """A new replica is cheap to fill and to keep: no secondary or search indexes on the synced tables (the
    merge looks records up by primary key only, and nothing reads a replica but full-table SELECTs).
    Constraints (primary keys, foreign keys, NOT NULL) stay."""
    with ctx.transaction() as session:
        conn = session.connection()
        search_index.drop(conn)
        for ent in ENTITIES:
            drop_secondary_indexes(conn, ent.table.name)


def _catch_up(ctx: ServiceContext, target: SyncTarget, progress: Progress | None) -> tuple[list[str], list[str]]:
    """Pull what the replica has not read yet; (every rejection so far, notices)."""
    result = SyncResult(target=target.label)
    with gc_paused():
        report = target.pull(ctx.device_id, pull_positions(ctx, target.store_id), progress)
        if report.notices:
            raise ReplicaError("Some bundles are encrypted: give the council's private key with --key.\n"
                               + "\n".join(report.notices[:10]))
        apply_pull(ctx, target, report, result, progress)
        again = {str(r) for r in report.rejected} | {str(r) for r in result.rejected if r.retry}
        new = [str(r) for r in result.rejected]
    with ctx.transaction() as session:
        state = session.get(SyncTargetState, target.store_id)
        kept: list[str] = list((state.last_result or {}).get(REJECTED_KEY, [])) if state else []
        everything = list(dict.fromkeys([*kept, *new]))
        if state is not None:
            state.last_result = {REJECTED_KEY: [r for r in everything if r not in again]}
    return everything, result.notices


@contextmanager
def store_replica(spec: str, key_path: Path | None = None, *, fresh: bool = False, folder: Path | None = None,
                  settings: Settings | None = None, progress: Progress | None = None) -> Iterator[Replica]:
    """The store at `spec`, caught up, as a local database (see the module docstring); `settings` are the
    replica context's (a store report's thresholds), `folder` overrides where replicas are kept."""
    target = open_target(spec, private_key_path=str(key_path) if key_path else "")
    try:
        ctx, notice = _open(replica_path(target.store_id, folder), fresh, settings or Settings())
        try:
            rejected, notices = _catch_up(ctx, target, progress)
        except BaseException:
            ctx.close()
            raise
    finally:
        target.close()
    try:
        yield Replica(ctx, target.label, rejected, [notice, *notices] if notice else notices)
    finally:
        ctx.close()
