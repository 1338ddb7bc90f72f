"""Follow-up actions attached to a source record (an incident, a route return, a vehicle check).

There is one follow-up entity (`follow_ups`) for every feature, so Home can list all open actions together;
this module is how a feature adds one to its own record and lists those of a record.
"""

from __future__ import annotations

from typing import Any

from htst_tui.domain.follow_ups import FollowUpSource
from htst_tui.services.context import ServiceContext
from htst_tui.services.records import Page, Records, RecordView

SOURCE_ENTITY = {FollowUpSource.incident: "incidents", FollowUpSource.route_return: "route_returns",
                 FollowUpSource.vehicle_check: "vehicle_checks"}


def add_follow_up(ctx: ServiceContext, source_kind: FollowUpSource | str, source_id: str,
                  data: dict[str, Any]) -> RecordView:
    """Create a follow-up on a live source record (NotFound if it has gone)."""
    kind = FollowUpSource(source_kind)
    Records(ctx, SOURCE_ENTITY[kind]).get(source_id)
    return Records(ctx, "follow_ups").create({**data, "source_kind": kind.value, "source_id": source_id})


def follow_ups_for(ctx: ServiceContext, source_kind: FollowUpSource | str, source_id: str,
                   limit: int = 200) -> Page:
    return Records(ctx, "follow_ups").list(
        limit=limit, filters={"source_kind": FollowUpSource(source_kind).value, "source_id": source_id})
