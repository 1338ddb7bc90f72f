"""Fictional reference data for the spot-check tests: two schools, four routes, crews and children.

Children's names are deliberately unusual so a test can search every stored byte for them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from htst_tui.entities import entity
from htst_tui.services.bulk import insert_new
from htst_tui.services.context import ServiceContext
from htst_tui.services.demo_types import DemoReference
from htst_tui.services.records import validate_data

CHILD_NAMES = [("Zephyrine", "Quarrington"), ("Orlaith", "Vantablack"), ("Thaddeus", "Brightwater"),
               ("Marisol", "Fennimore"), ("Ignatius", "Pemberton-Skye"), ("Ottoline", "Greymantle")]


@dataclass
class SpotReference:
    ref: DemoReference
    school: str
    other_school: str
    operators: list[str]
    routes: dict[str, str] = field(default_factory=dict)
    """code -> id"""
    crew: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    """route code -> roster rows (id, name, role, badge_number)"""


def _id() -> str:
    return str(uuid.uuid4())


def _insert(ctx: ServiceContext, session, name: str, rows: list[dict]) -> None:  # type: ignore[no-untyped-def]
    ent = entity(name)
    insert_new(ctx, session, ent, [{"id": r["id"], **validate_data(ent, {k: v for k, v in r.items() if k != "id"})}
                                   for r in rows])


def build_reference(ctx: ServiceContext) -> SpotReference:
    today = dt.date.today()
    school, other = _id(), _id()
    operators = [_id(), _id(), _id()]
    routes = {"GATE1": (_id(), operators[0], "wav", 2), "GATE2": (_id(), operators[1], "minibus", 2),
              "GATE3": (_id(), operators[2], "car", 1), "OTHER1": (_id(), operators[0], "car", 1)}
    spot = SpotReference(DemoReference(today=today), school, other, operators)
    crew_rows, pupil_rows = [], []
    n = 0
    for code, (rid, op, _vehicle, crew_count) in routes.items():
        spot.routes[code] = rid
        roster = []
        for k in range(crew_count):
            n += 1
            row = {"id": _id(), "name": f"Crewperson {code} {k + 1}", "operator_id": op,
                   "role": "driver" if k == 0 else "pa", "badge_number": f"FICT-{n:04d}", "route_id": rid}
            crew_rows.append(row)
            roster.append({k2: row[k2] for k2 in ("id", "name", "role", "badge_number")})
        spot.crew[code] = roster
    for i, (first, last) in enumerate(CHILD_NAMES):
        code = ["GATE1", "GATE1", "GATE2", "GATE2", "GATE3", "OTHER1"][i]
        pupil_rows.append({"id": _id(), "la_reference": f"FICT{i:04d}", "first_name": first, "last_name": last,
                           "date_of_birth": today.replace(year=today.year - 9), "year_group": 4,
                           "school_id": other if code == "OTHER1" else school, "send": True, "ehcp": True,
                           "needs_summary": f"Needs a calm voice (fictional need {i})", "route_id": routes[code][0]})
    with ctx.transaction() as session:
        _insert(ctx, session, "schools", [
            {"id": school, "urn": 900001, "name": "Seagull Gate Primary (fictional)", "phase": "primary",
             "postcode": "BN1 1AA"},
            {"id": other, "urn": 900002, "name": "Kestrel Hill Academy (fictional)", "phase": "secondary",
             "postcode": "BN2 2BB"}])
        _insert(ctx, session, "operators", [
            {"id": op, "name": f"Fictional Cars {i + 1}", "licence_no": f"FICT-OP-{i}"}
            for i, op in enumerate(operators)])
        _insert(ctx, session, "routes", [
            {"id": rid, "code": code, "operator_id": op, "vehicle_type": vt,
             "school_ids": [other] if code == "OTHER1" else [school]}
            for code, (rid, op, vt, _c) in routes.items()])
        _insert(ctx, session, "pupils", pupil_rows)
        _insert(ctx, session, "crew_members", crew_rows)
    ref = spot.ref
    ref.school_ids = [school, other]
    ref.operator_ids = operators
    ref.route_ids = [r[0] for r in routes.values()]
    ref.route_school = {r[0]: (other if code == "OTHER1" else school) for code, r in routes.items()}
    ref.route_operator = {r[0]: r[1] for r in routes.values()}
    ref.crew_ids = [r["id"] for r in crew_rows]
    ref.pupil_ids = [r["id"] for r in pupil_rows]
    ref.pupil_route = {r["id"]: r["route_id"] for r in pupil_rows}
    return spot
