"""After a purge, the erased text is gone from the database files themselves, not only from its rows: freed
pages are zeroed (secure_delete), the search index drops its trigrams, and the write-ahead log is emptied —
on the device that purged and on a device that received the purge by sync."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from htst_tui.services.context import ServiceContext
from htst_tui.services.purge import run_purge
from htst_tui.services.records import Records
from htst_tui.sync.run import sync
from tests.sync_support import add_school, device

SURNAME = "Qzxvbnmk"
"""Synthetic and distinctive: any byte run of it in a file is a leftover of the erased pupil."""


def _files(db: Path) -> bytes:
    return b"".join(p.read_bytes() for p in (db, Path(f"{db}-wal")) if p.exists())


def test_purged_names_leave_no_bytes_in_the_database_files(ctx: ServiceContext) -> None:
    sid = add_school(ctx)
    pupils = Records(ctx, "pupils")
    for n in range(30):  # enough rows that the search index holds several segments
        pupils.create({"la_reference": f"TST{n:05d}", "first_name": "Testchild", "last_name": f"{SURNAME}{n}",
                       "date_of_birth": "2012-05-04", "school_id": sid, "year_group": 9})
    assert SURNAME.encode() in _files(ctx.db.path) or SURNAME.lower().encode() in _files(ctx.db.path)
    result = run_purge(ctx, today=dt.date(2090, 1, 1))
    assert result.erased.get("pupils") == 30
    on_disk = _files(ctx.db.path).lower()
    assert SURNAME.lower().encode() not in on_disk
    assert SURNAME.lower()[:3].encode() not in on_disk  # not even the first trigram of the index
    assert not pupils.list(SURNAME).rows


def test_a_purge_synced_to_another_device_leaves_no_bytes_there(tmp_path: Path) -> None:
    stick = str(tmp_path / "stick")
    a, b = device(tmp_path, "a"), device(tmp_path, "b")
    sid = add_school(a)
    for n in range(30):
        Records(a, "pupils").create({"la_reference": f"TST{n:05d}", "first_name": "Testchild",
                                     "last_name": f"{SURNAME}{n}", "date_of_birth": "2012-05-04",
                                     "school_id": sid, "year_group": 9})
    sync(a, stick)
    assert sync(b, stick).pulled == 31
    assert SURNAME.lower().encode() in _files(b.db.path).lower()
    run_purge(a, today=dt.date(2090, 1, 1))
    sync(a, stick)
    assert sync(b, stick).pulled == 30
    assert SURNAME.lower()[:3].encode() not in _files(b.db.path).lower()
