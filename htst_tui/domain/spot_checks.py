"""Spot checks at school sites (domain.md §4): the checklist, the answers, and the pure outcome rule.

Everything here is pure so the rule a field officer relies on at the gate can be tested as a table and read
in one place. Privacy by design (domain.md §6): a vehicle check records how the crew did on knowledge of the
children and an optional note — never a child's name or id — so none of these models has a field for one.

The outcome rule (documented here because the issue asks for it to be decided and written down):
- **non_compliant** — any *critical* item failed: an ID badge not displayed, a badge that does not match the
  route's roster, no enhanced DBS evidence, a crew member who does not know the children they carry, or
  seat belts/restraints not in use. These are safeguarding or licence matters, not advice.
- **advice_given** — otherwise, any other item failed (hi-vis, training card, CCTV, plate visible) or any
  item, critical or not, that the officer could not see (advice is given and checked next time).
- **compliant** — every item passed or did not apply.
Unanswered items do not count, so the outcome can be shown live as the officer goes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, StringConstraints, field_validator, model_validator

from htst_tui.domain.common import LongText, RecordId, RecordModel, ShortText
from htst_tui.domain.follow_ups import OutcomeCode
from htst_tui.domain.reference import CrewRole


class Answer(StrEnum):
    passed = "pass"
    failed = "fail"
    not_seen = "not_seen"
    not_applicable = "not_applicable"


ANSWER_KEYS: dict[str, Answer] = {
    "y": Answer.passed,
    "n": Answer.failed,
    "s": Answer.not_seen,
    "-": Answer.not_applicable,
}
"""The single keys the issue names: y pass, n fail, s not seen, - not applicable."""

ANSWER_LABELS: dict[Answer, str] = {
    Answer.passed: "pass",
    Answer.failed: "FAIL",
    Answer.not_seen: "not seen",
    Answer.not_applicable: "n/a",
}


class Outcome(StrEnum):
    compliant = "compliant"
    advice_given = "advice_given"
    non_compliant = "non_compliant"


OUTCOME_LABELS: dict[Outcome, str] = {
    Outcome.compliant: "Compliant",
    Outcome.advice_given: "Advice given",
    Outcome.non_compliant: "Non-compliant",
}


class CheckStatus(StrEnum):
    in_progress = "in_progress"
    complete = "complete"


Scope = Literal["crew", "vehicle"]


@dataclass(frozen=True)
class CheckItem:
    code: str
    label: str
    scope: Scope
    """"crew": asked of each crew member; "vehicle": asked once per vehicle."""
    critical: bool
    """A fail makes the vehicle non-compliant (see the module docstring)."""


CORE_ITEMS: tuple[CheckItem, ...] = (
    CheckItem("badge_displayed", "ID badge displayed", "crew", True),
    CheckItem("badge_matches_roster", "Badge number matches the roster", "crew", True),
    CheckItem("hi_vis", "Hi-vis worn", "crew", False),
    CheckItem("child_knowledge", "Knows the children carried", "crew", True),
)
"""Always asked (domain.md §4.1 and the service papers: badges, hi-vis, knowledge of the children)."""

EXTRA_ITEMS: tuple[CheckItem, ...] = (
    CheckItem("dbs_evidence", "Enhanced DBS evidence", "crew", True),
    CheckItem("training_card", "Training card", "crew", False),
    CheckItem("cctv_working", "CCTV working", "vehicle", False),
    CheckItem("restraints", "Seat belts / restraints in use", "vehicle", True),
    CheckItem("plate_visible", "Licence plate visible", "vehicle", False),
)
"""Configurable (settings.spot_checks.extra_items), in the order the officer meets them."""

ITEMS_BY_CODE: dict[str, CheckItem] = {i.code: i for i in (*CORE_ITEMS, *EXTRA_ITEMS)}
EXTRA_ITEM_CODES: tuple[str, ...] = tuple(i.code for i in EXTRA_ITEMS)
CRITICAL_CODES: frozenset[str] = frozenset(i.code for i in ITEMS_BY_CODE.values() if i.critical)


@dataclass(frozen=True)
class Checklist:
    crew_items: tuple[CheckItem, ...]
    vehicle_items: tuple[CheckItem, ...]

    def answers_needed(self, crew_count: int) -> int:
        return crew_count * len(self.crew_items) + len(self.vehicle_items)


def checklist(extra_items: Sequence[str]) -> Checklist:
    """The items asked, core first, then the configured extras in the settings' order."""
    unknown = [c for c in extra_items if c not in ITEMS_BY_CODE or ITEMS_BY_CODE[c] in CORE_ITEMS]
    if unknown:
        raise ValueError(f"unknown spot-check item {unknown[0]!r}; known extras: {', '.join(EXTRA_ITEM_CODES)}")
    items = [*CORE_ITEMS, *(ITEMS_BY_CODE[c] for c in dict.fromkeys(extra_items))]
    return Checklist(tuple(i for i in items if i.scope == "crew"), tuple(i for i in items if i.scope == "vehicle"))


def _check_codes(answers: dict[str, Answer], scope: Scope) -> dict[str, Answer]:
    for code in answers:
        item = ITEMS_BY_CODE.get(code)
        if item is None or item.scope != scope:
            raise ValueError(f"{code!r} is not a {scope} check item")
    return answers


Registration = Annotated[str, StringConstraints(min_length=1, max_length=12, to_upper=True)]
BadgeNumber = Annotated[str, StringConstraints(min_length=1, max_length=30, to_upper=True)]


class CrewCheck(RecordModel):
    """One crew member's part of a vehicle check: who the roster says they are, what badge was read, answers."""

    role: CrewRole
    roster_crew_id: RecordId | None = None
    badge_number_typed: BadgeNumber | None = None
    answers: dict[str, Answer] = Field(default_factory=dict)

    @field_validator("answers")
    @classmethod
    def _crew_items_only(cls, value: dict[str, Answer]) -> dict[str, Answer]:
        return _check_codes(value, "crew")


class SpotCheckVisit(RecordModel):
    school_id: RecordId
    started_at: AwareDatetime
    officers: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    licensing_attended: bool = False
    notes: LongText | None = None
    finished_at: AwareDatetime | None = None


class VehicleCheck(RecordModel):
    visit_id: RecordId
    route_id: RecordId
    operator_id: RecordId
    checked_at: AwareDatetime
    vehicle_registration: Registration | None = None
    plate_number: Annotated[str, StringConstraints(min_length=1, max_length=20, to_upper=True)] | None = None
    crew: list[CrewCheck] = Field(min_length=1, max_length=4)
    vehicle_answers: dict[str, Answer] = Field(default_factory=dict)
    status: CheckStatus = CheckStatus.in_progress
    computed_outcome: Outcome | None = None
    final_outcome: Outcome | None = None
    override_reason: LongText | None = None
    child_knowledge_note: ShortText | None = None
    """How the crew did on knowing the children — never a child's name (services reject names of the route's
    children here)."""

    @field_validator("vehicle_answers")
    @classmethod
    def _vehicle_items_only(cls, value: dict[str, Answer]) -> dict[str, Answer]:
        return _check_codes(value, "vehicle")

    @model_validator(mode="after")
    def _outcome_rules(self) -> VehicleCheck:
        if self.status == CheckStatus.complete and (self.computed_outcome is None or self.final_outcome is None):
            raise ValueError("a finished vehicle check needs its outcome")
        overridden = self.final_outcome is not None and self.final_outcome != self.computed_outcome
        if overridden and not self.override_reason:
            raise ValueError("changing the computed outcome needs a reason (override_reason)")
        return self


def all_answers(crew: Iterable[Mapping[str, Answer]], vehicle: Mapping[str, Answer]) -> list[tuple[str, Answer]]:
    out = [(code, a) for answers in crew for code, a in answers.items()]
    out.extend(vehicle.items())
    return out


def compute_outcome(crew: Iterable[Mapping[str, Answer]], vehicle: Mapping[str, Answer]) -> Outcome:
    """The rule in the module docstring, over whatever has been answered so far."""
    answers = all_answers(crew, vehicle)
    if any(a == Answer.failed and code in CRITICAL_CODES for code, a in answers):
        return Outcome.non_compliant
    if any(a in (Answer.failed, Answer.not_seen) for _, a in answers):
        return Outcome.advice_given
    return Outcome.compliant


def missing_items(items: Checklist, crew: Sequence[Mapping[str, Answer]],
                  vehicle: Mapping[str, Answer]) -> list[str]:
    """Items not answered yet, as "crew 1: hi_vis" / "vehicle: restraints" (what stops a check finishing)."""
    out = [f"crew {n}: {i.code}" for n, answers in enumerate(crew, 1)
           for i in items.crew_items if i.code not in answers]
    out.extend(f"vehicle: {i.code}" for i in items.vehicle_items if i.code not in vehicle)
    return out


def failed_items(crew: Iterable[Mapping[str, Answer]], vehicle: Mapping[str, Answer]) -> list[str]:
    """Codes failed by anyone, each once, in checklist order."""
    failed = {code for code, a in all_answers(crew, vehicle) if a == Answer.failed}
    return [code for code in ITEMS_BY_CODE if code in failed]


def normalise_badge(value: str | None) -> str:
    """Badges are read off a card at a car window: ignore case, spaces and dashes."""
    return "".join(ch for ch in (value or "").upper() if ch.isalnum())


@dataclass(frozen=True)
class RosterEntry:
    crew_id: str
    name: str
    role: str
    badge_number: str


@dataclass(frozen=True)
class BadgeMatch:
    answer: Answer | None
    """pass when the typed badge is on the route's roster, fail when it is not, None when nothing was typed."""
    crew_id: str | None = None
    """The roster member whose badge it is (may differ from the slot's expected person: a swap, not a fail)."""


def match_badge(typed: str | None, roster: Sequence[RosterEntry]) -> BadgeMatch:
    """Roster mismatch detection: the typed badge number against the route's crew roster."""
    wanted = normalise_badge(typed)
    if not wanted:
        return BadgeMatch(None)
    for entry in roster:
        if normalise_badge(entry.badge_number) == wanted:
            return BadgeMatch(Answer.passed, entry.crew_id)
    return BadgeMatch(Answer.failed)


@dataclass(frozen=True)
class SuggestedFollowUp:
    outcome_code: OutcomeCode
    description: str
    due_date: dt.date


LICENSING_ITEMS = frozenset({"badge_displayed", "badge_matches_roster", "dbs_evidence"})
"""Failures that are a licence matter (a driver must be a "fit and proper person", domain.md §4.3)."""


def suggest_follow_ups(outcome: Outcome, failed: Sequence[str], not_seen: Sequence[str], today: dt.date,
                       follow_up_days: int) -> list[SuggestedFollowUp]:
    """Follow-ups a finished check proposes. Descriptions name check items only — never a child.

    non_compliant -> an operator warning, plus a Licensing referral when a badge or DBS failed;
    advice_given -> an advice follow-up (confirm at the next check that the advice was acted on);
    compliant -> nothing. LADO referrals and standing crew down are the officer's judgement, added by hand.
    """
    due = today + dt.timedelta(days=follow_up_days)
    labels = ", ".join(ITEMS_BY_CODE[c].label.lower() for c in failed)
    unseen = ", ".join(ITEMS_BY_CODE[c].label.lower() for c in not_seen)
    if outcome == Outcome.non_compliant:
        out = [SuggestedFollowUp(OutcomeCode.operator_warning, f"Warn the operator: failed {labels}.", due)]
        licence = [c for c in failed if c in LICENSING_ITEMS]
        if licence:
            what = ", ".join(ITEMS_BY_CODE[c].label.lower() for c in licence)
            out.append(SuggestedFollowUp(OutcomeCode.referral_licensing, f"Refer to Licensing: {what}.", due))
        return out
    if outcome == Outcome.advice_given:
        parts = [p for p in (f"failed {labels}" if labels else "", f"not seen {unseen}" if unseen else "") if p]
        text = "; ".join(parts) or "overridden to advice"
        return [SuggestedFollowUp(OutcomeCode.advice_given, f"Advice given ({text}): confirm at the next check.",
                                  due)]
    return []


def not_seen_items(crew: Iterable[Mapping[str, Answer]], vehicle: Mapping[str, Answer]) -> list[str]:
    seen = {code for code, a in all_answers(crew, vehicle) if a == Answer.not_seen}
    return [code for code in ITEMS_BY_CODE if code in seen]


@dataclass(frozen=True)
class CheckFacts:
    """What compliance figures need from one finished vehicle check."""

    operator_id: str
    outcome: Outcome
    answers: list[tuple[str, Answer]]


@dataclass
class Rate:
    passed: int = 0
    counted: int = 0
    """Answers that count: pass, fail, not seen (not applicable is left out)."""

    @property
    def rate(self) -> float | None:
        return self.passed / self.counted if self.counted else None

    def add(self, answer: Answer) -> None:
        if answer == Answer.not_applicable:
            return
        self.counted += 1
        self.passed += answer == Answer.passed


@dataclass
class OperatorFigures:
    operator_id: str
    checks: int = 0
    outcomes: dict[Outcome, int] = field(default_factory=lambda: dict.fromkeys(Outcome, 0))
    items: dict[str, Rate] = field(default_factory=dict)

    @property
    def pass_rate(self) -> float | None:
        """Share of vehicles found compliant."""
        return self.outcomes[Outcome.compliant] / self.checks if self.checks else None


def compliance_figures(facts: Iterable[CheckFacts]) -> tuple[list[OperatorFigures], dict[str, Rate]]:
    """Pass rate per operator (vehicles compliant / vehicles checked) and per item (passes / answers seen).

    Not-seen counts against an item's pass rate (the evidence was not there); not-applicable is left out.
    """
    by_operator: dict[str, OperatorFigures] = {}
    overall: dict[str, Rate] = {}
    for fact in facts:
        figures = by_operator.setdefault(fact.operator_id, OperatorFigures(fact.operator_id))
        figures.checks += 1
        figures.outcomes[fact.outcome] += 1
        for code, answer in fact.answers:
            figures.items.setdefault(code, Rate()).add(answer)
            overall.setdefault(code, Rate()).add(answer)
    return list(by_operator.values()), overall
