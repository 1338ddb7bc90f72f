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
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, text

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


def like_pattern(term: str) -> str:
    """For `column.like(...)`: SQLite's LIKE already ignores ASCII case, as `lower()` would (it folds ASCII
    only too), without calling `lower()` twice per row — and so an index holding the column can answer it."""
    return f"%{term}%"
