"""Developer tool: autogenerate the next Alembic migration from the models.

Usage: .venv/bin/python tools/new_migration.py 0002_panel "panel meetings and decisions"
It upgrades a scratch database to the current head, then diffs it against the models.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config

from htst_tui.db.engine import MIGRATIONS_DIR, make_engine, upgrade


def main() -> None:
    rev_id, message = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(Path(tmp) / "scratch.db")
        if any((MIGRATIONS_DIR / "versions").glob("*.py")):
            upgrade(engine)
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        cfg.set_main_option("file_template", "%%(rev)s")
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.revision(cfg, message=message, autogenerate=True, rev_id=rev_id)
        engine.dispose()


if __name__ == "__main__":
    main()
