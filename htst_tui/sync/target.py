"""The one interface every sync target implements; the run, the merge and the export know only this.

A target stores record versions and hands back the ones a device has not read yet, in *units* (a bundle file,
a page of server rows), each with the cursor position it brings the device to. The device applies units with
the shared merge and then stores the positions in the same local transaction, so a crash mid-way simply
re-reads (and the merge makes re-reading a no-op).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

from htst_tui.errors import HtstError
from htst_tui.sync.merge import Progress, Rejection


class SyncTargetError(HtstError):
    title = "Sync target problem"


@dataclass
class PullUnit:
    source: str
    """Cursor key: the device whose bundles these are (folder) or "" (PostgreSQL's one sequence)."""
    position: int
    """The cursor value once this unit is applied."""
    label: str
    """How a person finds it: the bundle's path, or the server rows' range."""
    records: list[dict[str, Any]]


@dataclass
class PullReport:
    units: list[PullUnit] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    """Whole bundles that failed a check (named by file); the others still apply."""
    notices: list[str] = field(default_factory=list)
    """Things that are not errors but wait (e.g. encrypted bundles and no private key here)."""


class SyncTarget(ABC):
    store_id: str
    """The store's own id (kept in the store), so cursors survive a changed mount point or URL."""
    label: str
    """The target for people: a path, or a URL without its password."""

    @abstractmethod
    def push(self, device: str, versions: list[str], progress: Progress | None = None) -> int:
        """Store `versions` durably; return how many were sent. Raise `SyncTargetError` on failure."""

    @abstractmethod
    def pull(self, device: str, positions: dict[str, int], progress: Progress | None = None) -> PullReport:
        """Everything past `positions` written by other devices."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""


def is_postgres_url(spec: str) -> bool:
    return spec.startswith(("postgresql://", "postgresql+psycopg://", "postgres://"))


def open_target(spec: str, *, public_key_path: str = "", encrypt: bool = False,
                private_key_path: str = "") -> SyncTarget:
    """A folder path or a PostgreSQL URL -> its target (keys only matter for folders)."""
    from pathlib import Path

    from htst_tui.sync import crypto

    spec = spec.strip()
    if not spec:
        raise SyncTargetError("No sync target: give --to FOLDER or a postgresql+psycopg:// URL, or set "
                              "sync.default_target in the settings.")
    if is_postgres_url(spec):
        from htst_tui.sync.postgres import PostgresTarget

        return PostgresTarget(spec)
    from htst_tui.sync.folder import FolderTarget

    public = None
    if encrypt:
        if not public_key_path:
            raise SyncTargetError("sync.encrypt_bundles is on but sync.public_key_path is empty: set it to the "
                                  "council's public key file (made by `htst keygen`).")
        public = crypto.load_public_key(Path(public_key_path).expanduser())
    private = crypto.load_private_key(Path(private_key_path).expanduser()) if private_key_path else None
    return FolderTarget(Path(spec).expanduser(), public_key=public, private_key=private)
