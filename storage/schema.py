"""Schema migrations with Alembic, run programmatically over the encrypted connection.

Opening a database that is already at this version's head needs no Alembic at all (a
single SELECT), which keeps unlocking fast; Alembic is imported only to migrate.
``KNOWN_REVISIONS`` lists every revision in ``migrations/versions`` (a test keeps it in
step with the scripts); a database at a revision not in it was made by a newer rc-tui.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError

from storage.errors import NewerSchema

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

#: Every revision this version knows, oldest first; the last one is the head.
KNOWN_REVISIONS: tuple[str, ...] = ("0001", "0002", "0003", "0004", "0005", "0006", "0007",
                                    "0008", "0009", "0010", "0012", "0013", "0014",
                                    "0015", "0016", "0017", "0018", "0020", "0021",
                                    "0022", "0023")
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

    # the write lock first (BEGIN IMMEDIATE, waiting for it): two sessions opening at once
    # after an update both find the schema behind, and a deferred transaction that reads
    # first cannot wait for the lock when it comes to write ("database is locked"); the
    # second one then finds the schema at head and does nothing
    with engine.execution_options(rc_write=True).begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


# ---------------------------------------------------------------------- schema check
SchemaObject = tuple[str, str]  # (type, name)
_expected: dict[SchemaObject, tuple[str, str]] | None = None


def _normalise(kind: str, sql: str | None) -> str:
    """Whitespace collapsed; a table's column and constraint clauses sorted (Alembic's
    batch mode writes a recreated table's foreign keys in no fixed order)."""
    text_ = " ".join((sql or "").split())
    if kind != "table" or "(" not in text_:
        return text_
    start, end = text_.index("("), text_.rindex(")")
    clauses, depth, quote, current = [], 0, "", ""
    for ch in text_[start + 1:end]:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"`[":
            quote = "]" if ch == "[" else ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            clauses.append(current.strip())
            current = ""
            continue
        current += ch
    clauses.append(current.strip())
    return f"{text_[:start]}({', '.join(sorted(clauses))}){text_[end + 1:]}"


def _objects(rows: list[tuple[Any, ...]]) -> dict[SchemaObject, tuple[str, str]]:
    return {(str(kind), str(name)): (str(table), _normalise(str(kind), sql))
            for kind, name, table, sql in rows}


_MASTER = "SELECT type, name, tbl_name, sql FROM sqlite_master"


def expected_schema() -> dict[SchemaObject, tuple[str, str]]:
    """What the migrations produce: every table, index, trigger and view with its SQL.

    Built once per process by migrating an empty database in memory (SQLCipher's own
    SQLite, temp storage in memory: nothing touches the disk)."""
    global _expected
    if _expected is None:
        import sqlcipher3
        from sqlalchemy import create_engine
        from sqlalchemy.pool import StaticPool

        raw = sqlcipher3.dbapi2.connect(":memory:", check_same_thread=False)
        raw.execute("PRAGMA temp_store = MEMORY")
        engine = create_engine("sqlite+pysqlite://", creator=lambda: raw,
                               module=sqlcipher3.dbapi2, poolclass=StaticPool)
        try:
            from alembic import command

            with engine.begin() as conn:
                cfg = alembic_config()
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
            with engine.connect() as conn:
                _expected = _objects([tuple(r) for r in conn.exec_driver_sql(_MASTER)])
        finally:
            engine.dispose()
            raw.close()
    return _expected


def schema_problems(conn: Connection) -> list[str]:
    """Every table, index, trigger or view that is missing, changed or not expected,
    by type and name (names are cut short: an insider may have chosen them)."""
    found = _objects([tuple(r) for r in conn.exec_driver_sql(_MASTER)])
    expected = expected_schema()
    problems: list[str] = []
    for key in sorted(set(expected) | set(found)):
        kind, name = key
        shown = f"{kind} {name[:64]}"
        if key not in found:
            problems.append(f"schema: {shown} is missing")
        elif key not in expected:
            problems.append(f"schema: {shown} is not part of rc-tui's schema")
        elif found[key] != expected[key]:
            problems.append(f"schema: {shown} differs from what the migrations create")
    return problems
