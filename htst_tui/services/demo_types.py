"""What the reference part of `htst demo` hands to each feature's demo extension.

A feature adds synthetic records of its own with `add_demo(ctx, ref, rng)` (see services/demo.py), using
these ids so everything it makes points at real demo schools, routes and pupils.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Protocol

from htst_tui.services.context import ServiceContext


@dataclass
class DemoReference:
    today: dt.date
    school_ids: list[str] = field(default_factory=list)
    operator_ids: list[str] = field(default_factory=list)
    route_ids: list[str] = field(default_factory=list)
    pupil_ids: list[str] = field(default_factory=list)
    crew_ids: list[str] = field(default_factory=list)
    panel_member_ids: list[str] = field(default_factory=list)
    route_school: dict[str, str] = field(default_factory=dict)
    """route id -> its (first) school id"""
    route_operator: dict[str, str] = field(default_factory=dict)
    pupil_route: dict[str, str | None] = field(default_factory=dict)


class DemoExtension(Protocol):
    def __call__(self, ctx: ServiceContext, ref: DemoReference, rng: random.Random) -> None: ...
