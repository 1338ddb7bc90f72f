"""Use cases for route returns: record one, edit it, list and filter them, and show Home what is unallocated."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import aliased

from htst_tui.db.incidents import RouteReturnRecord
from htst_tui.db.reference import OperatorRecord, RouteRecord
from htst_tui.domain.route_returns import RouteReturnStatus, is_short_notice
from htst_tui.services.context import ServiceContext
from htst_tui.services.dashboard_types import DueItem
from htst_tui.services.records import Page, Records, RecordView

ENTITY = "route_returns"

_NEW_OPERATOR = aliased(OperatorRecord, name="new_operator")


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    """Notice days is always worked out from the two dates (the model does it), never taken from a form."""
    return {k: v for k, v in data.items() if k != "notice_days"}


def record_route_return(ctx: ServiceContext, data: dict[str, Any]) -> RecordView:
    return Records(ctx, ENTITY).create(_clean(data))


def edit_route_return(ctx: ServiceContext, record_id: str, data: dict[str, Any], *,
                      expected_rev: str | None = None) -> RecordView:
    return Records(ctx, ENTITY).update(record_id, _clean(data), expected_rev=expected_rev)


@dataclass(frozen=True)
class RouteReturnFilter:
    status: str | None = None
    operator_id: str | None = None
    """The operator who handed the route back or the one it went to."""
    date_from: dt.date | None = None
    """Effective on or after."""
    date_to: dt.date | None = None
    short_notice: bool = False
    search: str = ""


def _joined(stmt: Select) -> Select:
    r = RouteReturnRecord
    return (stmt.outerjoin(RouteRecord, RouteRecord.id == r.route_id)
            .outerjoin(OperatorRecord, OperatorRecord.id == r.operator_id)
            .outerjoin(_NEW_OPERATOR, _NEW_OPERATOR.id == r.reallocated_to_operator_id))


def list_route_returns(ctx: ServiceContext, flt: RouteReturnFilter, offset: int = 0, limit: int = 50) -> Page:
    r = RouteReturnRecord
    required = ctx.settings.incidents.route_return_notice_days
    cond: list[Any] = [r.deleted.is_(False)]
    if flt.status:
        cond.append(r.status == flt.status)
    if flt.operator_id:
        cond.append(or_(r.operator_id == flt.operator_id, r.reallocated_to_operator_id == flt.operator_id))
    if flt.date_from:
        cond.append(r.effective_date >= flt.date_from)
    if flt.date_to:
        cond.append(r.effective_date <= flt.date_to)
    if flt.short_notice:
        cond.append(r.notice_days < required)
    term = flt.search.strip()
    if term:
        like = f"%{term}%"
        cond.append(or_(r.reason.ilike(like), RouteRecord.code.ilike(like), OperatorRecord.name.ilike(like),
                        _NEW_OPERATOR.name.ilike(like)))
    with ctx.read() as session:
        total = session.execute(_joined(select(func.count()).select_from(r)).where(*cond)).scalar_one()
        stmt = _joined(select(r.id, r.notice_received, r.effective_date, r.notice_days, r.children_affected,
                              r.status, r.reallocated_on, RouteRecord.code.label("route"),
                              OperatorRecord.name.label("operator"), _NEW_OPERATOR.name.label("reallocated_to"))
                       .select_from(r)).where(*cond).order_by(r.effective_date.desc(), r.id).offset(offset).limit(limit)
        rows = [dict(row._mapping) for row in session.execute(stmt)]
    for row in rows:
        row["short_notice"] = is_short_notice(row["notice_days"], required)
    return Page(rows=rows, total=total, offset=offset, limit=limit)


def due_items(ctx: ServiceContext, today: dt.date) -> list[DueItem]:
    """For Home: every route return not yet given to another operator. Overdue once its effective date has
    passed (children may have no transport); urgent when the operator gave short notice."""
    r = RouteReturnRecord
    required = ctx.settings.incidents.route_return_notice_days
    with ctx.read() as session:
        rows = session.execute(
            select(r.id, r.effective_date, r.notice_days, r.children_affected, RouteRecord.code, OperatorRecord.name)
            .outerjoin(RouteRecord, RouteRecord.id == r.route_id)
            .outerjoin(OperatorRecord, OperatorRecord.id == r.operator_id)
            .where(r.deleted.is_(False), r.status == RouteReturnStatus.open.value)
            .order_by(r.effective_date, r.id)).all()
    items = []
    for rid, effective, days, children, code, operator in rows:
        short = is_short_notice(days, required)
        note = f", {days} days' notice" if short else ""
        items.append(DueItem(
            section="Route returns",
            title=f"Route {code} handed back by {operator}: not reallocated, {children} children, "
                  f"from {effective:%d %b}{note}",
            due=effective, overdue=effective < today, screen="route_returns", record_id=rid, urgent=short))
    return items
