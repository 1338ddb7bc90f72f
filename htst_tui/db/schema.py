"""The schema revision this code expects, known without importing Alembic.

Opening a database compares its `alembic_version` with SCHEMA_HEAD; Alembic (slow to import) is loaded only
when an upgrade is needed. A test asserts SCHEMA_HEAD equals Alembic's head, so the two cannot drift.
"""

SCHEMA_HEAD = "0003_list_and_tombstone_indexes"
