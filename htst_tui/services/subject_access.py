"""Subject access (UK GDPR Art 15): everything HTST Desk holds that names or links one pupil, in one file.

Gathered by following links from the pupil's LA reference: the pupil record (and their school and route),
panel cases heard for them (by pupil link or LA reference) with decisions, dissents, reviews and appeals, the
letters sent (rebuilt from the record by the panel service, as sent), incidents that list them, and the
follow-ups of those incidents. Nothing about another child leaves: in an incident that lists several
children, the others become a count; the reporter's name (a third party) is withheld. Spot checks and route
returns hold no child identifiers (data minimisation), so they never appear.

Written as one readable document (HTML or Markdown, by the file's suffix) and a CSV bundle beside it (a
folder `<name>-csv/`, one CSV per record kind). Making it is logged as a read-out (who, when, where to).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import String, cast, or_, select
from sqlalchemy.orm import Session

from htst_tui.db.base import SyncMixin
from htst_tui.db.follow_ups import FollowUpRecord
from htst_tui.db.incidents import IncidentRecord
from htst_tui.db.panel import PanelCaseRecord
from htst_tui.db.reference import PupilRecord
from htst_tui.entities import BY_NAME, Entity
from htst_tui.errors import HtstError, NotFound
from htst_tui.paths import ensure_private_dir, write_private_file
from htst_tui.services.audit import record_readout
from htst_tui.services.context import ServiceContext
from htst_tui.services.documents import Document, Fields, Heading, Para, to_html, to_markdown
from htst_tui.services.records import record_title, row_data
from htst_tui.widgets.formatting import display_value

SUFFIXES = {".html": to_html, ".htm": to_html, ".md": to_markdown, ".markdown": to_markdown}
META = ("deleted", "updated_at", "updated_by")
WITHHELD = "(withheld: another person's information)"
KINDS = ("pupils", "schools", "routes", "panel_cases", "panel_decisions", "panel_dissents", "panel_reviews",
         "incidents", "follow_ups")
"""The kinds a subject access bundle can hold, in the order the document shows them."""


class SubjectAccessError(HtstError):
    title = "The subject access file could not be made"


@dataclass(frozen=True)
class Item:
    """One record as it goes into the file: its content, already reduced to this pupil."""

    entity: str
    id: str
    data: dict[str, Any]
    meta: dict[str, Any]


@dataclass
class SubjectRecords:
    reference: str
    pupil_ids: list[str]
    items: dict[str, list[Item]] = field(default_factory=dict)
    letters: list[tuple[str, Document]] = field(default_factory=list)
    """(case id, the letter as sent) for every case whose letter went out."""

    def counts(self) -> dict[str, int]:
        out = {k: len(v) for k, v in self.items.items() if v}
        if self.letters:
            out["letters"] = len(self.letters)
        return out

    def ids(self, kind: str) -> set[str]:
        return {i.id for i in self.items.get(kind, [])}


@dataclass(frozen=True)
class SubjectAccessResult:
    document: Path
    bundle: Path
    counts: dict[str, int]


def _item(ent: Entity, row: SyncMixin, data: dict[str, Any] | None = None) -> Item:
    return Item(ent.name, row.id, data if data is not None else row_data(ent, row),
                {"deleted": row.deleted, "updated_at": row.updated_at, "updated_by": row.updated_by})


def _rows(session: Session, kind: str, *conditions: Any) -> list[Any]:
    orm = BY_NAME[kind].orm
    return list(session.execute(select(orm).where(*conditions).order_by(orm.id)).scalars())


def _in(kind: str, column: str, ids: Iterable[str]) -> Any:
    return getattr(BY_NAME[kind].orm, column).in_(sorted(set(ids)))


def gather(ctx: ServiceContext, reference: str) -> SubjectRecords:
    """Every record that names or links the pupil with LA reference `reference` (tombstones not yet erased
    included: they are still held)."""
    ref = reference.strip().upper()
    pupils_orm = PupilRecord
    cases_orm = PanelCaseRecord
    with ctx.read() as session:
        pupils = _rows(session, "pupils", pupils_orm.la_reference == ref)
        pupil_ids = [p.id for p in pupils]
        cases = _rows(session, "panel_cases", or_(cases_orm.pupil_ref == ref, cases_orm.pupil_id.in_(pupil_ids)))
        if not pupils and not cases:
            raise NotFound(f"No pupil or panel case with LA reference {ref} is held on this device.")
        out = SubjectRecords(reference=ref, pupil_ids=pupil_ids)
        out.items["pupils"] = [_item(BY_NAME["pupils"], p) for p in pupils]
        out.items["schools"] = [_item(BY_NAME["schools"], s) for s in
                                _rows(session, "schools", _in("schools", "id", (p.school_id for p in pupils)))]
        out.items["routes"] = [_item(BY_NAME["routes"], r) for r in _rows(
            session, "routes", _in("routes", "id", (p.route_id for p in pupils if p.route_id)))]
        case_ids = {c.id for c in cases}
        cases += _rows(session, "panel_cases", _in("panel_cases", "review_of_case_id", case_ids),
                       cases_orm.id.not_in(sorted(case_ids)))
        out.items["panel_cases"] = [_item(BY_NAME["panel_cases"], c) for c in cases]
        case_ids = {c.id for c in cases}
        decisions = _rows(session, "panel_decisions", _in("panel_decisions", "case_id", case_ids))
        out.items["panel_decisions"] = [_item(BY_NAME["panel_decisions"], d) for d in decisions]
        out.items["panel_dissents"] = [_item(BY_NAME["panel_dissents"], d) for d in _rows(
            session, "panel_dissents", _in("panel_dissents", "decision_id", (d.id for d in decisions)))]
        out.items["panel_reviews"] = [_item(BY_NAME["panel_reviews"], r) for r in _rows(
            session, "panel_reviews", _in("panel_reviews", "case_id", case_ids))]
        incidents = _incidents(session, pupil_ids)
        out.items["incidents"] = incidents
        out.items["follow_ups"] = [_item(BY_NAME["follow_ups"], f) for f in _rows(
            session, "follow_ups", FollowUpRecord.source_kind == "incident",
            _in("follow_ups", "source_id", (i.id for i in incidents)))]
        sent = [(c.id, c.letter_sent_on) for c in cases if c.letter_sent_on and not c.deleted]
    out.letters = _letters(ctx, sent)
    return out


def _incidents(session: Session, pupil_ids: Sequence[str]) -> list[Item]:
    """Incidents listing any of `pupil_ids`; other children reduced to a count, the reporter's name withheld."""
    ent = BY_NAME["incidents"]
    orm = IncidentRecord
    if not pupil_ids:
        return []
    candidates = _rows(session, "incidents", or_(*[cast(orm.pupil_ids, String).like(f"%{i}%") for i in pupil_ids]))
    out = []
    for row in candidates:
        data = row_data(ent, row)
        linked = [i for i in data["pupil_ids"] if i in pupil_ids]
        if not linked:
            continue
        data["pupil_ids"] = linked
        data["other_pupils_linked"] = len(row.pupil_ids) - len(linked)
        if data.get("reported_by_name"):
            data["reported_by_name"] = WITHHELD
        out.append(_item(ent, row, data))
    return out


def _letters(ctx: ServiceContext, sent: Sequence[tuple[str, dt.date]]) -> list[tuple[str, Document]]:
    """The decision letters as sent: rebuilt from the record with the date each was sent on."""
    from htst_tui.services.panel import letter_document

    out = []
    for case_id, sent_on in sent:
        try:
            out.append((case_id, letter_document(ctx, case_id, sent_on)))
        except HtstError:
            continue  # reopened since it was sent: the decision record itself is in the file
    return out


def _cell(value: Any) -> str:
    if isinstance(value, dict) or (isinstance(value, list) and value and not isinstance(value[0], str)):
        return json.dumps(value, default=str, sort_keys=True)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    return display_value(value)


def document(records: SubjectRecords, *, made_by: str, made_on: dt.date) -> Document:
    doc = Document(f"Subject access: records held about pupil {records.reference}")
    doc.add(Fields([("LA reference", records.reference), ("Made on", made_on.isoformat()), ("Made by", made_by),
                    ("Records", str(sum(records.counts().values())))]))
    doc.add(Para("This file lists every record HTST Desk holds that names or links this pupil. Information about "
                 "other people is withheld: other children in an incident appear only as a count. Before sending, "
                 "read the free text (descriptions, reasons) for other people's details.", strong=True))
    for kind in KINDS:
        items = records.items.get(kind, [])
        if not items:
            continue
        ent = BY_NAME[kind]
        doc.add(Heading(f"{ent.label} ({len(items)})"))
        for item in items:
            doc.add(Heading(f"{ent.label}: {record_title(ent, item.data)}", level=3))
            pairs = [(name.replace("_", " "), _cell(value)) for name, value in item.data.items()]
            pairs += [("record id", item.id), ("last changed", _cell(item.meta["updated_at"])),
                      ("last changed by", str(item.meta["updated_by"])),
                      ("deleted", "yes (kept until its retention period ends)" if item.meta["deleted"] else "")]
            doc.add(Fields(pairs))
    for case_id, letter in records.letters:
        doc.add(Heading(f"Letter sent for panel case {case_id[:8]}: {letter.title}"))
        doc.add(*letter.blocks)
    return doc


def write_bundle(records: SubjectRecords, folder: Path) -> list[Path]:
    """One CSV per record kind held about the pupil (id, the record's fields, then when and by whom)."""
    from htst_tui.sync.export import write_csv

    ensure_private_dir(folder)
    written = []
    for kind in KINDS:
        items = records.items.get(kind, [])
        if not items:
            continue
        fields = list(dict.fromkeys(f for i in items for f in i.data))
        rows = [(i.id, *[_cell(i.data.get(f)) for f in fields], *[_cell(i.meta[m]) for m in META]) for i in items]
        path = folder / f"{kind}.csv"
        write_csv(path, ["id", *fields, *META], rows)
        written.append(path)
    return written


def default_file(reference: str, today: dt.date) -> Path:
    """Where the TUI writes a subject access file: the app's data folder (0700), named by reference and day."""
    from htst_tui.paths import data_directory

    safe = "".join(ch for ch in reference.strip().upper() if ch.isalnum()) or "pupil"
    return ensure_private_dir(data_directory() / "subject_access") / f"sar-{safe}-{today.isoformat()}.html"


def bundle_folder(to: Path) -> Path:
    return to.with_name(f"{to.stem}-csv")


def write_subject_access(ctx: ServiceContext, reference: str, to: Path, today: dt.date | None = None
                         ) -> SubjectAccessResult:
    render = SUFFIXES.get(to.suffix.lower())
    if render is None:
        raise SubjectAccessError(f"{to.name}: give a file ending .html or .md (the CSV bundle goes beside it).")
    if to.exists() and to.is_dir():
        raise SubjectAccessError(f"{to} is a folder; give a file name ending .html or .md.")
    records = gather(ctx, reference)
    doc = document(records, made_by=ctx.officer, made_on=today or dt.date.today())
    ensure_private_dir(to.parent)
    write_private_file(to, render(doc).encode("utf-8"))
    folder = bundle_folder(to)
    write_bundle(records, folder)
    counts = records.counts()
    record_readout(ctx, kind="subject_access", destination=str(to),
                   detail=f"and {folder.name}/; pupil id {','.join(records.pupil_ids) or 'not on the register'}; "
                          + " ".join(f"{k}={v}" for k, v in counts.items()))
    return SubjectAccessResult(document=to, bundle=folder, counts=counts)
