"""Errors a user can cause, each with a title and a plain message that says what to do.

The CLI prints them and exits 1; the TUI shows them in a screen or modal. Anything else is a bug and is
allowed to crash loudly in tests.
"""

from __future__ import annotations


class HtstError(Exception):
    """An expected failure, explained in the user's words."""

    title = "Something went wrong"

    def __init__(self, message: str, *, title: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if title:
            self.title = title

    def __str__(self) -> str:
        return self.message


class DatabaseError(HtstError):
    title = "The database cannot be opened"


class DatabaseLockedError(DatabaseError):
    title = "The database is busy"


class DatabaseCorruptError(DatabaseError):
    title = "The database is damaged"


class DatabaseReadOnlyError(DatabaseError):
    title = "The database is read-only"


class DatabaseTooNewError(DatabaseError):
    title = "The database is from a newer HTST Desk"


class ValidationFailed(HtstError):
    """A record failed validation; `errors` maps field name to a plain-English message."""

    title = "Please check the form"

    def __init__(self, errors: dict[str, str], *, entity: str = "") -> None:
        self.errors = errors
        self.entity = entity
        lines = "; ".join(f"{k}: {v}" for k, v in errors.items())
        super().__init__(lines or "the record is not valid")


class NotFound(HtstError):
    title = "Not found"


class RecordLocked(HtstError):
    title = "This record is locked"


class SettingsError(HtstError):
    title = "The settings file has a problem"


class ImportFailed(HtstError):
    title = "The import file has problems"


class NotEmpty(HtstError):
    title = "The database is not empty"
