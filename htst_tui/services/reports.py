"""The committee summary (issue 7, domain.md §5.4 and §6): gathered from a database into one pure structure.

Two steps, so the disclosure rules can be tested without a database:
1. `gather_*` read facts from a database (the device's own, or a sync target materialised into a throwaway
   database by `sync.export.load_store`) — counts and labels only, never a name, date of birth, pupil
   reference, school or route.
2. `*_section` turn facts into sections of tables (label first, numbers after) and chart data. Every table
   that could describe children (incidents, panel, follow-ups) goes through `domain.disclosure.suppress`;
   shares about children through `domain.reporting.safe_share`. Derived tables reuse the published cells of
   the table they come from (never the raw counts), so no second table adds an equation a reader could
   subtract with.
The narrative is written from the published strings only, and limited to themes.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from htst_tui.db.incidents import IncidentRecord, RouteReturnRecord
from htst_tui.db.panel import (
    PanelAttendanceRecord,
    PanelCaseRecord,
    PanelDecisionRecord,
    PanelDissentRecord,
    PanelMeetingRecord,
    PanelReviewRecord,
)
from htst_tui.db.reference import OperatorRecord, PanelMemberRecord
from htst_tui.db.spot_checks import SpotCheckVisitRecord
from htst_tui.domain import spot_checks as sc
from htst_tui.domain.disclosure import SuppressedTable, suppress
from htst_tui.domain.eligibility import CATEGORY_LABELS as STATUTORY_LABELS
from htst_tui.domain.eligibility import Category
from htst_tui.domain.follow_ups import FollowUpSource, OutcomeCode
from htst_tui.domain.incidents import CATEGORY_LABELS, SEVERITY_LABELS, IncidentCategory, Severity
from htst_tui.domain.local_time import local_day_bounds
from htst_tui.domain.panel import (
    AWARD_LABELS,
    OUTCOME_LABELS,
    REVIEW_OUTCOME_LABELS,
    AttendanceStatus,
    AwardType,
    Outcome,
    ReviewOutcome,
)
from htst_tui.domain.panel_rules import Attendee, check_attendance
from htst_tui.domain.reference import PanelRole
from htst_tui.domain.reporting import Term, percent, previous_term, safe_count, safe_share, terms_between
from htst_tui.domain.route_returns import RouteReturnStatus, is_short_notice
from htst_tui.services import spot_checks as spot_svc
from htst_tui.services.context import ServiceContext
from htst_tui.services.panel import review_deadlines

TITLE = "Home to School Transport: summary for the CYPS Committee"
NOT_DRAWN = "Values shown as <5 or [c] are not drawn."


# ------------------------------------------------------------------------------------------------ the structure


@dataclass(frozen=True)
class ReportTable:
    key: str
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    """Every row: a label (words) first, then numbers, counts as text (`12`, `<5`, `[c]`) or shares (`83%`)."""
    note: str = ""
    withheld: str = ""
    """When set, the table is not published and this sentence stands in its place."""
    controlled: bool = False
    """Passed through disclosure control (the renderers say so under the table)."""


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float | None, ...]
    """None where the published figure is hidden (a chart never draws a suppressed value)."""


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    kind: str
    """"bar" for categories, "line" for trends."""
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    share: bool = False
    """Values are shares from 0 to 1 (drawn as percentages)."""
    note: str = ""


@dataclass
class Section:
    key: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    tables: list[ReportTable] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)


@dataclass
class CommitteeReport:
    title: str
    start: dt.date
    end: dt.date
    generated_on: dt.date
    source: str
    threshold: int
    sections: list[Section]
    rejected: list[str] = field(default_factory=list)
    """Records the store held that failed validation (left out of the figures; the CLI exits 1)."""

    def table(self, key: str) -> ReportTable:
        return next(t for s in self.sections for t in s.tables if t.key == key)

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

    @property
    def period_label(self) -> str:
        return f"{long_date(self.start)} to {long_date(self.end)}"


def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def term_heading(term: Term) -> str:
    return f"{term.label} ({term.start:%d %b}–{term.end:%d %b %Y})"


# ------------------------------------------------------------------------------------------------ table helpers


def withheld_sentence(what: str) -> str:
    return (f"The {what} table is not published: the numbers are so small that any breakdown could identify "
            "a child.")


def controlled_table(key: str, title: str, label_header: str, row_labels: Sequence[str],
                     col_labels: Sequence[str], interior: Sequence[Sequence[int]], threshold: int, *,
                     all_label: str, total_label: str = "Total", what: str = "") -> tuple[ReportTable, SuppressedTable]:
    """A count table with row and column totals after primary and secondary suppression."""
    table = suppress(interior, threshold)
    shown = table.rows()
    labels = [*row_labels, all_label]
    rows = tuple((label, *cells) for label, cells in zip(labels, shown, strict=True))
    withheld = withheld_sentence(what or title.lower()) if table.withheld else ""
    return (ReportTable(key, title, (label_header, *col_labels, total_label), () if withheld else rows,
                        withheld=withheld, controlled=True), table)


def _stronger(a: str, b: str, threshold: int) -> str:
    """The more hidden of two displays of one value (used where a table's total column repeats its only column)."""
    small = f"<{threshold}"
    if small in (a, b):
        return small
    if "[c]" in (a, b):
        return "[c]"
    return a


def controlled_list(key: str, title: str, label_header: str, value_header: str, row_labels: Sequence[str],
                    counts: Sequence[int], threshold: int, *, all_label: str, what: str = "",
                    note: str = "") -> ReportTable:
    """A one-column count table (with its total): a cell is shown only where both its copies in the
    suppressed grid (the cell and its row total) are shown — hiding more never reveals more."""
    table = suppress([[n] for n in counts], threshold)
    if table.withheld:
        return ReportTable(key, title, (label_header, value_header), (), note=note,
                           withheld=withheld_sentence(what or title.lower()), controlled=True)
    rows = tuple((label, _stronger(cells[0], cells[1], threshold))
                 for label, cells in zip([*row_labels, all_label], table.rows(), strict=True))
    return ReportTable(key, title, (label_header, value_header), rows, note=note, controlled=True)


def number(text: str) -> float | None:
    """A published cell as a number for charts: None for hidden cells and dashes; shares as 0..1."""
    text = text.strip()
    if text.endswith("%") and text[:-1].isdigit():
        return int(text[:-1]) / 100
    return float(int(text)) if text.lstrip("-").isdigit() else None


def change(before: str, after: str) -> str:
    """Trend between two published counts: shown only when both are (else it would reveal a hidden one)."""
    a, b = number(before), number(after)
    if a is None or b is None:
        return "[c]"
    diff = int(b - a)
    return f"+{diff}" if diff > 0 else str(diff)


# ------------------------------------------------------------------------------------------------ incidents


@dataclass(frozen=True)
class IncidentFact:
    day: dt.date
    """Local date the incident occurred."""
    category: str
    severity: str


CATEGORY_ORDER = tuple(IncidentCategory)
SEVERITY_ORDER = (Severity.critical, Severity.significant, Severity.minor)


def incident_grid(facts: Sequence[IncidentFact], term: Term) -> list[list[int]]:
    counts = Counter((f.category, f.severity) for f in facts if term.contains(f.day))
    return [[counts[(c.value, s.value)] for s in SEVERITY_ORDER] for c in CATEGORY_ORDER]


def incident_section(facts: Sequence[IncidentFact], terms: Sequence[Term], previous: Term,
                     threshold: int) -> Section:
    """One category x severity table per term, then the trend by category against the previous term."""
    section = Section("incidents", "Incidents")
    section.paragraphs.append(
        "Incidents on home-to-school transport by category and severity, one table per term. Names, dates of "
        "birth, pupil references, schools and routes are left out; small counts are hidden (see the key).")
    categories = [CATEGORY_LABELS[c] for c in CATEGORY_ORDER]
    severities = [SEVERITY_LABELS[s] for s in SEVERITY_ORDER]
    published: list[tuple[Term, SuppressedTable]] = []
    for term in [previous, *terms]:
        report_table, table = controlled_table(
            f"incidents-{term.name.lower()}-{term.year}", f"Incidents, {term_heading(term)}", "Category",
            categories, severities, incident_grid(facts, term), threshold, all_label="All categories",
            what=f"incidents for {term.label}")
        published.append((term, table))
        if term is not previous:
            section.tables.append(report_table)
    section.tables.append(_incident_trend(published, categories))
    section.charts += _incident_charts(published, categories, severities)
    return section


def _incident_trend(published: list[tuple[Term, SuppressedTable]], categories: list[str]) -> ReportTable:
    """Each term's published category totals side by side (no new totals), and the change between the last two
    terms. Every figure here is a cell some per-term table already shows, so nothing new can be subtracted."""
    headers = ("Category", *(t.label for t, _ in published), "Change on previous term")
    rows = []
    for r, label in enumerate([*categories, "All categories"]):
        cells = [table.display(r, len(table.values[0]) - 1) for _, table in published]
        rows.append((label, *cells, change(cells[-2], cells[-1])))
    first = published[0][0]
    return ReportTable("incidents-trend", "Incidents by term: trend", headers, tuple(rows),
                       note=f"{first.label} is the term before the period, for comparison.", controlled=True)


def _incident_charts(published: list[tuple[Term, SuppressedTable]], categories: list[str],
                     severities: list[str]) -> list[Chart]:
    last_term, last = published[-1]
    total_col = len(last.values[0]) - 1
    bars = [(label, number(last.display(r, total_col))) for r, label in enumerate(categories)
            if last.values[r][total_col] or last.withheld]
    by_category = Chart("incidents-by-category", f"Incidents by category, {last_term.label}", "bar",
                        tuple(label for label, _ in bars), (Series("Incidents", tuple(v for _, v in bars)),),
                        note=NOT_DRAWN)
    last_row = len(categories)
    trend = Chart("incidents-trend", "Incidents per term, by severity", "line",
                  tuple(t.label for t, _ in published),
                  tuple(Series(name, tuple(number(table.display(last_row, c)) for _, table in published))
                        for c, name in enumerate([*severities, "All incidents"])), note=NOT_DRAWN)
    return [by_category, trend]


def gather_incidents(ctx: ServiceContext, start: dt.date, end: dt.date) -> list[IncidentFact]:
    """Category, severity and local day of each live incident from `start` to `end` — nothing else is read."""
    i = IncidentRecord
    with ctx.read() as session:
        rows = session.execute(select(i.occurred_at, i.category, i.severity).where(
            i.deleted.is_(False), i.occurred_at >= local_day_bounds(start)[0],
            i.occurred_at < local_day_bounds(end)[1])).all()
    return [IncidentFact(occurred.astimezone().date(), category, severity) for occurred, category, severity in rows]


# ------------------------------------------------------------------------------------------------ spot checks


@dataclass(frozen=True)
class SpotCheckFacts:
    visits: int
    licensing_visits: int
    compliance: spot_svc.ComplianceReport


def spot_check_section(facts: SpotCheckFacts) -> Section:
    """Visits, vehicles and pass rates. Operators are companies and are named; crew never appear."""
    section = Section("spot_checks", "Spot checks at school sites")
    section.paragraphs.append(
        "Unannounced checks of vehicles and crews at school gates: ID badges, hi-vis, knowledge of the children "
        "carried and the other items on the checklist. A vehicle passes when it is found compliant; an item's "
        "pass rate counts answers seen (not applicable is left out, not seen counts against).")
    ops = facts.compliance.operators
    checked = sum(o.figures.checks for o in ops)
    outcomes = {k: sum(o.figures.outcomes[k] for o in ops) for k in sc.Outcome}
    glance = [("Visits to school sites", str(facts.visits), ""),
              ("Visits with Licensing present", str(facts.licensing_visits),
               percent(facts.licensing_visits, facts.visits)),
              ("Vehicles checked", str(checked), "")]
    glance += [(f"Vehicles: {sc.OUTCOME_LABELS[k].lower()}", str(n), percent(n, checked)) for k, n in outcomes.items()]
    section.tables.append(ReportTable("spot-checks-glance", "Spot checks at a glance", ("Measure", "Number", "Share"),
                                      tuple(glance)))
    op_rows = [(o.operator_name, str(o.figures.checks),
                *(str(o.figures.outcomes[k]) for k in sc.Outcome),
                percent(o.figures.outcomes[sc.Outcome.compliant], o.figures.checks)) for o in ops]
    op_rows.append(("All operators", str(checked), *(str(outcomes[k]) for k in sc.Outcome),
                    percent(outcomes[sc.Outcome.compliant], checked)))
    section.tables.append(ReportTable(
        "spot-checks-operators", "Vehicles checked by operator",
        ("Operator", "Vehicles checked", *(sc.OUTCOME_LABELS[k] for k in sc.Outcome), "Pass rate"), tuple(op_rows)))
    items = facts.compliance.items
    item_rows = tuple((sc.ITEMS_BY_CODE[code].label, str(items[code].counted), str(items[code].passed),
                       percent(items[code].passed, items[code].counted))
                      for code in facts.compliance.item_codes if code in items)
    section.tables.append(ReportTable("spot-checks-items", "Pass rate by check item (all operators)",
                                      ("Check item", "Answers", "Passed", "Pass rate"), item_rows))
    section.charts.append(Chart("spot-checks-operators", "Pass rate by operator", "bar",
                                tuple(r[0] for r in op_rows[:-1]),
                                (Series("Pass rate", tuple(number(r[-1]) for r in op_rows[:-1])),), share=True))
    section.charts.append(Chart("spot-checks-items", "Pass rate by check item", "bar", tuple(r[0] for r in item_rows),
                                (Series("Pass rate", tuple(number(r[-1]) for r in item_rows)),), share=True))
    return section


def gather_spot_checks(ctx: ServiceContext, start: dt.date, end: dt.date) -> SpotCheckFacts:
    v = SpotCheckVisitRecord
    with ctx.read() as session:
        rows = session.execute(select(v.licensing_attended).where(
            v.deleted.is_(False), v.started_at >= local_day_bounds(start)[0],
            v.started_at < local_day_bounds(end)[1])).scalars().all()
    return SpotCheckFacts(len(rows), sum(1 for r in rows if r), spot_svc.compliance(ctx, start, end))


# ------------------------------------------------------------------------------------------------ panel


@dataclass(frozen=True)
class MeetingFact:
    senior_send: bool
    amaze: bool


@dataclass(frozen=True)
class DecisionFact:
    outcome: str
    category: str | None
    award_types: tuple[str, ...]
    dissent: bool


DEADLINE_STATES = ("On time", "Late", "Not yet due", "Overdue")
DEADLINE_KINDS = ("Stage 1 review response", "Stage 2 appeal hearing", "Stage 2 appeal letter")


@dataclass(frozen=True)
class ReviewFact:
    stage: int
    outcome: str | None
    deadlines: tuple[tuple[str, str], ...]
    """(kind from DEADLINE_KINDS, state from DEADLINE_STATES)."""


@dataclass
class PanelFacts:
    meetings: list[MeetingFact]
    cases_heard: int
    decisions: list[DecisionFact]
    reviews: list[ReviewFact]


def deadline_state(due: dt.date, done: dt.date | None, as_of: dt.date) -> str:
    if done is not None:
        return DEADLINE_STATES[0] if done <= due else DEADLINE_STATES[1]
    return DEADLINE_STATES[3] if due < as_of else DEADLINE_STATES[2]


STATUTORY_ROWS: tuple[Category | None, ...] = (*Category, None)


def panel_section(facts: PanelFacts, threshold: int) -> Section:
    section = Section("panel", "Transport Panel")
    section.paragraphs.append(
        "Meetings held in the period, the cases they heard and the decisions finalised, with reviews and appeals "
        "received in the period. No child, school or route is named; small counts are hidden.")
    meetings = len(facts.meetings)
    send = sum(m.senior_send for m in facts.meetings)
    amaze = sum(m.amaze for m in facts.meetings)
    both = sum(m.senior_send and m.amaze for m in facts.meetings)
    section.tables.append(ReportTable("panel-attendance", "Panel meetings and who attended",
                                      ("Meetings", "Number", "Share"), (
        ("Meetings held", str(meetings), ""),
        ("With a senior SEND team member present", str(send), percent(send, meetings)),
        ("With the Amaze parent-carer worker present", str(amaze), percent(amaze, meetings)),
        ("With both present", str(both), percent(both, meetings)))))

    outcomes = (Outcome.eligible, Outcome.not_eligible, Outcome.deferred)
    grid = [[sum(1 for d in facts.decisions if d.category == (cat.value if cat else None) and d.outcome == o.value)
             for o in outcomes] for cat in STATUTORY_ROWS]
    decisions_table, decisions = controlled_table(
        "panel-outcomes", "Decisions by statutory category and outcome", "Statutory category",
        [STATUTORY_LABELS[c] if c else "No statutory category" for c in STATUTORY_ROWS],
        [OUTCOME_LABELS[o] for o in outcomes], grid, threshold, all_label="All decisions",
        what="panel decisions")
    total = decisions.display(len(grid), len(outcomes))
    dissent_n = sum(d.dissent for d in facts.decisions)
    dissent, dissent_share = safe_share(dissent_n, len(facts.decisions), threshold)
    if number(total) is None:
        dissent_share = "[c]"
    undecided = facts.cases_heard - len(facts.decisions)
    cases_heard = "[c]" if 0 < undecided < threshold else safe_count(facts.cases_heard, threshold)
    headers = ("Measure", "Number", "Share of decisions")
    section.tables.append(ReportTable("panel-cases", "Cases and decisions", headers, (
        ("Cases heard", cases_heard, ""),
        ("Decisions finalised", total, ""),
        ("Decisions with recorded dissent", dissent, dissent_share)),
        note="Dissent is recorded per decision so that disagreement is plain in the papers.", controlled=True))
    section.tables.append(decisions_table)
    awards = [sum(1 for d in facts.decisions if d.outcome == Outcome.eligible and a.value in d.award_types)
              for a in AwardType]
    section.tables.append(controlled_list("panel-awards", "Awards by type", "Type of award", "Decisions",
                                          [AWARD_LABELS[a] for a in AwardType], awards, threshold,
                                          all_label="All awards", what="awards",
                                          note="A decision may make more than one award."))
    review_outcomes: tuple[ReviewOutcome | None, ...] = (*ReviewOutcome, None)
    review_grid = [[sum(1 for r in facts.reviews if r.stage == stage and r.outcome == (o.value if o else None))
                    for o in review_outcomes] for stage in (1, 2)]
    section.tables.append(controlled_table(
        "panel-reviews", "Reviews and appeals received", "Stage", ["Stage 1 review", "Stage 2 appeal"],
        [REVIEW_OUTCOME_LABELS[o] if o else "Not yet decided" for o in review_outcomes], review_grid, threshold,
        all_label="All requests", what="reviews and appeals")[0])
    section.tables.append(deadline_table(facts.reviews, threshold))
    section.charts.append(Chart("panel-attendance", "Share of meetings with each member present", "bar",
                                ("Senior SEND team member", "Amaze parent-carer worker", "Both"),
                                (Series("Meetings", tuple(v / meetings if meetings else None
                                                          for v in (send, amaze, both))),), share=True))
    cells = decisions_table.rows[-1][1:-1] if decisions_table.rows else ()
    section.charts.append(Chart("panel-outcomes", "Decisions by outcome", "bar",
                                tuple(OUTCOME_LABELS[o] for o in outcomes),
                                (Series("Decisions", tuple(number(c) for c in cells) if cells
                                        else tuple(None for _ in outcomes)),), note=NOT_DRAWN))
    return section


def deadline_table(reviews: Sequence[ReviewFact], threshold: int) -> ReportTable:
    """Deadlines met, as the share of each step done on time. Counts are not published here: each step's
    count is a margin of the reviews table (every stage 1 review has one response), so a second count table
    would let a reader subtract across the two. A share is shown only when neither the steps done on time
    nor those done late are a small count (`safe_share`)."""
    rows = []
    for kind in DEADLINE_KINDS:
        states = [s for r in reviews for k, s in r.deadlines if k == kind]
        on_time, late = states.count(DEADLINE_STATES[0]), states.count(DEADLINE_STATES[1])
        rows.append((kind, safe_share(on_time, on_time + late, threshold)[1]))
    return ReportTable("panel-deadlines", "Review and appeal deadlines met", ("Step", "Done on time"), tuple(rows),
                       note="Share of the steps done in the period that met their deadline (— where none was done).",
                       controlled=True)


def gather_panel(ctx: ServiceContext, start: dt.date, end: dt.date, as_of: dt.date) -> PanelFacts:
    """Meetings in the period with attendance, decisions finalised for their cases, reviews received."""
    m, a, c, d = PanelMeetingRecord, PanelAttendanceRecord, PanelCaseRecord, PanelDecisionRecord
    valid_months = ctx.settings.panel.training_valid_months
    with ctx.read() as session:
        meetings = session.execute(select(m.id, m.meeting_date).where(
            m.deleted.is_(False), m.meeting_date >= start, m.meeting_date <= end)).all()
        ids = [mid for mid, _ in meetings]
        attendance: dict[str, list[Attendee]] = {mid: [] for mid in ids}
        for meeting_id, status, role, training in session.execute(
                select(a.meeting_id, a.status, PanelMemberRecord.role, PanelMemberRecord.training_date)
                .join(PanelMemberRecord, PanelMemberRecord.id == a.member_id)
                .where(a.deleted.is_(False), a.meeting_id.in_(ids))):
            attendance[meeting_id].append(Attendee("", PanelRole(role), AttendanceStatus(status), training))
        case_ids = session.execute(select(c.id).where(c.deleted.is_(False), c.meeting_id.in_(ids))).scalars().all()
        decisions = session.execute(select(d.id, d.outcome, d.statutory_category, d.award_types).where(
            d.deleted.is_(False), d.finalised.is_(True), d.case_id.in_(case_ids))).all()
        dissented = set(session.execute(select(PanelDissentRecord.decision_id).where(
            PanelDissentRecord.deleted.is_(False),
            PanelDissentRecord.decision_id.in_([x.id for x in decisions]))).scalars())
        reviews = session.execute(select(PanelReviewRecord).where(
            PanelReviewRecord.deleted.is_(False), PanelReviewRecord.request_received >= start,
            PanelReviewRecord.request_received <= end)).scalars().all()
        review_facts = [_review_fact(ctx, r, as_of) for r in reviews]
    checks = [check_attendance(attendance[mid], day, valid_months) for mid, day in meetings]
    return PanelFacts(
        meetings=[MeetingFact(x.senior_send_present, x.amaze_present) for x in checks],
        cases_heard=len(case_ids),
        decisions=[DecisionFact(x.outcome or "", x.statutory_category, tuple(x.award_types or ()),
                                x.id in dissented) for x in decisions],
        reviews=review_facts)


def _review_fact(ctx: ServiceContext, r: PanelReviewRecord, as_of: dt.date) -> ReviewFact:
    dl = review_deadlines(ctx.settings, {"stage": r.stage, "request_received": r.request_received,
                                         "letter_sent_on": r.letter_sent_on, "hearing_date": r.hearing_date})
    steps: list[tuple[str, str]] = []
    if r.stage == 1 and dl.response_due:
        steps.append((DEADLINE_KINDS[0], deadline_state(dl.response_due, r.letter_sent_on, as_of)))
    if r.stage == 2 and dl.hearing_due:
        steps.append((DEADLINE_KINDS[1], deadline_state(dl.hearing_due, r.hearing_date, as_of)))
    if r.stage == 2 and dl.letter_due:
        steps.append((DEADLINE_KINDS[2], deadline_state(dl.letter_due, r.letter_sent_on, as_of)))
    return ReviewFact(r.stage, r.outcome, tuple(steps))


# ------------------------------------------------------------------------------------------------ route returns


@dataclass(frozen=True)
class RouteReturnFact:
    operator: str
    notice_days: int
    children: int
    status: str


def route_return_section(facts: Sequence[RouteReturnFact], required_days: int) -> Section:
    """Routes handed back per operator (companies, named), with short notice flagged: the committee's scrutiny
    of operators. Children are a count only (domain.md §5.3)."""
    section = Section("route_returns", "Route returns")
    section.paragraphs.append(
        f"Contracted routes handed back by operators with an effective date in the period. Short notice means "
        f"less than the contractual {required_days} days.")
    headers = ("Operator", "Routes handed back", f"Short notice (under {required_days} days)", "Children affected",
               "Reallocated", "Not yet reallocated")

    def line(label: str, group: Sequence[RouteReturnFact]) -> tuple[str, ...]:
        return (label, str(len(group)), str(sum(is_short_notice(f.notice_days, required_days) for f in group)),
                str(sum(f.children for f in group)),
                str(sum(f.status == RouteReturnStatus.reallocated for f in group)),
                str(sum(f.status == RouteReturnStatus.open for f in group)))

    operators = sorted({f.operator for f in facts})
    rows = [line(op, [f for f in facts if f.operator == op]) for op in operators]
    rows.append(line("All operators", facts))
    section.tables.append(ReportTable("route-returns", "Route returns by operator", headers, tuple(rows)))
    section.charts.append(Chart("route-returns", "Routes handed back by operator", "bar", tuple(operators), (
        Series("Routes handed back", tuple(number(r[1]) for r in rows[:-1])),
        Series("Short notice", tuple(number(r[2]) for r in rows[:-1])))))
    return section


def gather_route_returns(ctx: ServiceContext, start: dt.date, end: dt.date) -> list[RouteReturnFact]:
    r = RouteReturnRecord
    with ctx.read() as session:
        rows = session.execute(select(OperatorRecord.name, r.notice_days, r.children_affected, r.status)
                               .join(OperatorRecord, OperatorRecord.id == r.operator_id)
                               .where(r.deleted.is_(False), r.effective_date >= start, r.effective_date <= end)).all()
    return [RouteReturnFact(*row) for row in rows]


# ------------------------------------------------------------------------------------------------ follow-ups


@dataclass(frozen=True)
class FollowUpFact:
    source_kind: str
    outcome_code: str
    overdue: bool


SOURCE_LABELS = {FollowUpSource.vehicle_check: "Spot checks", FollowUpSource.incident: "Incidents",
                 FollowUpSource.route_return: "Route returns"}


def follow_up_section(facts: Sequence[FollowUpFact], today: dt.date, threshold: int) -> Section:
    """Actions still open on the day the report is made. Incident follow-ups (a LADO referral, say) can point
    at a child, so this table is disclosure-controlled like the incident tables."""
    section = Section("follow_ups", "Open follow-ups")
    section.paragraphs.append(f"Follow-up actions open on {long_date(today)}, by what they are and where they "
                              "came from.")
    codes = list(OutcomeCode)
    grid = [[sum(1 for f in facts if f.outcome_code == code and f.source_kind == src) for src in FollowUpSource]
            for code in codes]
    table, suppressed = controlled_table(
        "follow-ups", "Open follow-ups by action and source", "Action",
        [spot_svc.OUTCOME_CODE_LABELS[c] for c in codes], [SOURCE_LABELS[s] for s in FollowUpSource], grid,
        threshold, all_label="All open follow-ups", what="follow-ups")
    section.tables.append(table)
    overdue, share = safe_share(sum(f.overdue for f in facts), len(facts), threshold)
    if number(suppressed.display(len(codes), len(FollowUpSource))) is None:
        share = "[c]"
    section.tables.append(ReportTable("follow-ups-overdue", "Open follow-ups past their due date",
                                      ("Measure", "Number", "Share of open follow-ups"),
                                      (("Overdue", overdue, share),), controlled=True))
    return section


def gather_follow_ups(ctx: ServiceContext, today: dt.date) -> list[FollowUpFact]:
    return [FollowUpFact(f.source_kind, f.outcome_code, f.overdue)
            for f in spot_svc.open_follow_ups(ctx, today, limit=1_000_000)]


# ------------------------------------------------------------------------------------------------ narrative


def _largest(rows: Sequence[tuple[str, ...]], column: int) -> tuple[str, int] | None:
    shown = [(r[0], number(r[column])) for r in rows]
    visible = [(label, int(v)) for label, v in shown if v]
    return max(visible, key=lambda x: x[1]) if visible else None


def summary_section(report_sections: Sequence[Section], terms: Sequence[Term], threshold: int) -> Section:
    """Themes only, written from the published cells (so the narrative can never say more than the tables)."""
    section = Section("summary", "Summary")
    by_key = {s.key: s for s in report_sections}
    trend = next(t for t in by_key["incidents"].tables if t.key == "incidents-trend")
    body, total = trend.rows[:-1], trend.rows[-1]
    top = _largest(body, len(trend.headers) - 2)
    if top:
        section.bullets.append(f"The most common kind of incident in {terms[-1].label} was "
                               f"{top[0].lower()} ({top[1]}).")
    before, after = number(total[-3]), number(total[-2])
    if before is not None and after is not None:
        moved = "rose" if after > before else "fell" if after < before else "stayed"
        section.bullets.append(f"Incidents {moved} from {int(before)} in {trend.headers[-3]} to {int(after)} in "
                               f"{trend.headers[-2]}." if moved != "stayed" else
                               f"Incidents stayed at {int(after)} a term.")
    spot = by_key["spot_checks"]
    glance = next(t for t in spot.tables if t.key == "spot-checks-glance")
    compliant = glance.rows[3]
    if compliant[1] != "0":
        section.bullets.append(f"{compliant[2]} of the {glance.rows[2][1]} vehicles checked were compliant.")
    items = [r for r in next(t for t in spot.tables if t.key == "spot-checks-items").rows if number(r[3]) is not None]
    if items:
        worst = min(items, key=lambda r: number(r[3]) or 0)
        section.bullets.append(f"The check item passed least often was {worst[0].lower()} ({worst[3]}).")
    attendance = next(t for t in by_key["panel"].tables if t.key == "panel-attendance").rows
    if attendance[0][1] != "0":
        section.bullets.append(f"The Transport Panel met {attendance[0][1]} times; a senior SEND team member was "
                               f"present at {attendance[1][2]} and the Amaze worker at {attendance[2][2]} of meetings.")
    returns = by_key["route_returns"].tables[0].rows[-1]
    if returns[1] != "0":
        section.bullets.append(f"Operators handed back {returns[1]} routes, {returns[2]} at short notice.")
    section.paragraphs.append(
        f"Key: <{threshold} means a count from 1 to {threshold - 1}; [c] means a figure hidden so that a small count "
        "cannot be worked out from the totals. Tables about children show no names, dates of birth, pupil "
        "references, schools or routes.")
    return section


# ------------------------------------------------------------------------------------------------ gathering


def build_report(ctx: ServiceContext, start: dt.date, end: dt.date, *, today: dt.date | None = None,
                 source: str = "") -> CommitteeReport:
    """The whole summary for `start`..`end` from the database behind `ctx`."""
    today = today or dt.date.today()
    threshold = ctx.settings.reports.suppression_threshold
    terms = terms_between(start, end)
    previous = previous_term(terms[0])
    incidents = incident_section(gather_incidents(ctx, previous.start, end), terms, previous, threshold)
    spot = spot_check_section(gather_spot_checks(ctx, start, end))
    panel = panel_section(gather_panel(ctx, start, end, min(end, today)), threshold)
    returns = route_return_section(gather_route_returns(ctx, start, end),
                                   ctx.settings.incidents.route_return_notice_days)
    follow_ups = follow_up_section(gather_follow_ups(ctx, today), today, threshold)
    sections = [incidents, spot, panel, returns, follow_ups]
    summary = summary_section(sections, terms, threshold)
    return CommitteeReport(TITLE, start, end, today, source or str(ctx.db.path), threshold, [summary, *sections])


def build_report_from_target(spec: str, start: dt.date, end: dt.date, *, settings_from: ServiceContext | None = None,
                             key_path: Path | None = None, today: dt.date | None = None) -> CommitteeReport:
    """The summary of everything a sync target holds, read through the store's local replica (the same
    merge every device uses, brought up to date first: `sync/replica.py`)."""
    from htst_tui.sync.replica import store_replica

    settings = settings_from.settings if settings_from else None
    with store_replica(spec, key_path, settings=settings) as replica:
        report = build_report(replica.ctx, start, end, today=today, source=replica.target)
        report.rejected = replica.rejected
    return report
