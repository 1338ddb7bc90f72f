"""Reference data: schools, operators, routes, pupils, crews and panel members.

Pupil data is minimal on purpose (domain.md §6, data minimisation): identity, school, year, SEND/EHCP flags
and a short needs summary relevant to transport — never the whole EHCP.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator

from htst_tui.domain.common import LongText, Name, Postcode, RecordId, RecordModel, ShortText, today


class SchoolPhase(StrEnum):
    nursery = "nursery"
    primary = "primary"
    secondary = "secondary"
    all_through = "all_through"
    special = "special"
    alternative_provision = "alternative_provision"
    post_16 = "post_16"


class VehicleType(StrEnum):
    car = "car"
    wav = "wav"  # wheelchair-accessible vehicle
    minibus = "minibus"
    coach = "coach"
    bus = "bus"


class CrewRole(StrEnum):
    driver = "driver"
    pa = "pa"


class PanelRole(StrEnum):
    chair = "chair"
    la_officer = "la_officer"
    senior_send = "senior_send"
    amaze_rep = "amaze_rep"
    pacc_rep = "pacc_rep"
    clerk = "clerk"
    other = "other"


PANEL_ROLE_LABELS: dict[PanelRole, str] = {
    PanelRole.chair: "Chair",
    PanelRole.la_officer: "LA officer",
    PanelRole.senior_send: "Senior SEND team member",
    PanelRole.amaze_rep: "Amaze parent-carer worker",
    PanelRole.pacc_rep: "PaCC representative",
    PanelRole.clerk: "Clerk",
    PanelRole.other: "Other",
}


class School(RecordModel):
    urn: Annotated[int, Field(ge=100000, le=999999, description="DfE Unique Reference Number (6 digits)")]
    name: Name
    phase: SchoolPhase
    postcode: Postcode


class Operator(RecordModel):
    name: Name
    licence_no: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    contact: ShortText = ""


class Route(RecordModel):
    code: Annotated[str, StringConstraints(min_length=1, max_length=20, to_upper=True)]
    operator_id: RecordId
    school_ids: list[RecordId] = Field(min_length=1)
    vehicle_type: VehicleType

    @field_validator("school_ids")
    @classmethod
    def _unique_schools(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("lists the same school twice")
        return value


class Pupil(RecordModel):
    la_reference: Annotated[str, StringConstraints(min_length=1, max_length=20, to_upper=True)]
    first_name: Name
    last_name: Name
    date_of_birth: dt.date
    school_id: RecordId
    year_group: Annotated[int, Field(ge=-1, le=14, description="-1 nursery, 0 reception, 1-14")]
    send: bool = False
    ehcp: bool = False
    needs_summary: Annotated[str, StringConstraints(max_length=500)] = ""
    route_id: RecordId | None = None

    @field_validator("date_of_birth")
    @classmethod
    def _plausible_birth(cls, value: dt.date) -> dt.date:
        current = today()
        if value > current:
            raise ValueError("is in the future")
        if value.year < current.year - 30:
            raise ValueError("is more than 30 years ago")
        return value


class CrewMember(RecordModel):
    name: Name
    operator_id: RecordId
    role: CrewRole
    badge_number: Annotated[str, StringConstraints(min_length=1, max_length=30, to_upper=True)]
    dbs_expiry: dt.date | None = None
    training_completed: LongText = ""
    route_id: RecordId | None = None


class PanelMember(RecordModel):
    name: Name
    role: PanelRole
    organisation: ShortText = ""
    training_date: dt.date | None = None
    """Date of the last HTST & Education Act law training."""
    active: bool = True
