"""Pure rules a panel meeting is held to: composition, training, review dates, what finalising needs, and who
may sit at a later stage of the same case (domain.md §2.3–2.4, §3).

Each rule returns plain sentences rather than codes, because the same text goes on the banner, into the
refusal modal and into the minutes.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from htst_tui.domain.eligibility import Hint
from htst_tui.domain.panel import (
    AttendanceStatus,
    AwardType,
    Outcome,
    PanelDecision,
)
from htst_tui.domain.reference import PANEL_ROLE_LABELS, PanelRole


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day `months` later, clamped to the month's end (31 Aug + 6 months = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def end_of_academic_year(day: dt.date) -> dt.date:
    """31 August of the academic year (1 September – 31 August) that `day` falls in."""
    return dt.date(day.year + 1 if day.month >= 9 else day.year, 8, 31)


def default_review_date(decision_date: dt.date, award_types: Iterable[AwardType], *, time_limited: bool,
                        pa_months: int, time_limited_months: int) -> dt.date:
    """End of the academic year; sooner (the earlier of the two) for a PA or a time-limited/temporary award.

    Taking the earlier date keeps the annual reassessment of hired transport (domain.md §3) even when the
    shorter period would run past 31 August.
    """
    review = end_of_academic_year(decision_date)
    if AwardType.passenger_assistant in set(award_types):
        review = min(review, add_months(decision_date, pa_months))
    if time_limited:
        review = min(review, add_months(decision_date, time_limited_months))
    return review


# --- attendance ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Attendee:
    name: str
    role: PanelRole
    status: AttendanceStatus
    training_date: dt.date | None = None


def training_current(training_date: dt.date | None, on: dt.date, valid_months: int) -> bool:
    """Current on `on` if trained no more than `valid_months` before (valid up to and including the anniversary)."""
    return training_date is not None and training_date <= on <= add_months(training_date, valid_months)


@dataclass(frozen=True)
class AttendanceCheck:
    senior_send_present: bool
    amaze_present: bool
    untrained: list[str] = field(default_factory=list)
    """Names of present members whose training is missing or out of date."""
    gaps: list[str] = field(default_factory=list)

    @property
    def training_ok(self) -> bool:
        return not self.untrained


def check_attendance(attendees: Sequence[Attendee], on: dt.date, valid_months: int) -> AttendanceCheck:
    present = [a for a in attendees if a.status == AttendanceStatus.present]
    send = any(a.role == PanelRole.senior_send for a in present)
    amaze = any(a.role == PanelRole.amaze_rep for a in present)
    gaps = []
    if not present:
        gaps.append("No panel member is marked present.")
    if not send:
        gaps.append("No senior SEND team member is present.")
    if not amaze:
        gaps.append("No Amaze parent-carer worker is present, so the parental perspective is not given in the room.")
    untrained = []
    for a in present:
        if a.training_date is None:
            untrained.append(a.name)
            gaps.append(f"{a.name} ({PANEL_ROLE_LABELS[a.role]}) has no HTST & Education Act law training recorded.")
        elif not training_current(a.training_date, on, valid_months):
            untrained.append(a.name)
            gaps.append(f"{a.name} ({PANEL_ROLE_LABELS[a.role]}) last trained in HTST & Education Act law on "
                        f"{a.training_date.isoformat()}, more than {valid_months} months before the meeting.")
    return AttendanceCheck(senior_send_present=send, amaze_present=amaze, untrained=untrained, gaps=gaps)


# --- the two-stage conflict rule ----------------------------------------------------------------------------

STAGE_NAMES = {0: "the original decision", 1: "the stage 1 review", 2: "the stage 2 appeal"}


def stage_conflicts(earlier: Iterable[tuple[int, Iterable[str]]], stage: int,
                    member_ids: Iterable[str]) -> dict[str, int]:
    """Members proposed for `stage` who already sat at an earlier stage of the same case: {member id: stage}.

    `earlier` lists (stage, member ids) for each earlier hearing (0 = the original panel decision).
    A member may sit again at the same stage (a reconvened hearing), never at a later one.
    """
    proposed = set(member_ids)
    found: dict[str, int] = {}
    for earlier_stage, ids in earlier:
        if earlier_stage >= stage:
            continue
        for mid in proposed.intersection(ids):
            found.setdefault(mid, earlier_stage)
    return found


def conflict_sentences(conflicts: dict[str, int], names: dict[str, str], stage: int) -> list[str]:
    return [f"{names.get(mid, mid)} sat at {STAGE_NAMES[earlier]} of this case, so cannot sit at "
            f"{STAGE_NAMES[stage]} (it must be decided by someone not involved before)."
            for mid, earlier in sorted(conflicts.items(), key=lambda kv: names.get(kv[0], kv[0]))]


# --- finalising a decision ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class FinaliseInput:
    """Everything the finalise rule looks at besides the decision itself."""

    decision: PanelDecision
    present_members: Sequence[Attendee]
    conflicts_asked: bool
    evidence: Sequence[str]
    hints: Sequence[Hint]
    post_16: bool = False
    stage_conflicts: Sequence[str] = ()


def departs_from_hint(decision: PanelDecision, hints: Sequence[Hint]) -> bool:
    """True when the outcome goes against what the facts point to.

    Not eligible while a category is met outright (A, C, D) is a departure; so is eligible under a statutory
    category the hint does not list. B is the panel's judgement, so refusing a B-only case is not a departure;
    eligibility on discretionary grounds alone is not a departure either (s508C is separate from the hint).
    """
    if decision.outcome == Outcome.not_eligible:
        return any(not h.for_panel for h in hints)
    if decision.outcome == Outcome.eligible and decision.statutory_category is not None:
        return decision.statutory_category not in {h.category for h in hints}
    return False


def finalise_gaps(data: FinaliseInput) -> list[str]:
    """What is missing before the decision can be finalised; empty means it can be locked."""
    d = data.decision
    gaps: list[str] = []
    if not data.present_members:
        gaps.append("Record who was present (members and their roles) in the attendance.")
    if not data.conflicts_asked:
        gaps.append("Ask members to declare any conflict of interest for this case and tick that it was asked.")
    if not data.evidence:
        gaps.append("List the evidence considered.")
    gaps.extend(data.stage_conflicts)
    if d.outcome is None:
        gaps.append("Choose the outcome: eligible, not eligible or deferred.")
    if not d.factors_weighed:
        gaps.append("Record the factors weighed against each policy criterion.")
    if not d.deliberation_notes:
        gaps.append("Record the panel's deliberation notes (how it arrived at the decision).")
    if not d.reasons:
        gaps.append("Write the reasons in plain language for the family.")
    if d.outcome == Outcome.eligible:
        gaps.extend(_eligible_gaps(d, data.post_16))
    if d.outcome == Outcome.deferred:
        if not d.deferred_what:
            gaps.append("Say what is needed before the deferred case can be decided.")
        if d.deferred_by is None:
            gaps.append("Say by when the information for the deferred case is needed.")
    if departs_from_hint(d, data.hints) and not d.departure_reason:
        gaps.append("The decision departs from the statutory hint: record why.")
    return gaps


def _eligible_gaps(d: PanelDecision, post_16: bool) -> list[str]:
    gaps = []
    if d.statutory_category is None and not d.discretionary_reason:
        gaps.append("Give the statutory category (A–D) or the discretionary reason for eligibility.")
    if not d.award_types:
        gaps.append("Choose the travel arrangement awarded.")
    mileage_incomplete = d.mileage_pence_per_mile is None or d.journeys_per_day is None
    if AwardType.mileage_allowance in d.award_types and mileage_incomplete:
        gaps.append("Give the mileage rate (pence a mile) and the journeys a day for the mileage allowance.")
    if AwardType.personal_travel_budget in d.award_types and d.ptb_amount_gbp is None:
        gaps.append("Give the personal travel budget amount.")
    if d.effective_date is None:
        gaps.append("Give the date the award starts (effective date).")
    if d.review_date is None:
        gaps.append("Set the review date.")
    if post_16 and d.post16_contribution_gbp is None and not d.post16_exemption:
        gaps.append("Give the post-16 contribution, or the reason the family is exempt.")
    return gaps
