"""The reference-data models: what a valid record is, and the plain-English errors for an invalid one."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from htst_tui.domain.common import friendly_errors
from htst_tui.domain.reference import CrewMember, PanelMember, Pupil, Route, School

SCHOOL_ID = "7f1c0d1e-0000-4000-8000-000000000001"
OPERATOR_ID = "7f1c0d1e-0000-4000-8000-000000000002"


def errors_of(model: type, data: dict) -> dict[str, str]:
    with pytest.raises(ValidationError) as info:
        model.model_validate(data)
    return friendly_errors(info.value)


def test_school_normalises_postcode() -> None:
    school = School.model_validate({"urn": "114581", "name": " Hove Park ", "phase": "secondary",
                                    "postcode": "bn37bn"})
    assert school.urn == 114581
    assert school.name == "Hove Park"
    assert school.postcode == "BN3 7BN"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("urn", "12", "must be at least 100000"),
        ("urn", "abc", "must be a whole number"),
        ("name", "", "is required"),
        ("postcode", "BRIGHTON", "is not a UK postcode (for example BN1 1AA)"),
    ],
)
def test_school_errors_are_plain_english(field: str, value: str, message: str) -> None:
    data = {"urn": "114581", "name": "Hove Park", "phase": "secondary", "postcode": "BN3 7BN", field: value}
    assert errors_of(School, data)[field] == message


def test_unknown_phase_lists_choices() -> None:
    errs = errors_of(School, {"urn": 114581, "name": "X", "phase": "grammar", "postcode": "BN1 1AA"})
    assert errs["phase"].startswith("must be one of")
    assert "special" in errs["phase"]


def test_extra_field_rejected() -> None:
    errs = errors_of(School, {"urn": 114581, "name": "X", "phase": "primary", "postcode": "BN1 1AA",
                              "child_name": "Alice"})
    assert errs == {"child_name": "is not a field of this record"}


def test_route_needs_a_school_and_no_repeats() -> None:
    assert "school_ids" in errors_of(Route, {"code": "r1", "operator_id": OPERATOR_ID, "school_ids": [],
                                             "vehicle_type": "car"})
    errs = errors_of(Route, {"code": "r1", "operator_id": OPERATOR_ID, "school_ids": [SCHOOL_ID, SCHOOL_ID],
                             "vehicle_type": "car"})
    assert errs["school_ids"] == "lists the same school twice"
    route = Route.model_validate({"code": "r1", "operator_id": OPERATOR_ID, "school_ids": [SCHOOL_ID],
                                  "vehicle_type": "wav"})
    assert route.code == "R1"


def test_pupil_birth_date_must_be_plausible() -> None:
    base = {"la_reference": "p1", "first_name": "Ada", "last_name": "Example", "school_id": SCHOOL_ID,
            "year_group": 3}
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    assert errors_of(Pupil, {**base, "date_of_birth": tomorrow.isoformat()})["date_of_birth"] == "is in the future"
    assert errors_of(Pupil, {**base, "date_of_birth": "not a date"})["date_of_birth"].startswith("must be a date")
    pupil = Pupil.model_validate({**base, "date_of_birth": "2018-03-04", "route_id": ""})
    assert pupil.la_reference == "P1"
    assert pupil.route_id is None


def test_bad_reference_id() -> None:
    errs = errors_of(CrewMember, {"name": "Sam Driver", "operator_id": "not-an-id", "role": "driver",
                                  "badge_number": "b1"})
    assert errs["operator_id"] == "must be a record id (UUID)"


def test_panel_member_roles() -> None:
    member = PanelMember.model_validate({"name": "Jo Chair", "role": "amaze_rep", "training_date": "2026-01-10"})
    assert member.training_date == dt.date(2026, 1, 10)
    assert "role" in errors_of(PanelMember, {"name": "Jo", "role": "mayor"})


def test_blank_optional_text_round_trips() -> None:
    """A record stored with an empty optional text field validates again unchanged (forms resend it)."""
    from htst_tui.domain.reference import Operator

    op = Operator.model_validate({"name": "Fictional Cabs", "licence_no": "L1", "contact": ""})
    assert op.contact == ""
    assert Operator.model_validate(op.model_dump()).contact == ""
    assert errors_of(Operator, {"name": "  ", "licence_no": "L1"}) == {"name": "is required"}


def test_blank_rule_applies_to_none_and_on_assignment() -> None:
    """Blank or None becomes the field's default when that is "", else None — also when a field is assigned."""
    from htst_tui.domain.reference import Operator

    assert Operator.model_validate({"name": "Fictional Cabs", "licence_no": "L1", "contact": None}).contact == ""
    op = Operator.model_validate({"name": "Fictional Cabs", "licence_no": "L1", "contact": "0100"})
    op.contact = "   "
    assert op.contact == ""
    with pytest.raises(ValidationError) as exc:
        op.name = " "
    assert friendly_errors(exc.value) == {"name": "is required"}
    crew = CrewMember.model_validate({"name": "Sam Driver", "operator_id": "3f2b8c1e-8a4d-4c1e-9b7a-1234567890AB",
                                      "role": "driver", "badge_number": "b1", "dbs_expiry": " "})
    assert crew.dbs_expiry is None and crew.operator_id == "3f2b8c1e-8a4d-4c1e-9b7a-1234567890ab"
    assert errors_of(CrewMember, {"name": "Sam", "operator_id": "", "role": "driver", "badge_number": "b"}) == {
        "operator_id": "is required"}
