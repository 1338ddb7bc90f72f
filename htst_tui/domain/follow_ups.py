"""Follow-up actions: what must happen after a spot check or an incident, who owns it and by when.

One model serves spot checks and incidents alike (the incident issue asks for "the same follow-up model"),
so the Home dashboard can show every open and overdue action in one list.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated

from pydantic import StringConstraints, model_validator

from htst_tui.domain.common import LongText, Name, RecordId, RecordModel


class OutcomeCode(StrEnum):
    """domain.md §4.3 proposed outcome codes (plus `other`)."""

    advice_given = "advice_given"
    operator_warning = "operator_warning"
    contract_default = "contract_default"
    referral_licensing = "referral_licensing"
    referral_LADO_safeguarding = "referral_LADO_safeguarding"
    crew_stood_down = "crew_stood_down"
    other = "other"


class FollowUpSource(StrEnum):
    vehicle_check = "vehicle_check"
    incident = "incident"
    route_return = "route_return"


class FollowUpStatus(StrEnum):
    open = "open"
    done = "done"
    cancelled = "cancelled"


class FollowUp(RecordModel):
    source_kind: FollowUpSource
    source_id: RecordId
    outcome_code: OutcomeCode
    description: LongText
    owner: Name
    due_date: dt.date
    status: FollowUpStatus = FollowUpStatus.open
    closed_on: dt.date | None = None
    closing_note: Annotated[str, StringConstraints(max_length=2000)] = ""

    @model_validator(mode="after")
    def _closing_needs_date(self) -> FollowUp:
        if self.status != FollowUpStatus.open and self.closed_on is None:
            raise ValueError("a closed follow-up needs the date it was closed (closed_on)")
        if self.status == FollowUpStatus.open and self.closed_on is not None:
            raise ValueError("an open follow-up cannot have a closed date")
        return self


def is_overdue(follow_up: FollowUp, today: dt.date) -> bool:
    return follow_up.status == FollowUpStatus.open and follow_up.due_date < today
