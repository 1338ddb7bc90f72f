"""Choosing a record to point at: the live records of a small kind as a list, titles for chosen ids.

A form shows a reference to a small kind (schools, operators) as a drop-down of every live record, and to a
big kind (pupils, routes) as a searchable picker that pages from SQL; `choices` says which by returning
None when the kind is too big to list.
"""

from __future__ import annotations

from sqlalchemy import select

from htst_tui.entities import entity
from htst_tui.services.context import ServiceContext
from htst_tui.services.records import record_title, titles_in

SMALL_KIND_LIMIT = 100
"""Up to this many live records, a reference is a drop-down; beyond it, a searchable picker."""


def choices(ctx: ServiceContext, entity_name: str, limit: int | None = None) -> list[tuple[str, str]] | None:
    """[(title, id)] of every live record, ordered by title; None if there are more than `limit`
    (default SMALL_KIND_LIMIT)."""
    limit = SMALL_KIND_LIMIT if limit is None else limit
    ent = entity(entity_name)
    orm = ent.orm
    cols = [orm.id, *[getattr(orm, f) for f in ent.title_fields]]
    order = [getattr(orm, f) for f in ent.title_fields] + [orm.id]
    with ctx.read() as session:
        rows = session.execute(select(*cols).where(orm.deleted.is_(False)).order_by(*order).limit(limit + 1)).all()
    if len(rows) > limit:
        return None
    return [(record_title(ent, dict(r._mapping)), r.id) for r in rows]


def titles(ctx: ServiceContext, entity_name: str, ids: list[str]) -> dict[str, str]:
    """id -> one-line title, for ids that exist (deleted ones included, so an old link still reads)."""
    if not ids:
        return {}
    with ctx.read() as session:
        return titles_in(session, entity(entity_name), ids)
