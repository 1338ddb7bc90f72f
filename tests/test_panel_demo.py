"""The panel demo extension on a small reference set: counts, composition gaps, dissent, reviews that respect
the two-stage rule, and every demo decision passing the same finalise rule a chair is held to."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from sqlalchemy import func, select

from htst_tui.db.panel import (
    PanelAttendanceRecord,
    PanelCaseRecord,
    PanelDecisionRecord,
    PanelDissentRecord,
    PanelMeetingRecord,
    PanelReviewRecord,
)
from htst_tui.domain.panel import AttendanceStatus, PanelDecision
from htst_tui.domain.panel_rules import FinaliseInput, finalise_gaps
from htst_tui.services import panel
from htst_tui.services.context import ServiceContext
from htst_tui.services.demo_types import DemoReference
from htst_tui.services.panel_demo import add_demo
from htst_tui.services.records import Records
from tests.panel_fixtures import make_register


def small_reference(ctx: ServiceContext) -> DemoReference:
    reg = make_register(ctx)
    pupils = Records(ctx, "pupils")
    ids = [reg.pupil] + [pupils.create({
        "la_reference": f"FD{i:04d}", "first_name": f"Demo{i}", "last_name": "Fictional",
        "date_of_birth": dt.date(2010 + i % 10, 1 + i % 12, 1 + i % 27), "school_id": reg.school,
        "year_group": 5, "send": i % 3 == 0, "ehcp": i % 4 == 0,
        "needs_summary": "Wheelchair user" if i % 4 == 0 else "None recorded"}).id for i in range(25)]
    return DemoReference(today=dt.date(2026, 8, 10), school_ids=[reg.school], pupil_ids=ids,
                         panel_member_ids=[reg.chair, reg.send, reg.amaze, reg.officer])


def test_demo_meetings_decisions_dissent_and_reviews(ctx: ServiceContext, tmp_path: Path) -> None:
    ref = small_reference(ctx)
    add_demo(ctx, ref, random.Random(7))
    with ctx.read() as s:
        assert s.execute(select(func.count()).select_from(PanelMeetingRecord)).scalar_one() == 8
        decisions = s.execute(select(func.count()).select_from(PanelDecisionRecord)).scalar_one()
        assert 136 <= decisions <= 168
        assert s.execute(select(func.count()).select_from(PanelDecisionRecord)
                         .where(PanelDecisionRecord.finalised.is_(False))).scalar_one() == 0
        assert s.execute(select(func.count()).select_from(PanelDissentRecord)).scalar_one() >= 5
        reviews = s.execute(select(PanelReviewRecord)).scalars().all()
        meeting_ids = s.execute(select(PanelMeetingRecord.id).order_by(PanelMeetingRecord.meeting_date)).scalars().all()
        case_meeting = dict(s.execute(select(PanelCaseRecord.id, PanelCaseRecord.meeting_id)).all())
        present = {}
        for a in s.execute(select(PanelAttendanceRecord)).scalars():
            if a.status == AttendanceStatus.present:
                present.setdefault(a.meeting_id, set()).add(a.member_id)
    assert {r.stage for r in reviews} == {1, 2}
    for r in reviews:  # nobody reviews a decision they made, and stage 2 is never the stage 1 reviewer
        assert not present[case_meeting[r.case_id]] & set(r.reviewer_member_ids)
    stage1 = {r.case_id: set(r.reviewer_member_ids) for r in reviews if r.stage == 1}
    assert all(not stage1[r.case_id] & set(r.reviewer_member_ids) for r in reviews if r.stage == 2)

    checks = [panel.meeting_view(ctx, m).check for m in meeting_ids]
    assert sum(not c.senior_send_present for c in checks) == 1
    assert sum(not c.amaze_present for c in checks) == 1
    first = panel.meeting_view(ctx, meeting_ids[0])
    attendees = [m.attendee() for m in first.present]
    for line in first.cases:
        view = panel.case_view(ctx, line.id)
        assert view.decision is not None
        gaps = finalise_gaps(FinaliseInput(
            decision=PanelDecision.model_validate(view.decision), present_members=attendees,
            conflicts_asked=view.data["conflicts_asked"], evidence=view.data["evidence"], hints=view.hints,
            post_16=view.data["application_type"] == "post_16"))
        assert gaps == []
    assert "Transport Panel minutes" in panel.write_minutes(ctx, meeting_ids[0], tmp_path).markdown.read_text()
    sections = {i.section for i in panel.due_items(ctx, ref.today)}
    assert panel.AWARD_REVIEWS_SECTION in sections
