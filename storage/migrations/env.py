"""Alembic environment: always run with a live SQLCipher connection from ``storage.schema``."""

from __future__ import annotations

from alembic import context

from storage.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - offline SQL generation is not supported
    raise RuntimeError("rc-tui migrations run only through storage.schema (encrypted DB)")



def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """FTS5 virtual tables (and their shadow tables) are managed by hand, not by models."""
    return not (type_ == "table" and name is not None and "_fts" in name)


context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    compare_type=True,
    include_name=include_name,
)
with context.begin_transaction():
    context.run_migrations()
