"""The incident demo extension makes a realistic, valid mix."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

from htst_tui.services import incidents as svc
from htst_tui.services import route_returns as rr
from htst_tui.services.context import ServiceContext
from htst_tui.services.demo_types import DemoReference
from htst_tui.services.incident_demo import add_demo
from htst_tui.services.records import Records
from tests.incident_fixtures import make_reference


def test_demo_incidents_and_route_returns(ctx: ServiceContext) -> None:
    made = make_reference(ctx)
    today = dt.date(2026, 11, 20)
    ref = DemoReference(today=today, school_ids=made.schools, operator_ids=made.operators, route_ids=made.routes,
                        pupil_ids=made.pupils, route_school=dict(zip(made.routes, made.schools, strict=True)),
                        route_operator=dict(zip(made.routes, made.operators, strict=True)),
                        pupil_route={p: made.routes[i % 2] for i, p in enumerate(made.pupils)})
    add_demo(ctx, ref, random.Random(7))

    page = svc.list_incidents(ctx, svc.IncidentFilter(), limit=1000)
    assert page.total == 250
    severity = Counter(r["severity"] for r in page.rows)
    assert severity["minor"] > 150 and 0 < severity["critical"] < 20
    status = Counter(r["status"] for r in page.rows)
    assert status["closed"] > 100 and status["open"] > 0
    assert any(r["report"] == "overdue" and r["status"] != "closed" for r in page.rows)
    oldest = min(r["occurred_at"] for r in page.rows)
    assert oldest.date() >= today - dt.timedelta(days=280)
    assert svc.due_items(ctx, today)

    returns = rr.list_route_returns(ctx, rr.RouteReturnFilter(), limit=100).rows
    assert len(returns) == 15
    assert sum(r["short_notice"] for r in returns) >= 5
    assert any(r["status"] == "open" for r in returns)
    assert Records(ctx, "follow_ups").count() > 0
