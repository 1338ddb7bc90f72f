"""The Home dashboard's figures: records held, changes not yet synced, the last sync, and what is due.

What is due comes from providers listed in `DASHBOARD_PROVIDERS` ("module:function", each
`due_items(ctx, today) -> list[DueItem]`), so a feature adds its reviews, deadlines or follow-ups to Home by
adding one string here, and Home never learns about any of them.
"""

from __future__ import annotations

import atexit
import calendar
import datetime as dt
import importlib
import sys
import threading
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import func, select

from htst_tui.db.reference import CrewMemberRecord, PanelMemberRecord
from htst_tui.db.sync_state import SyncTargetState
from htst_tui.entities import ENTITIES
from htst_tui.errors import HtstError
from htst_tui.services.context import ServiceContext
from htst_tui.services.dashboard_types import SECTION_LIMIT, DueItem, DueProvider, more_line

DASHBOARD_PROVIDERS: list[str] = [
    "htst_tui.services.dashboard:reference_due_items",
    "htst_tui.services.purge:due_items",
    "htst_tui.services.panel:due_items",
    "htst_tui.services.spot_checks:due_items",
    "htst_tui.services.incidents:due_items",
    "htst_tui.services.route_returns:due_items",
]

SEPARATE_PROVIDERS: list[str] = ["htst_tui.services.purge:due_items"]
"""Providers too heavy for the app's own process. The retention review reads only the records that could be due
(services/purge.py), but at city scale that is still ~230,000 rows read (~44,000 panel cases and their decisions
among them, 63,000 records due on bench/city_scale.py's database) and judged in Python: ~4 s of CPU holding the
GIL, ~230 MB at its peak (measured: ~99,000 candidates read into Python ~3 s, the records they look up ~1.2 s,
judging them ~1.3 s). The statements themselves are a small part (~0.25 s to their first rows, with the tombstone
indexes of migration 0003), so no index brings it in. Home runs these in a separate process
(`separate_due_items`), after showing everything else, so the app's memory stays small and its event loop keeps
the GIL while they run."""

DBS_WARNING_DAYS = 30
"""A crew member's DBS check shows on Home this many days before it expires."""

@dataclass(frozen=True)
class EntityCount:
    name: str
    label: str
    live: int
    unsynced: int


@dataclass(frozen=True)
class Dashboard:
    counts: list[EntityCount]
    last_sync: str | None
    """ISO date-time of the last successful sync, or None if this device has never synced."""
    due: list[DueItem]
    problems: list[str] = field(default_factory=list)
    """A provider that failed with an expected error (e.g. a busy database): shown, not fatal."""

    @property
    def unsynced(self) -> int:
        return sum(c.unsynced for c in self.counts)

    @property
    def total_records(self) -> int:
        return sum(c.live for c in self.counts)


def load_provider(target: str) -> DueProvider:
    module_name, _, func_name = target.partition(":")
    provider: DueProvider = getattr(importlib.import_module(module_name), func_name)
    return provider


def entity_counts(ctx: ServiceContext) -> list[EntityCount]:
    """Live records and unsynced rows (edits and tombstones) of every synced entity, in one read."""
    out: list[EntityCount] = []
    with ctx.read() as session:
        for ent in ENTITIES:
            orm = ent.orm
            live, dirty = session.execute(
                select(func.count().filter(orm.deleted.is_(False)), func.count().filter(orm.dirty.is_(True)))
            ).one()
            out.append(EntityCount(ent.name, ent.label, int(live), int(dirty)))
    return out


def last_sync(ctx: ServiceContext) -> str | None:
    """When this device last completed a sync with any target (what the sync run records), as ISO UTC."""
    with ctx.read() as session:
        at = session.execute(select(func.max(SyncTargetState.last_sync_at))).scalar()
    if at is None:
        return None
    if isinstance(at, str):  # func.max bypasses the column type on SQLite
        at = dt.datetime.fromisoformat(at).replace(tzinfo=dt.UTC)
    return at.isoformat(timespec="seconds")


def _sort_key(item: DueItem) -> tuple[int, dt.date, str]:
    rank = 0 if item.overdue else (1 if item.urgent else 2)
    return rank, item.due or dt.date.max, item.title


def due_items(ctx: ServiceContext, today: dt.date,
              providers: list[str] | None = None) -> tuple[list[DueItem], list[str]]:
    """Every provider's items, overdue first then urgent then by date; expected failures become problems."""
    items: list[DueItem] = []
    problems: list[str] = []
    for target in DASHBOARD_PROVIDERS if providers is None else providers:
        try:
            items.extend(load_provider(target)(ctx, today))
        except HtstError as exc:
            problems.append(f"{exc.title}: {exc.message}")
    return sorted(items, key=_sort_key), problems


def build_dashboard(ctx: ServiceContext, today: dt.date, providers: list[str] | None = None) -> Dashboard:
    due, problems = due_items(ctx, today, providers)
    return Dashboard(counts=entity_counts(ctx), last_sync=last_sync(ctx), due=due, problems=problems)


def in_process_providers() -> list[str]:
    return [p for p in DASHBOARD_PROVIDERS if p not in SEPARATE_PROVIDERS]


def with_more_due(board: Dashboard, more: list[DueItem], problems: list[str]) -> Dashboard:
    """`board` with the separate providers' items merged in, in the dashboard's order."""
    return replace(board, due=sorted([*board.due, *more], key=_sort_key), problems=[*board.problems, *problems])


def _due_elsewhere(db_path: str, officer: str, settings: Any, today: dt.date,
                   providers: list[str]) -> tuple[list[DueItem], list[str]]:
    """Runs in the separate process: its own connection to the same database, read only."""
    from htst_tui.services.context import open_context

    ctx = open_context(db_path, officer=officer, settings=settings)
    try:
        return due_items(ctx, today, providers)
    finally:
        ctx.close()


_pool: Any = None
_pool_lock = threading.Lock()


def end_separate_process() -> None:
    """Stop the separate process (at exit; whatever it was reviewing is not needed any more)."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.terminate()
        pool.join()


def separate_due_items(ctx: ServiceContext, today: dt.date,
                       providers: list[str] | None = None) -> tuple[list[DueItem], list[str]]:
    """`due_items` for `providers` (default SEPARATE_PROVIDERS) in a separate process; blocks until done.

    One daemon process, started on first use and reused (a fresh interpreter: "spawn", never a fork of a
    threaded app); it ends with the app."""
    global _pool
    import multiprocessing

    with _pool_lock:
        if _pool is None:
            # multiprocessing hands the child sys.stderr's file descriptor; under Textual sys.stderr is a capture
            # object whose fileno() is -1, so the real one is put back while the process starts.
            shown, sys.stderr = sys.stderr, sys.__stderr__ or sys.stderr
            try:
                _pool = multiprocessing.get_context("spawn").Pool(1)
            finally:
                sys.stderr = shown
            atexit.register(end_separate_process)
        pool = _pool
    job = pool.apply_async(_due_elsewhere, (str(ctx.db.path), ctx.officer, ctx.settings, today,
                                            SEPARATE_PROVIDERS if providers is None else providers))
    result: tuple[list[DueItem], list[str]] = job.get()
    return result


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day `months` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def reference_due_items(ctx: ServiceContext, today: dt.date) -> list[DueItem]:
    """Crew DBS checks expired or expiring within 30 days (the SECTION_LIMIT soonest, then how many more); active
    panel members whose law training lapsed."""
    items: list[DueItem] = []
    soon = today + dt.timedelta(days=DBS_WARNING_DAYS)
    months = ctx.settings.panel.training_valid_months
    c = CrewMemberRecord
    due = (c.deleted.is_(False), c.dbs_expiry.is_not(None), c.dbs_expiry <= soon)
    with ctx.read() as session:
        crew = session.execute(select(c.id, c.name, c.badge_number, c.dbs_expiry).where(*due)
                               .order_by(c.dbs_expiry, c.id).limit(SECTION_LIMIT)).all()
        more = session.execute(select(func.count()).where(*due)).scalar_one() - len(crew) \
            if len(crew) == SECTION_LIMIT else 0
        members = session.execute(
            select(PanelMemberRecord.id, PanelMemberRecord.name, PanelMemberRecord.training_date)
            .where(PanelMemberRecord.deleted.is_(False), PanelMemberRecord.active.is_(True))
            .order_by(PanelMemberRecord.name)
        ).all()
    for rid, name, badge, expiry in crew:
        assert expiry is not None  # the query asks for dated rows only
        expired = expiry < today
        what = "DBS expired" if expired else "DBS expires"
        items.append(DueItem("Crew DBS checks", f"{what}: {name} (badge {badge})", expiry, expired,
                             screen="records", record_id=rid))
    items += more_line("Crew DBS checks", more, "DBS checks expired or expiring", "records")
    for rid, name, trained in members:
        if trained is None:
            items.append(DueItem("Panel training", f"No HTST law training recorded: {name}", None, True,
                                 screen="records", record_id=rid))
            continue
        valid_until = add_months(trained, months)
        if valid_until < today:
            items.append(DueItem("Panel training", f"HTST law training out of date: {name}", valid_until, True,
                                 screen="records", record_id=rid))
    return items


def locate_record(ctx: ServiceContext, record_id: str) -> str | None:
    """Which entity holds `record_id` (a due item knows the id, the Records screen needs the kind)."""
    with ctx.read() as session:
        for ent in ENTITIES:
            if session.execute(select(ent.orm.id).where(ent.orm.id == record_id)).first():
                return ent.name
    return None
