"""Pure domain: pydantic models that define a valid record, and rules. No I/O, no database."""
