"""A restricted record refuses deletes too.

Migration 0017's triggers refuse every insert and update of a restricted person's rows,
but not a delete: a draft assessment (or any other row about the person) could still be
deleted, through a service or past it. ``<table>_delete_restricted`` refuses the delete of
a row of every table of ``0017.PERSON_ROWS`` while the person's restriction is not lifted.

The triggers do not yield to the culling marker (``retention_culling``): retention never
culls a restricted person nor anyone a restricted record ties to (the restriction row
itself refuses to be deleted), so a cull has nothing to delete here.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07
"""

from __future__ import annotations

import importlib

from alembic import op

from storage.errors import RESTRICTED_MESSAGE

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

#: the name every trigger of this revision ends with (a test rewinding a database to an
#: earlier revision drops them by it)
TRIGGER_SUFFIX = "_delete_restricted"
RESTRICTED = RESTRICTED_MESSAGE.replace("'", "''")


def upgrade() -> None:
    rights = importlib.import_module("storage.migrations.versions.0017_record_rights")
    for table, columns in rights.PERSON_ROWS.items():
        name = f"{table}{TRIGGER_SUFFIX}"
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute(f"CREATE TRIGGER {name} BEFORE DELETE ON {table} "
                   f"WHEN {rights._restricted('OLD', columns)} "
                   f"BEGIN SELECT RAISE(ABORT, '{RESTRICTED}'); END")


def downgrade() -> None:
    raise RuntimeError("rc-tui migrations are forward-only")
