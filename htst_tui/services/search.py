"""Type-to-search as SQL: "any of these fields contains the term, ignoring case", from an index where one exists.

Lists call this for their search box so that every list searches the same way. Entities with a trigram search
index (`db/search_index.py`) answer from it for terms of three characters or more; other kinds, and shorter
terms, use LIKE, which reads the rows — fine for small tables, and for short terms that match most rows the
list's ordered scan fills a page almost at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, text

from htst_tui.db.search_index import INDEXED, MIN_TERM, index_name, match_expression


def uses_index(table: str, term: str) -> bool:
    return table in INDEXED and len(term) >= MIN_TERM


def contains(table: str, term: str, columns: Sequence[Any]) -> ColumnElement[bool]:
    """Rows of `table` where any of `columns` (its indexed search fields, when it has an index) contains `term`."""
    if uses_index(table, term):
        fts = index_name(table)
        return and_(text(f"{table}.rowid IN (SELECT rowid FROM {fts} WHERE {fts} MATCH :{fts}_term)")
                    .bindparams(**{f"{fts}_term": match_expression(term)}))
    return or_(*[c.like(like_pattern(term)) for c in columns])


def like_pattern(term: str) -> str:
    """For `column.like(...)`: SQLite's LIKE already ignores ASCII case, as `lower()` would (it folds ASCII
    only too), without calling `lower()` twice per row — and so an index holding the column can answer it."""
    return f"%{term}%"
