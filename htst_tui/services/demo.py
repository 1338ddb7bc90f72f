"""`htst demo`: fill an empty database with synthetic, clearly fictional data at the scale of a city service.

Demo data lets a new user (and every screen's tests and benchmarks) see the app with realistic volumes
without touching anything real: every name comes from the small made-up lists below, schools and operators
say "(DEMO)", postcodes are in the non-existent ZZ area and LA references start with DEMO. The reference
data is written in one Core transaction (fast enough for 50,000 pupils), then each feature's extension in
`EXTENSIONS` adds its own records pointing at it. The same seed and day always give the same data, ids
included, so a bug seen in demo data can be reproduced.
"""

from __future__ import annotations

import datetime as dt
import importlib
import math
import random
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from htst_tui.domain.reference import PanelRole, SchoolPhase, VehicleType
from htst_tui.entities import ENTITIES, Entity, entity
from htst_tui.errors import NotEmpty
from htst_tui.services.bulk import insert_new
from htst_tui.services.context import ServiceContext
from htst_tui.services.demo_types import DemoExtension, DemoReference
from htst_tui.services.records import validate_data

EXTENSIONS: list[str] = [
    "htst_tui.services.panel_demo:add_demo",
    "htst_tui.services.spot_check_demo:add_demo",
    "htst_tui.services.incident_demo:add_demo",
]
"""Feature demo extensions as "module:function", each called as `fn(ctx, ref, rng)` after the reference data."""

DEFAULT_SEED = 2026
DEFAULT_PUPILS = 600
BASE = {"schools": 40, "operators": 8, "routes": 180}
"""Counts at the default 600 pupils; other sizes scale from these."""

DEMO_NAMESPACE = uuid.UUID("5f0c4a52-7d1e-4c3b-9a57-0d3e6f1b2c40")

FIRST_NAMES = (
    "Arlo", "Bryony", "Caspian", "Delphine", "Ezra", "Fenna", "Gideon", "Hazel", "Idris", "Juniper", "Kit",
    "Lark", "Marlowe", "Nell", "Orrin", "Posy", "Quill", "Rowan", "Sable", "Tamsin", "Ulric", "Vesper",
    "Wren", "Xander", "Yara", "Zephyr", "Bramble", "Clover", "Florin", "Ottilie",
)
LAST_NAMES = (
    "Applewhistle", "Brackenbury", "Cobblestone", "Dewberry", "Elderflower", "Fernsby", "Gorseway",
    "Hollyhock", "Ivywood", "Juniperdale", "Kettlewell", "Larkspur", "Mossgrove", "Nettlefield", "Oakhollow",
    "Pebbleford", "Quillfeather", "Rushmere", "Sorrelwick", "Thistledown", "Umberfield", "Willowmere",
    "Yarrowby", "Zennorbrook",
)
PLACE_WORDS = (
    "Hill", "Brook", "Meadow", "Heron", "Willow", "Chalk", "Lantern", "Kestrel", "Orchard", "Harbour",
    "Bluebell", "Saltmarsh", "Foxglove", "Windmill", "Beacon", "Copper", "Lark", "Marigold", "Oakleaf", "Tidewater",
)
OPERATOR_WORDS = (
    "Pennywhistle", "Dandelion", "Moonbeam", "Thimble", "Puddleduck", "Starling", "Tumbleweed", "Bumblebee",
    "Lanternlight", "Hedgehog", "Marmalade", "Nightjar",
)
NEEDS = (
    "Uses a wheelchair; needs a WAV with tracking and clamps.",
    "Autistic; needs the same driver and PA each day and a quiet vehicle.",
    "Epilepsy; PA trained in rescue medication travels with the child.",
    "Anxious at transitions; a familiar PA meets the child at the door.",
    "Visual impairment; needs help to board and find a seat.",
    "Needs a booster seat and a harness; may try to unfasten the belt.",
    "Hearing impairment; crew should face the child when speaking.",
    "Tires quickly; needs a short, direct journey.",
    "Uses a walking frame; needs step-free boarding.",
    "Can become distressed in noise; ear defenders travel with the child.",
)
TRAINING = (
    "Safeguarding (2025); Disability awareness",
    "Safeguarding (2024); First aid; Wheelchair clamping",
    "Safeguarding (2025); Epilepsy awareness; First aid",
    "Safeguarding (2023)",
    "Safeguarding (2025); Autism awareness; Positive handling",
)
PANEL: tuple[tuple[PanelRole, str], ...] = (
    (PanelRole.chair, "Fictional City Council (DEMO) Transport"),
    (PanelRole.la_officer, "Fictional City Council (DEMO) Transport"),
    (PanelRole.la_officer, "Fictional City Council (DEMO) Admissions"),
    (PanelRole.la_officer, "Fictional City Council (DEMO) Transport"),
    (PanelRole.senior_send, "Fictional City Council (DEMO) SEND team"),
    (PanelRole.senior_send, "Fictional City Council (DEMO) SEND team"),
    (PanelRole.amaze_rep, "Amaze (DEMO parent-carer worker)"),
    (PanelRole.pacc_rep, "Parent and Carers' Council (DEMO)"),
    (PanelRole.clerk, "Fictional City Council (DEMO) Democratic Services"),
    (PanelRole.clerk, "Fictional City Council (DEMO) Democratic Services"),
    (PanelRole.other, "Fictional City Council (DEMO) Finance"),
    (PanelRole.other, "Fictional City Council (DEMO) Legal"),
)
PHASES: tuple[tuple[SchoolPhase, str, float], ...] = (
    (SchoolPhase.primary, "Primary", 0.45),
    (SchoolPhase.secondary, "Academy", 0.25),
    (SchoolPhase.special, "Special School", 0.2),
    (SchoolPhase.all_through, "All-through School", 0.05),
    (SchoolPhase.post_16, "Sixth Form College", 0.05),
)
YEAR_GROUPS: dict[SchoolPhase, tuple[int, int]] = {
    SchoolPhase.primary: (0, 6),
    SchoolPhase.secondary: (7, 11),
    SchoolPhase.special: (-1, 14),
    SchoolPhase.all_through: (0, 13),
    SchoolPhase.post_16: (12, 13),
}
VEHICLES: tuple[tuple[VehicleType, float], ...] = (
    (VehicleType.car, 0.35), (VehicleType.wav, 0.2), (VehicleType.minibus, 0.3), (VehicleType.coach, 0.05),
    (VehicleType.bus, 0.1),
)


@dataclass
class DemoSummary:
    """What `htst demo` made: records per entity (reference and extensions alike)."""

    seed: int
    counts: dict[str, int] = field(default_factory=dict)
    extensions: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class DemoScale:
    pupils: int
    schools: int
    operators: int
    routes: int

    @classmethod
    def for_pupils(cls, pupils: int) -> DemoScale:
        """Schools and routes grow in proportion; operators grow slower (a county has more, not 80x more)."""
        if pupils < 1:
            raise ValueError("pupils must be at least 1")
        f = pupils / DEFAULT_PUPILS
        return cls(
            pupils=pupils,
            schools=max(2, round(BASE["schools"] * f)),
            operators=max(1, round(BASE["operators"] * math.sqrt(f))),
            routes=max(1, round(BASE["routes"] * f)),
        )


def _demo_id(seed: int, kind: str, n: int) -> str:
    return str(uuid.uuid5(DEMO_NAMESPACE, f"{seed}:{kind}:{n}"))


def _person(rng: random.Random) -> tuple[str, str]:
    return rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)


def _pick(rng: random.Random, weighted: tuple[tuple[Any, float], ...]) -> Any:
    return rng.choices([w[0] for w in weighted], weights=[w[1] for w in weighted])[0]


def _postcode(rng: random.Random) -> str:
    """ZZ is not a postcode area, so these pass the format check but can never be a real address."""
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    return f"ZZ{rng.randint(1, 99)} {rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"


def academic_year_start(today: dt.date) -> int:
    return today.year if today.month >= 9 else today.year - 1


def birth_date_for_year(rng: random.Random, year_group: int, today: dt.date) -> dt.date:
    """A child in `year_group` this academic year was born between 1 Sept and 31 Aug, 5+year_group years
    before the academic year began (reception = age 4 on 1 Sept)."""
    start = dt.date(academic_year_start(today) - 5 - year_group, 9, 1)
    return start + dt.timedelta(days=rng.randrange(365))


def first_live_entity(session: Session) -> Entity | None:
    """The first synced kind holding a live record, or None when the database is empty (tombstones alone
    do not count: a database whose records were all deleted may take demo data)."""
    for e in ENTITIES:
        if session.execute(select(e.orm.id).where(e.orm.deleted.is_(False)).limit(1)).first():
            return e
    return None


class _Builder:
    """Generates the reference rows; kept apart from the writes so the sequence of random draws is one
    readable story (schools, operators, routes, pupils, crew, panel)."""

    def __init__(self, scale: DemoScale, seed: int, today: dt.date, training_valid_months: int) -> None:
        self.scale = scale
        self.seed = seed
        self.today = today
        self.training_valid_months = training_valid_months
        self.rng = random.Random(seed)
        self.ref = DemoReference(today=today)
        self.rows: dict[str, list[dict[str, Any]]] = {}

    def _id(self, kind: str, n: int) -> str:
        return _demo_id(self.seed, kind, n)

    def build(self) -> None:
        self.schools()
        self.operators()
        self.routes()
        self.pupils()
        self.crew()
        self.panel()

    def schools(self) -> None:
        rows: list[dict[str, Any]] = []
        self.school_phase: dict[str, SchoolPhase] = {}
        for n in range(self.scale.schools):
            phase, suffix, _ = self.rng.choices(PHASES, weights=[p[2] for p in PHASES])[0]
            word = PLACE_WORDS[n % len(PLACE_WORDS)]
            series = "" if n < len(PLACE_WORDS) else f" {n // len(PLACE_WORDS) + 1}"
            sid = self._id("school", n)
            rows.append({"id": sid, "urn": 900000 + n, "name": f"Fictional {word}{series} {suffix} (DEMO)",
                         "phase": phase, "postcode": _postcode(self.rng)})
            self.school_phase[sid] = phase
        self.rows["schools"] = rows
        self.ref.school_ids = [r["id"] for r in rows]

    def operators(self) -> None:
        rows: list[dict[str, Any]] = []
        for n in range(self.scale.operators):
            word = OPERATOR_WORDS[n % len(OPERATOR_WORDS)]
            series = "" if n < len(OPERATOR_WORDS) else f" {n // len(OPERATOR_WORDS) + 1}"
            rows.append({"id": self._id("operator", n), "name": f"{word}{series} Travel (DEMO)",
                         "licence_no": f"DEMO-PH-{n + 1:04d}",
                         "contact": f"bookings{n + 1}@example.invalid, 01632 96{n % 10000:04d}"})
        self.rows["operators"] = rows
        self.ref.operator_ids = [r["id"] for r in rows]

    def routes(self) -> None:
        rows: list[dict[str, Any]] = []
        schools, operators = self.ref.school_ids, self.ref.operator_ids
        self.routes_of_school: dict[str, list[str]] = {s: [] for s in schools}
        width = max(3, len(str(self.scale.routes)))
        for n in range(self.scale.routes):
            first = schools[n % len(schools)]  # every school gets a route before any gets a second
            school_ids = [first]
            if self.rng.random() < 0.2:
                other = schools[self.rng.randrange(len(schools))]
                if other != first:
                    school_ids.append(other)
            rid = self._id("route", n)
            operator = operators[self.rng.randrange(len(operators))]
            rows.append({"id": rid, "code": f"DEMO{n + 1:0{width}d}", "operator_id": operator,
                         "school_ids": school_ids, "vehicle_type": _pick(self.rng, VEHICLES)})
            for s in school_ids:
                self.routes_of_school[s].append(rid)
            self.ref.route_school[rid] = first
            self.ref.route_operator[rid] = operator
        self.rows["routes"] = rows
        self.ref.route_ids = [r["id"] for r in rows]
        self.route_vehicle = {r["id"]: r["vehicle_type"] for r in rows}

    def pupils(self) -> None:
        rows: list[dict[str, Any]] = []
        schools = self.ref.school_ids
        width = max(6, len(str(self.scale.pupils)))
        for n in range(self.scale.pupils):
            school = schools[self.rng.randrange(len(schools))]
            low, high = YEAR_GROUPS[self.school_phase[school]]
            year = self.rng.randint(low, high)
            send = self.rng.random() < 0.6
            ehcp = send and self.rng.random() < 0.7
            options = self.routes_of_school[school]
            route = options[self.rng.randrange(len(options))] if options and self.rng.random() < 0.9 else None
            first, last = _person(self.rng)
            pid = self._id("pupil", n)
            rows.append({"id": pid, "la_reference": f"DEMO{n + 1:0{width}d}", "first_name": first,
                         "last_name": last, "date_of_birth": birth_date_for_year(self.rng, year, self.today),
                         "school_id": school, "year_group": year, "send": send, "ehcp": ehcp,
                         "needs_summary": self.rng.choice(NEEDS) if send else "", "route_id": route})
            self.ref.pupil_route[pid] = route
        self.rows["pupils"] = rows
        self.ref.pupil_ids = [r["id"] for r in rows]

    def _dbs_expiry(self) -> dt.date:
        """Most are current; some expired, some due within a month, so checks have something to find."""
        roll = self.rng.random()
        if roll < 0.08:
            return self.today - dt.timedelta(days=self.rng.randint(1, 200))
        if roll < 0.2:
            return self.today + dt.timedelta(days=self.rng.randint(0, 30))
        return self.today + dt.timedelta(days=self.rng.randint(31, 3 * 365))

    def crew(self) -> None:
        rows: list[dict[str, Any]] = []
        n = 0
        for route in self.ref.route_ids:
            roles = ["driver"]
            if self.route_vehicle[route] in (VehicleType.wav, VehicleType.minibus) or self.rng.random() < 0.4:
                roles.append("pa")
            for role in roles:
                first, last = _person(self.rng)
                rows.append({"id": self._id("crew", n), "name": f"{first} {last}",
                             "operator_id": self.ref.route_operator[route], "role": role,
                             "badge_number": f"DEMO-{'D' if role == 'driver' else 'P'}{n + 1:05d}",
                             "dbs_expiry": self._dbs_expiry(), "training_completed": self.rng.choice(TRAINING),
                             "route_id": route})
                n += 1
        self.rows["crew_members"] = rows
        self.ref.crew_ids = [r["id"] for r in rows]

    def panel(self) -> None:
        rows: list[dict[str, Any]] = []
        valid_days = self.training_valid_months * 30
        for n, (role, organisation) in enumerate(PANEL):
            first, last = FIRST_NAMES[(n * 7) % len(FIRST_NAMES)], LAST_NAMES[(n * 5) % len(LAST_NAMES)]
            out_of_date = n in (3, 7, 11)  # an LA officer, the PaCC rep and one other need refresher training
            age_days = self.rng.randint(valid_days + 30, valid_days + 400) if out_of_date else self.rng.randint(
                30, valid_days - 60)
            rows.append({"id": self._id("panel", n), "name": f"{first} {last}", "role": role,
                         "organisation": organisation, "training_date": self.today - dt.timedelta(days=age_days),
                         "active": True})
        self.rows["panel_members"] = rows
        self.ref.panel_member_ids = [r["id"] for r in rows]


def _validated(ent: Entity, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Demo rows pass the same models as a form, so demo data can never hold what a user could not enter."""
    return [{"id": r["id"], **validate_data(ent, {k: v for k, v in r.items() if k != "id" and v != ""})}
            for r in rows]


def load_extension(spec: str) -> DemoExtension:
    module_name, _, func_name = spec.partition(":")
    extension: DemoExtension = getattr(importlib.import_module(module_name), func_name)
    return extension


def build_demo(ctx: ServiceContext, pupils: int = DEFAULT_PUPILS, seed: int = DEFAULT_SEED, *,
               today: dt.date | None = None, extensions: list[str] | None = None) -> DemoSummary:
    """Fill an empty database with demo data; refuse (changing nothing) if it holds any live record."""
    today = today or dt.date.today()
    scale = DemoScale.for_pupils(pupils)
    builder = _Builder(scale, seed, today, ctx.settings.panel.training_valid_months)
    builder.build()
    summary = DemoSummary(seed=seed)
    order = [e.name for e in ENTITIES if e.name in builder.rows]
    with ctx.transaction(bulk=True) as session:
        found = first_live_entity(session)  # checked inside the write transaction: nothing slips in between
        if found:
            raise NotEmpty(
                f"{ctx.db.path} already holds records ({found.label.lower()}s and maybe more). Demo data only "
                "goes into an empty database: use --db with a new file name. Nothing was changed."
            )
        for name in order:
            ent = entity(name)
            ids = insert_new(ctx, session, ent, _validated(ent, builder.rows[name]), detail="demo data")
            summary.counts[name] = len(ids)
    ext_rng = random.Random(f"{seed}:extensions")
    for spec in EXTENSIONS if extensions is None else extensions:
        before = _live_counts(ctx)
        load_extension(spec)(ctx, builder.ref, ext_rng)
        for name, count in _live_counts(ctx).items():
            if count != before.get(name, 0):
                summary.counts[name] = summary.counts.get(name, 0) + count - before.get(name, 0)
        summary.extensions.append(spec)
    return summary


def _live_counts(ctx: ServiceContext) -> dict[str, int]:
    with ctx.read() as session:
        return {e.name: session.execute(select(func.count()).select_from(e.orm).where(e.orm.deleted.is_(False)))
                .scalar_one() for e in ENTITIES}
