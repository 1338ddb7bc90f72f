"""Incident and route-return rules, table-driven against domain.md §5.2 and §5.3."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from pydantic import ValidationError

from htst_tui.domain.incidents import (
    Incident,
    IncidentCategory,
    IncidentStatus,
    NotificationKind,
    Severity,
    TransitionRefused,
    check_transition,
    default_severity,
    missing_notifications,
    next_status,
    report_deadline,
)
from htst_tui.domain.route_returns import RouteReturn, is_short_notice, notice_days

C, S = IncidentCategory, Severity


@pytest.mark.parametrize(("category", "severity"), [
    (C.child_left_on_vehicle, S.critical),
    (C.safeguarding, S.critical),
    (C.no_authorised_adult, S.significant),
    (C.breakdown, S.significant),
    (C.road_traffic_accident, S.significant),
    (C.injury, S.significant),
    (C.medical_event, S.significant),
    (C.physical_intervention, S.significant),
    (C.late_or_missed_pickup, S.minor),
    (C.behaviour, S.minor),
    (C.complaint, S.minor),
    (C.other, S.minor),
])
def test_default_severity_follows_the_scheme(category: IncidentCategory, severity: Severity) -> None:
    assert default_severity(category) == severity


def test_every_category_has_a_default() -> None:
    assert {default_severity(c) for c in C} == set(S)


OCCURRED = dt.datetime(2026, 9, 14, 8, 10, tzinfo=dt.UTC)


@pytest.mark.parametrize(("severity", "due"), [
    (S.critical, dt.datetime(2026, 9, 15, 8, 10, tzinfo=dt.UTC)),
    (S.significant, dt.datetime(2026, 9, 17, 8, 10, tzinfo=dt.UTC)),
    (S.minor, dt.datetime(2026, 10, 14, 8, 10, tzinfo=dt.UTC)),
])
def test_report_deadline_by_severity(severity: Severity, due: dt.datetime) -> None:
    assert report_deadline(OCCURRED, severity, critical=24, significant=72, minor=720) == due


def test_report_deadline_uses_the_configured_hours() -> None:
    assert report_deadline(OCCURRED, S.critical, critical=12, significant=72, minor=720) == \
        OCCURRED + dt.timedelta(hours=12)


@pytest.mark.parametrize(("current", "new", "outcome", "refusal"), [
    ("open", "investigating", None, None),
    ("open", "closed", "Operator warned", None),
    ("investigating", "closed", "Crew retrained", None),
    ("open", "closed", None, "write the outcome"),
    ("investigating", "closed", "   ", "write the outcome"),
    ("investigating", "open", None, "cannot go from investigating to open"),
    ("closed", "open", "x", "can only be reopened"),
    ("closed", "investigating", "x", "can only be reopened"),
    ("open", "open", None, "already open"),
])
def test_transitions(current: str, new: str, outcome: str | None, refusal: str | None) -> None:
    if refusal is None:
        check_transition(current, new, outcome)
    else:
        with pytest.raises(TransitionRefused, match=refusal):
            check_transition(current, new, outcome)


def test_next_status_walks_forward_and_stops() -> None:
    assert next_status("open") == IncidentStatus.investigating
    assert next_status("investigating") == IncidentStatus.closed
    assert next_status("closed") is None


def test_safeguarding_prompts_lado_and_critical_prompts_a_call() -> None:
    assert missing_notifications(C.safeguarding, S.critical, []) == [NotificationKind.lado,
                                                                      NotificationKind.phone_escalation]
    assert missing_notifications(C.safeguarding, S.critical, ["lado"]) == [NotificationKind.phone_escalation]
    assert missing_notifications(C.behaviour, S.minor, []) == []


def _incident(**changes: object) -> dict[str, object]:
    base: dict[str, object] = {
        "occurred_at": OCCURRED, "reported_at": OCCURRED + dt.timedelta(minutes=20), "reported_by_kind": "operator",
        "category": "breakdown", "severity": "significant", "description": "Minibus broke down on the A23.",
        "report_deadline": OCCURRED + dt.timedelta(hours=72),
    }
    base.update(changes)
    return base


def test_severity_change_needs_a_reason() -> None:
    with pytest.raises(ValidationError, match="give a reason"):
        Incident.model_validate(_incident(severity="critical"))
    ok = Incident.model_validate(_incident(severity="critical", severity_reason="Children on board in heat"))
    assert ok.severity == S.critical


def test_closed_incident_needs_outcome_and_time() -> None:
    with pytest.raises(ValidationError, match="needs an outcome"):
        Incident.model_validate(_incident(status="closed", closed_at=OCCURRED))
    with pytest.raises(ValidationError, match="only a closed incident"):
        Incident.model_validate(_incident(status="open", closed_at=OCCURRED))


def test_incident_rules_on_times_and_pupils() -> None:
    pid = str(uuid.uuid4())
    with pytest.raises(ValidationError, match="before the incident"):
        Incident.model_validate(_incident(reported_at=OCCURRED - dt.timedelta(minutes=1)))
    with pytest.raises(ValidationError, match="fewer than the pupils linked"):
        Incident.model_validate(_incident(pupil_ids=[pid], pupil_count=0))
    with pytest.raises(ValidationError, match="timezone"):
        Incident.model_validate(_incident(occurred_at=dt.datetime(2026, 9, 14, 8, 10)))


def test_notifications_store_as_json_text() -> None:
    model = Incident.model_validate(_incident(notifications=[{"kind": "school", "at": OCCURRED}]))
    dumped = model.model_dump()["notifications"]
    assert dumped == [{"kind": "school", "at": "2026-09-14T08:10:00+00:00"}]
    assert Incident.model_validate(_incident(notifications=dumped)).notifications[0].at == OCCURRED


@pytest.mark.parametrize(("received", "effective", "days", "short"), [
    (dt.date(2026, 8, 1), dt.date(2026, 8, 31), 30, False),
    (dt.date(2026, 8, 2), dt.date(2026, 8, 31), 29, True),
    (dt.date(2026, 8, 14), dt.date(2026, 9, 3), 20, True),
    (dt.date(2026, 6, 1), dt.date(2026, 9, 1), 92, False),
    (dt.date(2026, 9, 1), dt.date(2026, 9, 1), 0, True),
])
def test_notice_days_and_short_flag(received: dt.date, effective: dt.date, days: int, short: bool) -> None:
    assert notice_days(received, effective) == days
    assert is_short_notice(days, 30) is short


def _route_return(**changes: object) -> dict[str, object]:
    base: dict[str, object] = {"route_id": str(uuid.uuid4()), "operator_id": str(uuid.uuid4()),
                               "notice_received": "2026-08-14", "effective_date": "2026-09-03",
                               "children_affected": 4, "reason": "Driver shortage"}
    base.update(changes)
    return base


def test_route_return_fills_and_checks_notice_days() -> None:
    assert RouteReturn.model_validate(_route_return()).notice_days == 20
    with pytest.raises(ValidationError, match="does not match"):
        RouteReturn.model_validate(_route_return(notice_days=30))
    with pytest.raises(ValidationError, match="before the notice"):
        RouteReturn.model_validate(_route_return(effective_date="2026-08-01"))


def test_route_return_reallocation_rules() -> None:
    other = str(uuid.uuid4())
    with pytest.raises(ValidationError, match="needs the operator"):
        RouteReturn.model_validate(_route_return(status="reallocated"))
    with pytest.raises(ValidationError, match="both the operator"):
        RouteReturn.model_validate(_route_return(status="closed", reallocated_to_operator_id=other))
    with pytest.raises(ValidationError, match="reallocated, not open"):
        RouteReturn.model_validate(_route_return(reallocated_to_operator_id=other, reallocated_on="2026-08-20"))
    done = RouteReturn.model_validate(_route_return(status="reallocated", reallocated_to_operator_id=other,
                                                    reallocated_on="2026-08-20"))
    assert done.status == "reallocated"
