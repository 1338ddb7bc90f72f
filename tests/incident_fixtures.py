"""Fixed reference data for the incident and route-return tests: two schools, two operators, two routes, pupils."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from htst_tui.services.context import ServiceContext
from htst_tui.services.records import Records


@dataclass
class Ref:
    schools: list[str]
    operators: list[str]
    routes: list[str]
    pupils: list[str]


def make_reference(ctx: ServiceContext) -> Ref:
    schools = [Records(ctx, "schools").create({"urn": 100001 + i, "name": name, "phase": "primary",
                                               "postcode": "BN1 1AA"}).id
               for i, name in enumerate(["Fictional Downs Primary", "Imaginary Vale Academy"])]
    operators = [Records(ctx, "operators").create({"name": name, "licence_no": f"L{i}"}).id
                 for i, name in enumerate(["Pretend Cabs Ltd", "Make-Believe Coaches"])]
    routes = [Records(ctx, "routes").create({"code": code, "operator_id": operators[i], "school_ids": [schools[i]],
                                             "vehicle_type": "minibus"}).id
              for i, code in enumerate(["R101", "R202"])]
    pupils = [Records(ctx, "pupils").create({"la_reference": f"P{i:04d}", "first_name": "Testy",
                                             "last_name": f"Pupil{i}", "date_of_birth": dt.date(2015, 1, 1),
                                             "school_id": schools[i % 2], "year_group": 5}).id
              for i in range(3)]
    return Ref(schools, operators, routes, pupils)
