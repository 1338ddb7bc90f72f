"""A small fictional panel register and pupil for the panel tests (service, screen and demo)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from htst_tui.services.context import ServiceContext
from htst_tui.services.records import Records

MEETING_DATE = dt.date(2025, 12, 10)


@dataclass
class Register:
    chair: str
    send: str
    amaze: str
    officer: str
    stale: str
    """An LA officer whose law training is out of date."""
    pupil: str
    school: str


def make_register(ctx: ServiceContext) -> Register:
    members = Records(ctx, "panel_members")

    def member(name: str, role: str, trained: dt.date | None) -> str:
        return members.create({"name": name, "role": role, "organisation": "Fictional Council",
                               "training_date": trained}).id

    school = Records(ctx, "schools").create({"urn": 100001, "name": "Fictional Downs Academy", "phase": "secondary",
                                             "postcode": "BN1 1AA"}).id
    pupil = Records(ctx, "pupils").create({
        "la_reference": "FP0001", "first_name": "Robin", "last_name": "Testcase",
        "date_of_birth": dt.date(2013, 5, 1), "school_id": school, "year_group": 7, "send": True, "ehcp": True,
        "needs_summary": "Autism; distressed by crowds"}).id
    return Register(
        chair=member("Alex Chairperson", "chair", dt.date(2025, 1, 15)),
        send=member("Sam Sendlead", "senior_send", dt.date(2024, 6, 1)),
        amaze=member("Ari Amazeworker", "amaze_rep", dt.date(2025, 3, 3)),
        officer=member("Jo Officer", "la_officer", dt.date(2025, 2, 2)),
        stale=member("Pat Stale", "la_officer", dt.date(2020, 1, 1)),
        pupil=pupil, school=school,
    )
