"""Schema migrations with Alembic, run programmatically over the encrypted connection.

Opening a database that is already at this version's head needs no Alembic at all (a
single SELECT), which keeps unlocking fast; Alembic is imported only to migrate.
``KNOWN_REVISIONS`` lists every revision in ``migrations/versions`` (a test keeps it in
step with the scripts); a database at a revision not in it was made by a newer rc-tui.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError

from storage.errors import NewerSchema

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

#: Every revision this version knows, oldest first; the last one is the head.
KNOWN_REVISIONS: tuple[str, ...] = ("0001", "0002", "0003", "0004", "0005", "0006", "0007",
                                    "0008", "0009")
HEAD = KNOWN_REVISIONS[-1]


def alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def current_revision(conn: Connection) -> str | None:
    try:
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except OperationalError:
        return None  # a new, empty database


def check_not_newer(conn: Connection) -> str | None:
    """The database's revision; ``NewerSchema`` if this rc-tui does not know it (read-only)."""
    rev = current_revision(conn)
    if rev is not None and rev not in KNOWN_REVISIONS:
        raise NewerSchema(rev)
    return rev


def upgrade(engine: Engine) -> None:
    """Bring the schema to this version's head (forward-only). Refuses newer schemas."""
    with engine.connect() as conn:
        rev = check_not_newer(conn)
        conn.rollback()
    if rev == HEAD:
        return
    from alembic import command

    with engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
