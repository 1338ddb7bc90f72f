"""`htst import`: load reference data from a council's CSV exports, all or nothing.

Each row is checked with the same pydantic model as the form, and natural keys (URN, licence number, route
code) are turned into record ids by looking at the live records in the database and the rows above in the
same file. Every problem names the file's line number (the header is line 1) and the column, so a person can
fix the spreadsheet; one bad row means nothing is written, so a file never half-lands.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from htst_tui.domain.common import friendly_errors
from htst_tui.domain.reference import CrewRole, PanelRole, SchoolPhase, VehicleType
from htst_tui.entities import Entity, entity
from htst_tui.errors import ImportFailed
from htst_tui.services.bulk import insert_new
from htst_tui.services.context import ServiceContext

MAX_LISTED = 50
"""Problems printed in full; a file with thousands of bad rows says how many more there are."""

YES = frozenset({"yes", "y", "true", "1"})
NO = frozenset({"no", "n", "false", "0"})


def _choices(enum: Any) -> str:
    return ", ".join(m.value for m in enum)


@dataclass(frozen=True)
class Column:
    name: str
    help: str
    field: str = ""
    """The model field it fills (default: the same name)."""
    optional: bool = False
    """May be left out of the header (and left blank in a row)."""
    yes_no: bool = False
    refers_to: tuple[str, str] | None = None
    """(entity, key field): the cell holds that record's natural key, stored as its id."""
    many: bool = False
    """A `;`-separated list of natural keys."""

    @property
    def target(self) -> str:
        return self.field or self.name


@dataclass(frozen=True)
class ImportKind:
    name: str
    entity: str
    key: str
    """The natural key column: unique within the file and among live records."""
    columns: tuple[Column, ...]

    @property
    def ent(self) -> Entity:
        return entity(self.entity)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


KINDS: dict[str, ImportKind] = {k.name: k for k in (
    ImportKind("schools", "schools", "urn", (
        Column("urn", "DfE Unique Reference Number, 6 digits"),
        Column("name", "school name"),
        Column("phase", f"one of {_choices(SchoolPhase)}"),
        Column("postcode", "UK postcode, e.g. BN1 1AA"),
    )),
    ImportKind("operators", "operators", "licence_no", (
        Column("name", "operator name"),
        Column("licence_no", "licence number (unique; routes and crews refer to it)"),
        Column("contact", "phone or email", optional=True),
    )),
    ImportKind("routes", "routes", "code", (
        Column("code", "route code (unique)"),
        Column("operator_licence", "licence_no of an operator already imported", field="operator_id",
               refers_to=("operators", "licence_no")),
        Column("school_urns", "URNs of the schools served, separated by ;", field="school_ids",
               refers_to=("schools", "urn"), many=True),
        Column("vehicle_type", f"one of {_choices(VehicleType)}"),
    )),
    ImportKind("pupils", "pupils", "la_reference", (
        Column("la_reference", "the council's pupil reference (unique)"),
        Column("first_name", "first name"),
        Column("last_name", "last name"),
        Column("date_of_birth", "YYYY-MM-DD"),
        Column("school_urn", "URN of the pupil's school", field="school_id", refers_to=("schools", "urn")),
        Column("year_group", "-1 nursery, 0 reception, 1 to 14"),
        Column("send", "yes/no: has special educational needs or disability", optional=True, yes_no=True),
        Column("ehcp", "yes/no: has an EHC plan", optional=True, yes_no=True),
        Column("needs_summary", "transport-relevant needs only, at most 500 characters (never the EHCP)",
               optional=True),
        Column("route_code", "code of the pupil's route, if any", field="route_id", optional=True,
               refers_to=("routes", "code")),
    )),
    ImportKind("crews", "crew_members", "badge_number", (
        Column("name", "full name"),
        Column("operator_licence", "licence_no of the employing operator", field="operator_id",
               refers_to=("operators", "licence_no")),
        Column("role", f"one of {_choices(CrewRole)}"),
        Column("badge_number", "council badge number (unique)"),
        Column("dbs_expiry", "YYYY-MM-DD", optional=True),
        Column("training_completed", "courses completed, free text", optional=True),
        Column("route_code", "code of the route they usually work", field="route_id", optional=True,
               refers_to=("routes", "code")),
    )),
    ImportKind("members", "panel_members", "name", (
        Column("name", "full name (unique)"),
        Column("role", f"one of {_choices(PanelRole)}"),
        Column("organisation", "team or organisation", optional=True),
        Column("training_date", "last HTST & Education Act law training, YYYY-MM-DD", optional=True),
    )),
)}


@dataclass(frozen=True)
class Problem:
    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [f"line {self.line}"] if self.line else []
        if self.column:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class ImportProblems(ImportFailed):
    """The file was refused; `problems` lists each one with its line and column."""

    def __init__(self, file: Path, problems: list[Problem]) -> None:
        self.problems = problems
        shown = "\n".join(f"  {p}" for p in problems[:MAX_LISTED])
        more = f"\n  ... and {len(problems) - MAX_LISTED} more" if len(problems) > MAX_LISTED else ""
        count = "1 problem" if len(problems) == 1 else f"{len(problems)} problems"
        super().__init__(f"{file.name}: {count}; nothing was imported.\n{shown}{more}")


@dataclass(frozen=True)
class ImportResult:
    kind: str
    file: Path
    count: int
    dry_run: bool


def normalise_key(value: Any) -> str:
    """Natural keys match however the spreadsheet spelled them: spaces trimmed, case ignored."""
    return str(value).strip().upper()


AMBIGUOUS = "?ambiguous"


class KeyIndex:
    """Natural key -> id for live records of the kinds a file refers to, plus the file's own rows."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.keys: dict[tuple[str, str], dict[str, str]] = {}

    def _load(self, entity_name: str, key: str) -> dict[str, str]:
        found = self.keys.get((entity_name, key))
        if found is None:
            orm = entity(entity_name).orm
            found = {}
            rows = self.session.execute(select(getattr(orm, key), orm.id).where(orm.deleted.is_(False)))
            for value, rid in rows:
                k = normalise_key(value)
                found[k] = AMBIGUOUS if k in found else rid
            self.keys[(entity_name, key)] = found
        return found

    def get(self, entity_name: str, key: str, value: str) -> str | None:
        return self._load(entity_name, key).get(normalise_key(value))

    def add(self, entity_name: str, key: str, value: Any, rid: str) -> None:
        self._load(entity_name, key)[normalise_key(value)] = rid


def read_rows(path: Path) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The header and (line number, cells) for each non-blank row; raises on files that are not CSV text."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportProblems(path, [Problem(None, None, f"cannot be read ({exc.strerror})")]) from exc
    if not raw.strip():
        raise ImportProblems(path, [Problem(None, None, "is empty: the first line must be the header row")])
    if b"\x00" in raw:
        raise ImportProblems(path, [Problem(None, None, "is not a CSV text file (it holds binary data)")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ImportProblems(path, [Problem(line, None, "is not UTF-8 text: save the file as \"CSV UTF-8\" "
                                                         "and try again")]) from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except csv.Error as exc:
        raise ImportProblems(path, [Problem(1, None, f"is not valid CSV ({exc})")]) from exc

    def rows() -> Iterator[tuple[int, list[str]]]:
        last = reader.line_num
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise ImportProblems(path, [Problem(last + 1, None, f"is not valid CSV ({exc})")]) from exc
            start, last = last + 1, reader.line_num
            if any(c.strip() for c in cells):
                yield start, cells

    return [h.strip().lower() for h in header], rows()


def check_header(kind: ImportKind, header: list[str]) -> list[Problem]:
    known = {c.name for c in kind.columns}
    problems = []
    if not known & set(header):
        expected = ",".join(c.name for c in kind.columns)
        return [Problem(1, None, f"does not look like a {kind.name} file: the header row should be {expected}")]
    for name in header:
        if name not in known:
            problems.append(Problem(1, name or "(blank)", f"is not a {kind.name} column (expected: "
                                    f"{', '.join(c.name for c in kind.columns)})"))
        elif header.count(name) > 1:
            problems.append(Problem(1, name, "appears twice in the header"))
    for c in kind.columns:
        if not c.optional and c.name not in header:
            problems.append(Problem(1, c.name, "is missing from the header row"))
    return list(dict.fromkeys(problems))


class RowChecker:
    """Turns one CSV row into validated field values, or problems naming its line and columns."""

    def __init__(self, kind: ImportKind, index: KeyIndex) -> None:
        self.kind = kind
        self.index = index
        self.by_field = {c.target: c.name for c in kind.columns}
        self.seen: dict[str, int] = {}

    def _resolve(self, col: Column, cell: str) -> tuple[Any, str | None]:
        assert col.refers_to is not None
        target, key = col.refers_to
        label = entity(target).label.lower()
        values = [v.strip() for v in cell.split(";") if v.strip()] if col.many else [cell]
        ids = []
        for value in values:
            rid = self.index.get(target, key, value)
            if rid is None:
                return None, f"no {label} with {key} {value} (import the {target} first)"
            if rid == AMBIGUOUS:
                return None, f"more than one {label} has {key} {value}; resolve the duplicate in the app first"
            ids.append(rid)
        return (ids if col.many else ids[0]), None

    def check(self, line: int, header: list[str], cells: list[str]) -> tuple[dict[str, Any], list[Problem]]:
        if len(cells) != len(header):
            values = "1 value" if len(cells) == 1 else f"{len(cells)} values"
            return {}, [Problem(line, None, f"has {values} but the header has {len(header)} columns")]
        problems: list[Problem] = []
        data: dict[str, Any] = {}
        for name, cell in zip(header, cells, strict=True):
            col = self.kind.column(name)
            cell = cell.strip()
            if not cell:
                continue  # blank = not given: the model's default applies, or it says the field is required
            if col.yes_no:
                if cell.lower() not in YES | NO:
                    problems.append(Problem(line, name, f"must be yes or no (got {cell!r})"))
                    continue
                data[col.target] = cell.lower() in YES
            elif col.refers_to:
                value, error = self._resolve(col, cell)
                if error:
                    problems.append(Problem(line, name, error))
                    continue
                data[col.target] = value
            else:
                data[col.target] = cell
        bad_columns = {p.column for p in problems}
        try:
            clean = self.kind.ent.schema.model_validate(data).model_dump()
        except ValidationError as exc:
            for field, message in friendly_errors(exc).items():
                column = self.by_field.get(field.split(".")[0])
                if column not in bad_columns:
                    problems.append(Problem(line, column, message))
            return {}, problems
        if problems:
            return {}, problems
        key_value = clean[self.by_field_key]
        norm = normalise_key(key_value)
        if norm in self.seen:
            return {}, [Problem(line, self.kind.key, f"{key_value} is already on line {self.seen[norm]} of this file")]
        if self.index.get(self.kind.entity, self.kind.key, key_value) is not None:
            label = self.kind.ent.label.lower()
            return {}, [Problem(line, self.kind.key, f"a {label} with {self.kind.key} {key_value} already exists")]
        self.seen[norm] = line
        return clean, []

    @property
    def by_field_key(self) -> str:
        return self.kind.column(self.kind.key).target


def import_csv(ctx: ServiceContext, kind_name: str, path: Path, *, dry_run: bool = False) -> ImportResult:
    """Check every row of `path`; if all are good (and this is not a dry run) write them in one transaction."""
    kind = KINDS[kind_name]
    header, rows = read_rows(path)
    problems = check_header(kind, header)
    if problems:
        raise ImportProblems(path, problems)
    session_scope: AbstractContextManager[Session] = ctx.read() if dry_run else ctx.transaction(bulk=True)
    with session_scope as session:
        index = KeyIndex(session)
        checker = RowChecker(kind, index)
        good: list[dict[str, Any]] = []
        for line, cells in rows:
            clean, row_problems = checker.check(line, header, cells)
            if row_problems:
                problems.extend(row_problems)
                continue
            rid = str(uuid.uuid4())
            index.add(kind.entity, kind.key, clean[checker.by_field_key], rid)  # later rows may refer to it
            good.append({"id": rid, **clean})
        if problems:
            raise ImportProblems(path, problems)
        if not good:
            raise ImportProblems(path, [Problem(None, None, "has a header row but no data rows")])
        if not dry_run:
            insert_new(ctx, session, kind.ent, good, detail=f"imported from {path.name}")
    return ImportResult(kind=kind.name, file=path, count=len(good), dry_run=dry_run)
