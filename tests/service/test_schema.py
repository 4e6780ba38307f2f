"""Migrations: the models and the migration scripts describe the same schema."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from storage import schema
from storage.models import Base
from storage.vault import Vault


def test_known_revisions_match_the_scripts() -> None:
    script = ScriptDirectory.from_config(schema.alembic_config())
    revisions = [r.revision for r in script.walk_revisions()]
    assert list(reversed(revisions)) == list(schema.KNOWN_REVISIONS)
    assert script.get_current_head() == schema.HEAD


def test_migrated_schema_matches_models(vault: Vault) -> None:
    with vault.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={
            "compare_type": True,
            "include_name": lambda name, type_, _p: not (type_ == "table" and "_fts" in name),
        })
        diff = compare_metadata(ctx, Base.metadata)
        conn.rollback()
    assert diff == []


def test_triggers_exist(vault: Vault) -> None:
    with vault.engine.connect() as conn:
        names = {r[0] for r in conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        conn.rollback()
    assert {"access_log_no_update", "access_log_no_delete", "access_log_append_only",
            "audit_head_forward", "audit_head_no_delete"} <= names


def test_upgrade_from_first_revision_keeps_data(tmp_path: object) -> None:
    """A database made at revision 0001 is migrated forward on login, users intact."""
    from pathlib import Path

    from alembic import command
    from sqlalchemy import text

    from storage import db, keys
    from storage.vault import Vault

    path = Path(str(tmp_path)) / "old.db"
    v = Vault.create(path, "admin", "Admin", "en lång fras här", "chef", "Chef",
                     "chefens långa fras här")
    key = bytes(v._data_key)
    v.close(None)
    # rebuild it as a 0001 database: drop everything and run only the first migration
    path.unlink()
    engine = db.make_engine(path, key)
    with engine.begin() as conn:
        cfg = schema.alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    engine.dispose()
    del keys
    # the key file still matches (same data key); a 0001 database has no users, so
    # login must fail cleanly *after* migrating, and the schema is at head
    import pytest

    from storage.errors import KeyFileDamaged

    with pytest.raises(KeyFileDamaged):
        Vault.unlock(path, "chef", "chefens långa fras här")  # a data-key holder migrates
    engine = db.make_engine(path, key)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == schema.HEAD
    engine.dispose()
