"""Use cases for the incident log: log and edit an incident, move it through its statuses, list and filter it,
and tell the Home dashboard what is late.

Status changes are their own use cases (not a field an edit can set), so every change is checked against the
transition rules and leaves an audit entry saying from what to what — and a reopen says why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, literal_column, or_, select

from htst_tui.db.base import utcnow
from htst_tui.db.incidents import IncidentRecord
from htst_tui.db.reference import OperatorRecord, RouteRecord, SchoolRecord
from htst_tui.domain.incidents import (
    CATEGORY_LABELS,
    SEVERITY_LABELS,
    IncidentCategory,
    IncidentStatus,
    Severity,
    TransitionRefused,
    check_transition,
    default_severity,
    report_deadline,
)
from htst_tui.domain.local_time import local_day_bounds, parse_local_datetime
from htst_tui.errors import NotFound, RecordLocked, ValidationFailed
from htst_tui.services.context import ServiceContext
from htst_tui.services.dashboard_types import DueItem
from htst_tui.services.records import (
    COUNT_CAP,
    Page,
    Records,
    RecordView,
    capped_count,
    row_data,
    stamp_local_write,
    to_view,
    validate_data,
)
from htst_tui.services.search import capped_union, contains, json_values, like_pattern, outer_first, walk_list_order
from htst_tui.settings import IncidentSettings

ENTITY = "incidents"
STATUS_FIELDS = ("status", "outcome", "closed_at")
"""Set only by `transition` and `reopen`, never by an edit."""


def deadline_for(settings: IncidentSettings, occurred_at: dt.datetime, severity: Severity | str) -> dt.datetime:
    return report_deadline(occurred_at, severity, critical=settings.report_deadline_hours_critical,
                           significant=settings.report_deadline_hours_significant,
                           minor=settings.report_deadline_hours_minor)


TIME_FIELDS = ("occurred_at", "reported_at", "written_report_at")


def _coerce_times(data: dict[str, Any]) -> dict[str, str]:
    """Times typed in a form arrive as local text; turn them into aware datetimes (errors by field)."""
    errors: dict[str, str] = {}
    for field in TIME_FIELDS:
        value = data.get(field)
        if isinstance(value, dt.datetime):
            data[field] = value if value.tzinfo else value.astimezone()
        elif isinstance(value, str) and value.strip():
            try:
                data[field] = parse_local_datetime(value)
            except ValueError as exc:
                errors[field] = str(exc)
        elif value is not None:
            data[field] = None
    return errors


def prepare(ctx: ServiceContext, data: dict[str, Any]) -> dict[str, Any]:
    """Fill what the service decides: the default severity when none is given, and the report deadline."""
    out = dict(data)
    errors = _coerce_times(out)
    if errors:
        raise ValidationFailed(errors, entity=ENTITY)
    category = out.get("category")
    if not out.get("severity") and category in set(IncidentCategory):
        out["severity"] = default_severity(category)
    if isinstance(out.get("occurred_at"), dt.datetime) and out.get("severity") in set(Severity):
        out["report_deadline"] = deadline_for(ctx.settings.incidents, out["occurred_at"], out["severity"])
    return out


@contextmanager
def _derived_errors_hidden() -> Iterator[None]:
    """The deadline is worked out, not typed: when it is missing, the form shows why (a bad time or
    category), never "report deadline is required"."""
    try:
        yield
    except ValidationFailed as exc:
        errors = {k: v for k, v in exc.errors.items() if k != "report_deadline"}
        if errors == exc.errors:
            raise
        raise ValidationFailed(errors or {"occurred_at": "is required"}, entity=ENTITY) from None


def log_incident(ctx: ServiceContext, data: dict[str, Any]) -> RecordView:
    """A new incident starts open; severity defaults from the category and the deadline from the severity."""
    fields = {k: v for k, v in data.items() if k not in STATUS_FIELDS}
    with _derived_errors_hidden():
        return Records(ctx, ENTITY).create({**prepare(ctx, fields), "status": IncidentStatus.open.value})


def edit_incident(ctx: ServiceContext, record_id: str, data: dict[str, Any], *,
                  expected_rev: str | None = None) -> RecordView:
    """Save edited fields; the status, outcome and closed time stay as stored (see `transition`)."""
    records = Records(ctx, ENTITY)
    current = records.get(record_id)
    fields = {k: v for k, v in data.items() if k not in STATUS_FIELDS}
    merged = {**prepare(ctx, fields), **{k: current.data[k] for k in STATUS_FIELDS}}
    with _derived_errors_hidden():
        return records.update(record_id, merged, expected_rev=expected_rev)


def _change_status(ctx: ServiceContext, record_id: str, changes: dict[str, Any], *, action: str, detail: str,
                   check: Any, expected_rev: str | None) -> RecordView:
    records = Records(ctx, ENTITY)
    with ctx.transaction() as session:
        row = session.get(IncidentRecord, record_id)
        if row is None or row.deleted:
            raise NotFound(f"No incident with id {record_id} (it may have been deleted).")
        if expected_rev and row.rev != expected_rev:
            raise RecordLocked(f"This incident was changed elsewhere (by {row.updated_by}) since you opened it. "
                               "Reopen it to see the new version.")
        try:
            check(row)
        except TransitionRefused as exc:
            raise ValidationFailed({"status": str(exc)}, entity=ENTITY) from None
        clean = validate_data(records.ent, {**row_data(records.ent, row), **changes})
        for field in STATUS_FIELDS:
            setattr(row, field, clean[field])
        stamp_local_write(ctx, session, records.ent, row, clean, deleted=False, action=action,
                          fields=[f for f in STATUS_FIELDS if f in changes], detail=detail)
        return to_view(records.ent, row)


def transition(ctx: ServiceContext, record_id: str, new_status: IncidentStatus | str, *, outcome: str | None = None,
               now: dt.datetime | None = None, expected_rev: str | None = None) -> RecordView:
    """Move forward (open -> investigating -> closed, or open -> closed). Closing needs an outcome."""
    new = IncidentStatus(new_status)
    changes: dict[str, Any] = {"status": new.value}
    if outcome is not None and outcome.strip():
        changes["outcome"] = outcome.strip()
    if new == IncidentStatus.closed:
        changes["closed_at"] = now or utcnow()

    def check(row: IncidentRecord) -> None:
        check_transition(row.status, new, changes.get("outcome", row.outcome))

    return _change_status(ctx, record_id, changes, action="status", detail=f"status -> {new.value}", check=check,
                          expected_rev=expected_rev)


def reopen(ctx: ServiceContext, record_id: str, reason: str, *, expected_rev: str | None = None) -> RecordView:
    """The one way back from closed: status open again, the previous outcome kept for reference, and the reason
    written to the audit log (who reopened it, when and why)."""
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationFailed({"reason": "say why the incident is being reopened"}, entity=ENTITY)

    def check(row: IncidentRecord) -> None:
        if row.status != IncidentStatus.closed:
            raise TransitionRefused("only a closed incident can be reopened")

    return _change_status(ctx, record_id, {"status": IncidentStatus.open.value, "closed_at": None},
                          action="reopen", detail=f"reopened: {reason}", check=check, expected_rev=expected_rev)


@dataclass(frozen=True)
class IncidentFilter:
    status: str | None = None
    category: str | None = None
    severity: str | None = None
    operator_id: str | None = None
    school_id: str | None = None
    date_from: dt.date | None = None
    """Occurred on or after this local date."""
    date_to: dt.date | None = None
    """Occurred on or before this local date."""
    search: str = ""


def _conditions(flt: IncidentFilter) -> list[Any]:
    """Every filter of `flt` but its search."""
    i = IncidentRecord
    cond: list[Any] = [i.deleted.is_(False)]
    for field in ("status", "category", "severity", "operator_id", "school_id"):
        value = getattr(flt, field)
        if value:
            cond.append(getattr(i, field) == str(value))
    if flt.date_from:
        cond.append(i.occurred_at >= local_day_bounds(flt.date_from)[0])
    if flt.date_to:
        cond.append(i.occurred_at < local_day_bounds(flt.date_to)[1])
    return cond


def _text_fields() -> list[Any]:
    i = IncidentRecord
    return [i.description, i.reported_by_name, i.immediate_action, i.outcome]


def _named() -> list[tuple[Any, Any, Any]]:
    """What else an incident is found by: (its link, the linked table, that table's name), smallest table first."""
    i = IncidentRecord
    return [(i.operator_id, OperatorRecord, OperatorRecord.name), (i.school_id, SchoolRecord, SchoolRecord.name),
            (i.route_id, RouteRecord, RouteRecord.code)]


def _match(term: str) -> Any:
    """The incident contains `term` in its own text (its search index) or in its route code, operator or school
    name, each as an id list from that table: any page, sorted (the far pages of a common term)."""
    like = like_pattern(term)
    return or_(contains(ENTITY, term, _text_fields()),
               *[link.in_(select(orm.id).where(name.like(like))) for link, orm, name in _named()])


def _walked_match(term: str, empty: frozenset[int]) -> Any:
    """`_match` for a page found by walking the list order (`services/search.py`): the names of the operator,
    school and route the page's query joins (`_joined`), and a probe per row of its own text's matches — but
    not the ways `_ways` found to match nothing (`empty`, by position), so a row walked tests only what can."""
    like = like_pattern(term)
    ways = [*[name.like(like) for _, _, name in _named()], contains(ENTITY, term, _text_fields(), dense=True)]
    return or_(*[way for n, way in enumerate(ways) if n not in empty])


def _ways(flt: IncidentFilter, term: str) -> list[Select]:
    """`_match` as one query of rowids per way of matching (`capped_union`), the linked tables walked first (in
    `_walked_match`'s order)."""
    i = IncidentRecord
    rowid: Any = literal_column(f"{ENTITY}.rowid")
    base, like = _conditions(flt), like_pattern(term)
    ways = [select(rowid).select_from(outer_first(orm, i, link == orm.id)).where(*base, name.like(like))
            for link, orm, name in _named()]
    return [*ways, select(rowid).where(*base, contains(ENTITY, term, _text_fields()))]


def _joined(stmt: Select) -> Select:
    i = IncidentRecord
    return (stmt.outerjoin(RouteRecord, RouteRecord.id == i.route_id)
            .outerjoin(OperatorRecord, OperatorRecord.id == i.operator_id)
            .outerjoin(SchoolRecord, SchoolRecord.id == i.school_id))


def report_state(deadline: dt.datetime, received: dt.datetime | None, now: dt.datetime) -> str:
    if received is not None:
        return "received"
    return "overdue" if deadline < now else "due"


def list_incidents(ctx: ServiceContext, flt: IncidentFilter, offset: int = 0, limit: int = 50,
                   now: dt.datetime | None = None) -> Page:
    """One page, newest first, filtered and searched in SQL; rows are ready to show (labels, route code...)."""
    i = IncidentRecord
    now = now or utcnow()
    term = flt.search.strip()
    cond = _conditions(flt)
    with ctx.read() as session:
        if not term:
            total, more = capped_count(session, select(i.id).where(*cond), offset)
        else:
            # Each way of matching counted on its own; below the cap that also gives every match, so the page
            # reads just those rows. Past it, a near page walks the list order; a far one sorts the matches.
            union = capped_union(session, _ways(flt, term), offset + COUNT_CAP)
            total, more = union.total, union.more
            if not more:
                cond = [literal_column(f"{ENTITY}.rowid").in_(json_values(union.keys))]
            else:
                cond.append(_walked_match(term, union.empty) if walk_list_order(more, offset, limit)
                            else _match(term))
        stmt = _joined(select(i.id, i.occurred_at, i.category, i.severity, i.status, i.report_deadline,
                              i.written_report_at, i.pupil_count, RouteRecord.code.label("route"),
                              OperatorRecord.name.label("operator"), SchoolRecord.name.label("school"))
                       .select_from(i)).where(*cond).order_by(i.occurred_at.desc(), i.id).offset(offset).limit(limit)
        rows = [dict(r._mapping) for r in session.execute(stmt)] if total > offset or more else []
    for row in rows:
        row["category_label"] = CATEGORY_LABELS[IncidentCategory(row["category"])]
        row["severity_label"] = SEVERITY_LABELS[Severity(row["severity"])]
        row["report"] = report_state(row["report_deadline"], row["written_report_at"], now)
    return Page(rows=rows, total=total, offset=offset, limit=limit, more=more)


def due_items(ctx: ServiceContext, today: dt.date) -> list[DueItem]:
    """For Home: every open Critical incident (urgent), and written reports due by `today` and not received.

    A report is overdue when its deadline fell on a day before `today`; one due today is listed but not yet
    overdue. Closed incidents are left out: closing is the officer's decision that nothing is outstanding.
    """
    i = IncidentRecord
    end_of_today = local_day_bounds(today)[1]
    report_due = and_(i.written_report_at.is_(None), i.report_deadline < end_of_today)
    with ctx.read() as session:
        stmt = (select(i.id, i.occurred_at, i.category, i.severity, i.report_deadline, i.written_report_at,
                       RouteRecord.code)
                .outerjoin(RouteRecord, RouteRecord.id == i.route_id)
                .where(i.deleted.is_(False), i.status != IncidentStatus.closed.value,
                       or_(i.severity == Severity.critical.value, report_due))
                .order_by(i.report_deadline, i.id))
        rows = session.execute(stmt).all()
    items = []
    for rid, occurred, category, severity, deadline, received, code in rows:
        due = deadline.astimezone().date()
        overdue = received is None and due < today
        critical = severity == Severity.critical.value
        label = CATEGORY_LABELS[IncidentCategory(category)]
        where = f" on route {code}" if code else ""
        what = "open" if received is not None or not critical else "open, report due"
        title = (f"{SEVERITY_LABELS[Severity(severity)]} incident ({what}): {label}{where}, "
                 f"{occurred.astimezone():%d %b %H:%M}") if critical else (
                 f"Written report {'overdue' if overdue else 'due'}: {label}{where}, {occurred.astimezone():%d %b}")
        items.append(DueItem(section="Incidents", title=title, due=due, overdue=overdue, screen="incidents",
                             record_id=rid, urgent=critical))
    return items
