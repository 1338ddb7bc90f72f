"""Retention: when each kind of record falls past its retention period, and what erasing it leaves behind.

UK GDPR storage limitation (domain.md §6): personal data is kept no longer than needed. The periods are the
council's settings (`RetentionSettings`, examples from the published schedules in domain.md §6); this module
turns them into a due date per record, pure and table-driven, so the purge, its dry run and the tests agree.

How a record's fate is decided:
1. Its own rule (`RULES`, one per synced record kind) gives a due date, or None for "kept while current"
   (schools, operators, routes, crew and panel members hold no child data and are kept until an officer
   deletes them). A record an officer deleted is due `deleted_records_days` after the delete, whatever its kind.
2. Records that belong to another share its fate (`FOLLOWS`): a decision, its dissents and the reviews go with
   their panel case; attendance with its meeting; a follow-up with the check, incident or route return it
   came from.
3. Nothing is erased while a kept record still refers to it (`references` from the entity registry): a pupil
   stays while a kept case or incident names them, a meeting while its cases are kept.
Records already erased are left alone; erasing is idempotent (`erase(kind, erase(kind, d)) == erase(kind, d)`),
so a tombstone is recognised as erased by its content alone, on every device.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from htst_tui.settings import RetentionSettings

ERASED = "Erased"
"""What a required name or text field reads after erasure (it must stay valid for the record's model)."""


@dataclass(frozen=True, slots=True)
class Held:
    """One stored record as the rule sees it: its kind, id, business fields, tombstone flag and last change."""

    kind: str
    id: str
    data: Mapping[str, Any]
    deleted: bool = False
    updated_at: dt.datetime | None = None


@dataclass(frozen=True)
class Due:
    kind: str
    id: str
    rule: str
    """Which rule made it due (for counts by reason; never personal)."""


@dataclass
class RetentionReview:
    today: dt.date
    due: list[Due] = field(default_factory=list)
    kept_by_reference: int = 0
    """Records past their own period but kept because a record still within retention refers to them."""

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for d in self.due:
            out[d.kind] += 1
        return dict(out)

    def ids(self, kind: str) -> list[str]:
        return [d.id for d in self.due if d.kind == kind]


# ------------------------------------------------------------------------------------------------ dates


def _date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value)
    return dt.datetime.fromisoformat(text).date() if "T" in text or " " in text else dt.date.fromisoformat(text)


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year + years, day=28)


def academic_year_start(day: dt.date) -> int:
    """The calendar year in which the English school year containing `day` began (1 September)."""
    return day.year if day.month >= 9 else day.year - 1


def leaving_date(date_of_birth: dt.date | None, *, year_group: int | None = None, as_of: dt.date | None = None,
                 stays_to_year_13: bool = False) -> dt.date | None:
    """When a pupil leaves school: the 31 August ending year 11 (year 13 for post-16 or EHCP pupils).

    Two estimates, the later one wins (a pupil kept back a year is not erased early): from the date of birth
    (a child born September Y to August Y+1 finishes year 11 in the summer of Y+17), and from the year group
    recorded on `as_of` (the record's last change). None when neither is known.
    """
    last_year = 13 if stays_to_year_13 or (year_group is not None and year_group >= 12) else 11
    found: list[dt.date] = []
    if date_of_birth is not None:
        found.append(dt.date(academic_year_start(date_of_birth) + 6 + last_year, 8, 31))
    if year_group is not None and as_of is not None:
        found.append(dt.date(academic_year_start(as_of) + 1 + max(0, last_year - year_group), 8, 31))
    return max(found) if found else None


def born_by_to_have_left(day: dt.date) -> dt.date:
    """The latest date of birth of a child whose leaving date by birth (`leaving_date`) can be on or before `day`:
    no one leaves before the 31 August ending year 11 (a query bound: a later birthday has not left by `day`)."""
    last_summer = day.year if (day.month, day.day) >= (8, 31) else day.year - 1
    return dt.date(last_summer - 16, 8, 31)


# ------------------------------------------------------------------------------------------------ facts


@dataclass
class Facts:
    """Everything held, indexed the ways the rules look things up."""

    by_kind: dict[str, dict[str, Held]]
    pupils_by_ref: dict[str, Held]
    decision_of_case: dict[str, Held]
    reviewed_cases: set[str]

    @classmethod
    def build(cls, records: Mapping[str, Iterable[Held]]) -> Facts:
        by_kind = {kind: {r.id: r for r in rows} for kind, rows in records.items()}
        pupils_by_ref = {str(p.data.get("la_reference") or "").upper(): p
                         for p in sorted(by_kind.get("pupils", {}).values(), key=lambda p: p.deleted, reverse=True)}
        decisions: dict[str, Held] = {}
        for d in by_kind.get("panel_decisions", {}).values():
            if not d.deleted or str(d.data.get("case_id")) not in decisions:
                decisions[str(d.data.get("case_id"))] = d
        reviewed = {str(r.data.get("case_id")) for r in by_kind.get("panel_reviews", {}).values()}
        reviewed |= {str(c.data["review_of_case_id"]) for c in by_kind.get("panel_cases", {}).values()
                     if c.data.get("review_of_case_id")}
        return cls(by_kind, pupils_by_ref, decisions, reviewed)

    def get(self, kind: str, record_id: Any) -> Held | None:
        return self.by_kind.get(kind, {}).get(str(record_id)) if record_id else None


def pupil_left_on(p: Held) -> dt.date | None:
    """The pupil's leaving date; a pupil deleted from the register (moved away) left on the day of the delete."""
    left = leaving_date(_date(p.data.get("date_of_birth")), year_group=p.data.get("year_group"),
                        as_of=_date(p.updated_at), stays_to_year_13=bool(p.data.get("ehcp")))
    if p.deleted and p.updated_at is not None:
        gone = p.updated_at.date()
        left = min(left, gone) if left else gone
    return left


# ------------------------------------------------------------------------------------------------ rules

Rule = Callable[[Held, Facts, RetentionSettings], tuple[dt.date | None, str]]


def _never(r: Held, f: Facts, s: RetentionSettings) -> tuple[dt.date | None, str]:
    return None, "kept while current"


def _from(field_name: str, years_attr: str, label: str) -> Rule:
    def rule(r: Held, f: Facts, s: RetentionSettings) -> tuple[dt.date | None, str]:
        start = _date(r.data.get(field_name))
        years = getattr(s, years_attr)
        return (add_years(start, years) if start else None), f"{label} + {years} years"
    return rule


def _pupil(r: Held, f: Facts, s: RetentionSettings) -> tuple[dt.date | None, str]:
    left = pupil_left_on(r)
    n = s.pupils_years_after_leaving
    return (add_years(left, n) if left else None), f"left school + {n} years"


def _case(r: Held, f: Facts, s: RetentionSettings) -> tuple[dt.date | None, str]:
    """Refusal never challenged: decision + refusals_years. Award, deferral or any review/appeal: the pupil
    leaves school + decisions_years_after_leaving. Pupil's age unknown: the meeting period."""
    d = f.decision_of_case.get(r.id)
    challenged = (r.id in f.reviewed_cases or bool(r.data.get("review_of_case_id"))
                  or r.data.get("application_type") in ("stage1_review", "stage2_appeal"))
    if d is not None and d.data.get("outcome") == "not_eligible" and not challenged:
        decided = _date(d.data.get("finalised_at")) or _date(r.data.get("relevant_date"))
        if decided:
            return add_years(decided, s.refusals_years), f"refusal + {s.refusals_years} years"
    pupil = f.get("pupils", r.data.get("pupil_id")) or f.pupils_by_ref.get(str(r.data.get("pupil_ref") or "").upper())
    if pupil is not None:
        left = pupil_left_on(pupil)
    else:
        left = leaving_date(_date(r.data.get("date_of_birth")), stays_to_year_13=bool(r.data.get("ehcp"))
                            or r.data.get("application_type") == "post_16")
    if left is not None:
        n = s.decisions_years_after_leaving
        return add_years(left, n), f"decision: left school + {n} years"
    start = _date(r.data.get("relevant_date"))
    n = s.meetings_years
    return (add_years(start, n) if start else None), f"case, age unknown: + {n} years"


def is_safeguarding(data: Mapping[str, Any]) -> bool:
    told_lado = any((n.get("kind") if isinstance(n, Mapping) else getattr(n, "kind", None)) == "lado"
                    for n in data.get("notifications") or [])
    return data.get("category") == "safeguarding" or told_lado


def _incident(r: Held, f: Facts, s: RetentionSettings) -> tuple[dt.date | None, str]:
    """Safeguarding: the youngest linked child's birth + N (no child linked: from the incident, as long)."""
    occurred = _date(r.data.get("occurred_at"))
    if is_safeguarding(r.data):
        n = s.safeguarding_years_after_birth
        births = [_date(p.data.get("date_of_birth")) for p in
                  (f.get("pupils", i) for i in r.data.get("pupil_ids") or []) if p is not None]
        start = max([b for b in births if b], default=occurred)
        return (add_years(start, n) if start else None), f"safeguarding: birth + {n} years"
    n = s.incidents_years
    return (add_years(occurred, n) if occurred else None), f"incident + {n} years"


def _follow_up_orphan(r: Held, f: Facts, s: RetentionSettings) -> tuple[dt.date | None, str]:
    """A follow-up whose source is not held here: kept as long as an incident, from its due date."""
    start = _date(r.data.get("closed_on")) or _date(r.data.get("due_date"))
    n = s.incidents_years
    return (add_years(start, n) if start else None), f"follow-up + {n} years"


RULES: dict[str, tuple[Rule, str]] = {
    "schools": (_never, "No personal data: kept while current."),
    "operators": (_never, "Business contact only: kept while current."),
    "routes": (_never, "No personal data: kept while current."),
    "pupils": (_pupil, "Left school (end of year 11, or 13 for post-16/EHCP) + pupils_years_after_leaving, "
                       "and only once no kept record refers to the pupil."),
    "crew_members": (_never, "Kept while on the operator's roster; an officer deletes leavers."),
    "panel_members": (_never, "Kept while a member; an officer deletes leavers."),
    "spot_check_visits": (_from("started_at", "spot_checks_years", "visit"),
                          "Visit + spot_checks_years, while none of its vehicle checks is kept."),
    "vehicle_checks": (_from("checked_at", "spot_checks_years", "check"), "Check + spot_checks_years."),
    "incidents": (_incident, "Incident + incidents_years; safeguarding (or LADO told): youngest linked child's "
                             "birth + safeguarding_years_after_birth."),
    "route_returns": (_from("effective_date", "route_returns_years", "route return"),
                      "Handed back + route_returns_years."),
    "panel_meetings": (_from("meeting_date", "meetings_years", "meeting"),
                       "Meeting + meetings_years, while none of its cases is kept."),
    "panel_attendance": (_never, "Goes with its meeting."),
    "panel_cases": (_case, "Refusal not challenged: decision + refusals_years. Award, deferral, review or "
                           "appeal: pupil leaves school + decisions_years_after_leaving."),
    "panel_decisions": (_never, "Goes with its case."),
    "panel_dissents": (_never, "Goes with its decision (so with the case)."),
    "panel_reviews": (_never, "Goes with the case reviewed."),
    "follow_ups": (_follow_up_orphan, "Goes with the check, incident or route return it came from."),
}
"""Every synced record kind: its own rule and the sentence the README's retention table shows."""

FOLLOWS: dict[str, Callable[[Held], tuple[str, Any] | None]] = {
    "panel_attendance": lambda r: ("panel_meetings", r.data.get("meeting_id")),
    "panel_decisions": lambda r: ("panel_cases", r.data.get("case_id")),
    "panel_dissents": lambda r: ("panel_decisions", r.data.get("decision_id")),
    "panel_reviews": lambda r: ("panel_cases", r.data.get("case_id")),
    "follow_ups": lambda r: ({"vehicle_check": "vehicle_checks", "incident": "incidents",
                              "route_return": "route_returns"}.get(str(r.data.get("source_kind")), ""),
                             r.data.get("source_id")),
}
"""Kinds whose records share the fate of another record (kind, id)."""

PARENTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "panel_attendance": ("meeting_id", ("panel_meetings",)),
    "panel_decisions": ("case_id", ("panel_cases",)),
    "panel_dissents": ("decision_id", ("panel_decisions",)),
    "panel_reviews": ("case_id", ("panel_cases",)),
    "follow_ups": ("source_id", ("vehicle_checks", "incidents", "route_returns")),
}
"""`FOLLOWS` as a query sees it: the field holding the parent's id and the kinds it may be (a test checks the two
agree), so a follower of a record that could be due can be found without reading every follower."""

READS: dict[str, tuple[str, ...]] = {
    "pupils": ("date_of_birth", "year_group", "ehcp", "la_reference"),
    "spot_check_visits": ("started_at",),
    "vehicle_checks": ("checked_at",),
    "incidents": ("occurred_at", "category", "notifications", "pupil_ids"),
    "route_returns": ("effective_date",),
    "panel_meetings": ("meeting_date",),
    "panel_attendance": ("meeting_id",),
    "panel_cases": ("pupil_id", "pupil_ref", "date_of_birth", "ehcp", "application_type", "review_of_case_id",
                    "relevant_date"),
    "panel_decisions": ("case_id", "outcome", "finalised_at"),
    "panel_dissents": ("decision_id",),
    "panel_reviews": ("case_id",),
    "follow_ups": ("closed_on", "due_date", "source_kind", "source_id"),
}
"""The business fields `RULES`, `FOLLOWS` and `Facts` read of a live record, per kind (others: none). With the
record's references, all a review needs of it; erasure (`is_erased`) reads every field, so tombstones are
read whole. A test checks the rules read nothing else."""


# ------------------------------------------------------------------------------------------------ erasure

_BLANK = ""


def _case_erased(d: Mapping[str, Any]) -> dict[str, Any]:
    return {"pupil_id": None, "pupil_ref": "ERASED", "child_name": _BLANK, "school_name": _BLANK,
            "date_of_birth": None, "distance_miles": None, "road_distance_miles": None, "nearest_suitable": False,
            "school_rank": None, "need_summary": _BLANK, "ehcp": False, "low_income": False, "unsafe_route": False,
            "religion_belief": False, "evidence": [], "conflicts_declared": _BLANK}


def _pupil_erased(d: Mapping[str, Any]) -> dict[str, Any]:
    born = _date(d.get("date_of_birth"))
    return {"la_reference": "ERASED", "first_name": ERASED, "last_name": ERASED,
            "date_of_birth": dt.date(born.year, 1, 1) if born else None, "send": False, "ehcp": False,
            "needs_summary": _BLANK, "route_id": None}


def _if_set(value: Any) -> str | None:
    return ERASED if value else None


ERASE: dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
    "schools": lambda d: {},
    "operators": lambda d: {"contact": _BLANK},
    "routes": lambda d: {},
    "pupils": _pupil_erased,
    "crew_members": lambda d: {"name": ERASED, "badge_number": "ERASED", "dbs_expiry": None,
                               "training_completed": _BLANK, "route_id": None},
    "panel_members": lambda d: {"name": ERASED, "organisation": _BLANK, "training_date": None},
    "spot_check_visits": lambda d: {"officers": ERASED, "notes": None},
    "vehicle_checks": lambda d: {
        "vehicle_registration": None, "plate_number": None, "override_reason": _if_set(d.get("override_reason")),
        "child_knowledge_note": None,
        "crew": [{"role": _get(c, "role"), "roster_crew_id": None, "badge_number_typed": None,
                  "answers": _get(c, "answers") or {}} for c in d.get("crew") or []]},
    "incidents": lambda d: {"reported_by_name": None, "pupil_ids": [], "description": ERASED,
                            "immediate_action": None, "severity_reason": _if_set(d.get("severity_reason")),
                            "outcome": _if_set(d.get("outcome"))},
    "route_returns": lambda d: {"reason": ERASED},
    "panel_meetings": lambda d: {"notes": _BLANK},
    "panel_attendance": lambda d: {},
    "panel_cases": _case_erased,
    "panel_decisions": lambda d: {f: _BLANK for f in (
        "discretionary_reason", "departure_reason", "award_details", "conditions", "post16_exemption",
        "deferred_what", "deliberation_notes", "factors_weighed", "reasons", "consulted", "amaze_perspective",
        "finalised_by", "reopen_reason")},
    "panel_dissents": lambda d: {"view": ERASED},
    "panel_reviews": lambda d: {"requested_by": _BLANK, "grounds": _BLANK, "reasons": _BLANK},
    "follow_ups": lambda d: {"description": ERASED, "owner": ERASED, "closing_note": _BLANK},
}
"""Per kind, the personal fields and what they become: names "Erased", free text emptied, links to children
dropped. What stays (dates, categories, outcomes, counts) identifies nobody and keeps the record valid."""


def _get(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name, None)


def erase(kind: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """The record's content with its personal fields removed (idempotent)."""
    return {**data, **ERASE[kind](data)}


def is_erased(record: Held) -> bool:
    return record.deleted and _comparable(erase(record.kind, record.data)) == _comparable(record.data)


def _comparable(data: Mapping[str, Any]) -> dict[str, Any]:
    """Enum members, dates and nested models compare as their plain values."""
    return json.loads(json.dumps(data, default=lambda v: v.isoformat() if hasattr(v, "isoformat") else str(v)))


# ------------------------------------------------------------------------------------------------ review


def review(records: Mapping[str, Sequence[Held]], references: Mapping[str, Mapping[str, str]],
           settings: RetentionSettings, today: dt.date, *, context: Mapping[str, Iterable[Held]] | None = None,
           outside: Collection[tuple[str, str]] = frozenset(),
           kept_by_outside: Collection[tuple[str, str]] = frozenset()) -> RetentionReview:
    """Which records are past retention on `today`: own rule, then shared fate, then kept references.

    Given every record held, `records` alone says it all. A caller may instead pass only the records that
    could be due (`records`, the candidates), with what their rules look up (`context`: further held records,
    used as facts only, never judged), the keys of held records left out that candidates follow (`outside`)
    and the candidates that a left-out record refers to (`kept_by_outside`). Every record left out must be one
    whose verdict cannot be due; it is then kept, so what it refers to and what follows it is kept, and the
    answer is the same as for the whole set (services/purge.py reads a city-scale database this way)."""
    facts = Facts.build(_merged(records, context) if context else records)
    live = {(r.kind, r.id): r for rows in records.values() for r in rows if not is_erased(r)}
    own: dict[tuple[str, str], tuple[bool, str]] = {}
    grace = dt.timedelta(days=settings.deleted_records_days)
    for key, r in live.items():
        if r.deleted and r.updated_at is not None:
            own[key] = (r.updated_at.date() + grace <= today, f"deleted + {settings.deleted_records_days} days")
            continue
        due_on, rule = RULES[r.kind][0](r, facts, settings)
        own[key] = (due_on is not None and due_on <= today, rule)
    # shared fate: a follower takes its parent's own verdict (chains resolve: dissent -> decision -> case)
    held = {(r.kind, r.id) for rows in records.values() for r in rows} | set(outside)
    for key, r in live.items():
        if r.kind in FOLLOWS and not r.deleted:
            verdict = _parent_verdict(key, live, held, own, outside)
            if verdict is not None:
                own[key] = verdict
    kept = {k for k, (due, _) in own.items() if not due} | set(outside) | (set(kept_by_outside) & live.keys())
    # nothing is erased while a kept record refers to it; a kept parent keeps its followers
    changed = True
    while changed:
        changed = False
        for key in list(kept):
            for target in _links(live[key], references) if key in live else ():
                if target in live and target not in kept:
                    kept.add(target)
                    changed = True
        for key, r in live.items():
            if key not in kept and r.kind in FOLLOWS:
                parent = FOLLOWS[r.kind](r)
                if parent and (parent[0], str(parent[1])) in kept:
                    kept.add(key)
                    changed = True
    out = RetentionReview(today=today, kept_by_reference=sum(1 for k, (due, _) in own.items() if due and k in kept))
    order = {kind: i for i, kind in enumerate(records)}
    for key in sorted(set(live) - kept, key=lambda k: (order.get(k[0], 0), k[1])):
        out.due.append(Due(key[0], key[1], own[key][1]))
    return out


def _merged(records: Mapping[str, Iterable[Held]], context: Mapping[str, Iterable[Held]]) -> dict[str, list[Held]]:
    """The candidates and their context, one list per kind (a record in both counts once)."""
    out = {kind: list(rows) for kind, rows in records.items()}
    for kind, rows in context.items():
        have = {r.id for r in out.get(kind, [])}
        out.setdefault(kind, []).extend(r for r in rows if r.id not in have)
    return out


def _parent_verdict(key: tuple[str, str], live: Mapping[tuple[str, str], Held], held: set[tuple[str, str]],
                    own: Mapping[tuple[str, str], tuple[bool, str]],
                    outside: Collection[tuple[str, str]] = frozenset()) -> tuple[bool, str] | None:
    """The verdict of the record `key` follows, up the chain; None when that record is not held here (the
    follower's own rule applies). A parent already erased makes its followers due at once; a parent left out
    of the review (`outside`) cannot be due, so neither can its followers."""
    seen = {key}
    while True:
        r = live[key]
        parent = FOLLOWS[r.kind](r) if r.kind in FOLLOWS and not r.deleted else None
        if parent is None or not parent[0]:
            return own[key] if len(seen) > 1 else None
        pkey = (parent[0], str(parent[1]))
        if pkey not in held:
            return own[key] if len(seen) > 1 else None
        if pkey in outside:
            return False, "its record is kept"
        if pkey not in live:
            return True, "its record was erased"
        if pkey in seen:
            return own[key]
        seen.add(pkey)
        key = pkey


def _links(r: Held, references: Mapping[str, Mapping[str, str]]) -> Iterable[tuple[str, str]]:
    for f, target in references.get(r.kind, {}).items():
        value = r.data.get(f)
        for ref_id in value if isinstance(value, list) else ([value] if value else []):
            yield target, str(ref_id)
