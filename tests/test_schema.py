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
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
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
