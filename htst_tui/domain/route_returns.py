"""Route returns: an operator handing a contracted route back (domain.md §5.3).

Brighton 2019: 14 of 127 routes came back in three weeks before term, many without the contractual 30 days'
notice, and operators who broke it were pursued. So the record keeps the two dates, the notice they give,
and whether that was short; it holds how many children were affected as a count only (§6: no child
identifiers in route-return records).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated

from pydantic import Field, model_validator

from htst_tui.domain.common import RecordId, RecordModel


class RouteReturnStatus(StrEnum):
    open = "open"
    """Handed back and not yet given to another operator (the dashboard shows these)."""
    reallocated = "reallocated"
    closed = "closed"
    """Nothing more to do (e.g. the route was withdrawn or merged)."""


def notice_days(notice_received: dt.date, effective_date: dt.date) -> int:
    return (effective_date - notice_received).days


def is_short_notice(days: int, required_days: int) -> bool:
    return days < required_days


class RouteReturn(RecordModel):
    route_id: RecordId
    operator_id: RecordId
    notice_received: dt.date
    effective_date: dt.date
    notice_days: Annotated[int, Field(ge=0)]
    """Stored (not only computed) so the central export and the committee see it without recomputing."""
    children_affected: Annotated[int, Field(ge=0, le=500)] = 0
    reason: Annotated[str, Field(min_length=1, max_length=4000)]
    reallocated_to_operator_id: RecordId | None = None
    reallocated_on: dt.date | None = None
    status: RouteReturnStatus = RouteReturnStatus.open

    @model_validator(mode="before")
    @classmethod
    def _fill_notice_days(cls, data: object) -> object:
        if isinstance(data, dict) and data.get("notice_days") in (None, ""):
            try:
                received = dt.date.fromisoformat(str(data["notice_received"]))
                effective = dt.date.fromisoformat(str(data["effective_date"]))
            except (KeyError, ValueError, TypeError):
                return data
            data = {**data, "notice_days": max(notice_days(received, effective), 0)}
        return data

    @model_validator(mode="after")
    def _rules(self) -> RouteReturn:
        if self.effective_date < self.notice_received:
            raise ValueError("effective date is before the notice was received")
        if self.notice_days != notice_days(self.notice_received, self.effective_date):
            raise ValueError("notice days does not match the two dates")
        if (self.reallocated_to_operator_id is None) != (self.reallocated_on is None):
            raise ValueError("give both the operator the route went to and the date, or neither")
        if self.status == RouteReturnStatus.reallocated and self.reallocated_to_operator_id is None:
            raise ValueError("a reallocated route needs the operator it went to and the date")
        if self.status == RouteReturnStatus.open and self.reallocated_to_operator_id is not None:
            raise ValueError("a route with a new operator is reallocated, not open")
        if self.reallocated_to_operator_id is not None and self.reallocated_to_operator_id == self.operator_id:
            raise ValueError("reallocated to the operator who handed it back")
        return self
