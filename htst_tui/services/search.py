"""Type-to-search as SQL: "any of these fields contains the term, ignoring case", from an index where one exists.

Lists call this for their search box so that every list searches the same way. Entities with a trigram search
index (`db/search_index.py`) answer from it for terms of three characters or more; other kinds, and shorter
terms, use LIKE, which reads the rows — fine for small tables, and for short terms that match most rows the
list's ordered scan fills a page almost at once.

Dense terms: a term that matches thousands of rows ("DEM" in every LA reference) is cheap to count up to the
list's cap but dear to page through the index — every match is fetched and sorted to find the first 50. When
the capped count says there are more matches than the cap, lists ask for `dense=True` conditions, written
so that no index can answer them (`+rowid IN (matches)`: the matches become a list probed per row), so SQLite
walks the list's own order and stops at the page (at least one row in `COUNT_CAP`/table size matches, so a
first page is found within a few thousand rows).

Searches across linked tables (an incident matches by its own text or by its route's code, operator's or school's
name) count each way of matching on its own (`capped_union`): each stops at the cap, so a term that matches
through 15,000 route codes costs a few hundred rows, where one OR over all the ways built an id list of every
matching route first (~12 ms) before counting anything. A small table is kept the outer loop of such a count
(`outer_first`), so the big table is reached through its index on the link.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import product
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, column, func, literal_column, or_, select, text
from sqlalchemy import table as sql_table
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import Join

from htst_tui.db.search_index import INDEXED, MIN_TERM, index_name, match_expression

DENSE_PAGE_ROWS = 500
"""A dense search walks the list order only for pages starting within this many rows (further pages would
walk too far: they use the index and sort)."""


def walk_list_order(more: bool, offset: int, limit: int) -> bool:
    """Whether a page should be found by walking the list's order (`more`: the capped count hit its cap)."""
    return more and offset + limit <= DENSE_PAGE_ROWS


def uses_index(table: str, term: str) -> bool:
    return table in INDEXED and len(term) >= MIN_TERM


def contains(table: str, term: str, columns: Sequence[Any], *, dense: bool = False) -> ColumnElement[bool]:
    """Rows of `table` where any of `columns` (its indexed search fields, when it has an index) contains `term`.
    `dense`: the term matches many rows, so test each row as the list order walks (see the module docstring)."""
    if uses_index(table, term):
        fts = index_name(table)
        rowid = f"+{table}.rowid" if dense else f"{table}.rowid"  # dense: a probe per row walked, not a lookup
        return and_(text(f"{rowid} IN (SELECT rowid FROM {fts} WHERE {fts} MATCH :{fts}_term)")
                    .bindparams(**{f"{fts}_term": match_expression(term)}))
    return or_(*[c.like(like_pattern(term)) for c in columns])


def matches_first(table: str, term: str, orm: Any) -> Select[Any] | None:
    """`SELECT orm.id` over the rows whose indexed fields contain `term`, walking the index's matches as the outer
    loop; None when no index answers the term. For a capped count: it stops reading matches at the cap, where the
    `rowid IN (matches)` of `contains` first lists every match (all 50,000 pupils for "DEMO0": ~15 ms a count,
    against ~0.4 ms)."""
    if not uses_index(table, term):
        return None
    fts = index_name(table)
    matches = sql_table(fts, column("rowid"))
    return (select(orm.id).select_from(outer_first(matches, orm, literal_column(f"{table}.rowid") == matches.c.rowid))
            .where(text(f"{fts} MATCH :{fts}_term").bindparams(**{f"{fts}_term": match_expression(term)})))


def like_pattern(term: str) -> str:
    """For `column.like(...)`: SQLite's LIKE already ignores ASCII case, as `lower()` would (it folds ASCII
    only too), without calling `lower()` twice per row — and so an index holding the column can answer it."""
    return f"%{term}%"


def json_values(values: Iterable[Any]) -> Any:
    """A list of values as one parameter (`x IN (SELECT value FROM json_each(:values))`): no limit on its length."""
    return select(func.json_each(json.dumps(sorted(values))).table_valued("value").c.value).scalar_subquery()


class OuterFirst(Join):
    """An inner join whose left side SQLite keeps as the outer loop (`CROSS JOIN`: the planner never reorders it)."""

    inherit_cache = True


@compiles(OuterFirst, "sqlite")
def _outer_first(join: OuterFirst, compiler: Any, from_linter: Any = None, **kw: Any) -> str:
    if from_linter:
        from_linter.edges.update(product(join.left._from_objects, join.right._from_objects))
    kw.pop("asfrom", None)
    assert join.onclause is not None  # `outer_first` always gives one
    side = {"asfrom": True, "from_linter": from_linter, **kw}
    return (f"{join.left._compiler_dispatch(compiler, **side)} CROSS JOIN "
            f"{join.right._compiler_dispatch(compiler, **side)} ON "
            f"{join.onclause._compiler_dispatch(compiler, from_linter=from_linter, **kw)}")


def outer_first(small: Any, big: Any, onclause: Any) -> OuterFirst:
    """`small JOIN big ON onclause`, walking `small` and reaching `big` by its index on the link."""
    return OuterFirst(small.__table__ if hasattr(small, "__table__") else small,
                      big.__table__ if hasattr(big, "__table__") else big, onclause)


@dataclass(frozen=True)
class Union:
    total: int
    more: bool
    """`total` is a floor: the count stopped at the cap."""
    keys: set[Any]
    """Every key found (when not `more`)."""
    empty: frozenset[int]
    """The ways (by position) known to find nothing: a page may leave them out."""


def capped_union(session: Session, ways: Sequence[Select[Any]], cap: int) -> Union:
    """How many distinct keys `ways` (queries of one key column) find together, counting no further than `cap`.
    Each way is read up to `cap` + 1 keys, in order (cheapest first); one that alone passes the cap settles it."""
    found: set[Any] = set()
    empty: set[int] = set()
    for n, way in enumerate(ways):
        keys = session.execute(way.limit(cap + 1)).scalars().all()
        if not keys:
            empty.add(n)
        found.update(keys)
        if len(keys) > cap or len(found) > cap:
            return Union(cap, True, set(), frozenset(empty))
    return Union(len(found), False, found, frozenset(empty))
