"""The statutory-basis hint: which of categories A–D (domain.md §1.2, Education Act 1996 Sch 35B) the facts meet.

The decision is the panel's; this hint only says what the facts, read against the law, point to, so the panel
can see at once when it is departing from it (a departure needs a recorded reason, see `panel_rules`).

Boundary semantics, chosen to follow Sch 35B's wording and tested at each edge:
- "over 2 miles" / "over 3 miles" / "more than 2 miles" are strict: exactly 2.0 (or 3.0) miles does NOT qualify.
- "2–6 miles" and "2–15 miles" mean more than 2 and not more than 6 (15): exactly 6.0 and 15.0 DO qualify,
  exactly 2.0 does not.
- Ages are whole years on the relevant date: "under 8" is age < 8, so a child who turned 8 on the relevant date
  is 8+; "8–11" is 8 <= age < 11 ("attained 8 but not 11"); "11–16" is 11 <= age <= 16 (from 11 to the end of
  compulsory school age, which a 16-year-old in Year 11 has not yet reached).
- The lower 2-mile limit is read from the walking-route distance; the upper 6/15-mile limits from the road
  distance when one is recorded (some councils measure them by road, domain.md §1.1), else the walking distance.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class Category(StrEnum):
    A = "A"
    B = "B"
    C = "C"
    D = "D"


CATEGORY_LABELS: dict[Category, str] = {
    Category.A: "A: beyond walking distance",
    Category.B: "B: SEN, disability or mobility",
    Category.C: "C: unsafe walking route",
    Category.D: "D: extended rights (low income)",
}

UNDER_8_LIMIT = 2.0
EIGHT_PLUS_LIMIT = 3.0
LOW_INCOME_LOWER = 2.0
LOW_INCOME_UPPER = 6.0
RELIGION_UPPER = 15.0
COMPULSORY_FROM = 5
COMPULSORY_TO = 16


@dataclass(frozen=True)
class CaseFacts:
    """What the panel knows about one application, as the chair types it (every fact may still be missing)."""

    relevant_date: dt.date
    date_of_birth: dt.date | None = None
    distance_miles: float | None = None
    """Shortest walking route a child, accompanied as necessary, can walk in reasonable safety."""
    road_distance_miles: float | None = None
    nearest_suitable: bool = False
    school_rank: int | None = None
    """1 = the nearest suitable school, 2 = the second nearest, and so on."""
    need_summary: str = ""
    ehcp: bool = False
    low_income: bool = False
    """Free school meals, or a parent on the maximum Working Tax Credit."""
    unsafe_route: bool = False
    """The walking route has been assessed as unsafe even with an adult."""
    religion_belief: bool = False
    """The school is the nearest one preferred on grounds of religion or belief."""


@dataclass(frozen=True)
class Hint:
    category: Category
    reason: str
    for_panel: bool = False
    """True when the law leaves the question to the panel's judgement (category B)."""

    @property
    def label(self) -> str:
        return CATEGORY_LABELS[self.category]


def age_on(date_of_birth: dt.date, on: dt.date) -> int:
    """Whole years on `on`; a 29 February birthday is reached on 1 March in other years."""
    years = on.year - date_of_birth.year
    if (on.month, on.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


def _miles(value: float) -> str:
    return f"{value:g} mile" + ("" if value == 1 else "s")


def _upper_distance(facts: CaseFacts) -> float | None:
    return facts.road_distance_miles if facts.road_distance_miles is not None else facts.distance_miles


def _category_a(facts: CaseFacts, age: int) -> Hint | None:
    if facts.distance_miles is None or not facts.nearest_suitable:
        return None
    limit = UNDER_8_LIMIT if age < 8 else EIGHT_PLUS_LIMIT
    if facts.distance_miles > limit:
        band = "under 8" if age < 8 else "8 or over"
        return Hint(Category.A, f"Aged {age} ({band}) and the nearest suitable school is "
                                f"{_miles(facts.distance_miles)} away, over the {_miles(limit)} walking distance.")
    return None


def _category_b(facts: CaseFacts) -> Hint | None:
    need = facts.need_summary.strip()
    if not need and not facts.ehcp:
        return None
    what = f"A need is recorded ({need})" if need else "An EHCP is recorded"
    return Hint(Category.B, f"{what}. Whether the child cannot reasonably be expected to walk, even with an adult, "
                            "is for the panel to decide (no EHCP is needed).", for_panel=True)


def _category_c(facts: CaseFacts) -> Hint | None:
    if not facts.unsafe_route:
        return None
    return Hint(Category.C, "The walking route has been assessed as unsafe even with an adult, "
                            "so walking distance does not matter.")


def _category_d(facts: CaseFacts, age: int) -> Hint | None:
    walk = facts.distance_miles
    if not facts.low_income or walk is None or walk <= LOW_INCOME_LOWER:
        return None
    upper = _upper_distance(facts)
    if 8 <= age < 11 and facts.nearest_suitable:
        return Hint(Category.D, f"Low income, aged {age} (8–11), and the nearest suitable school is "
                                f"{_miles(walk)} away (more than 2 miles).")
    if 11 <= age <= COMPULSORY_TO and upper is not None:
        rank = facts.school_rank
        if upper <= LOW_INCOME_UPPER and rank is not None and 1 <= rank <= 3:
            return Hint(Category.D, f"Low income, aged {age} (11–16), the school is between 2 and 6 miles away "
                                    f"({_miles(walk)}) and is number {rank} of the nearest suitable schools.")
        if upper <= RELIGION_UPPER and facts.religion_belief:
            return Hint(Category.D, f"Low income, aged {age} (11–16), the school is the nearest preferred on "
                                    f"grounds of religion or belief and is between 2 and 15 miles away "
                                    f"({_miles(walk)}).")
    return None


def statutory_hint(facts: CaseFacts) -> list[Hint]:
    """The categories the facts meet, each with a plain-English reason; empty when none is met.

    Outside compulsory school age (under 5, over 16) no statutory category applies: the case is for the
    post-16 policy or the council's discretion.
    """
    age = None if facts.date_of_birth is None else age_on(facts.date_of_birth, facts.relevant_date)
    if age is not None and not COMPULSORY_FROM <= age <= COMPULSORY_TO:
        return []
    hints: list[Hint | None] = []
    if age is not None:
        hints.append(_category_a(facts, age))
    hints.append(_category_b(facts))
    hints.append(_category_c(facts))
    if age is not None:
        hints.append(_category_d(facts, age))
    return [h for h in hints if h is not None]


def hint_notes(facts: CaseFacts) -> list[str]:
    """What stops the hint being complete (shown under it, so the chair knows what to ask for)."""
    notes = []
    if facts.date_of_birth is None:
        notes.append("Date of birth not entered: categories A and D need the age on the relevant date.")
    else:
        age = age_on(facts.date_of_birth, facts.relevant_date)
        if not COMPULSORY_FROM <= age <= COMPULSORY_TO:
            notes.append(f"Aged {age} on {facts.relevant_date.isoformat()}: outside compulsory school age (5–16), "
                         "so no statutory category; consider the post-16 policy or discretion.")
    if facts.distance_miles is None:
        notes.append("Walking-route distance not entered.")
    return notes
