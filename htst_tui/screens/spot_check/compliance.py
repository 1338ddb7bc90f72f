"""Operator compliance for a period: pass rate per operator and per check item, as tables and bars.

The bars are the shared block-character `BarChart` (widgets/bar_chart.py).
"""

from __future__ import annotations

import datetime as dt

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.validation import Function
from textual.widgets import DataTable, Footer, Header, Input, Label

from htst_tui.domain import spot_checks as sc
from htst_tui.errors import HtstError
from htst_tui.screens.context import service_context
from htst_tui.services import spot_checks as svc
from htst_tui.widgets.bar_chart import BarChart, percent


def _is_date(value: str) -> bool:
    try:
        dt.date.fromisoformat(value.strip())
    except ValueError:
        return False
    return True


class ComplianceScreen(Screen[None]):
    DEFAULT_CSS = """
    ComplianceScreen .period { height: auto; }
    ComplianceScreen .period Input { width: 20; }
    ComplianceScreen .period Label { padding: 1 1; }
    ComplianceScreen DataTable { height: auto; max-height: 20; }
    ComplianceScreen .chart { padding: 0 1; }
    """
    BINDINGS = [Binding("ctrl+r", "refresh", "Refresh"), Binding("escape", "back", "Back")]

    def __init__(self, start: dt.date | None = None, end: dt.date | None = None) -> None:
        super().__init__()
        self.end = end or dt.date.today()
        self.start = start or self.end - dt.timedelta(days=90)
        self.report: svc.ComplianceReport | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        date_check = [Function(_is_date, "must be a date like 2026-09-01")]
        with VerticalScroll():
            with Horizontal(classes="period"):
                yield Label("From")
                yield Input(self.start.isoformat(), id="start", validators=date_check)
                yield Label("to")
                yield Input(self.end.isoformat(), id="end", validators=date_check)
            yield Label("Pass rate per operator (vehicles compliant) and per item", classes="heading")
            yield DataTable(id="operators", zebra_stripes=True, cursor_type="row")
            yield Label("Vehicles compliant, by operator", classes="heading")
            yield BarChart("", id="operator-chart", classes="chart")
            yield Label("Pass rate by check item (all operators)", classes="heading")
            yield BarChart("", id="item-chart", classes="chart")
        yield Footer()

    def on_mount(self) -> None:
        self.action_refresh()

    @on(Input.Submitted)
    def _period(self) -> None:
        self.action_refresh()

    def action_refresh(self) -> None:
        start, end = self.query_one("#start", Input).value, self.query_one("#end", Input).value
        if not (_is_date(start) and _is_date(end)):
            self.notify("Dates must look like 2026-09-01.", severity="error")
            return
        self.load(dt.date.fromisoformat(start.strip()), dt.date.fromisoformat(end.strip()))

    @work(thread=True, exclusive=True, group="compliance")
    def load(self, start: dt.date, end: dt.date) -> None:
        try:
            report = svc.compliance(service_context(self), start, end)
        except HtstError as exc:
            self.app.call_from_thread(self.notify, exc.message, title=exc.title, severity="error")
            return
        self.app.call_from_thread(self.show, report)

    def show(self, report: svc.ComplianceReport) -> None:
        self.report = report
        table = self.query_one("#operators", DataTable)
        table.clear(columns=True)
        table.add_columns("Operator", "Vehicles", "Compliant", "Advice", "Non-compl.", "Pass rate",
                          *[sc.ITEMS_BY_CODE[c].label[:14] for c in report.item_codes])
        for op in report.operators:
            f = op.figures
            table.add_row(op.operator_name, str(f.checks), str(f.outcomes[sc.Outcome.compliant]),
                          str(f.outcomes[sc.Outcome.advice_given]), str(f.outcomes[sc.Outcome.non_compliant]),
                          percent(f.pass_rate),
                          *[percent(f.items[c].rate if c in f.items else None) for c in report.item_codes],
                          key=op.operator_id)
        total = sum(o.figures.checks for o in report.operators)
        compliant = sum(o.figures.outcomes[sc.Outcome.compliant] for o in report.operators)
        overall = percent(compliant / total if total else None)
        table.add_row("All operators", str(total), str(compliant), "", "", overall,
                      *[percent(report.items[c].rate if c in report.items else None) for c in report.item_codes],
                      key="all")
        self.query_one("#operator-chart", BarChart).plot(
            [(o.operator_name, o.figures.pass_rate, None) for o in report.operators], share=True,
            empty="No finished checks.")
        self.query_one("#item-chart", BarChart).plot(
            [(sc.ITEMS_BY_CODE[c].label, report.items[c].rate if c in report.items else None, None)
             for c in report.item_codes], share=True)

    def action_back(self) -> None:
        self.dismiss(None)
