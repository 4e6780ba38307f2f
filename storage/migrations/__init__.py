"""Alembic migrations for the rc-tui schema (run programmatically by ``storage.schema``)."""
