"""The committee summary written as Markdown, self-contained HTML or an XLSX workbook (by the file's suffix).

Markdown and HTML share `services/documents.py` (one document structure rendered twice), so the tables a
committee clerk pastes from the Markdown are the ones the HTML shows. Charts: pygal draws the HTML's SVG —
pure Python, native SVG with its style inline, so with its JavaScript switched off the page needs nothing from
the network; the workbook uses openpyxl's own charts, which Excel redraws from the cells on the sheet.
Every file is written 0600 and logged as a read-out (who sent what where).
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from htst_tui.errors import HtstError
from htst_tui.paths import write_private_file
from htst_tui.services.audit import record_readout
from htst_tui.services.context import ServiceContext
from htst_tui.services.documents import Bullets, Document, Figure, Heading, Para, Table, to_html, to_markdown
from htst_tui.services.reports import Chart, CommitteeReport, ReportTable

FORMATS = (".md", ".html", ".xlsx")


class ReportFormatError(HtstError):
    title = "Unknown report format"


def report_format(path: Path) -> str:
    """".md", ".html" or ".xlsx" from the file name; a clear error for anything else."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ReportFormatError(f"{path.name}: the report is written as .md, .html or .xlsx — "
                                "end the file name with one of those.")
    return suffix


# ------------------------------------------------------------------------------------------------ documents


def _table_blocks(table: ReportTable) -> list[Heading | Para | Table]:
    blocks: list[Heading | Para | Table] = [Heading(table.title, 3)]
    if table.withheld:
        return [*blocks, Para(table.withheld)]
    if not table.rows:
        return [*blocks, Para("None in this period.")]
    blocks.append(Table(table.headers, table.rows))
    if table.note:
        blocks.append(Para(table.note))
    return blocks


def to_document(report: CommitteeReport, *, charts: bool = True) -> Document:
    """The report as document blocks; `charts=False` leaves the SVG out (Markdown shows captions only)."""
    doc = Document(report.title)
    doc.add(Para(f"Period: {report.period_label}. Prepared on {report.generated_on.day} "
                 f"{report.generated_on:%B %Y} with HTST Desk.", strong=True))
    for section in report.sections:
        doc.add(Heading(section.title))
        doc.add(*(Para(p) for p in section.paragraphs))
        if section.bullets:
            doc.add(Bullets(section.bullets))
        for table in section.tables:
            doc.add(*_table_blocks(table))
        for chart in section.charts:
            caption = f"{chart.title}. {chart.note}".strip()
            doc.add(Figure(caption, chart_svg(chart) if charts else ""))
    return doc


def to_report_markdown(report: CommitteeReport) -> str:
    return to_markdown(to_document(report, charts=False))


def to_report_html(report: CommitteeReport) -> str:
    return to_html(to_document(report))


# ------------------------------------------------------------------------------------------------ SVG charts

_COMMENT = re.compile(r"<!--.*?-->", re.S)
_SCRIPT = re.compile(r"<script\b.*?</script>", re.S)
_CHART_ID = re.compile(r"chart-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def chart_svg(chart: Chart) -> str:
    """The chart as inline SVG: horizontal bars for categories (long labels read across), lines for trends.

    Pygal's comments (its web address), its tooltip script (a copy of its config, which the static chart does
    not need) and its random element id are taken out, so the page runs no code, refers to nothing outside
    itself, and is the same every time it is made from the same data."""
    import pygal
    from pygal.style import Style

    style = Style(background="white", plot_background="white", font_family="Arial, Helvetica, sans-serif",
                  colors=("#1f4e79", "#c55a11", "#548235", "#7030a0"), label_font_size=13,
                  major_label_font_size=13, legend_font_size=13, title_font_size=16, value_font_size=12)
    kind = pygal.HorizontalBar if chart.kind == "bar" else pygal.Line
    config: dict[str, object] = {
        "js": [], "disable_xml_declaration": True, "title": chart.title, "style": style, "width": 800,
        "height": max(300, 60 + 34 * len(chart.categories) * len(chart.series)) if chart.kind == "bar" else 380,
        "show_legend": len(chart.series) > 1, "legend_at_bottom": True, "truncate_label": -1, "print_values": True,
        "allow_interruptions": True, "dots_size": 4}
    if chart.share:
        config.update(range=(0, 1), value_formatter=lambda v: f"{v:.0%}")
    else:
        config.update(value_formatter=lambda v: f"{v:.0f}", min_scale=1)
    graph = kind(**config)
    graph.x_labels = list(chart.categories)
    for series in chart.series:
        graph.add(series.name, list(series.values))
    svg = _SCRIPT.sub("", _COMMENT.sub("", graph.render(is_unicode=True)))
    return _CHART_ID.sub(f"chart-{chart.key}", svg)


# ------------------------------------------------------------------------------------------------ XLSX


def cell_value(text: str) -> tuple[object, str | None]:
    """A published cell as the workbook holds it: counts as numbers, shares as percentages, symbols as text."""
    if text.endswith("%") and text[:-1].isdigit():
        return int(text[:-1]) / 100, "0%"
    if text.lstrip("+-").isdigit():
        return int(text), "+0;-0;0" if text[0] in "+-" else None
    return text, None


def _sheet_title(title: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", " ", title)[:31]
    name, n = base, 2
    while name in used:
        name = f"{base[:28]} {n}"
        n += 1
    used.add(name)
    return name


def to_xlsx(report: CommitteeReport) -> bytes:
    """A sheet per section: its text, its tables (numbers as numbers), and its charts beside their data."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from htst_tui.sync.export import FIXED_TIME

    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    wb.properties.creator = "HTST Desk"
    used: set[str] = set()
    bold = Font(bold=True)
    for section in report.sections:
        ws = wb.create_sheet(_sheet_title(section.title, used))
        ws.column_dimensions["A"].width = 48
        for col in "BCDEFG":
            ws.column_dimensions[col].width = 16
        ws.append([section.title])
        ws.cell(row=1, column=1).font = Font(bold=True, size=14)
        ws.append([f"Period: {report.period_label}"])
        for line in [*section.paragraphs, *(f"• {b}" for b in section.bullets)]:
            ws.append([line])
        for table in section.tables:
            _xlsx_table(ws, table, bold)
        for chart in section.charts:
            _xlsx_chart(ws, chart, bold)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _xlsx_table(ws: Any, table: ReportTable, bold: Any) -> None:
    ws.append([])
    ws.append([table.title])
    ws.cell(row=ws.max_row, column=1).font = bold
    if table.withheld:
        ws.append([table.withheld])
        return
    ws.append(list(table.headers))
    for cell in ws[ws.max_row]:
        cell.font = bold
    for row in table.rows:
        values = [cell_value(text) for text in row[1:]]
        ws.append([row[0], *(v for v, _ in values)])
        for col, (_, fmt) in enumerate(values, start=2):
            if fmt:
                ws.cell(row=ws.max_row, column=col).number_format = fmt
    if table.note:
        ws.append([table.note])


CHART_ROWS = 18
"""Rows a chart covers on the sheet (its data block is padded to this so charts never overlap)."""


def _xlsx_chart(ws: Any, chart: Chart, bold: Any) -> None:
    from openpyxl.chart import BarChart, LineChart, Reference

    ws.append([])
    ws.append([f"Chart data: {chart.title}"])
    ws.cell(row=ws.max_row, column=1).font = bold
    ws.append(["", *(s.name for s in chart.series)])
    header = ws.max_row
    for i, label in enumerate(chart.categories):
        ws.append([label, *(s.values[i] for s in chart.series)])
        if chart.share:
            for col in range(2, 2 + len(chart.series)):
                ws.cell(row=ws.max_row, column=col).number_format = "0%"
    last = ws.max_row
    if chart.kind == "bar":
        graph: BarChart | LineChart = BarChart()
        graph.type = "bar"
    else:
        graph = LineChart()
    graph.title = chart.title
    graph.height, graph.width = 8.5, 16
    graph.legend = graph.legend if len(chart.series) > 1 else None
    if chart.categories:
        graph.add_data(Reference(ws, min_col=2, max_col=1 + len(chart.series), min_row=header, max_row=last),
                       titles_from_data=True)
        graph.set_categories(Reference(ws, min_col=1, min_row=header + 1, max_row=last))
    graph.x_axis.delete = False
    graph.y_axis.delete = False
    if chart.share:
        graph.y_axis.number_format = "0%"
        graph.y_axis.scaling.min, graph.y_axis.scaling.max = 0, 1
    ws.add_chart(graph, f"E{header}")
    for _ in range(max(0, CHART_ROWS - (last - header))):
        ws.append([])


# ------------------------------------------------------------------------------------------------ writing


def render(report: CommitteeReport, suffix: str) -> bytes:
    if suffix == ".md":
        return to_report_markdown(report).encode("utf-8")
    if suffix == ".html":
        return to_report_html(report).encode("utf-8")
    return to_xlsx(report)


def write_report(ctx: ServiceContext, report: CommitteeReport, path: Path) -> Path:
    """Write the report (format by suffix, 0600, atomic) and log the read-out in `ctx`'s audit log."""
    suffix = report_format(path)
    data = render(report, suffix)
    if path.parent and not path.parent.exists():
        raise HtstError(f"The folder {path.parent} does not exist.", title="The report could not be written")
    write_private_file(path, data)
    record_readout(ctx, kind="committee_report", destination=str(path),
                   detail=f"period {report.start.isoformat()}..{report.end.isoformat()}")
    return path

