"""Incident and route-return use cases on a real database: logging, status changes, filters, Home items."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from htst_tui.db.local import AuditEntry
from htst_tui.errors import ValidationFailed
from htst_tui.services import incidents as svc
from htst_tui.services import route_returns as rr
from htst_tui.services.context import ServiceContext
from htst_tui.services.follow_up_links import add_follow_up, follow_ups_for
from htst_tui.services.incidents import IncidentFilter
from htst_tui.services.route_returns import RouteReturnFilter
from tests.incident_fixtures import Ref, make_reference

UTC = dt.UTC
TODAY = dt.date(2026, 11, 20)


def local(day: dt.date, hour: int = 8) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0)).astimezone()


def log(ctx: ServiceContext, **data: object) -> str:
    base: dict[str, object] = {"occurred_at": local(TODAY), "reported_by_kind": "school",
                               "category": "late_or_missed_pickup", "description": "Fictional test incident."}
    base.update(data)
    base.setdefault("reported_at", base["occurred_at"])
    return svc.log_incident(ctx, base).id


@pytest.fixture
def ref(ctx: ServiceContext) -> Ref:
    return make_reference(ctx)


def test_log_defaults_severity_and_deadline(ctx: ServiceContext, ref: Ref) -> None:
    rid = log(ctx, category="safeguarding", occurred_at="2026-11-20 08:00", route_id=ref.routes[0],
              pupil_ids=ref.pupils[:2], pupil_count=3, reported_by_name="A. Teacher")
    view = svc.Records(ctx, "incidents").get(rid)
    assert view.data["severity"] == "critical"
    assert view.data["status"] == "open"
    assert view.data["report_deadline"] == local(TODAY) + dt.timedelta(hours=24)
    assert view.data["pupil_ids"] == ref.pupils[:2]


def test_severity_override_needs_reason_and_moves_the_deadline(ctx: ServiceContext, ref: Ref) -> None:
    with pytest.raises(ValidationFailed) as err:
        log(ctx, category="behaviour", severity="significant")
    assert "give a reason" in err.value.errors["record"]
    rid = log(ctx, category="behaviour", severity="significant", severity_reason="Repeated, crew at risk")
    view = svc.Records(ctx, "incidents").get(rid)
    assert view.data["report_deadline"] == local(TODAY) + dt.timedelta(hours=72)
    svc.edit_incident(ctx, rid, {**view.data, "severity": "minor", "severity_reason": None})
    assert svc.Records(ctx, "incidents").get(rid).data["report_deadline"] == local(TODAY) + dt.timedelta(hours=720)


def test_unknown_pupil_id_is_refused(ctx: ServiceContext, ref: Ref) -> None:
    with pytest.raises(ValidationFailed) as err:
        log(ctx, pupil_ids=[ref.schools[0]], pupil_count=1)
    assert "no pupil" in err.value.errors["pupil_ids"]


def test_status_walk_close_needs_outcome_and_reopen_is_audited(ctx: ServiceContext, ref: Ref) -> None:
    rid = log(ctx)
    svc.transition(ctx, rid, "investigating")
    with pytest.raises(ValidationFailed) as err:
        svc.transition(ctx, rid, "closed")
    assert err.value.errors == {"status": "write the outcome before closing the incident"}
    assert svc.Records(ctx, "incidents").get(rid).data["status"] == "investigating"
    closed = svc.transition(ctx, rid, "closed", outcome="Operator warned in writing")
    assert closed.data["status"] == "closed" and closed.data["closed_at"] is not None
    with pytest.raises(ValidationFailed):
        svc.transition(ctx, rid, "investigating")
    with pytest.raises(ValidationFailed):
        svc.reopen(ctx, rid, "  ")
    reopened = svc.reopen(ctx, rid, "Parent complained again")
    assert reopened.data["status"] == "open" and reopened.data["closed_at"] is None
    assert reopened.data["outcome"] == "Operator warned in writing"
    with ctx.read() as session:
        events = session.execute(select(AuditEntry.action, AuditEntry.detail).where(AuditEntry.record_id == rid)
                                 .order_by(AuditEntry.seq)).all()
    assert [tuple(e) for e in events] == [
        ("create", ""), ("status", "status -> investigating"),
        ("status", "status -> closed"), ("reopen", "reopened: Parent complained again")]


def test_edit_cannot_change_status(ctx: ServiceContext, ref: Ref) -> None:
    rid = log(ctx)
    view = svc.Records(ctx, "incidents").get(rid)
    svc.edit_incident(ctx, rid, {**view.data, "status": "closed", "outcome": "sneaky", "description": "Edited."})
    after = svc.Records(ctx, "incidents").get(rid).data
    assert (after["status"], after["outcome"], after["description"]) == ("open", None, "Edited.")


@pytest.fixture
def fixed(ctx: ServiceContext, ref: Ref) -> dict[str, str]:
    """Six incidents with known attributes for the filter tests."""
    ids = {
        "a": log(ctx, category="breakdown", operator_id=ref.operators[0], school_id=ref.schools[0],
                 route_id=ref.routes[0], occurred_at=local(dt.date(2026, 9, 10)), description="Gearbox failed"),
        "b": log(ctx, category="safeguarding", operator_id=ref.operators[1], school_id=ref.schools[1],
                 occurred_at=local(dt.date(2026, 10, 1)), description="Concern raised by PA"),
        "c": log(ctx, category="behaviour", operator_id=ref.operators[0], school_id=ref.schools[1],
                 occurred_at=local(dt.date(2026, 10, 15)), description="Seat belt unbuckled"),
        "d": log(ctx, category="late_or_missed_pickup", operator_id=ref.operators[1], school_id=ref.schools[0],
                 route_id=ref.routes[1], occurred_at=local(dt.date(2026, 11, 2)), description="Forty minutes late"),
        "e": log(ctx, category="behaviour", school_id=ref.schools[0], occurred_at=local(dt.date(2026, 11, 20), 23),
                 description="Shouting"),
        "f": log(ctx, category="child_left_on_vehicle", operator_id=ref.operators[0],
                 occurred_at=local(dt.date(2026, 11, 21), 0), description="Found asleep at depot"),
    }
    svc.transition(ctx, ids["c"], "investigating")
    svc.transition(ctx, ids["d"], "closed", outcome="Apology")
    return ids


def found(ctx: ServiceContext, ids: dict[str, str], **flt: object) -> set[str]:
    page = svc.list_incidents(ctx, IncidentFilter(**flt), limit=100)  # type: ignore[arg-type]
    back = {v: k for k, v in ids.items()}
    assert page.total == len(page.rows)
    return {back[r["id"]] for r in page.rows}


@pytest.mark.parametrize(("flt", "expected"), [
    ({}, set("abcdef")),
    ({"status": "open"}, set("abef")),
    ({"status": "investigating"}, {"c"}),
    ({"status": "closed"}, {"d"}),
    ({"category": "behaviour"}, {"c", "e"}),
    ({"severity": "critical"}, {"b", "f"}),
    ({"severity": "significant"}, {"a"}),
    ({"severity": "minor"}, {"c", "d", "e"}),
    ({"operator": 0}, {"a", "c", "f"}),
    ({"school": 0}, {"a", "d", "e"}),
    ({"date_from": dt.date(2026, 10, 1)}, set("bcdef")),
    ({"date_to": dt.date(2026, 10, 1)}, {"a", "b"}),
    ({"date_from": dt.date(2026, 11, 20), "date_to": dt.date(2026, 11, 20)}, {"e"}),
    ({"search": "late"}, {"d"}),
    ({"search": "r202"}, {"d"}),
    ({"search": "make-believe"}, {"b", "d"}),
    ({"search": "imaginary"}, {"b", "c"}),
    ({"operator": 0, "status": "open"}, {"a", "f"}),
    ({"school": 1, "category": "behaviour", "status": "investigating"}, {"c"}),
    ({"severity": "minor", "date_from": dt.date(2026, 11, 1), "search": "shout"}, {"e"}),
    ({"operator": 1, "severity": "minor"}, {"d"}),
])
def test_filters(ctx: ServiceContext, ref: Ref, fixed: dict[str, str], flt: dict[str, object],
                 expected: set[str]) -> None:
    flt = dict(flt)
    if "operator" in flt:
        flt["operator_id"] = ref.operators[flt.pop("operator")]  # type: ignore[index]
    if "school" in flt:
        flt["school_id"] = ref.schools[flt.pop("school")]  # type: ignore[index]
    assert found(ctx, fixed, **flt) == expected


def test_list_pages_and_labels(ctx: ServiceContext, ref: Ref, fixed: dict[str, str]) -> None:
    first = svc.list_incidents(ctx, IncidentFilter(), offset=0, limit=4)
    second = svc.list_incidents(ctx, IncidentFilter(), offset=4, limit=4)
    assert (first.total, len(first.rows), len(second.rows)) == (6, 4, 2)
    assert first.rows[0]["id"] == fixed["f"]
    row = next(r for r in second.rows if r["id"] == fixed["a"])
    assert (row["route"], row["operator"], row["category_label"], row["severity_label"]) == \
        ("R101", "Pretend Cabs Ltd", "Breakdown", "Significant")
    assert row["report"] == "overdue"


def test_due_items(ctx: ServiceContext, ref: Ref) -> None:
    critical_old = log(ctx, category="child_left_on_vehicle", occurred_at=local(dt.date(2026, 11, 10)),
                       route_id=ref.routes[0])
    critical_received = log(ctx, category="safeguarding", occurred_at=local(dt.date(2026, 11, 10)),
                            written_report_at=local(dt.date(2026, 11, 10), 12))
    significant_late = log(ctx, category="breakdown", occurred_at=local(dt.date(2026, 11, 16)))
    significant_due_today = log(ctx, category="injury", occurred_at=local(dt.date(2026, 11, 17)))
    log(ctx, category="injury", occurred_at=local(dt.date(2026, 11, 19)))  # due on the 22nd: not yet
    log(ctx, category="behaviour", occurred_at=local(dt.date(2026, 11, 1)))  # minor, 30 days: not yet
    closed = log(ctx, category="breakdown", occurred_at=local(dt.date(2026, 11, 1)))
    svc.transition(ctx, closed, "closed", outcome="Done")
    closed_critical = log(ctx, category="safeguarding", occurred_at=local(dt.date(2026, 11, 1)))
    svc.transition(ctx, closed_critical, "closed", outcome="LADO: no further action")

    items = {i.record_id: i for i in svc.due_items(ctx, TODAY)}
    assert set(items) == {critical_old, critical_received, significant_late, significant_due_today}
    assert (items[critical_old].urgent, items[critical_old].overdue) == (True, True)
    assert "route R101" in items[critical_old].title
    assert (items[critical_received].urgent, items[critical_received].overdue) == (True, False)
    assert (items[significant_late].urgent, items[significant_late].overdue) == (False, True)
    assert items[significant_late].due == dt.date(2026, 11, 19)
    assert (items[significant_due_today].overdue, items[significant_due_today].due) == (False, TODAY)
    assert all(i.screen == "incidents" and i.section == "Incidents" for i in items.values())


def test_follow_ups_attach_to_incidents_and_route_returns(ctx: ServiceContext, ref: Ref) -> None:
    rid = log(ctx)
    data = {"outcome_code": "operator_warning", "description": "Write to the operator", "owner": "Test Officer",
            "due_date": dt.date(2026, 12, 1)}
    add_follow_up(ctx, "incident", rid, data)
    back = rr.record_route_return(ctx, {"route_id": ref.routes[0], "operator_id": ref.operators[0],
                                        "notice_received": "2026-08-14", "effective_date": "2026-09-03",
                                        "reason": "Driver shortage"})
    add_follow_up(ctx, "route_return", back.id, {**data, "outcome_code": "contract_default"})
    assert [r["outcome_code"] for r in follow_ups_for(ctx, "incident", rid).rows] == ["operator_warning"]
    assert [r["outcome_code"] for r in follow_ups_for(ctx, "route_return", back.id).rows] == ["contract_default"]


@pytest.fixture
def returns(ctx: ServiceContext, ref: Ref) -> dict[str, str]:
    def make(received: str, effective: str, **more: object) -> str:
        data = {"route_id": ref.routes[0], "operator_id": ref.operators[0], "notice_received": received,
                "effective_date": effective, "children_affected": 5, "reason": "Driver shortage"}
        data.update(more)
        return rr.record_route_return(ctx, data).id

    return {
        "short_open": make("2026-11-10", "2026-11-24"),
        "long_open": make("2026-09-01", "2026-11-15", route_id=ref.routes[1], operator_id=ref.operators[1],
                          reason="Contract no longer viable"),
        "reallocated": make("2026-08-14", "2026-09-03", status="reallocated",
                            reallocated_to_operator_id=ref.operators[1], reallocated_on="2026-08-30"),
        "closed": make("2026-06-01", "2026-07-20", status="closed"),
    }


def test_route_return_stores_notice_days_and_flags_short_notice(ctx: ServiceContext, ref: Ref,
                                                                returns: dict[str, str]) -> None:
    rows = {r["id"]: r for r in rr.list_route_returns(ctx, RouteReturnFilter()).rows}
    assert rows[returns["short_open"]]["notice_days"] == 14 and rows[returns["short_open"]]["short_notice"]
    assert rows[returns["long_open"]]["notice_days"] == 75 and not rows[returns["long_open"]]["short_notice"]
    assert rows[returns["reallocated"]]["reallocated_to"] == "Make-Believe Coaches"
    view = rr.Records(ctx, "route_returns").get(returns["short_open"])
    rr.edit_route_return(ctx, view.id, {**view.data, "notice_received": "2026-10-01", "notice_days": 99})
    assert rr.Records(ctx, "route_returns").get(view.id).data["notice_days"] == 54


@pytest.mark.parametrize(("flt", "expected"), [
    ({}, {"short_open", "long_open", "reallocated", "closed"}),
    ({"status": "open"}, {"short_open", "long_open"}),
    ({"short_notice": True}, {"short_open", "reallocated"}),
    ({"short_notice": True, "status": "open"}, {"short_open"}),
    ({"operator": 1}, {"long_open", "reallocated"}),
    ({"date_from": dt.date(2026, 9, 1), "date_to": dt.date(2026, 11, 20)}, {"long_open", "reallocated"}),
    ({"search": "viable"}, {"long_open"}),
    ({"search": "r202"}, {"long_open"}),
])
def test_route_return_filters(ctx: ServiceContext, ref: Ref, returns: dict[str, str], flt: dict[str, object],
                              expected: set[str]) -> None:
    flt = dict(flt)
    if "operator" in flt:
        flt["operator_id"] = ref.operators[flt.pop("operator")]  # type: ignore[index]
    page = rr.list_route_returns(ctx, RouteReturnFilter(**flt))  # type: ignore[arg-type]
    back = {v: k for k, v in returns.items()}
    assert {back[r["id"]] for r in page.rows} == expected and page.total == len(expected)


def test_route_return_due_items(ctx: ServiceContext, ref: Ref, returns: dict[str, str]) -> None:
    items = {i.record_id: i for i in rr.due_items(ctx, TODAY)}
    assert set(items) == {returns["short_open"], returns["long_open"]}
    assert (items[returns["short_open"]].urgent, items[returns["short_open"]].overdue) == (True, False)
    assert (items[returns["long_open"]].urgent, items[returns["long_open"]].overdue) == (False, True)
    assert "14 days' notice" in items[returns["short_open"]].title


def test_bad_times_are_named_by_field(ctx: ServiceContext, ref: Ref) -> None:
    with pytest.raises(ValidationFailed) as err:
        log(ctx, occurred_at="yesterday")
    assert err.value.errors["occurred_at"] == "must be a date and time like 2026-09-01 08:30"
    with pytest.raises(ValidationFailed) as err:
        log(ctx, occurred_at=None, reported_at=local(TODAY))
    assert "report_deadline" not in err.value.errors and "occurred_at" in err.value.errors
