"""Panel use cases against a real database: meeting, finalise lock and revisions, dissent, minutes, letters,
reviews and appeals with the two-stage rule, and the Home dashboard items."""

from __future__ import annotations

import datetime as dt
import stat
from pathlib import Path

import pytest

from htst_tui.domain.panel import AttendanceStatus, Outcome
from htst_tui.errors import RecordLocked, ValidationFailed
from htst_tui.services import panel
from htst_tui.services.context import ServiceContext
from htst_tui.services.records import Records
from tests.panel_fixtures import MEETING_DATE, Register, make_register

COMPLETE = {
    "outcome": "eligible", "statutory_category": "A", "award_types": ["shared_vehicle", "passenger_assistant"],
    "effective_date": dt.date(2026, 1, 5), "review_date": dt.date(2026, 6, 10),
    "deliberation_notes": "Walking route measured at 3.4 miles; crowds on the bus would distress Robin.",
    "factors_weighed": "Distance over 3 miles; nearest suitable school; needs make a bus pass unsuitable.",
    "reasons": "Robin's school is more than 3 miles from home and it is the nearest school that suits Robin.",
    "amaze_perspective": "Parent says public buses have caused meltdowns.",
}


@pytest.fixture
def reg(ctx: ServiceContext) -> Register:
    return make_register(ctx)


def open_meeting(ctx: ServiceContext, reg: Register, *, with_send: bool = True) -> str:
    meeting = panel.start_meeting(ctx, MEETING_DATE, place="Fictional Town Hall", chair_member_id=reg.chair)
    for mid in [reg.amaze, reg.officer] + ([reg.send] if with_send else []):
        panel.set_attendance(ctx, meeting, mid, AttendanceStatus.present)
    panel.set_attendance(ctx, meeting, reg.stale, AttendanceStatus.apologies)
    return meeting


def decided_case(ctx: ServiceContext, reg: Register, meeting: str) -> str:
    case = panel.add_case(ctx, meeting, {"pupil_id": reg.pupil, "distance_miles": 3.4, "nearest_suitable": True,
                                         "evidence": ["Walking route map", "EHCP section F"],
                                         "conflicts_asked": True})
    panel.save_decision(ctx, case, COMPLETE)
    panel.finalise_decision(ctx, case)
    return case


def test_meeting_attendance_and_banner_gaps(ctx: ServiceContext, reg: Register) -> None:
    meeting = open_meeting(ctx, reg, with_send=False)
    view = panel.meeting_view(ctx, meeting)
    assert {m.name: m.status for m in view.members}["Pat Stale"] == AttendanceStatus.apologies
    assert not view.check.senior_send_present and view.check.amaze_present
    assert view.check.gaps == ["No senior SEND team member is present."]
    panel.set_attendance(ctx, meeting, reg.stale, AttendanceStatus.present)
    panel.set_attendance(ctx, meeting, reg.send, AttendanceStatus.present)
    check = panel.meeting_view(ctx, meeting).check
    assert check.senior_send_present and check.untrained == ["Pat Stale"]
    page = panel.list_meetings(ctx, "Town Hall")
    assert page.total == 1 and page.rows[0]["cases"] == 0 and page.rows[0]["meeting_date"] == MEETING_DATE


def test_case_from_register_fills_facts_and_hint(ctx: ServiceContext, reg: Register) -> None:
    meeting = open_meeting(ctx, reg)
    case = panel.add_case(ctx, meeting, {"pupil_id": reg.pupil, "distance_miles": 3.4, "nearest_suitable": True})
    view = panel.case_view(ctx, case)
    assert view.pupil_label == "FP0001" and view.child_first_name == "Robin"
    assert view.data["relevant_date"] == MEETING_DATE and view.data["date_of_birth"] == dt.date(2013, 5, 1)
    assert view.data["school_name"] == "Fictional Downs Academy"
    assert [h.category.value for h in view.hints] == ["A", "B"]
    with pytest.raises(ValidationFailed) as err:
        panel.add_case(ctx, meeting, {"distance_miles": -1})
    assert err.value.errors == {"distance_miles": "must be at least 0.0"}
    with pytest.raises(ValidationFailed) as err:
        panel.add_case(ctx, meeting, {"distance_miles": 1})
    assert "needs a pupil" in err.value.errors["record"]


def test_finalise_refuses_then_locks_and_reopen_makes_a_new_revision(ctx: ServiceContext, reg: Register) -> None:
    meeting = open_meeting(ctx, reg)
    case = panel.add_case(ctx, meeting, {"pupil_id": reg.pupil, "distance_miles": 3.4, "nearest_suitable": True})
    panel.save_decision(ctx, case, {**COMPLETE, "reasons": ""})
    with pytest.raises(panel.FinaliseRefused) as refused:
        panel.finalise_decision(ctx, case)
    assert refused.value.missing == [
        "Ask members to declare any conflict of interest for this case and tick that it was asked.",
        "List the evidence considered.",
        "Write the reasons in plain language for the family.",
    ]
    panel.update_case(ctx, case, {"evidence": ["Walking route map"], "conflicts_asked": True})
    panel.save_decision(ctx, case, {"reasons": COMPLETE["reasons"]})
    panel.finalise_decision(ctx, case)
    d = panel.case_view(ctx, case).decision
    assert d is not None and d["finalised"] and d["revision_no"] == 1 and d["finalised_by"] == "Test Officer"
    with pytest.raises(RecordLocked):
        panel.save_decision(ctx, case, {"reasons": "changed quietly"})
    with pytest.raises(RecordLocked):
        panel.update_case(ctx, case, {"distance_miles": 1.0})
    with pytest.raises(ValidationFailed):
        panel.reopen_decision(ctx, case, "  ")
    panel.reopen_decision(ctx, case, "Route re-measured after the meeting")
    panel.save_decision(ctx, case, {"review_date": dt.date(2026, 3, 1)})
    panel.finalise_decision(ctx, case)
    d = panel.case_view(ctx, case).decision
    assert d is not None and d["revision_no"] == 2 and d["reopen_reason"] == "Route re-measured after the meeting"
    actions = [e["action"] for e in panel.decision_history(ctx, case)]
    assert actions == ["create", "update", "finalise", "reopen", "update", "finalise"]


def test_departure_from_hint_needs_a_reason(ctx: ServiceContext, reg: Register) -> None:
    meeting = open_meeting(ctx, reg)
    case = panel.add_case(ctx, meeting, {"pupil_ref": "fx9", "distance_miles": 3.4, "nearest_suitable": True,
                                         "date_of_birth": dt.date(2014, 1, 1), "evidence": ["Map"],
                                         "conflicts_asked": True})
    panel.save_decision(ctx, case, {**COMPLETE, "outcome": "not_eligible"})
    with pytest.raises(panel.FinaliseRefused) as refused:
        panel.finalise_decision(ctx, case)
    assert refused.value.missing == ["The decision departs from the statutory hint: record why."]
    assert panel.case_view(ctx, case).data["pupil_ref"] == "FX9"


def test_dissent_minutes_and_letter(ctx: ServiceContext, reg: Register, tmp_path: Path) -> None:
    meeting = open_meeting(ctx, reg, with_send=False)
    case = panel.add_case(ctx, meeting, {"pupil_id": reg.pupil, "distance_miles": 3.4, "nearest_suitable": True,
                                         "evidence": ["Walking route map"], "conflicts_asked": True})
    with pytest.raises(ValidationFailed):
        panel.add_dissent(ctx, case, reg.stale, "I was not there")
    panel.add_dissent(ctx, case, reg.amaze, "A solo vehicle is needed; shared transport will not work for Robin.")
    panel.save_decision(ctx, case, COMPLETE)
    panel.finalise_decision(ctx, case)
    with pytest.raises(RecordLocked):
        panel.add_dissent(ctx, case, reg.officer, "Too late")

    minutes = panel.write_minutes(ctx, meeting, tmp_path)
    md = minutes.markdown.read_text()
    assert "Ari Amazeworker (Amaze parent-carer worker) disagreed: A solo vehicle is needed" in md
    assert "No senior SEND team member is present." in md
    assert "Pat Stale" in md and "apologies" in md
    assert "Robin's school is more than 3 miles" in md and "Finalised by Test Officer" in md
    assert "A: beyond walking distance" in md
    assert "A solo vehicle is needed" in minutes.html.read_text()
    for path in (minutes.markdown, minutes.html):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600

    letter = panel.write_letter(ctx, case, tmp_path, today=dt.date(2025, 12, 12))
    text = letter.markdown.read_text()
    deadline = dt.date(2026, 1, 14)  # 20 working days from Fri 12 Dec 2025, skipping 25, 26 Dec and 1 Jan
    assert panel.stage1_deadline(ctx, case) == deadline
    assert "Wednesday 14 January 2026" in text
    for heading in ("1. What we decided", "2. How we made the decision", "3. Who else we asked",
                    "4. What we considered", "5. Why we made this decision", "6. If you disagree"):
        assert heading in text
    assert "Senior SEND" not in text  # not present, so not listed among who decided
    assert "Amaze parent-carer worker" in text and "Walking route map" in text
    # Rewriting later keeps the first letter's date and so its deadline.
    again = panel.write_letter(ctx, case, tmp_path, today=dt.date(2026, 2, 1)).markdown.read_text()
    assert "Wednesday 14 January 2026" in again


def test_letter_needs_a_finalised_decision(ctx: ServiceContext, reg: Register, tmp_path: Path) -> None:
    meeting = open_meeting(ctx, reg)
    case = panel.add_case(ctx, meeting, {"pupil_ref": "FX1"})
    with pytest.raises(panel.HtstError, match="Finalise the decision"):
        panel.write_letter(ctx, case, tmp_path)


def test_reviews_two_stage_rule_and_dashboard(ctx: ServiceContext, reg: Register) -> None:
    meeting = open_meeting(ctx, reg)
    case = decided_case(ctx, reg, meeting)
    with pytest.raises(panel.StageConflict, match="Sam Sendlead sat at the original decision"):
        panel.record_review(ctx, case, stage=1, request_received=dt.date(2026, 1, 5), reviewer_member_ids=[reg.send])
    with pytest.raises(panel.HtstError, match="follows the stage 1 review letter"):
        panel.record_review(ctx, case, stage=2, request_received=dt.date(2026, 1, 5))
    stage1 = panel.record_review(ctx, case, stage=1, request_received=dt.date(2026, 1, 5),
                                 reviewer_member_ids=[reg.stale], requested_by="Parent", grounds="Distance")
    [review] = panel.reviews_for(ctx, case)
    assert review["deadlines"].response_due == dt.date(2026, 2, 2)
    items = panel.due_items(ctx, dt.date(2026, 2, 3))
    stage1_items = [i for i in items if i.title.startswith("Stage 1 review response")]
    assert len(stage1_items) == 1 and stage1_items[0].overdue and stage1_items[0].due == dt.date(2026, 2, 2)
    panel.update_review(ctx, stage1, {"letter_sent_on": dt.date(2026, 1, 30), "outcome": "upheld"})
    assert panel.reviews_for(ctx, case)[0]["deadlines"].escalation_due == dt.date(2026, 2, 27)
    # Stage 2: neither the original panel nor the stage 1 reviewer may sit.
    with pytest.raises(panel.StageConflict, match="Pat Stale sat at the stage 1 review"):
        panel.record_review(ctx, case, stage=2, request_received=dt.date(2026, 2, 10),
                            reviewer_member_ids=[reg.stale])
    outsider = Records(ctx, "panel_members").create({"name": "Indy Pendent", "role": "other",
                                                           "training_date": dt.date(2025, 1, 1)}).id
    stage2 = panel.record_review(ctx, case, stage=2, request_received=dt.date(2026, 2, 10),
                                 reviewer_member_ids=[outsider])
    with pytest.raises(panel.StageConflict):
        panel.update_review(ctx, stage2, {"reviewer_member_ids": [outsider, reg.chair]})
    titles = {i.title: i for i in panel.due_items(ctx, dt.date(2026, 2, 11))}
    assert titles["Stage 2 appeal hearing: FP0001"].due == dt.date(2026, 4, 9)  # Easter 2026 skipped
    panel.update_review(ctx, stage2, {"hearing_date": dt.date(2026, 3, 20)})
    titles = {i.title: i for i in panel.due_items(ctx, dt.date(2026, 3, 23))}
    assert titles["Stage 2 appeal letter: FP0001"].due == dt.date(2026, 3, 27)
    # The award review (10 June 2026) shows from 30 days before.
    award = [i for i in panel.due_items(ctx, dt.date(2026, 5, 20)) if i.section == panel.AWARD_REVIEWS_SECTION]
    assert [(i.due, i.overdue) for i in award] == [(dt.date(2026, 6, 10), False)]
    assert not [i for i in panel.due_items(ctx, dt.date(2026, 5, 1)) if i.section == panel.AWARD_REVIEWS_SECTION]


def test_stage_hearing_at_a_panel_blocks_earlier_members(ctx: ServiceContext, reg: Register) -> None:
    first = open_meeting(ctx, reg)
    original = decided_case(ctx, reg, first)
    second = panel.start_meeting(ctx, dt.date(2026, 2, 4), online=True, chair_member_id=reg.stale)
    panel.set_attendance(ctx, second, reg.amaze, AttendanceStatus.present)
    hearing = panel.add_case(ctx, second, {"pupil_id": reg.pupil, "application_type": "stage1_review",
                                           "review_of_case_id": original, "distance_miles": 3.4,
                                           "nearest_suitable": True, "evidence": ["Parent's letter"],
                                           "conflicts_asked": True})
    assert panel.case_view(ctx, hearing).stage_conflicts == [
        "Ari Amazeworker sat at the original decision of this case, so cannot sit at the stage 1 review (it must be "
        "decided by someone not involved before)."]
    panel.save_decision(ctx, hearing, COMPLETE)
    with pytest.raises(panel.FinaliseRefused) as refused:
        panel.finalise_decision(ctx, hearing)
    assert any("Ari Amazeworker sat at the original decision" in m for m in refused.value.missing)
    panel.set_attendance(ctx, second, reg.amaze, AttendanceStatus.absent)
    panel.finalise_decision(ctx, hearing)
    assert panel.case_view(ctx, hearing).decision["outcome"] == Outcome.eligible  # type: ignore[index]
