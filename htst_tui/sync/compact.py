"""Compaction: the central store drops the superseded versions of deleted (erased) records.

Stores are append-only, so after `htst purge` the erased record's tombstone syncs everywhere, yet its earlier
versions — names, dates of birth, free text, and conflict copies the purge folded into the tombstone — still sit
in old bundle files or PostgreSQL rows. Compaction removes them.

What is removed: for each record, the versions the store holds are folded into a leaf set with the merge's own
`fold`, exactly as a device pulling the whole store would (versions that fail the entity's model are left out,
as the merge leaves them out). When the winner is a tombstone, every version of the record that is not a leaf is
removed: each is an ancestor of a kept version, so a device that reads the compacted store ends with the same
winner and the same conflict losers as one that read it before, and devices that already read it see nothing
change (their cursors point past what was removed). Leaves are never removed — the tombstone itself, so other
devices still learn of the deletion, and any edit made concurrently with it, which stays a conflict to review.

- PostgreSQL: one transaction under the push lock deletes those rows. The pull cursor is the `bigserial`
  `seq`, which is never reused, so a gap left by a deleted row is like any other gap: cursors stay valid.
- Folder: each affected bundle is rewritten in place (temporary name, fsync, rename over the old file, fsync
  the folder) with the same device, sequence number and schema and the new count and checksum; a bundle whose
  every version goes keeps its number with zero records, so every device's sequence stays gap-free. A crash
  leaves each bundle old or new, and any mix of old and new bundles is a valid store (each removal alone keeps
  the merged state), so compacting again finishes the job. The store is read as a pull reads it (a device's
  bundles after a gap or a damaged bundle wait, and are not used); encrypted bundles can only be read and
  rewritten with the council's private key: without it they are reported, never silently passed over.
"""

from __future__ import annotations

import json
import os
import re
import socket
import time
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import ValidationError

from htst_tui.entities import BY_NAME, ENTITIES
from htst_tui.errors import HtstError
from htst_tui.sync.merge import Progress, Version, fold, from_wire, winner_of

if TYPE_CHECKING:
    from htst_tui.sync.folder import FolderTarget
    from htst_tui.sync.postgres import PostgresTarget

K = TypeVar("K", bound=Hashable)

STALE_TEMP_SECONDS = 3600
"""A bundle's temporary file older than this is left over from a crash (a write takes seconds): compaction
deletes it, as it may hold personal data that no reader ever sees."""
TEMP_RE = re.compile(r"^\.\d{10}\.bundle\.(tmp|compact)-\d+$")
DELETE_CHUNK = 5_000


class CompactionError(HtstError):
    title = "Compaction problem"


@dataclass
class CompactReport:
    target: str
    dry_run: bool
    records: Counter[str] = field(default_factory=Counter)
    """Deleted records that had superseded versions, by entity."""
    removed: Counter[str] = field(default_factory=Counter)
    """Versions removed (or, in a dry run, to remove), by entity."""
    still_conflicting: Counter[str] = field(default_factory=Counter)
    """Deleted records that also have a concurrent, not deleted, version: kept for review."""
    store: str = "folder"
    """"folder" or "postgresql"."""
    rewritten: int = 0
    """Bundles rewritten (folder) or rows deleted (PostgreSQL)."""
    not_compacted: list[str] = field(default_factory=list)
    """Bundles that could not be read or rewritten (no key, damaged, waiting, changed meanwhile), with why."""
    temp_files: int = 0
    """Stale temporary bundle files removed (or, in a dry run, found)."""

    @property
    def total(self) -> int:
        return sum(self.removed.values())

    def by_kind(self) -> list[tuple[str, str, int, int]]:
        """(entity, label, records, versions) in the app's entity order, only kinds with something."""
        return [(e.name, e.label, self.records[e.name], self.removed[e.name]) for e in ENTITIES
                if self.removed[e.name]]

    def counts(self) -> dict[str, Any]:
        """The `--json` object."""
        return {"dry_run": self.dry_run, "records": sum(self.records.values()), "removed": self.total,
                "removed_by_kind": {name: n for name, _, _, n in self.by_kind()},
                "rewritten": self.rewritten, "not_compacted": len(self.not_compacted),
                "still_conflicting": sum(self.still_conflicting.values()), "temp_files": self.temp_files}


def _valid(v: Version) -> bool:
    """Whether the merge would accept this version's data (it validates every incoming version)."""
    try:
        BY_NAME[v.entity].schema.__pydantic_validator__.validate_python(v.data)
    except ValidationError:
        return False
    return True


def plan_removals(copies: Iterable[tuple[K, Version]], report: CompactReport) -> list[K]:
    """The stored copies (key, version) to remove: every copy of a record whose winner is a tombstone, except
    valid copies of its leaves. Counts go into `report`. Copies must come in the order a pull reads them."""
    by_record: dict[tuple[str, str], list[tuple[K, Version]]] = defaultdict(list)
    deleted: set[tuple[str, str]] = set()
    for key, v in copies:
        by_record[(v.entity, v.id)].append((key, v))
        if v.deleted:
            deleted.add((v.entity, v.id))
    out: list[K] = []
    for rec in sorted(deleted):
        held = by_record[rec]
        valid = [_valid(v) for _, v in held]
        leaves: list[Version] = []
        for (_, v), ok in zip(held, valid, strict=True):
            if ok:
                leaves = (fold(leaves, v) if leaves else [v]) or leaves
        if not leaves or not winner_of(leaves).deleted:
            continue
        keep = {v.rev for v in leaves}
        doomed = [key for (key, v), ok in zip(held, valid, strict=True) if not (ok and v.rev in keep)]
        if any(not v.deleted for v in leaves):
            report.still_conflicting[rec[0]] += 1
        if doomed:
            out.extend(doomed)
            report.records[rec[0]] += 1
            report.removed[rec[0]] += len(doomed)
    return out


# ---------------------------------------------------------------- folder


def _stale_temp_files(target: FolderTarget) -> list[Path]:
    if not target.bundles.is_dir():
        return []
    now = time.time()
    found = []
    for folder in target.bundles.iterdir():
        if not folder.is_dir():
            continue
        for p in folder.iterdir():
            try:
                if TEMP_RE.match(p.name) and p.is_file() and now - p.stat().st_mtime > STALE_TEMP_SECONDS:
                    found.append(p)
            except OSError:
                continue  # gone meanwhile
    return found


def _rewrite_bundle(target: FolderTarget, path: Path, records: list[dict[str, Any]], drop: set[int]) -> str:
    """Rewrite one bundle without the lines `drop` (indexes into `records`, the versions it held when the plan
    was made); "" when done, else why not. The kept lines are copied byte for byte."""
    from htst_tui.sync.bundle import BundleError, encode_bundle, payload_lines, read_manifest
    from htst_tui.sync.folder import write_atomically

    try:
        manifest, payload = read_manifest(path.read_bytes(), path)
        lines = payload_lines(manifest, payload, path, target.private_key)
        unchanged = (json.loads("[" + ",".join(lines) + "]") if lines else []) == records
    except BundleError as exc:
        return f"it changed while compacting ({exc.reason}); compact again"
    except ValueError:
        return "it changed while compacting (no longer JSON lines); compact again"
    except OSError as exc:
        return f"cannot be read: {exc.strerror or exc}"
    if not unchanged:
        return "it changed while compacting; compact again"
    public = None
    if manifest.encrypted:
        assert target.private_key is not None  # it was read above
        public = target.private_key.public_key()
    kept = [line for i, line in enumerate(lines) if i not in drop]
    data = encode_bundle(manifest.device, manifest.seq, kept, public, schema=manifest.schema)
    try:
        write_atomically(path, data, tag="compact")
    except OSError as exc:
        return f"cannot be rewritten: {exc.strerror or exc}"
    return ""


LOCK_FILE = ".compact.lock"
"""In the store's root (readers only look in bundles/): held while one compaction rewrites bundles."""
STALE_LOCK_SECONDS = 3600
"""A lock older than this was left by a crash (a compaction of 100,000s of versions takes seconds)."""


@contextmanager
def compaction_lock(root: Path) -> Iterator[None]:
    """One compaction at a time per folder store. Two admins compacting at once would still leave a valid
    store (each bundle is re-read before it is replaced), but one of them would report bundles as "changed
    while compacting" for no reason anyone could see; this says who is compacting instead. Created with
    O_EXCL, which network shares honour. A lock left by a crash is taken over: at once when its process ran on
    this computer and is gone, after an hour otherwise (another computer's process cannot be checked)."""
    path = root / LOCK_FILE
    holder = json.dumps({"host": socket.gethostname(), "pid": os.getpid(), "at": time.time()})
    for _ in range(2):
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            try:
                age = time.time() - path.stat().st_mtime
                who = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                age, who = 0.0, {}
            who = who if isinstance(who, dict) else {}
            if age > STALE_LOCK_SECONDS or _dead_here(who):
                path.unlink(missing_ok=True)  # left by a crash: take it over
                continue
            host = who.get("host", "another computer")
            raise CompactionError(
                f"{root} is being compacted from {host} (started {int(age // 60)} min ago): wait for it to "
                f"finish. If no compaction is running (a crash), delete {path} and try again.") from None
        except OSError as exc:
            raise CompactionError(f"Cannot write to {root}: {exc.strerror or exc}. Is it read-only?") from exc
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(holder)
        break
    try:
        yield
    finally:
        path.unlink(missing_ok=True)


def _dead_here(holder: dict[str, Any]) -> bool:
    """Whether the lock's holder was a process on this computer that is no longer running (it crashed)."""
    pid = holder.get("pid")
    if holder.get("host") != socket.gethostname() or not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False  # running as someone else
    return False


def compact_folder(target: FolderTarget, dry_run: bool, progress: Progress | None = None) -> CompactReport:
    if dry_run:
        return _compact_folder(target, dry_run, progress)
    with compaction_lock(target.root):
        return _compact_folder(target, dry_run, progress)


def _compact_folder(target: FolderTarget, dry_run: bool, progress: Progress | None) -> CompactReport:
    report = CompactReport(target.label, dry_run)
    pulled = target.pull("", {}, progress)  # "": no device's own folder is skipped
    report.not_compacted.extend(f"{n} (run again with --key and the council's private key)"
                                for n in pulled.notices)
    report.not_compacted.extend(str(r) for r in pulled.rejected)
    units = {u.label: u for u in pulled.units}
    copies = [((u.label, i), from_wire(rec, u.label)) for u in pulled.units for i, rec in enumerate(u.records)]
    doomed = plan_removals(((key, v) for key, v in copies if isinstance(v, Version)), report)
    stale = _stale_temp_files(target)
    report.temp_files = len(stale)
    if dry_run:
        return report
    for p in stale:
        p.unlink(missing_ok=True)
    by_bundle: dict[str, set[int]] = defaultdict(set)
    for label, i in doomed:
        by_bundle[label].add(i)
    for n, (label, drop) in enumerate(sorted(by_bundle.items())):
        if progress:
            progress(f"Rewriting {Path(label).name}", n / len(by_bundle))
        why = _rewrite_bundle(target, Path(label), units[label].records, drop)
        if why:
            report.not_compacted.append(f"{label}: {why}")
        else:
            report.rewritten += 1
    return report


# ---------------------------------------------------------------- PostgreSQL


def compact_postgres(target: PostgresTarget, dry_run: bool, progress: Progress | None = None) -> CompactReport:
    from sqlalchemy import delete, select, text
    from sqlalchemy import exc as sa_exc

    from htst_tui.sync.postgres import PUSH_LOCK, _plain, versions_table

    t = versions_table
    report = CompactReport(target.label, dry_run, store="postgresql")
    try:
        with target.engine.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PUSH_LOCK})  # no push meanwhile
            if progress:
                progress("Reading deleted records' versions", 0.0)
            gone = select(t.c.entity, t.c.record_id).where(t.c.deleted).distinct().subquery()
            rows = conn.execute(
                select(t.c.seq, t.c.entity, t.c.record_id, t.c.rev, t.c.rev_history, t.c.data, t.c.deleted,
                       t.c.updated_at, t.c.updated_by, t.c.origin_device)
                .join(gone, (gone.c.entity == t.c.entity) & (gone.c.record_id == t.c.record_id))
                .order_by(t.c.seq)).all()
            doomed = plan_removals(((r.seq, Version(r.entity, r.record_id, r.rev, list(r.rev_history), r.data,
                                                    r.deleted, r.updated_at, r.updated_by, r.origin_device))
                                    for r in rows if r.entity in BY_NAME), report)
            if dry_run or not doomed:
                return report
            for start in range(0, len(doomed), DELETE_CHUNK):
                if progress:
                    progress("Deleting superseded versions", start / len(doomed))
                conn.execute(delete(t).where(t.c.seq.in_(doomed[start:start + DELETE_CHUNK])))
            report.rewritten = len(doomed)
    except sa_exc.SQLAlchemyError as exc:
        raise _plain(exc, target.label) from exc
    return report


# ---------------------------------------------------------------- entry point


def compact_store(spec: str, *, key_path: Path | None = None, dry_run: bool = False,
                  progress: Progress | None = None) -> CompactReport:
    """Compact a folder store or a PostgreSQL store (see the module docstring)."""
    from htst_tui.sync.folder import STORE_FILE, FolderTarget
    from htst_tui.sync.postgres import PostgresTarget
    from htst_tui.sync.target import is_postgres_url, open_target

    if not is_postgres_url(spec.strip()) and not (Path(spec.strip()).expanduser() / STORE_FILE).is_file():
        raise CompactionError(f"{spec} is not a sync folder (it has no {STORE_FILE}); check the path.")
    target = open_target(spec, private_key_path=str(key_path) if key_path else "")
    try:
        if isinstance(target, FolderTarget):
            return compact_folder(target, dry_run, progress)
        if isinstance(target, PostgresTarget):
            if key_path:
                raise CompactionError("--key is for encrypted folder bundles; a PostgreSQL store needs none.")
            return compact_postgres(target, dry_run, progress)
        raise CompactionError(f"{target.label}: this kind of store cannot be compacted.")
    finally:
        target.close()
