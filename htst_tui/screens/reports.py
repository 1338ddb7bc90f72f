"""Reports: the committee summary for a period on screen (the published, suppressed figures) and written to a file.

The screen shows exactly what the file will say: the tables hold the report's strings (`<5` and `[c]`
included), the charts draw only published values. Gathering and writing run in thread workers.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.validation import Function
from textual.widget import Widget
from textual.widgets import DataTable, Footer, Header, Input, Label, Sparkline, Static

from htst_tui.domain.reporting import default_period
from htst_tui.errors import HtstError
from htst_tui.screens.context import service_context
from htst_tui.services.report_render import FORMATS
from htst_tui.services.reports import Chart, CommitteeReport, ReportTable
from htst_tui.widgets.bar_chart import BarChart


def _is_date(value: str) -> bool:
    try:
        dt.date.fromisoformat(value.strip())
    except ValueError:
        return False
    return True


def _is_report_path(value: str) -> bool:
    return Path(value.strip()).suffix.lower() in FORMATS and bool(Path(value.strip()).stem)


class ReportsScreen(Screen[None]):
    DEFAULT_CSS = """
    ReportsScreen .period, ReportsScreen .save { height: auto; }
    ReportsScreen .period Input { width: 16; }
    ReportsScreen .save Input { width: 1fr; }
    ReportsScreen .period Label, ReportsScreen .save Label { padding: 1 1; }
    ReportsScreen .section-title { text-style: bold; margin-top: 1; color: $accent; }
    ReportsScreen .table-title { text-style: bold; margin-top: 1; }
    ReportsScreen DataTable { height: auto; max-height: 16; }
    ReportsScreen .chart { padding: 0 1; }
    ReportsScreen Sparkline { height: 3; margin: 0 1; }
    """
    BINDINGS = [
        Binding("ctrl+r", "refresh", "Make report"),
        Binding("ctrl+s", "write", "Write to file"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, start: dt.date | None = None, end: dt.date | None = None) -> None:
        super().__init__()
        default_start, default_end = default_period(dt.date.today())
        self.start = start or default_start
        self.end = end or default_end
        self.report: CommitteeReport | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        date_check = [Function(_is_date, "must be a date like 2026-09-01")]
        with Horizontal(classes="period"):
            yield Label("From")
            yield Input(self.start.isoformat(), id="start", validators=date_check)
            yield Label("to")
            yield Input(self.end.isoformat(), id="end", validators=date_check)
            yield Static("", id="status")
        yield VerticalScroll(id="body")
        with Horizontal(classes="save"):
            yield Label("Write to")
            yield Input(placeholder="committee-report.md (or .html, .xlsx)", id="path",
                        validators=[Function(_is_report_path, "end the file name with .md, .html or .xlsx")])
        yield Footer()

    def on_mount(self) -> None:
        self.action_refresh()

    @on(Input.Submitted, "#start, #end")
    def _period(self) -> None:
        self.action_refresh()

    def action_refresh(self) -> None:
        start, end = self.query_one("#start", Input).value.strip(), self.query_one("#end", Input).value.strip()
        if not (_is_date(start) and _is_date(end)):
            self.notify("Dates must look like 2026-09-01.", severity="error")
            return
        first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
        if last < first:
            self.notify("The period ends before it starts.", severity="error")
            return
        self.query_one("#status", Static).update("Making the report…")
        self.load(first, last)

    @work(thread=True, exclusive=True, group="report")
    def load(self, start: dt.date, end: dt.date) -> None:
        from htst_tui.services.reports import build_report

        try:
            report = build_report(service_context(self), start, end)
        except HtstError as exc:
            self.app.call_from_thread(self.notify, exc.message, title=exc.title, severity="error")
            return
        self.app.call_from_thread(self.show, report)  # type: ignore[arg-type]  # an async method is awaited

    async def show(self, report: CommitteeReport) -> None:
        self.report = report
        self.start, self.end = report.start, report.end
        self.query_one("#status", Static).update(f"  {report.period_label}")
        body = self.query_one("#body", VerticalScroll)
        await body.remove_children()
        widgets: list[Widget] = []
        for section in report.sections:
            widgets.append(Label(section.title, classes="section-title"))
            widgets += [Static(p) for p in section.paragraphs]
            widgets += [Static(f"• {b}") for b in section.bullets]
            widgets += [self._table(t) for t in section.tables]
            widgets += [self._chart(c) for c in section.charts]
        await body.mount_all(widgets)

    def _table(self, table: ReportTable) -> Vertical:
        title = Label(table.title, classes="table-title")
        if table.withheld:
            return Vertical(title, Static(table.withheld), classes="report-table")
        grid: DataTable[str] = DataTable(id=f"t-{table.key}", zebra_stripes=True, cursor_type="row")
        grid.add_columns(*table.headers)
        grid.add_rows(table.rows)
        parts = [title, grid] + ([Static(table.note)] if table.note else [])
        return Vertical(*parts, classes="report-table")

    def _chart(self, chart: Chart) -> Vertical:
        """Bars for categories; a trend is drawn as bars per term and series, plus a sparkline for the last
        series (the total) where every term's figure is published."""
        bars = BarChart("", id=f"c-{chart.key}", classes="chart")
        if chart.kind == "bar" and len(chart.series) == 1:
            only = chart.series[0]
            rows = [(label, only.values[i], _shown(only.values[i], chart.share))
                    for i, label in enumerate(chart.categories)]
        elif chart.kind == "bar":
            rows = [(f"{label} · {s.name}", s.values[i], _shown(s.values[i], chart.share))
                    for i, label in enumerate(chart.categories) for s in chart.series]
        else:
            rows = [(f"{label} · {s.name}", s.values[i], _shown(s.values[i], chart.share))
                    for s in chart.series for i, label in enumerate(chart.categories)]
        bars.plot(rows, share=chart.share, empty="Nothing to draw for this period.")
        parts: list[Label | BarChart | Sparkline | Static] = [Label(chart.title, classes="table-title"), bars]
        if chart.kind == "line" and chart.series and all(v is not None for v in chart.series[-1].values):
            parts.append(Sparkline([float(v or 0) for v in chart.series[-1].values], id=f"s-{chart.key}"))
        if chart.note:
            parts.append(Static(chart.note))
        return Vertical(*parts, classes="report-chart")

    def action_write(self) -> None:
        self.query_one("#path", Input).focus()

    @on(Input.Submitted, "#path")
    def _write_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not _is_report_path(text):
            self.notify("End the file name with .md, .html or .xlsx.", severity="error")
            return
        if self.report is None:
            self.notify("The report is still being made.", severity="warning")
            return
        self.write_file(Path(text).expanduser(), self.report)

    @work(thread=True, group="report-write")
    def write_file(self, path: Path, report: CommitteeReport) -> None:
        from htst_tui.services.report_render import write_report

        try:
            written = write_report(service_context(self), report, path)
        except HtstError as exc:
            self.app.call_from_thread(self.notify, exc.message, title=exc.title, severity="error")
            return
        except OSError as exc:
            self.app.call_from_thread(self.notify, f"{path}: {exc.strerror or exc}",
                                      title="The report could not be written", severity="error")
            return
        self.app.call_from_thread(self.notify, f"Report written to {written}", title="Report saved")

    def action_back(self) -> None:
        self.dismiss(None)


def _shown(value: float | None, share: bool) -> str:
    if value is None:
        return "hidden"
    return f"{value * 100:.0f}%" if share else f"{value:.0f}"
