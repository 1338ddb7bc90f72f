"""Every place HTST Desk keeps files, in one module.

Folders are created owner-only (0700) on first use because they hold personal data about children.
`HTST_DATA_DIR` / `HTST_CONFIG_DIR` move them (tests and portable installs use this).
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "htst-desk"


def ensure_private_dir(path: Path) -> Path:
    """Create `path` (and parents) as 0700; tighten an existing folder we own."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        if (path.stat().st_mode & 0o777) != 0o700:
            path.chmod(0o700)
    except PermissionError:
        pass
    return path


def data_directory() -> Path:
    override = os.environ.get("HTST_DATA_DIR")
    if override:
        return ensure_private_dir(Path(override))
    from platformdirs import user_data_path

    return ensure_private_dir(user_data_path(APP_NAME, appauthor=False))


def config_directory() -> Path:
    override = os.environ.get("HTST_CONFIG_DIR")
    if override:
        return ensure_private_dir(Path(override))
    from platformdirs import user_config_path

    return ensure_private_dir(user_config_path(APP_NAME, appauthor=False))


def config_file() -> Path:
    return config_directory() / "config.toml"


def default_database() -> Path:
    """The database: `HTST_DB` if set, else `htst.db` in the user data folder."""
    override = os.environ.get("HTST_DB")
    if override:
        return Path(override).expanduser()
    return data_directory() / "htst.db"


def replica_directory() -> Path:
    """Local replicas of sync stores, kept by exports and store reports (`sync/replica.py`)."""
    return ensure_private_dir(data_directory() / "replicas")


def crash_directory() -> Path:
    return ensure_private_dir(data_directory() / "crash")


def write_private_file(path: Path, data: bytes) -> None:
    """Write a file readable by its owner only (0600), atomically: temp name, fsync, rename."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
