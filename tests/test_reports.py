"""The committee report: disclosure control at report level, no identifiers in any format, golden Markdown.

The disclosure module has its own oracle tests; these check what the REPORT publishes: that every table about
children, as printed, protects each small count (the MILP oracle from test_disclosure re-reads the printed
strings), that derived tables and shares add nothing a reader could subtract with, and that no pupil name, LA
reference, school or route code from the demo data reaches a Markdown, HTML or XLSX file.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import select

from htst_tui.db.panel import PanelCaseRecord
from htst_tui.db.reference import CrewMemberRecord, PupilRecord, RouteRecord, SchoolRecord
from htst_tui.domain.disclosure import PRIMARY, SECONDARY, SuppressedTable, with_totals
from htst_tui.domain.incidents import IncidentCategory, Severity
from htst_tui.domain.reporting import Term, default_period, parse_period, safe_share, term_of, terms_between
from htst_tui.services import report_render as rr
from htst_tui.services import reports as rp
from htst_tui.services import spot_checks as spot_svc
from htst_tui.services.context import ServiceContext
from htst_tui.services.demo import build_demo
from tests.test_disclosure import value_range

T = 5
GOLDEN = Path(__file__).parent / "data" / "reports"
AUTUMN = term_of(dt.date(2026, 10, 1))
SUMMER = term_of(dt.date(2026, 6, 1))


def published_grid(table: rp.ReportTable, values: list[list[int]]) -> SuppressedTable:
    """Read a printed table back: which cells a reader sees hidden, with the true values behind them."""
    hidden = {}
    for r, row in enumerate(table.rows):
        for c, text in enumerate(row[1:]):
            if text == f"<{T}":
                hidden[(r, c)] = PRIMARY
            elif text == "[c]":
                hidden[(r, c)] = SECONDARY
            else:
                assert int(text) == values[r][c], "a shown figure must be the true one"
    return SuppressedTable(values=values, hidden=hidden, threshold=T)


def assert_protected(table: rp.ReportTable, interior: list[list[int]]) -> None:
    values = with_totals(interior)
    if table.withheld:
        assert not table.rows
        return
    for row in table.rows:
        for text in row[1:]:
            assert text in (f"<{T}", "[c]") or int(text) == 0 or int(text) >= T, row
    grid = published_grid(table, values)
    for cell, kind in grid.hidden.items():
        if kind == PRIMARY:
            low, high = value_range(grid, cell)
            assert low < high, f"{table.key}: {table.rows[cell[0]][0]} can be worked out as {low}"


incident_facts = st.lists(st.tuples(st.sampled_from([AUTUMN, SUMMER]), st.sampled_from(list(IncidentCategory)[:5]),
                                    st.sampled_from(list(Severity)), st.integers(1, 4)), max_size=14)


def _incidents(spec: list[tuple[Term, IncidentCategory, Severity, int]]) -> list[rp.IncidentFact]:
    return [rp.IncidentFact(term.start + dt.timedelta(days=3), cat.value, sev.value)
            for term, cat, sev, n in spec for _ in range(n)]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(incident_facts)
def test_incident_tables_never_reveal_a_small_count(spec: list[tuple[Term, IncidentCategory, Severity, int]]) -> None:
    facts = _incidents(spec)
    section = rp.incident_section(facts, [AUTUMN], SUMMER, T)
    term_table = section.tables[0]
    assert_protected(term_table, rp.incident_grid(facts, AUTUMN))
    trend = section.tables[-1]
    # The trend only repeats totals the per-term tables publish (no new equation to subtract with).
    totals = [row[-1] for row in term_table.rows] if term_table.rows else ["[c]"] * len(trend.rows)
    assert [row[2] for row in trend.rows] == totals
    for row in trend.rows:
        if "[c]" in row[1:3] or f"<{T}" in row[1:3]:
            assert row[3] == "[c]"
    for chart in section.charts:
        drawn = {v for s in chart.series for v in s.values if v is not None}
        assert all(v == 0 or v >= T for v in drawn)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["eligible", "not_eligible", "deferred"]),
                          st.sampled_from(["A", "B", None]), st.booleans(),
                          st.sampled_from([(), ("bus_pass",), ("solo_vehicle", "passenger_assistant")])),
                max_size=30), st.integers(0, 6))
def test_panel_tables_and_shares_hide_small_numbers(decisions: list, undecided: int) -> None:
    facts = rp.PanelFacts(
        meetings=[rp.MeetingFact(True, False)] * 3, cases_heard=len(decisions) + undecided,
        decisions=[rp.DecisionFact(o, c, tuple(a) if o == "eligible" else (), d) for o, c, d, a in decisions],
        reviews=[])
    section = rp.panel_section(facts, T)
    outcomes = ("eligible", "not_eligible", "deferred")
    grid = [[sum(1 for d in facts.decisions if d.category == cat and d.outcome == o) for o in outcomes]
            for cat in ("A", "B", "C", "D", None)]
    assert_protected(next(t for t in section.tables if t.key == "panel-outcomes"), grid)
    cases = dict((r[0], r[1:]) for r in next(t for t in section.tables if t.key == "panel-cases").rows)
    dissent = sum(d.dissent for d in facts.decisions)
    count, share = cases["Decisions with recorded dissent"]
    if 0 < dissent < T or 0 < len(decisions) - dissent < T:
        assert share == "[c]" and count in (f"<{T}", "[c]")
    if 0 < undecided < T:
        assert cases["Cases heard"][0] == "[c]"
    for row in next(t for t in section.tables if t.key == "panel-awards").rows:
        assert row[1] in (f"<{T}", "[c]") or int(row[1]) == 0 or int(row[1]) >= T


@given(st.integers(0, 60), st.integers(0, 60))
def test_a_share_never_gives_away_a_small_numerator_or_remainder(a: int, b: int) -> None:
    numerator, denominator = min(a, b), max(a, b)
    count, share = safe_share(numerator, denominator, T)
    if share != "[c]":
        assert numerator == 0 or numerator >= T
        assert denominator - numerator == 0 or denominator - numerator >= T
    assert count in (f"<{T}", "[c]") or int(count) == 0 or int(count) >= T


def test_terms_and_periods() -> None:
    assert [t.label for t in terms_between(dt.date(2026, 3, 15), dt.date(2026, 9, 30))] == [
        "Spring 2026", "Summer 2026", "Autumn 2026"]
    assert terms_between(dt.date(2026, 3, 15), dt.date(2026, 9, 30))[0].start == dt.date(2026, 3, 15)
    assert default_period(dt.date(2026, 11, 23)) == (dt.date(2026, 5, 24), dt.date(2026, 11, 23))
    assert parse_period("2026-09-01..2026-12-31") == (dt.date(2026, 9, 1), dt.date(2026, 12, 31))
    for bad in ("2026-09-01", "2026-13-01..2026-12-31", "2026-12-31..2026-09-01"):
        try:
            parse_period(bad)
        except ValueError as exc:
            assert bad in str(exc)
        else:
            raise AssertionError(f"{bad} was accepted")


# ------------------------------------------------------------------------------------------------ golden files


def fixed_report() -> rp.CommitteeReport:
    """A small fixed dataset (no database): the Markdown of it must match tests/data/reports/ exactly."""
    terms = [AUTUMN]
    c, s = IncidentCategory, Severity
    spec = [(SUMMER, c.late_or_missed_pickup, s.minor, 12), (SUMMER, c.behaviour, s.minor, 6),
            (SUMMER, c.safeguarding, s.critical, 1), (AUTUMN, c.late_or_missed_pickup, s.minor, 9),
            (AUTUMN, c.behaviour, s.minor, 7), (AUTUMN, c.breakdown, s.significant, 2),
            (AUTUMN, c.medical_event, s.significant, 5), (AUTUMN, c.child_left_on_vehicle, s.critical, 1)]
    incidents = rp.incident_section(_incidents(spec), terms, SUMMER, T)
    compliance = spot_svc.ComplianceReport(AUTUMN.start, AUTUMN.end, [], {}, ())
    spot = rp.spot_check_section(rp.SpotCheckFacts(4, 1, compliance))
    decisions = ([rp.DecisionFact("eligible", "A", ("bus_pass",), False)] * 8
                 + [rp.DecisionFact("eligible", "B", ("solo_vehicle", "passenger_assistant"), True)] * 6
                 + [rp.DecisionFact("not_eligible", None, (), False)] * 7
                 + [rp.DecisionFact("deferred", None, (), False)] * 2)
    reviews = [rp.ReviewFact(1, "upheld", (("Stage 1 review response", "On time"),))] * 6 + [
        rp.ReviewFact(1, None, (("Stage 1 review response", "Not yet due"),))]
    panel = rp.panel_section(rp.PanelFacts([rp.MeetingFact(True, True)] * 3 + [rp.MeetingFact(True, False)],
                                           25, decisions, reviews), T)
    returns = rp.route_return_section([rp.RouteReturnFact("Moonbeam Travel (DEMO)", 10, 4, "reallocated"),
                                       rp.RouteReturnFact("Moonbeam Travel (DEMO)", 45, 6, "open"),
                                       rp.RouteReturnFact("Thimble Travel (DEMO)", 30, 2, "reallocated")], 30)
    follow = rp.follow_up_section([rp.FollowUpFact("vehicle_check", "advice_given", False)] * 6
                                  + [rp.FollowUpFact("incident", "referral_LADO_safeguarding", True)], AUTUMN.end, T)
    sections = [incidents, spot, panel, returns, follow]
    return rp.CommitteeReport(rp.TITLE, AUTUMN.start, AUTUMN.end, AUTUMN.end, "fixed", T,
                              [rp.summary_section(sections, terms, T), *sections])


def test_markdown_matches_the_golden_file() -> None:
    text = rr.to_report_markdown(fixed_report())
    golden = GOLDEN / "committee-autumn-2026.md"
    if os.environ.get("HTST_UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")
    # Every table row has the same number of cells as its header, label first.
    for block in re.findall(r"((?:^\|.*\|\n)+)", text, re.M):
        widths = {line.count(" | ") for line in block.splitlines() if not line.startswith("|---")}
        assert len(widths) == 1


def test_fixed_report_hides_the_single_serious_incident_and_the_lado_referral() -> None:
    report = fixed_report()
    autumn = report.table("incidents-autumn-2026")
    row = dict((r[0], r[1:]) for r in autumn.rows)
    assert row["Child left on vehicle"][0] == "<5"
    follow = dict((r[0], r[1:]) for r in report.table("follow-ups").rows)
    assert follow["LADO / safeguarding referral"][1] == "<5"
    assert report.table("follow-ups-overdue").rows[0][1:] == ("<5", "[c]")


# ------------------------------------------------------------------------------------------------ demo data


def _identifiers(ctx: ServiceContext) -> set[str]:
    with ctx.read() as session:
        pupils = session.execute(select(PupilRecord.first_name, PupilRecord.last_name, PupilRecord.la_reference,
                                        PupilRecord.date_of_birth)).all()
        out = {f"{f} {last}" for f, last, _, _ in pupils} | {ref for _, _, ref, _ in pupils}
        out |= {dob.isoformat() for *_, dob in pupils if dob}
        out |= set(session.execute(select(SchoolRecord.name)).scalars())
        out |= set(session.execute(select(RouteRecord.code)).scalars())
        out |= set(session.execute(select(CrewMemberRecord.name)).scalars())
        out |= {n for n in session.execute(select(PanelCaseRecord.child_name)).scalars() if n}
    return {x for x in out if x}


def test_no_identifier_from_the_demo_data_reaches_any_format(ctx: ServiceContext, tmp_path: Path) -> None:
    build_demo(ctx, pupils=200)
    start, end = default_period(dt.date.today())
    report = rp.build_report(ctx, start, end)
    assert sum(len(t.rows) for s in report.sections for t in s.tables) > 40
    texts = {}
    for suffix in rr.FORMATS:
        path = tmp_path / f"report{suffix}"
        rr.write_report(ctx, report, path)
        assert path.stat().st_mode & 0o777 == 0o600
        if suffix == ".xlsx":
            wb = load_workbook(io.BytesIO(path.read_bytes()))
            texts[suffix] = "\n".join([*wb.sheetnames, *(str(c.value) for ws in wb for row in ws.iter_rows()
                                                          for c in row if c.value is not None)])
        else:
            texts[suffix] = path.read_text(encoding="utf-8")
    identifiers = _identifiers(ctx)
    assert len(identifiers) > 200
    for suffix, text in texts.items():
        leaked = sorted(x for x in identifiers if x in text)
        assert not leaked, f"{suffix}: {leaked[:5]}"
    html = texts[".html"]
    assert html.count("<svg") == sum(len(s.charts) for s in report.sections)
    assert not re.search(r"""(src|href)\s*=\s*["']?https?:""", html) and "<script" not in html
    assert "Moonbeam Travel (DEMO)" in texts[".md"] or "Travel (DEMO)" in texts[".md"]  # operators are named
    with ctx.read() as session:
        from htst_tui.db.local import AuditEntry

        readouts = session.execute(select(AuditEntry.detail).where(AuditEntry.action == "readout")).scalars().all()
    assert len(readouts) == 3 and all("report" in d for d in readouts)


def test_xlsx_has_a_sheet_per_section_numbers_as_numbers_and_native_charts(tmp_path: Path) -> None:
    data = rr.to_xlsx(fixed_report())
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Summary", "Incidents", "Spot checks at school sites", "Transport Panel",
                             "Route returns", "Open follow-ups"]
    cells = {c.value for row in wb["Incidents"].iter_rows() for c in row}
    assert 9 in cells and "<5" in cells
    assert b"xl/charts/chart1.xml" in data
