"""Foundation: meta, users, hash-chained append-only access log.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username", sa.String(32), nullable=False, unique=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("must_change_passphrase", sa.Boolean(), nullable=False),
        sa.Column("language", sa.String(8), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_table(
        "access_log",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("ts", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(32), nullable=True),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("record_type", sa.String(32), nullable=True),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("screen", sa.String(48), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_access_log_ts", "access_log", ["ts"])
    op.create_index("ix_access_log_user", "access_log", ["user_id", "ts"])
    op.create_index("ix_access_log_person", "access_log", ["person_id", "ts"])
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(64), nullable=False),
    )
    op.execute("INSERT INTO audit_head (id, last_id, last_hash) VALUES (1, 0, '" + "0" * 64 + "')")
    # The database itself refuses to change or remove log rows.
    op.execute(
        "CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log "
        "BEGIN SELECT RAISE(ABORT, 'access_log is append-only'); END"
    )
    op.execute(
        "CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log "
        "BEGIN SELECT RAISE(ABORT, 'access_log is append-only'); END"
    )
    # New rows must extend the chain by exactly one.
    op.execute(
        "CREATE TRIGGER access_log_append_only BEFORE INSERT ON access_log "
        "WHEN NEW.id != (SELECT last_id FROM audit_head WHERE id = 1) + 1 "
        "OR NEW.prev_hash != (SELECT last_hash FROM audit_head WHERE id = 1) "
        "BEGIN SELECT RAISE(ABORT, 'access_log row does not extend the chain'); END"
    )
    # The head only moves forward by one, onto a row that exists with that hash.
    op.execute(
        "CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_head "
        "WHEN NEW.id != OLD.id OR NEW.last_id != OLD.last_id + 1 OR NOT EXISTS "
        "(SELECT 1 FROM access_log WHERE id = NEW.last_id AND hash = NEW.last_hash) "
        "BEGIN SELECT RAISE(ABORT, 'audit_head may only follow the chain'); END"
    )
    op.execute(
        "CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head "
        "BEGIN SELECT RAISE(ABORT, 'audit_head cannot be removed'); END"
    )
    op.execute(
        "CREATE TRIGGER audit_head_no_insert BEFORE INSERT ON audit_head "
        "WHEN (SELECT count(*) FROM audit_head) > 0 "
        "BEGIN SELECT RAISE(ABORT, 'audit_head has one row'); END"
    )


def downgrade() -> None:
    raise RuntimeError("rc-tui migrations are forward-only")
