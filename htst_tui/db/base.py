"""The declarative base, shared column types and the one mixin of sync columns every synced table carries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Index, Integer, MetaData, String, TypeDecorator, event
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Stores naive UTC, returns aware UTC: SQLite has no time zones, and local time never enters the DB."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        return value.replace(tzinfo=dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dt.datetime: UTCDateTime(), dict[str, Any]: JSON(), list[str]: JSON()}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class SyncMixin:
    """Sync columns (DESIGN.md "Records and sync columns"): what lets a record made offline travel.

    `id` is made on the device that creates the record, so ids never clash across devices. `rev` changes on
    every edit and `rev_history` keeps its ancestors, so a merge can tell a fast-forward from a conflict.
    `local_seq` orders this device's writes (own and pulled) so each sync target gets what it has not
    seen; `dirty` marks an edit made here since the last successful sync.
    """

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    rev: Mapped[str] = mapped_column(String(48))
    rev_history: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(120))
    origin_device: Mapped[str] = mapped_column(String(36))
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    dirty: Mapped[bool] = mapped_column(Boolean, default=True)

    @declared_attr
    def local_seq(cls) -> Mapped[int]:
        return mapped_column(Integer, index=True)


@event.listens_for(SyncMixin, "instrument_class", propagate=True)
def _tombstone_index(mapper: Any, cls: type) -> None:
    """Every synced table's tombstones, indexed apart: the retention review reads the tombstones of every kind
    (services/purge.py), and found them by reading every row. Partial, so it holds tombstones only and stays
    tiny; its one key is `deleted`, equal throughout, so its entries run in rowid order and a read of the
    tombstones in rowid order (as the review reads) needs no sort."""
    table = cls.__table__  # type: ignore[attr-defined]
    Index(f"ix_{table.name}_tombstones", table.c.deleted, sqlite_where=table.c.deleted.is_(True))


SYNC_COLUMNS = ("id", "rev", "rev_history", "updated_at", "updated_by", "origin_device", "deleted", "dirty",
                "local_seq")
