"""Access log: let several rows be appended in one statement (the chain rules stay).

A row must still follow the last row (id + 1, previous hash) and the head may still only
move forward onto the last row – but it may now move by more than one, after a batch.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DROP TRIGGER access_log_append_only")
    op.execute("DROP TRIGGER audit_head_forward")
    op.execute(
        "CREATE TRIGGER access_log_append_only BEFORE INSERT ON access_log "
        "WHEN NEW.id != (SELECT coalesce(max(id), 0) FROM access_log) + 1 "
        "OR NEW.prev_hash != coalesce((SELECT hash FROM access_log WHERE id = NEW.id - 1), "
        "'" + "0" * 64 + "') "
        "BEGIN SELECT RAISE(ABORT, 'access_log row does not extend the chain'); END"
    )
    op.execute(
        "CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_head "
        "WHEN NEW.id != OLD.id OR NEW.last_id <= OLD.last_id "
        "OR NEW.last_id != (SELECT max(id) FROM access_log) OR NOT EXISTS "
        "(SELECT 1 FROM access_log WHERE id = NEW.last_id AND hash = NEW.last_hash) "
        "BEGIN SELECT RAISE(ABORT, 'audit_head may only follow the chain'); END"
    )


def downgrade() -> None:
    raise RuntimeError("rc-tui migrations are forward-only")
