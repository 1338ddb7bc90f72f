"""What the incident form shows for one incident, read in one call.

The kept incident form (screens/incidents/incident_form.py) fills itself from this, read on opening or ahead of
it in a worker thread while the officer moves through the log (screens/read_ahead.py): so it only reads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from htst_tui.domain.follow_ups import FollowUpSource
from htst_tui.services import lookups, references
from htst_tui.services.context import ServiceContext
from htst_tui.services.follow_up_links import follow_ups_for
from htst_tui.services.records import Records, RecordView


@dataclass(frozen=True)
class IncidentForForm:
    record: RecordView | None
    """None: a new incident."""
    route_code: str
    pupil_refs: list[str]
    """LA references, never names."""
    school_titles: dict[str, str]
    follow_ups: list[dict[str, Any]]
    operators: list[tuple[str, str]]
    """(name, id) of live operators: the operator drop-down's choices."""


def read_for_form(ctx: ServiceContext, record_id: str | None) -> IncidentForForm:
    """Raises NotFound if `record_id` is not a live incident."""
    operators = lookups.choices(ctx, "operators")
    if record_id is None:
        return IncidentForForm(None, "", [], {}, [], operators)
    record = Records(ctx, "incidents").get(record_id)
    data = record.data
    school_id = data["school_id"]
    return IncidentForForm(
        record=record,
        route_code=lookups.route_code(ctx, data["route_id"]),
        pupil_refs=lookups.pupil_refs_for_ids(ctx, data["pupil_ids"] or []),
        school_titles=references.titles(ctx, "schools", [school_id]) if school_id else {},
        follow_ups=follow_ups_for(ctx, FollowUpSource.incident, record_id).rows,
        operators=operators,
    )
