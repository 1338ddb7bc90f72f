"""Documents an officer opens outside the app: one structure, written as Markdown and as HTML.

Minutes, letters and reports are built as a list of simple blocks, then rendered twice, so the Markdown and
the HTML (which Word and every browser open) always say the same thing. Files are written 0600 because they
hold personal data about children.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from htst_tui.paths import ensure_private_dir, write_private_file


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 2


@dataclass(frozen=True)
class Para:
    text: str
    strong: bool = False


@dataclass(frozen=True)
class Bullets:
    items: Sequence[str]


@dataclass(frozen=True)
class Table:
    headers: Sequence[str]
    rows: Sequence[Sequence[str]]


@dataclass(frozen=True)
class Fields:
    """Label: value pairs (a definition list), skipping pairs with an empty value."""

    pairs: Sequence[tuple[str, str]]


@dataclass(frozen=True)
class Figure:
    """A chart: drawn inline (SVG) in HTML; in Markdown only its caption, since a committee paper pastes the
    tables and takes its pictures from the HTML or the workbook."""

    caption: str
    svg: str = ""


Block = Heading | Para | Bullets | Table | Fields | Figure


@dataclass
class Document:
    title: str
    blocks: list[Block] = field(default_factory=list)

    def add(self, *blocks: Block) -> None:
        self.blocks.extend(blocks)


@dataclass(frozen=True)
class DocumentPaths:
    markdown: Path
    html: Path


def _md_cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


def to_markdown(doc: Document) -> str:
    out = [f"# {doc.title}", ""]
    for b in doc.blocks:
        if isinstance(b, Heading):
            out += [f"{'#' * max(2, min(b.level, 6))} {b.text}", ""]
        elif isinstance(b, Para):
            text = b.text.strip()
            out += [f"**{text}**" if b.strong else text, ""]
        elif isinstance(b, Bullets):
            out += [f"- {' '.join(item.split())}" for item in b.items] + [""]
        elif isinstance(b, Table):
            out.append("| " + " | ".join(_md_cell(h) for h in b.headers) + " |")
            out.append("|" + "---|" * len(b.headers))
            out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in b.rows]
            out.append("")
        elif isinstance(b, Figure):
            out += [f"*Figure: {' '.join(b.caption.split())}* The chart is in the HTML and XLSX versions.", ""]
        else:
            pairs = [(k, v) for k, v in b.pairs if v]
            out += [f"- **{k}:** {' '.join(v.split())}" for k, v in pairs] + [""]
    return "\n".join(out).rstrip() + "\n"


_CSS = """body{font-family:Arial,Helvetica,sans-serif;font-size:12pt;line-height:1.5;max-width:50em;margin:2em auto;
color:#111}table{border-collapse:collapse;margin:0.5em 0}th,td{border:1px solid #666;padding:0.3em 0.6em;
text-align:left;vertical-align:top}dt{font-weight:bold}dd{margin:0 0 0.4em 1.5em}figure{margin:1em 0}
figure svg{width:100%;height:auto}figcaption{font-size:10pt}"""


def _html_text(text: str) -> str:
    return "<br>".join(html.escape(line) for line in text.strip().splitlines())


def to_html(doc: Document) -> str:
    parts = ["<!DOCTYPE html>", '<html lang="en-GB"><head><meta charset="utf-8">',
             f"<title>{html.escape(doc.title)}</title><style>{_CSS}</style></head><body>",
             f"<h1>{html.escape(doc.title)}</h1>"]
    for b in doc.blocks:
        if isinstance(b, Heading):
            level = max(2, min(b.level, 6))
            parts.append(f"<h{level}>{html.escape(b.text)}</h{level}>")
        elif isinstance(b, Para):
            inner = _html_text(b.text)
            parts.append(f"<p><strong>{inner}</strong></p>" if b.strong else f"<p>{inner}</p>")
        elif isinstance(b, Bullets):
            parts.append("<ul>" + "".join(f"<li>{_html_text(i)}</li>" for i in b.items) + "</ul>")
        elif isinstance(b, Table):
            head = "".join(f"<th>{html.escape(h)}</th>" for h in b.headers)
            body = "".join("<tr>" + "".join(f"<td>{_html_text(c)}</td>" for c in row) + "</tr>" for row in b.rows)
            parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        elif isinstance(b, Figure):
            parts.append(f"<figure>{b.svg}<figcaption>{html.escape(b.caption)}</figcaption></figure>")
        else:
            items = "".join(f"<dt>{html.escape(k)}</dt><dd>{_html_text(v)}</dd>" for k, v in b.pairs if v)
            parts.append(f"<dl>{items}</dl>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def write_document(doc: Document, folder: Path, stem: str) -> DocumentPaths:
    """Write `stem`.md and `stem`.html into `folder` (created 0700), each 0600 and atomic."""
    ensure_private_dir(folder)
    md = folder / f"{stem}.md"
    page = folder / f"{stem}.html"
    write_private_file(md, to_markdown(doc).encode("utf-8"))
    write_private_file(page, to_html(doc).encode("utf-8"))
    return DocumentPaths(markdown=md, html=page)
