"""What every use case needs: the open database and who is acting, from which device."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import exc as sa_exc
from sqlalchemy import text
from sqlalchemy.orm import Session

from htst_tui.db.engine import Database, bulk_cache, open_database, translate_sqlite_error
from htst_tui.settings import Settings, load_settings


@dataclass
class ServiceContext:
    db: Database
    officer: str
    settings: Settings

    @property
    def device_id(self) -> str:
        return self.db.device_id

    @contextmanager
    def transaction(self, *, bulk: bool = False) -> Iterator[Session]:
        """One unit of work: commit on success, roll back on any error; SQLite errors become plain ones.
        `bulk`: a big page cache for this one (a sync, a bulk insert; db/engine.py BULK_CACHE_KIB)."""
        try:
            with self.db.sessions.begin() as session:
                if bulk:
                    bulk_cache(session)
                yield session
        except (sa_exc.OperationalError, sa_exc.DatabaseError) as exc:
            if isinstance(exc, sa_exc.IntegrityError):
                raise
            raise translate_sqlite_error(exc, self.db.path) from exc

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self.db.sessions() as session:
            yield session

    def close(self) -> None:
        self.db.close()


def current_seq(session: Session) -> int:
    """The last local write number: every record version this device writes or pulls takes the next one."""
    return int(session.execute(text("SELECT value FROM local_meta WHERE key = 'local_seq'")).scalar_one())


def reserve_seq(session: Session, count: int = 1) -> int:
    """Reserve `count` local write numbers in this transaction; returns the first."""
    last = session.execute(
        text("UPDATE local_meta SET value = CAST(value AS INTEGER) + :n WHERE key = 'local_seq' RETURNING value"),
        {"n": count},
    ).scalar_one()
    return int(last) - count + 1


def open_context(db_path: Path | str | None = None, *, officer: str | None = None,
                 settings: Settings | None = None) -> ServiceContext:
    """Open the database (upgrading it) with the officer from settings; used by the CLI and the app."""
    import getpass

    from htst_tui.paths import default_database

    settings = settings or load_settings()
    db = open_database(Path(db_path) if db_path else default_database())
    who = officer or settings.profile.officer_name.strip() or getpass.getuser()
    return ServiceContext(db=db, officer=who, settings=settings)
