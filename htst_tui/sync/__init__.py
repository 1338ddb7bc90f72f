"""Sync to the central export: bundle format, folder and PostgreSQL targets, one merge shared by both."""
