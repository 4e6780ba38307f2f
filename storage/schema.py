"""Schema migrations with Alembic, run programmatically over the encrypted connection."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from storage.errors import NewerSchema

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def check_not_newer(conn: Connection) -> str | None:
    """Return the database's revision; raise ``NewerSchema`` if this rc-tui doesn't know it.

    Runs only reads, so a refused database is left untouched.
    """
    rev = current_revision(conn)
    if rev is None:
        return None
    script = ScriptDirectory.from_config(_config())
    try:
        script.get_revision(rev)
    except Exception:  # alembic raises several types for unknown revisions
        raise NewerSchema(rev) from None
    return rev


def upgrade(engine: Engine) -> None:
    """Bring the schema to this version's head (forward-only)."""
    with engine.connect() as conn:
        rev = check_not_newer(conn)
        conn.rollback()
    if rev == head_revision():
        return
    with engine.begin() as conn:
        cfg = _config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
