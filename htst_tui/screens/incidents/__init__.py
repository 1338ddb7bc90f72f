"""Incident log and route returns: lists with filters, keyboard forms, follow-ups."""
