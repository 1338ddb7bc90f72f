"""Shared fixtures. Every test gets its own data and config folders, so nothing touches a real profile."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from htst_tui.services.context import ServiceContext, open_context
from htst_tui.settings import Settings


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HTST_DATA_DIR", str(home / "data"))
    monkeypatch.setenv("HTST_CONFIG_DIR", str(home / "config"))
    monkeypatch.delenv("HTST_DB", raising=False)


@pytest.fixture(autouse=True)
def _no_gc_freeze(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The app freezes what it holds out of the garbage collector's view (gc_pacing.py), for good: right for one
    app per process, but here every test's app would also freeze what earlier tests left, and each settle's full
    pass would walk the whole test process. Recorded instead (tests/test_gc_pacing.py runs the real ones)."""
    from htst_tui.gc_pacing import GcPacer

    calls: list[str] = []
    for name in ("freeze_loaded", "settle", "sweep", "release"):
        monkeypatch.setattr(GcPacer, name, lambda *_, name=name: calls.append(name) or 0)
    return calls


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "htst.db"


@pytest.fixture
def ctx(db_path: Path) -> Iterator[ServiceContext]:
    context = open_context(db_path, officer="Test Officer", settings=Settings())
    yield context
    context.close()
