"""Create, read, update and tombstone any synced record, with validation, revisions and audit.

Every form in the app and every use case that edits reference data goes through here, so each write is one
transaction that bumps the revision, stamps who/where/when, marks the row unsynced and writes the audit log.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from htst_tui.db.base import SyncMixin, utcnow
from htst_tui.domain.common import friendly_errors
from htst_tui.domain.revisions import extend_history, next_rev
from htst_tui.entities import BY_NAME, Entity, entity
from htst_tui.errors import NotFound, RecordLocked, ValidationFailed
from htst_tui.services.audit import record_event
from htst_tui.services.context import ServiceContext, reserve_seq
from htst_tui.services.search import contains, matches_first, walk_list_order


@dataclass(frozen=True)
class RecordView:
    entity: str
    id: str
    rev: str
    data: dict[str, Any]
    deleted: bool
    updated_at: dt.datetime
    updated_by: str
    origin_device: str

    @property
    def title(self) -> str:
        return record_title(BY_NAME[self.entity], self.data)


@dataclass(frozen=True)
class Page:
    rows: list[dict[str, Any]]
    total: int
    offset: int
    limit: int
    more: bool = False
    """True when `total` is a floor: the count stopped there (see `capped_count`)."""


COUNT_CAP = 1_000
"""Lists count matches only this far past the page shown, then say "1,050+". Counting all 100,000 incidents
that contain "e" on every keystroke costs far more than the page itself, and nobody pages that far: they type
more."""


def capped_count(session: Session, stmt: Select[Any], offset: int) -> tuple[int, bool]:
    """How many rows `stmt` selects, counting no further than `COUNT_CAP` past `offset`; and whether it stopped."""
    cap = offset + COUNT_CAP
    found = session.execute(select(func.count()).select_from(stmt.limit(cap + 1).subquery())).scalar_one()
    return min(found, cap), found > cap


def record_title(ent: Entity, data: dict[str, Any]) -> str:
    return " ".join(str(data.get(f) or "") for f in ent.title_fields).strip() or "(untitled)"


def titles_in(session: Session, ent: Entity, ids: set[str] | list[str]) -> dict[str, str]:
    """id -> one-line title of `ent`'s records among `ids`, deleted ones included (an old link still reads)."""
    if not ids:
        return {}
    orm = ent.orm
    cols = [orm.id, *[getattr(orm, f) for f in ent.title_fields]]
    rows = session.execute(select(*cols).where(orm.id.in_(sorted(ids)))).all()
    return {r.id: record_title(ent, dict(r._mapping)) for r in rows}


def _show_links(session: Session, ent: Entity, rows: list[dict[str, Any]]) -> None:
    """A list's link columns (a route's operator, a visit's school) hold ids; people read titles. Replaced in
    place, one query per link column for the page; an id that resolves to nothing stays as it is."""
    for f in ent.list_fields:
        target = ent.references.get(f)
        if target is None:
            continue
        ids = {i for r in rows for i in (r[f] if isinstance(r[f], list) else [r[f]]) if i}
        found = titles_in(session, BY_NAME[target], ids)
        for r in rows:
            value = r[f]
            if isinstance(value, list):
                r[f] = [found.get(i, i) for i in value]
            elif value:
                r[f] = found.get(value, value)


def row_data(ent: Entity, row: SyncMixin) -> dict[str, Any]:
    return {f: getattr(row, f) for f in ent.data_fields}


def validate_data(ent: Entity, data: dict[str, Any]) -> dict[str, Any]:
    """Validate with the entity's pydantic model; return python values ready for the table."""
    try:
        model = ent.schema.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(friendly_errors(exc), entity=ent.name) from exc
    return model.model_dump()


def json_data(data: dict[str, Any]) -> dict[str, Any]:
    """The content a revision hashes: JSON-shaped, the same on every device and in every bundle."""
    out: dict[str, Any] = {}
    for k, v in data.items():
        if isinstance(v, dt.datetime):
            out[k] = v.astimezone(dt.UTC).isoformat() if v.tzinfo else v.isoformat()
        elif isinstance(v, dt.date):
            out[k] = v.isoformat()
        elif isinstance(v, str):
            out[k] = str(v)  # StrEnum -> plain str
        else:
            out[k] = v
    return out


def check_integrity(session: Session, ent: Entity, data: dict[str, Any], record_id: str | None) -> dict[str, str]:
    """Natural-key uniqueness among live records, and that referenced records exist and are live."""
    errors: dict[str, str] = {}
    orm = ent.orm
    for f in ent.unique_fields:
        q = select(orm.id).where(getattr(orm, f) == data[f], orm.deleted.is_(False))
        if record_id:
            q = q.where(orm.id != record_id)
        if session.execute(q.limit(1)).first():
            errors[f] = f"another {ent.label.lower()} already has {data[f]}"
    for f, target_name in ent.references.items():
        value = data.get(f)
        ids = value if isinstance(value, list) else ([value] if value else [])
        if not ids:
            continue
        target = BY_NAME[target_name].orm
        found = set(session.execute(
            select(target.id).where(target.id.in_(ids), target.deleted.is_(False))).scalars())
        missing = [i for i in ids if i not in found]
        if missing:
            errors[f] = f"no {BY_NAME[target_name].label.lower()} with id {missing[0]}"
    return errors


def stamp_local_write(ctx: ServiceContext, session: Session, ent: Entity, row: SyncMixin,
                      data: dict[str, Any], *, deleted: bool, action: str, fields: list[str],
                      detail: str = "") -> None:
    """Give `row` a new local revision (content `data`) and log it. The one place local edits are stamped."""
    parent = row.rev if row.rev else None
    history = list(row.rev_history or [])
    row.rev = next_rev(parent, json_data(data), deleted)
    row.rev_history = extend_history(parent, history)
    row.updated_at = utcnow()
    row.updated_by = ctx.officer
    row.deleted = deleted
    row.dirty = True
    row.local_seq = reserve_seq(session)
    record_event(session, officer=ctx.officer, device=ctx.device_id, action=action, entity=ent.name,
                 record_id=row.id, fields=fields, detail=detail)


def to_view(ent: Entity, row: SyncMixin) -> RecordView:
    return RecordView(entity=ent.name, id=row.id, rev=row.rev, data=row_data(ent, row), deleted=row.deleted,
                      updated_at=row.updated_at, updated_by=row.updated_by, origin_device=row.origin_device)


def new_row(ctx: ServiceContext, ent: Entity, record_id: str | None = None) -> SyncMixin:
    """An empty row of `ent` made on this device, ready for `stamp_local_write`."""
    orm: Any = ent.orm
    row: SyncMixin = orm(id=record_id or str(uuid.uuid4()), rev="", rev_history=[], origin_device=ctx.device_id)
    return row


def load_live(session: Session, ent: Entity, record_id: str, expected_rev: str | None = None) -> SyncMixin:
    """A live row, or a plain NotFound; with `expected_rev`, refuse to overwrite someone else's newer edit."""
    row = session.get(ent.orm, record_id)
    if row is None or row.deleted:
        raise NotFound(f"No {ent.label.lower()} with id {record_id} (it may have been deleted).")
    if expected_rev and row.rev != expected_rev:
        raise RecordLocked(
            f"This {ent.label.lower()} was changed elsewhere (by {row.updated_by}) since you opened "
            "it. Your edits are kept as a draft; reopen the record to see the new version."
        )
    return row


def save_in_session(ctx: ServiceContext, session: Session, ent: Entity, data: dict[str, Any],
                    record_id: str | None = None, *, expected_rev: str | None = None, create_id: str | None = None,
                    action: str | None = None, detail: str = "") -> SyncMixin:
    """Validate `data` (the record's full content) and create (no `record_id`) or update the row in the
    caller's transaction, stamped and audited. The one path every service's single-record write takes."""
    clean = validate_data(ent, data)
    row = load_live(session, ent, record_id, expected_rev) if record_id else None
    errors = check_integrity(session, ent, clean, record_id)
    if errors:
        raise ValidationFailed(errors, entity=ent.name)
    if row is None:
        row = new_row(ctx, ent, create_id)
        for f, value in clean.items():
            setattr(row, f, value)
        stamp_local_write(ctx, session, ent, row, clean, deleted=False, action=action or "create",
                          fields=list(clean), detail=detail)
        session.add(row)
        session.flush()
        return row
    before = row_data(ent, row)
    changed = [f for f in ent.data_fields if before.get(f) != clean.get(f)]
    if changed:
        for f in changed:
            setattr(row, f, clean[f])
        stamp_local_write(ctx, session, ent, row, clean, deleted=False, action=action or "update", fields=changed,
                          detail=detail)
    return row


class Records:
    """Generic use cases over one entity kind."""

    def __init__(self, ctx: ServiceContext, entity_name: str) -> None:
        self.ctx = ctx
        self.ent = entity(entity_name)

    def validate(self, data: dict[str, Any], record_id: str | None = None) -> dict[str, Any]:
        clean = validate_data(self.ent, data)
        with self.ctx.read() as session:
            errors = check_integrity(session, self.ent, clean, record_id)
        if errors:
            raise ValidationFailed(errors, entity=self.ent.name)
        return clean

    def create(self, data: dict[str, Any], *, record_id: str | None = None) -> RecordView:
        with self.ctx.transaction() as session:
            return to_view(self.ent, save_in_session(self.ctx, session, self.ent, data, create_id=record_id))

    def _load(self, session: Session, record_id: str, expected_rev: str | None) -> SyncMixin:
        return load_live(session, self.ent, record_id, expected_rev)

    def update(self, record_id: str, data: dict[str, Any], *, expected_rev: str | None = None) -> RecordView:
        with self.ctx.transaction() as session:
            row = save_in_session(self.ctx, session, self.ent, data, record_id, expected_rev=expected_rev)
            return to_view(self.ent, row)

    def delete(self, record_id: str, *, expected_rev: str | None = None) -> RecordView:
        """Tombstone: the row stays (so the deletion syncs) but is hidden everywhere."""
        with self.ctx.transaction() as session:
            row = self._load(session, record_id, expected_rev)
            stamp_local_write(self.ctx, session, self.ent, row, row_data(self.ent, row), deleted=True,
                              action="delete", fields=[])
            return to_view(self.ent, row)

    def get(self, record_id: str, *, include_deleted: bool = False) -> RecordView:
        with self.ctx.read() as session:
            row = session.get(self.ent.orm, record_id)
            if row is None or (row.deleted and not include_deleted):
                raise NotFound(f"No {self.ent.label.lower()} with id {record_id}.")
            return to_view(self.ent, row)

    def list(self, search: str = "", *, offset: int = 0, limit: int = 50, filters: dict[str, Any] | None = None,
             include_deleted: bool = False) -> Page:
        """One page of live records matching `search` (case-insensitive, any search field) and `filters`; link
        columns show the linked record's title, not its id."""
        orm = self.ent.orm
        term = search.strip()

        def conditions(dense: bool, *, search: bool = True) -> list[ColumnElement[bool]]:
            cond: list[ColumnElement[bool]] = [] if include_deleted else [orm.deleted.is_(False)]
            if term and search:
                cond.append(contains(self.ent.name, term, [getattr(orm, f) for f in self.ent.search_fields],
                                     dense=dense))
            cond.extend(getattr(orm, k) == v for k, v in (filters or {}).items())
            return cond

        order = [getattr(orm, f) for f in self.ent.title_fields] + [orm.id]
        indexed = matches_first(self.ent.name, term, orm)
        counted = select(orm.id).where(*conditions(False)) if indexed is None else \
            indexed.where(*conditions(False, search=False))
        with self.ctx.read() as session:
            total, more = capped_count(session, counted, offset)
            cond = conditions(bool(term) and walk_list_order(more, offset, limit))
            cols = [orm.id, *[getattr(orm, f) for f in self.ent.list_fields]]
            result = session.execute(select(*cols).where(*cond).order_by(*order).offset(offset).limit(limit))
            rows = [dict(r._mapping) for r in result]
            _show_links(session, self.ent, rows)
        return Page(rows=rows, total=total, offset=offset, limit=limit, more=more)

    def count(self) -> int:
        """Live records of this kind (exact, however many)."""
        orm = self.ent.orm
        with self.ctx.read() as session:
            return int(session.execute(select(func.count()).select_from(orm).where(orm.deleted.is_(False)))
                       .scalar_one())
