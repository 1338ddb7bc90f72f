"""Use cases. They take and return plain data / domain models, own transactions and the audit log, and
never import Textual, so the CLI and the TUI share them."""
