"""Records read ahead of an opening, in a thread, while the officer moves through a list.

Why: an Enter pressed right after the cursor reaches a row (quicker than the `RowTable.REST` after which the
form is filled and drawn ahead, screens/kept.py) used to wait for the record's few small reads on the event loop
before its form could be filled and drawn. Now each time the cursor reaches a row, that row and its neighbours
(the next Down or Up lands on one of them) are read in a worker thread, and the opening fills the form from what
was read. The loop pays nothing for a read that is never used, and a cursor running down a list starts at most
one read at a time: what is wanted when a read ends is read next, what was wanted meanwhile is dropped.

A read is used only if nothing was written since it started (services/change_mark.py): the mark is read before
the record, so a write in between makes the pair look stale, never fresh. Reads that fail (the record went, the
database is locked) are dropped: the opening reads again and says what is wrong.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy.exc import SQLAlchemyError
from textual.dom import DOMNode

from htst_tui.errors import HtstError
from htst_tui.services.change_mark import ChangeMark, change_mark

DataT = TypeVar("DataT")

KEEP = 8
"""Reads kept at most: the rows around the cursor now and a few it just left."""


class ReadAhead(Generic[DataT]):
    """What a kept form reads for a record, read in a thread for the rows around a list's cursor.

    `read(ctx, record_id)` must only read (it runs in a worker thread beside the event loop) and raise HtstError
    when the record cannot be shown."""

    def __init__(self, owner: DOMNode, read: Callable[[Any, str], DataT]) -> None:
        self._owner = owner
        self._read = read
        self._kept: OrderedDict[str, tuple[ChangeMark, DataT]] = OrderedDict()
        self._wanted: tuple[str, ...] = ()
        self._reading = False
        self.reads = 0
        """Reads done in the thread (tests and the bench look at it)."""

    def want(self, record_ids: Sequence[str]) -> None:
        """The cursor reached `record_ids[0]`; the others are next to it. Read those not yet read, in a thread."""
        self._wanted = tuple(dict.fromkeys(record_ids))
        if not self._reading and self._wanted:
            self._start(self._wanted)

    def take(self, record_id: str, mark: ChangeMark | None = None) -> DataT | None:
        """The read of `record_id` if one was done and nothing has been written since (`mark`: the change mark
        now, if the caller has just read it), else None. Reads the change mark when there is a read to check. A
        read is taken once: the form it fills may change what it holds."""
        kept = self._kept.pop(record_id, None)
        if kept is None:
            return None
        if mark is None:
            mark = change_mark(self._owner.app.ctx)  # type: ignore[attr-defined]
        return kept[1] if kept[0] == mark else None

    def holds(self, record_id: str) -> bool:
        """Is a read of `record_id` kept (good or out of date)?"""
        return record_id in self._kept

    def _start(self, record_ids: tuple[str, ...]) -> None:
        self._reading = True
        ctx = self._owner.app.ctx  # type: ignore[attr-defined]
        self._owner.run_worker(lambda: self._read_in_thread(ctx, record_ids), thread=True, group="read-ahead",
                               exit_on_error=False)

    def _read_in_thread(self, ctx: Any, record_ids: tuple[str, ...]) -> None:
        got: dict[str, DataT] = {}
        mark: ChangeMark | None = None
        try:
            mark = change_mark(ctx)
            for record_id in record_ids:
                kept = self._kept.get(record_id)
                if kept is not None and kept[0] == mark:
                    continue
                try:
                    got[record_id] = self._read(ctx, record_id)
                except HtstError:
                    continue
        except SQLAlchemyError:  # locked or damaged: nothing of this round is kept; the opening says what is wrong
            mark = None
        finally:  # posted, not waited for: a thread never blocks on a loop that may be ending
            self._owner.call_later(self._store, mark, got, record_ids)

    def _store(self, mark: ChangeMark | None, got: dict[str, DataT], record_ids: tuple[str, ...]) -> None:
        """On the event loop: keep what was read, then read what is wanted now if the cursor has moved on."""
        self.reads += len(got)
        if mark is not None:
            for record_id, data in got.items():
                self._kept[record_id] = (mark, data)
                self._kept.move_to_end(record_id)
            while len(self._kept) > KEEP:
                self._kept.popitem(last=False)
        self._reading = False
        if self._wanted and self._wanted != record_ids:
            self._start(self._wanted)
