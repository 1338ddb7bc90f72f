"""The spot-check outcome rule as a table (mirroring the module docstring), roster matching, suggestions."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from htst_tui.domain.follow_ups import OutcomeCode
from htst_tui.domain.spot_checks import (
    Answer,
    CheckFacts,
    Outcome,
    RosterEntry,
    VehicleCheck,
    checklist,
    compliance_figures,
    compute_outcome,
    match_badge,
    missing_items,
    suggest_follow_ups,
)

P, F, S, NA = Answer.passed, Answer.failed, Answer.not_seen, Answer.not_applicable
ALL_CREW = ("badge_displayed", "badge_matches_roster", "hi_vis", "child_knowledge", "dbs_evidence", "training_card")
ALL_VEHICLE = ("cctv_working", "restraints", "plate_visible")


def _vehicle(crew_changes: dict[str, Answer] | None = None, vehicle_changes: dict[str, Answer] | None = None,
             pa_changes: dict[str, Answer] | None = None) -> tuple[list[dict[str, Answer]], dict[str, Answer]]:
    driver = {c: P for c in ALL_CREW} | (crew_changes or {})
    pa = {c: P for c in ALL_CREW} | (pa_changes or {})
    return [driver, pa], {c: P for c in ALL_VEHICLE} | (vehicle_changes or {})


@pytest.mark.parametrize(("driver", "pa", "vehicle", "expected"), [
    ({}, {}, {}, Outcome.compliant),
    ({"hi_vis": NA}, {"training_card": NA}, {"cctv_working": NA}, Outcome.compliant),
    ({"badge_displayed": F}, {}, {}, Outcome.non_compliant),
    ({}, {"badge_matches_roster": F}, {}, Outcome.non_compliant),
    ({}, {"child_knowledge": F}, {}, Outcome.non_compliant),
    ({"dbs_evidence": F}, {}, {}, Outcome.non_compliant),
    ({}, {}, {"restraints": F}, Outcome.non_compliant),
    ({"hi_vis": F}, {}, {}, Outcome.advice_given),
    ({}, {"training_card": F}, {}, Outcome.advice_given),
    ({}, {}, {"cctv_working": F}, Outcome.advice_given),
    ({}, {}, {"plate_visible": F}, Outcome.advice_given),
    ({"dbs_evidence": S}, {}, {}, Outcome.advice_given),
    ({}, {"child_knowledge": S}, {}, Outcome.advice_given),
    ({"hi_vis": F, "dbs_evidence": S}, {"child_knowledge": F}, {}, Outcome.non_compliant),
])
def test_outcome_rule(driver: dict[str, Answer], pa: dict[str, Answer], vehicle: dict[str, Answer],
                      expected: Outcome) -> None:
    crew, vehicle_answers = _vehicle(driver, vehicle, pa)
    assert compute_outcome(crew, vehicle_answers) == expected


def test_outcome_counts_only_what_is_answered_so_far() -> None:
    assert compute_outcome([{"hi_vis": P}], {}) == Outcome.compliant
    assert compute_outcome([{"hi_vis": F}], {}) == Outcome.advice_given
    items = checklist(["dbs_evidence", "restraints"])
    assert [i.code for i in items.crew_items] == [*ALL_CREW[:5]]
    assert [i.code for i in items.vehicle_items] == ["restraints"]
    assert missing_items(items, [{"hi_vis": P}], {}) == [
        "crew 1: badge_displayed", "crew 1: badge_matches_roster", "crew 1: child_knowledge",
        "crew 1: dbs_evidence", "vehicle: restraints"]
    assert checklist([]).answers_needed(2) == 8
    assert checklist(list(ALL_CREW[4:] + ALL_VEHICLE)).answers_needed(2) == 15


def test_unknown_extra_item_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown spot-check item 'seat_colour'"):
        checklist(["seat_colour"])
    with pytest.raises(ValueError, match="unknown spot-check item 'hi_vis'"):
        checklist(["hi_vis"])


ROSTER = [RosterEntry("d1", "Driver One", "driver", "FICT-0001"), RosterEntry("p1", "PA One", "pa", "FICT-0002")]


@pytest.mark.parametrize(("typed", "answer", "crew_id"), [
    ("FICT-0001", P, "d1"),
    ("fict 0002", P, "p1"),  # case, spaces and dashes ignored; the PA's badge on the driver slot still matches
    ("FICT0001", P, "d1"),
    ("FICT-0003", F, None),  # not on this route's roster
    ("", None, None),
    (None, None, None),
])
def test_roster_mismatch_detection(typed: str | None, answer: Answer | None, crew_id: str | None) -> None:
    match = match_badge(typed, ROSTER)
    assert (match.answer, match.crew_id) == (answer, crew_id)
    assert match_badge("FICT-0001", []).answer == F


def test_suggested_follow_ups() -> None:
    today = dt.date(2026, 3, 2)
    warn = suggest_follow_ups(Outcome.non_compliant, ["hi_vis", "restraints"], [], today, 10)
    assert [(s.outcome_code, s.due_date) for s in warn] == [(OutcomeCode.operator_warning, dt.date(2026, 3, 12))]
    assert "seat belts / restraints in use" in warn[0].description
    licence = suggest_follow_ups(Outcome.non_compliant, ["badge_matches_roster"], [], today, 5)
    assert [s.outcome_code for s in licence] == [OutcomeCode.operator_warning, OutcomeCode.referral_licensing]
    advice = suggest_follow_ups(Outcome.advice_given, [], ["dbs_evidence"], today, 10)
    assert [s.outcome_code for s in advice] == [OutcomeCode.advice_given]
    assert "not seen enhanced dbs evidence" in advice[0].description
    assert suggest_follow_ups(Outcome.compliant, [], [], today, 10) == []


def _check(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "visit_id": "00000000-0000-4000-8000-000000000001", "route_id": "00000000-0000-4000-8000-000000000002",
        "operator_id": "00000000-0000-4000-8000-000000000003", "checked_at": dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC),
        "crew": [{"role": "driver", "answers": {"hi_vis": "pass"}}], "status": "in_progress"}
    return data | changes


def test_vehicle_check_model_rules() -> None:
    assert VehicleCheck.model_validate(_check()).crew[0].answers == {"hi_vis": P}
    with pytest.raises(ValidationError, match="needs its outcome"):
        VehicleCheck.model_validate(_check(status="complete"))
    with pytest.raises(ValidationError, match="needs a reason"):
        VehicleCheck.model_validate(_check(computed_outcome="non_compliant", final_outcome="advice_given"))
    ok = VehicleCheck.model_validate(_check(computed_outcome="non_compliant", final_outcome="advice_given",
                                            override_reason="Badge shown once the car had parked"))
    assert ok.final_outcome == Outcome.advice_given
    with pytest.raises(ValidationError, match="not a crew check item"):
        VehicleCheck.model_validate(_check(crew=[{"role": "pa", "answers": {"restraints": "pass"}}]))
    with pytest.raises(ValidationError, match="not a vehicle check item"):
        VehicleCheck.model_validate(_check(vehicle_answers={"hi_vis": "pass"}))
    with pytest.raises(ValidationError, match="extra"):
        VehicleCheck.model_validate(_check(child_name="anyone"))


def test_compliance_figures_on_fixed_data() -> None:
    facts = [
        CheckFacts("op-a", Outcome.compliant, [("hi_vis", P), ("restraints", P)]),
        CheckFacts("op-a", Outcome.advice_given, [("hi_vis", F), ("restraints", NA)]),
        CheckFacts("op-a", Outcome.compliant, [("hi_vis", P), ("restraints", P)]),
        CheckFacts("op-b", Outcome.non_compliant, [("hi_vis", S), ("restraints", F)]),
    ]
    operators, overall = compliance_figures(facts)
    a, b = operators
    assert (a.checks, a.pass_rate) == (3, 2 / 3)
    assert (a.items["hi_vis"].passed, a.items["hi_vis"].counted) == (2, 3)
    assert (a.items["restraints"].passed, a.items["restraints"].counted) == (2, 2)  # n/a left out
    assert (b.checks, b.pass_rate, b.outcomes[Outcome.non_compliant]) == (1, 0.0, 1)
    assert overall["hi_vis"].rate == 0.5  # 2 passes of 4 answers (the not-seen counts against)
    assert overall["restraints"].rate == 2 / 3
