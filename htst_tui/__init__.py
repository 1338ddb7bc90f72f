"""HTST Desk: an offline-first terminal app for a council's Home to School Transport service."""

__version__ = "0.1.0"
