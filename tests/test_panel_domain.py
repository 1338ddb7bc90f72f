"""Pure panel rules: the statutory hint (domain.md §1.2, every row and boundary), working days, review dates,
attendance, the finalise rule and the two-stage conflict rule."""

from __future__ import annotations

import datetime as dt

import pytest

from htst_tui.domain.eligibility import CaseFacts, Category, age_on, hint_notes, statutory_hint
from htst_tui.domain.panel import AttendanceStatus, AwardType, Outcome, PanelDecision
from htst_tui.domain.panel_rules import (
    Attendee,
    FinaliseInput,
    add_months,
    check_attendance,
    conflict_sentences,
    default_review_date,
    end_of_academic_year,
    finalise_gaps,
    stage_conflicts,
    training_current,
)
from htst_tui.domain.reference import PanelRole
from htst_tui.domain.working_days import Periods, add_working_days, is_working_day, working_days_between

RELEVANT = dt.date(2025, 9, 1)


def born(age: int, *, day_after: bool = False) -> dt.date:
    """A birth date giving exactly `age` on RELEVANT (birthday that day); day_after: turns `age` tomorrow."""
    birthday = RELEVANT.replace(year=RELEVANT.year - age)
    return birthday + dt.timedelta(days=1) if day_after else birthday


# (name, facts, expected categories)
HINT_TABLE: list[tuple[str, dict, set[Category]]] = [
    # A: beyond walking distance, nearest suitable school only; strict "over".
    ("A under 8 exactly 2.0", dict(dob=born(7), miles=2.0, nearest=True), set()),
    ("A under 8 just over 2", dict(dob=born(7), miles=2.01, nearest=True), {Category.A}),
    ("A age 7 turning 8 tomorrow, 2.5", dict(dob=born(8, day_after=True), miles=2.5, nearest=True), {Category.A}),
    ("A age 8 on the day, 2.5", dict(dob=born(8), miles=2.5, nearest=True), set()),
    ("A age 8 exactly 3.0", dict(dob=born(8), miles=3.0, nearest=True), set()),
    ("A age 8 just over 3", dict(dob=born(8), miles=3.01, nearest=True), {Category.A}),
    ("A 8+ far but not nearest suitable", dict(dob=born(12), miles=5.0, nearest=False), set()),
    # B: a need recorded -> for the panel; no EHCP needed; applies within walking distance.
    ("B need recorded, close", dict(dob=born(9), miles=0.4, need="Uses a wheelchair"), {Category.B}),
    ("B EHCP only", dict(dob=born(9), miles=0.4, ehcp=True), {Category.B}),
    ("B nothing recorded", dict(dob=born(9), miles=0.4), set()),
    # C: unsafe route assessed, within walking distance.
    ("C unsafe route", dict(dob=born(9), miles=1.0, unsafe=True), {Category.C}),
    # D 8-11: nearest suitable school more than 2 miles.
    ("D age 8 exactly 2.0", dict(dob=born(8), miles=2.0, nearest=True, low=True), set()),
    ("D age 8 just over 2", dict(dob=born(8), miles=2.01, nearest=True, low=True), {Category.D}),
    ("D under 8 is A not D", dict(dob=born(7), miles=2.5, nearest=True, low=True), {Category.A}),
    ("D 8-11 not nearest", dict(dob=born(10), miles=2.5, nearest=False, rank=2, low=True), set()),
    ("D age 10, turning 11 tomorrow, rank 2", dict(dob=born(11, day_after=True), miles=4.0, rank=2, low=True), set()),
    ("D not low income", dict(dob=born(9), miles=2.5, nearest=True), set()),
    # D 11-16: 2-6 miles and one of the 3 nearest suitable schools; 6.0 included, 2.0 excluded.
    ("D age 11 exactly 2.0 rank 2", dict(dob=born(11), miles=2.0, rank=2, low=True), set()),
    ("D age 11 just over 2 rank 3", dict(dob=born(11), miles=2.01, rank=3, low=True), {Category.D}),
    ("D age 11 exactly 6.0 rank 2", dict(dob=born(11), miles=6.0, rank=2, low=True), {Category.D}),
    ("D age 11 just over 6 rank 2", dict(dob=born(11), miles=6.01, rank=2, low=True), set()),
    ("D rank 4 is not among 3 nearest", dict(dob=born(13), miles=4.0, rank=4, low=True), set()),
    ("D upper limit read by road", dict(dob=born(13), miles=5.0, road=6.5, rank=2, low=True), set()),
    ("D nearest and over 3: A and D", dict(dob=born(12), miles=4.0, nearest=True, rank=1, low=True),
     {Category.A, Category.D}),
    ("D age 16 still compulsory", dict(dob=born(16), miles=4.0, rank=2, low=True), {Category.D}),
    # D 11-16 religion or belief: 2-15 miles; 15.0 included.
    ("D religion exactly 15.0", dict(dob=born(14), miles=15.0, rank=6, low=True, religion=True), {Category.D}),
    ("D religion just over 15", dict(dob=born(14), miles=15.01, rank=6, low=True, religion=True), set()),
    ("D religion exactly 2.0", dict(dob=born(14), miles=2.0, rank=6, low=True, religion=True), set()),
    ("D religion age 10 does not count", dict(dob=born(10), miles=8.0, rank=6, low=True, religion=True), set()),
    # Outside compulsory school age.
    ("age 17: no statutory category", dict(dob=born(17), miles=10.0, nearest=True, low=True, rank=1), set()),
    ("age 4: no statutory category", dict(dob=born(4), miles=5.0, nearest=True), set()),
    # Several at once.
    ("B and C together", dict(dob=born(6), miles=1.5, need="Epilepsy", unsafe=True), {Category.B, Category.C}),
]


def facts(dob: dt.date | None = None, miles: float | None = None, road: float | None = None, nearest: bool = False,
          rank: int | None = None, need: str = "", ehcp: bool = False, low: bool = False, unsafe: bool = False,
          religion: bool = False) -> CaseFacts:
    return CaseFacts(relevant_date=RELEVANT, date_of_birth=dob, distance_miles=miles, road_distance_miles=road,
                     nearest_suitable=nearest, school_rank=rank, need_summary=need, ehcp=ehcp, low_income=low,
                     unsafe_route=unsafe, religion_belief=religion)


@pytest.mark.parametrize(("name", "given", "expected"), HINT_TABLE, ids=[row[0] for row in HINT_TABLE])
def test_statutory_hint_table(name: str, given: dict, expected: set[Category]) -> None:
    hints = statutory_hint(facts(**given))
    assert {h.category for h in hints} == expected
    assert all(h.reason for h in hints)


def test_b_is_flagged_for_the_panel_and_others_are_not() -> None:
    hints = statutory_hint(facts(dob=born(9), miles=4.0, nearest=True, need="Autism; cannot cross roads", low=True))
    by_cat = {h.category: h for h in hints}
    assert by_cat[Category.B].for_panel
    assert "for the panel to decide" in by_cat[Category.B].reason
    assert "Autism" in by_cat[Category.B].reason
    assert not by_cat[Category.A].for_panel
    assert "4 miles" in by_cat[Category.A].reason


def test_ages_on_the_relevant_date() -> None:
    assert age_on(dt.date(2017, 9, 1), RELEVANT) == 8
    assert age_on(dt.date(2017, 9, 2), RELEVANT) == 7
    assert age_on(dt.date(2016, 2, 29), dt.date(2025, 2, 28)) == 8
    assert age_on(dt.date(2016, 2, 29), dt.date(2025, 3, 1)) == 9


def test_hint_notes_say_what_is_missing() -> None:
    assert hint_notes(facts()) == ["Date of birth not entered: categories A and D need the age on the relevant date.",
                                   "Walking-route distance not entered."]
    assert "outside compulsory school age" in hint_notes(facts(dob=born(17), miles=1.0))[0]
    assert hint_notes(facts(dob=born(9), miles=1.0)) == []


# --- working days -------------------------------------------------------------------------------------------

WORKING_DAY_TABLE = [
    ("across Christmas and New Year 2025", dt.date(2025, 12, 19), 20, dt.date(2026, 1, 21)),
    ("Christmas Eve plus 5", dt.date(2025, 12, 24), 5, dt.date(2026, 1, 5)),
    ("Christmas on a Saturday: substitute days 27 and 28 Dec 2027", dt.date(2027, 12, 24), 1, dt.date(2027, 12, 29)),
    ("over Good Friday and Easter Monday 2025", dt.date(2025, 4, 17), 1, dt.date(2025, 4, 22)),
    ("a week spanning Easter 2025", dt.date(2025, 4, 14), 5, dt.date(2025, 4, 23)),
    ("spring bank holiday Monday 2025", dt.date(2025, 5, 23), 1, dt.date(2025, 5, 27)),
    ("late summer bank holiday Monday 2025", dt.date(2025, 8, 22), 1, dt.date(2025, 8, 26)),
    ("from a Saturday", dt.date(2025, 3, 8), 1, dt.date(2025, 3, 10)),
    ("zero days", dt.date(2025, 3, 8), 0, dt.date(2025, 3, 8)),
]


@pytest.mark.parametrize(("name", "start", "n", "expected"), WORKING_DAY_TABLE, ids=[r[0] for r in WORKING_DAY_TABLE])
def test_add_working_days(name: str, start: dt.date, n: int, expected: dt.date) -> None:
    assert add_working_days(start, n) == expected
    assert working_days_between(start, expected) == n


def test_bank_holidays_are_not_working_days() -> None:
    assert not is_working_day(dt.date(2025, 12, 25))
    assert not is_working_day(dt.date(2025, 4, 21))
    assert not is_working_day(dt.date(2025, 5, 5))
    assert is_working_day(dt.date(2025, 12, 29))  # an office closure, not a bank holiday
    with pytest.raises(ValueError):
        add_working_days(dt.date(2025, 1, 6), -1)


def test_two_stage_deadlines_from_periods() -> None:
    p = Periods(stage1_request=20, stage1_response=20, stage2_request=20, stage2_hearing=40, stage2_letter=5)
    assert p.stage1_request_due(dt.date(2025, 12, 19)) == dt.date(2026, 1, 21)
    assert p.stage1_response_due(dt.date(2025, 4, 7)) == dt.date(2025, 5, 8)  # Easter + 5 May in between
    assert p.stage2_request_due(dt.date(2025, 5, 1)) == dt.date(2025, 6, 2)  # 5 May and 26 May skipped
    assert p.stage2_hearing_due(dt.date(2025, 12, 1)) == dt.date(2026, 1, 29)  # 25, 26 Dec and 1 Jan skipped
    assert p.stage2_letter_due(dt.date(2025, 12, 22)) == dt.date(2025, 12, 31)  # 25 and 26 Dec skipped


# --- review dates -------------------------------------------------------------------------------------------

def test_review_date_rule() -> None:
    assert end_of_academic_year(dt.date(2025, 9, 1)) == dt.date(2026, 8, 31)
    assert end_of_academic_year(dt.date(2026, 8, 31)) == dt.date(2026, 8, 31)
    assert add_months(dt.date(2025, 8, 31), 6) == dt.date(2026, 2, 28)
    kw = dict(pa_months=6, time_limited_months=3)
    assert default_review_date(dt.date(2025, 10, 1), [AwardType.shared_vehicle], time_limited=False, **kw) == \
        dt.date(2026, 8, 31)
    assert default_review_date(dt.date(2025, 10, 1), [AwardType.passenger_assistant], time_limited=False, **kw) == \
        dt.date(2026, 4, 1)
    assert default_review_date(dt.date(2025, 10, 1), [AwardType.bus_pass], time_limited=True, **kw) == \
        dt.date(2026, 1, 1)
    # A PA awarded in July: the annual reassessment on 31 August comes first.
    assert default_review_date(dt.date(2026, 7, 1), [AwardType.passenger_assistant], time_limited=False, **kw) == \
        dt.date(2026, 8, 31)


# --- attendance ---------------------------------------------------------------------------------------------

def test_attendance_check_names_each_gap() -> None:
    on = dt.date(2025, 10, 1)
    members = [
        Attendee("Chair Fictional", PanelRole.chair, AttendanceStatus.present, dt.date(2024, 1, 10)),
        Attendee("Sam Senior", PanelRole.senior_send, AttendanceStatus.apologies, dt.date(2025, 1, 1)),
        Attendee("Ali Amaze", PanelRole.amaze_rep, AttendanceStatus.present, None),
        Attendee("Old Trainee", PanelRole.la_officer, AttendanceStatus.present, dt.date(2023, 9, 30)),
        Attendee("Absent Stale", PanelRole.la_officer, AttendanceStatus.absent, dt.date(2010, 1, 1)),
    ]
    check = check_attendance(members, on, 24)
    assert not check.senior_send_present
    assert check.amaze_present
    assert check.untrained == ["Ali Amaze", "Old Trainee"]
    assert check.gaps == [
        "No senior SEND team member is present.",
        "Ali Amaze (Amaze parent-carer worker) has no HTST & Education Act law training recorded.",
        "Old Trainee (LA officer) last trained in HTST & Education Act law on 2023-09-30, more than 24 months "
        "before the meeting.",
    ]
    assert training_current(dt.date(2023, 10, 1), on, 24)
    assert not training_current(dt.date(2023, 9, 30), on, 24)


# --- two-stage conflict -------------------------------------------------------------------------------------

def test_member_from_an_earlier_stage_cannot_sit_later() -> None:
    history = [(0, {"m-chair", "m-send"}), (1, {"m-senior-officer"})]
    assert stage_conflicts(history, 1, {"m-send", "m-new"}) == {"m-send": 0}
    assert stage_conflicts(history, 2, {"m-senior-officer", "m-chair", "m-new"}) == {"m-chair": 0,
                                                                                     "m-senior-officer": 1}
    assert stage_conflicts(history, 2, {"m-new", "m-other"}) == {}
    # Sitting again at the same stage (a reconvened stage 1) is not a later stage.
    assert stage_conflicts(history, 1, {"m-senior-officer"}) == {}
    text = conflict_sentences({"m-send": 0}, {"m-send": "Sam Senior"}, 1)
    assert text == ["Sam Senior sat at the original decision of this case, so cannot sit at the stage 1 review "
                    "(it must be decided by someone not involved before)."]


# --- finalise -----------------------------------------------------------------------------------------------

CASE_ID = "00000000-0000-4000-8000-000000000001"
PRESENT = [Attendee("Chair Fictional", PanelRole.chair, AttendanceStatus.present, dt.date(2025, 1, 1))]


def complete_decision(**changes: object) -> PanelDecision:
    base: dict[str, object] = dict(
        case_id=CASE_ID, outcome=Outcome.eligible, statutory_category=Category.A,
        award_types=[AwardType.bus_pass], effective_date=dt.date(2025, 9, 8), review_date=dt.date(2026, 8, 31),
        deliberation_notes="Distance checked on the walking route map.",
        factors_weighed="Distance; age; nearest school.",
        reasons="Your child's school is more than 3 miles away.",
    )
    base.update(changes)
    return PanelDecision.model_validate(base)


def finalise(decision: PanelDecision, **changes: object) -> list[str]:
    hints = statutory_hint(facts(dob=born(9), miles=3.5, nearest=True))
    kw: dict[str, object] = dict(decision=decision, present_members=PRESENT, conflicts_asked=True,
                                 evidence=["Walking route measurement"], hints=hints)
    kw.update(changes)
    return finalise_gaps(FinaliseInput(**kw))  # type: ignore[arg-type]


def test_complete_decision_can_be_finalised() -> None:
    assert finalise(complete_decision()) == []


def test_finalise_refusal_lists_everything_missing() -> None:
    empty = PanelDecision(case_id=CASE_ID)
    gaps = finalise(empty, present_members=[], conflicts_asked=False, evidence=[])
    assert gaps == [
        "Record who was present (members and their roles) in the attendance.",
        "Ask members to declare any conflict of interest for this case and tick that it was asked.",
        "List the evidence considered.",
        "Choose the outcome: eligible, not eligible or deferred.",
        "Record the factors weighed against each policy criterion.",
        "Record the panel's deliberation notes (how it arrived at the decision).",
        "Write the reasons in plain language for the family.",
    ]


@pytest.mark.parametrize(("changes", "expected"), [
    (dict(reasons=""), ["Write the reasons in plain language for the family."]),
    (dict(review_date=None), ["Set the review date."]),
    (dict(statutory_category=None), ["Give the statutory category (A–D) or the discretionary reason for eligibility."]),
    (dict(statutory_category=None, discretionary_reason="Exceptional medical grounds"), []),
    (dict(award_types=[AwardType.mileage_allowance]),
     ["Give the mileage rate (pence a mile) and the journeys a day for the mileage allowance."]),
    (dict(award_types=[AwardType.mileage_allowance], mileage_pence_per_mile=52, journeys_per_day=4), []),
    (dict(award_types=[AwardType.personal_travel_budget]), ["Give the personal travel budget amount."]),
    (dict(statutory_category=Category.C), ["The decision departs from the statutory hint: record why."]),
    (dict(statutory_category=Category.C, departure_reason="Route re-assessed at the meeting as unsafe."), []),
    (dict(outcome=Outcome.not_eligible), ["The decision departs from the statutory hint: record why."]),
    (dict(outcome=Outcome.deferred), ["Say what is needed before the deferred case can be decided.",
                                       "Say by when the information for the deferred case is needed."]),
    (dict(outcome=Outcome.deferred, deferred_what="School's attendance record", deferred_by=dt.date(2025, 10, 1)),
     []),
])
def test_finalise_rule_table(changes: dict, expected: list[str]) -> None:
    assert finalise(complete_decision(**changes)) == expected


def test_refusing_a_b_only_case_is_not_a_departure_and_post16_needs_contribution() -> None:
    b_only = statutory_hint(facts(dob=born(9), miles=0.5, need="Asthma"))
    refused = complete_decision(outcome=Outcome.not_eligible)
    assert finalise(refused, hints=b_only) == []
    assert finalise(complete_decision(), post_16=True) == [
        "Give the post-16 contribution, or the reason the family is exempt."]
    assert finalise(complete_decision(post16_exemption="Low income"), post_16=True) == []
    assert finalise(complete_decision(), stage_conflicts=["X sat before."]) == ["X sat before."]
