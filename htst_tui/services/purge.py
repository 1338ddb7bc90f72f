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
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import (
    JSON,
    ColumnElement,
    String,
    and_,
    case,
    delete,
    exists,
    func,
    literal_column,
    or_,
    select,
    true,
    type_coerce,
)
from sqlalchemy.orm import Session

from htst_tui.db.base import UTCDateTime
from htst_tui.db.local import Draft
from htst_tui.db.sync_state import SyncConflict
from htst_tui.domain import retention
from htst_tui.domain.revisions import MAX_HISTORY
from htst_tui.entities import BY_NAME, ENTITIES
from htst_tui.services.audit import record_event
from htst_tui.services.context import ServiceContext
from htst_tui.services.dashboard_types import DueItem
from htst_tui.services.records import row_data, stamp_local_write, validate_data
from htst_tui.settings import RetentionSettings

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
            for r in session.execute(select(*cols).order_by(literal_column("rowid")))
        ]
    return out


def _review(ctx: ServiceContext, session: Session, today: dt.date) -> retention.RetentionReview:
    """The retention review over only the records that could be due (found in SQL) and what their rules read:
    the same answer as `retention.review(held_records(session), ...)`, in a fraction of the time and memory."""
    cand = _Candidates(session, ctx.settings.retention, today)
    return retention.review(cand.records, REFERENCES, ctx.settings.retention, today, context=cand.context(),
                            outside=cand.outside(), kept_by_outside=cand.kept_by_outside())


REFERENCES: dict[str, dict[str, str]] = {e.name: e.references for e in ENTITIES}


def _ids(values: Iterable[str]) -> Any:
    """A list of ids as one parameter (`x IN (SELECT value FROM json_each(:ids))`): no limit on its length."""
    return select(func.json_each(json.dumps(sorted(values))).table_valued("value").c.value).scalar_subquery()


def _on_or_before(col: Any, day: dt.date) -> ColumnElement[bool]:
    """`col`'s date (UTC for a date-time, as `retention._date` reads it) is on or before `day`."""
    if isinstance(col.type, UTCDateTime):
        return cast(ColumnElement[bool], col < dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), dt.UTC))
    return cast(ColumnElement[bool], col <= day)


def _by(today: dt.date, years: int) -> dt.date:
    """The latest start a period of `years` can have and be over on `today` (two days' slack for 29 February)."""
    return retention.add_years(today, -years) + dt.timedelta(days=2)


def _may_have_left_by(p: Any, day: dt.date) -> ColumnElement[bool]:
    """Pupils (table `p`) whose `retention.pupil_left_on` may be on or before `day` (a superset): a pupil leaves
    no earlier than the end of year 11 (`born_by_to_have_left`), nor before the day the year group was
    recorded; a pupil deleted from the register left on the day of the delete."""
    return or_(and_(p.c.deleted.is_(True), _on_or_before(p.c.updated_at, day)),
               and_(or_(p.c.date_of_birth.is_(None), p.c.date_of_birth <= retention.born_by_to_have_left(day)),
                    or_(p.c.year_group.is_(None), _on_or_before(p.c.updated_at, day))))


class _Fields(Mapping[str, Any]):
    """A live candidate's fields as the rules read them: a tuple and the kind's shared field index, a fraction of
    a dict's size (tens of thousands are held at once at city scale)."""

    __slots__ = ("_index", "_values")

    def __init__(self, index: dict[str, int], values: tuple[Any, ...]) -> None:
        self._index = index
        self._values = values

    def __getitem__(self, key: str) -> Any:
        return self._values[self._index[key]]

    def get(self, key: str, default: Any = None) -> Any:
        i = self._index.get(key)
        return default if i is None else self._values[i]

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)


class _Candidates:
    """The records that could be past retention on `today`, found by SQL bounds drawn from each rule in
    domain/retention.py (a superset: the rules themselves decide), parents before followers; every other
    record is certainly kept. Live candidates are read as the rules read them (`retention.READS` and the
    references); tombstones whole (erasure compares every field)."""

    def __init__(self, session: Session, s: RetentionSettings, today: dt.date) -> None:
        self.session = session
        self.records: dict[str, list[retention.Held]] = {}
        self.ids: dict[str, set[str]] = {}
        for ent in ENTITIES:
            t = ent.table
            own = self._own_bound(ent.name, t, s, today)
            tombstone = t.c.deleted.is_(True)  # from the tombstone index (db/base.py), alone or beside a dated bound
            if ent.name in retention.PARENTS:
                field_name, parents = retention.PARENTS[ent.name]
                follows = t.c[field_name].in_(_ids(set().union(*(self.ids[k] for k in parents))))
                own = follows if own is None else or_(own, follows)
                # The parents' candidates can be tens of thousands of ids: probing the table once per id costs
                # ten times a read of the whole table, so the same test written so no index answers it.
                tombstone = t.c.deleted.is_not(False)
            live = tuple(dict.fromkeys((*retention.READS.get(ent.name, ()), *ent.references)))
            rows = self._read(ent, tombstone if own is None else or_(tombstone, own), live)
            self.records[ent.name] = rows
            self.ids[ent.name] = {r.id for r in rows}

    def _read(self, ent: Any, where: ColumnElement[bool], fields: tuple[str, ...]) -> list[retention.Held]:
        """Rows of `ent` matching `where` in one pass over the table: live ones with `fields`, tombstones whole.
        The last change is read only where a rule reads it (tombstones, and pupils: the year group's date)."""
        t = ent.table
        if ent.name == "pupils":
            when: Any = t.c.updated_at
        else:
            when = type_coerce(case((t.c.deleted.is_(True), t.c.updated_at)), t.c.updated_at.type)
        rest = [f for f in ent.data_fields if f not in fields]
        cols = [*(t.c[f] for f in fields), *(type_coerce(case((t.c.deleted.is_(True), t.c[f])), t.c[f].type)
                                              for f in rest)]
        index = {f: i for i, f in enumerate(fields)}
        out = []
        for r in self._execute(select(t.c.id, t.c.deleted, when, *cols).where(where)
                               .order_by(literal_column("rowid"))):  # as held_records: the rules' tie-breaks agree
            data: Mapping[str, Any] = dict(zip((*fields, *rest), r[3:], strict=True)) if r[1] else \
                _Fields(index, tuple(r[3:3 + len(fields)]))
            out.append(retention.Held(ent.name, r[0], data, bool(r[1]), r[2]))
        return out

    def _execute(self, stmt: Any) -> Any:
        """Not through SQLAlchemy's statement cache, which would keep the first statement's id lists (megabytes
        of JSON) for as long as the engine lives."""
        return self.session.execute(stmt, execution_options={"compiled_cache": None})

    @staticmethod
    def _own_bound(kind: str, t: Any, s: RetentionSettings, today: dt.date) -> ColumnElement[bool] | None:
        """Live records of `kind` whose own rule could make them due on `today` (None: no rule can)."""
        dated = {"spot_check_visits": ("started_at", s.spot_checks_years),
                 "vehicle_checks": ("checked_at", s.spot_checks_years),
                 "route_returns": ("effective_date", s.route_returns_years),
                 "panel_meetings": ("meeting_date", s.meetings_years)}
        if kind in dated:
            col, years = dated[kind]
            return _on_or_before(t.c[col], _by(today, years))
        if kind == "pupils":
            return _may_have_left_by(t, _by(today, s.pupils_years_after_leaving))
        if kind == "incidents":  # safeguarding counts from the youngest linked child's birth: any such may be due
            occurred = _on_or_before(t.c.occurred_at, _by(today, min(s.incidents_years,
                                                                     s.safeguarding_years_after_birth)))
            safeguarding = or_(t.c.category == "safeguarding", type_coerce(t.c.notifications, String).like("%lado%"))
            return or_(occurred, and_(safeguarding, func.json_array_length(t.c.pupil_ids) > 0))
        if kind == "follow_ups":
            day = _by(today, s.incidents_years)
            return or_(_on_or_before(t.c.closed_on, day), _on_or_before(t.c.due_date, day))
        if kind == "panel_cases":
            return _case_bound(t, s, today)
        return None

    def context(self) -> dict[str, list[retention.Held]]:
        """What the candidates' rules look up that is not itself a candidate: the pupils of cases and incidents,
        and the cases that review a candidate case."""
        pupil_ids: set[str] = set()
        refs: set[str] = set()
        for c in self.records["panel_cases"]:
            if c.data.get("pupil_id"):
                pupil_ids.add(str(c.data["pupil_id"]))
            refs.add(str(c.data.get("pupil_ref") or "").upper())
        for i in self.records["incidents"]:
            pupil_ids.update(str(p) for p in i.data.get("pupil_ids") or [])
        p = BY_NAME["pupils"].table
        pupils = self._read(BY_NAME["pupils"], or_(p.c.id.in_(_ids(pupil_ids)), func.upper(p.c.la_reference).in_(
            _ids(refs))), retention.READS["pupils"]) if pupil_ids or refs else []
        c = BY_NAME["panel_cases"].table
        reviewing = self._read(BY_NAME["panel_cases"], c.c.review_of_case_id.in_(_ids(self.ids["panel_cases"])),
                               ("review_of_case_id",))
        return {"pupils": pupils, "panel_cases": reviewing}

    def outside(self) -> set[tuple[str, str]]:
        """Held records that candidates follow but that are not candidates themselves (so cannot be due)."""
        wanted: dict[str, set[str]] = defaultdict(set)
        for kind in retention.PARENTS:
            for r in self.records[kind]:
                parent = retention.FOLLOWS[kind](r)
                if parent and parent[0] and str(parent[1]) not in self.ids[parent[0]]:
                    wanted[parent[0]].add(str(parent[1]))
        out: set[tuple[str, str]] = set()
        for kind, ids in wanted.items():
            t = BY_NAME[kind].table
            out.update((kind, i) for i in self._execute(select(t.c.id).where(t.c.id.in_(_ids(ids)))).scalars())
        return out

    def kept_by_outside(self) -> set[tuple[str, str]]:
        """Candidates that a record which is not a candidate (so is kept) refers to."""
        out: set[tuple[str, str]] = set()
        for ent in ENTITIES:
            t = ent.table
            for field_name, target in ent.references.items():
                if not self.ids[target]:
                    continue
                col = t.c[field_name]
                if isinstance(col.type, JSON):  # a list of ids
                    each = func.json_each(col).table_valued("value")
                    stmt = select(t.c.id, each.c.value).select_from(t).join(each, true())
                    stmt = stmt.where(each.c.value.in_(_ids(self.ids[target])))
                else:
                    stmt = select(t.c.id, col).where(col.in_(_ids(self.ids[target])))
                mine = self.ids[ent.name]
                out.update((target, str(value)) for rid, value in self._execute(stmt) if rid not in mine)
        return out


def _case_bound(t: Any, s: RetentionSettings, today: dt.date) -> ColumnElement[bool]:
    """Cases that `retention._case` could make due: a refusal decided long enough ago; a linked pupil who may have
    left long enough ago (by id or LA reference); a date of birth old enough; a relevant date a meeting period
    ago (the rule's last resort)."""
    d, p = BY_NAME["panel_decisions"].table, BY_NAME["pupils"].table
    refused_by = _by(today, s.refusals_years)
    refusal = exists().where(d.c.case_id == t.c.id, d.c.outcome == "not_eligible",
                             or_(_on_or_before(d.c.finalised_at, refused_by),
                                 _on_or_before(t.c.relevant_date, refused_by)))
    left_by = _by(today, s.decisions_years_after_leaving)
    gone = select(p.c.id, p.c.la_reference).where(_may_have_left_by(p, left_by)).subquery()
    return or_(refusal,
               t.c.pupil_id.in_(select(gone.c.id)),
               func.upper(t.c.pupil_ref).in_(select(func.upper(gone.c.la_reference))),
               t.c.date_of_birth <= retention.born_by_to_have_left(left_by),
               _on_or_before(t.c.relevant_date, _by(today, s.meetings_years)))


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
