"""Small look-ups that forms need to turn what an officer types (a route code, LA references) into record ids,
and ids back into something readable — without any screen running SQL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from htst_tui.db.reference import OperatorRecord, PupilRecord, RouteRecord, SchoolRecord
from htst_tui.services.context import ServiceContext

_NAMED: dict[str, tuple[Any, Any]] = {
    "operators": (OperatorRecord, OperatorRecord.name),
    "schools": (SchoolRecord, SchoolRecord.name),
    "routes": (RouteRecord, RouteRecord.code),
}


def choices(ctx: ServiceContext, entity_name: str, limit: int = 5000) -> list[tuple[str, str]]:
    """(label, id) pairs of live operators, schools or routes, sorted by label, for a Select."""
    orm, label = _NAMED[entity_name]
    with ctx.read() as session:
        rows = session.execute(select(label, orm.id).where(orm.deleted.is_(False)).order_by(label).limit(limit))
        return [(str(r[0]), str(r[1])) for r in rows]


@dataclass(frozen=True)
class RouteInfo:
    id: str
    code: str
    operator_id: str
    school_id: str | None


def route_by_code(ctx: ServiceContext, code: str) -> RouteInfo | None:
    """Route codes are stored in capitals (the model makes them so), so the code's index answers this."""
    code = code.strip().upper()
    if not code:
        return None
    with ctx.read() as session:
        row = session.execute(select(RouteRecord).where(RouteRecord.code == code,
                                                        RouteRecord.deleted.is_(False)).limit(1)).scalar_one_or_none()
        if row is None:
            return None
        return RouteInfo(row.id, row.code, row.operator_id, row.school_ids[0] if row.school_ids else None)


def route_code_completion(ctx: ServiceContext, prefix: str) -> str | None:
    """The first live route code, in code order, that starts with `prefix` (any case): what a route code box
    suggests as the officer types, without loading every code (a city has ~15,000)."""
    prefix = prefix.strip().upper()
    if not prefix:
        return None
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    with ctx.read() as session:
        found = session.execute(select(RouteRecord.code).where(
            RouteRecord.code >= prefix, RouteRecord.code.like(f"{escaped}%", escape="\\"),
            RouteRecord.deleted.is_(False)).order_by(RouteRecord.code).limit(1)).scalar_one_or_none()
    return str(found) if found is not None else None


def route_code(ctx: ServiceContext, route_id: str | None) -> str:
    if not route_id:
        return ""
    with ctx.read() as session:
        return session.execute(select(RouteRecord.code).where(RouteRecord.id == route_id)).scalar_one_or_none() or ""


def pupil_ids_for_refs(ctx: ServiceContext, refs: list[str]) -> tuple[list[str], list[str]]:
    """LA references -> pupil ids (in the order given); returns (ids, references not found)."""
    wanted = [r.strip().upper() for r in refs if r.strip()]
    if not wanted:
        return [], []
    with ctx.read() as session:
        rows = session.execute(select(PupilRecord.la_reference, PupilRecord.id).where(
            PupilRecord.la_reference.in_(wanted), PupilRecord.deleted.is_(False)))
        found = {str(r[0]): str(r[1]) for r in rows}
    ids = list(dict.fromkeys(found[r] for r in wanted if r in found))
    return ids, [r for r in wanted if r not in found]


def pupil_refs_for_ids(ctx: ServiceContext, ids: list[str]) -> list[str]:
    """Pupil ids -> LA references (never names: an incident form shows references only)."""
    if not ids:
        return []
    with ctx.read() as session:
        # .all(): a Result has .keys(), so dict() would take it for a mapping and fail.
        found = {str(k): str(v) for k, v in session.execute(select(PupilRecord.id, PupilRecord.la_reference).where(
            PupilRecord.id.in_(ids))).all()}
    return [found.get(i, i) for i in ids]
