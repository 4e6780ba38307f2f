"""Sealed records and a survivable access-log tail.

* ``access_log.content_hash``: the entry that signs or approves a record holds the hash
  of its content (``storage.integrity``); the row hash covers it.
* The append trigger also admits a flagged ``log_gap`` row that starts a new segment
  after a cut-off tail (``storage.audit``), so a damaged tail does not lock everyone out.
* ``INSERT OR REPLACE`` must not rewrite a read-only record: a REPLACE deletes the old
  row without firing delete triggers (unless ``recursive_triggers``, which every rc-tui
  connection turns on), so BEFORE INSERT triggers refuse an insert whose id is a
  read-only row, and rows added to approved samråd minutes.
* Records sealed before this version get a baseline: one ``integrity_baseline`` entry
  per record with its content hash as it is now (it vouches for the content from this
  upgrade on, not before).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage import audit, integrity

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

GENESIS = "0" * 64
BASELINE_BATCH = 500

#: read-only tables and when a row is read-only (as their update/delete triggers say)
READ_ONLY = {
    "journal_notes": "signed_at IS NOT NULL",
    "assessments": "signed_at IS NOT NULL",
    "investigations": "concluded_at IS NOT NULL",
    "decisions": "1",
    "followups": "done_at IS NOT NULL",
    "closures": "1",
    "shift_entries": "1",
    "samrad": "approved_at IS NOT NULL",
}
SAMRAD_CHILDREN = ("samrad_participants", "samrad_persons", "samrad_actions")


def upgrade() -> None:
    op.add_column("access_log", sa.Column("content_hash", sa.String(64), nullable=True))
    op.execute("DROP TRIGGER access_log_append_only")
    last = "(SELECT coalesce(max(id), 0) FROM access_log)"
    op.execute(
        "CREATE TRIGGER access_log_append_only BEFORE INSERT ON access_log "
        f"WHEN NOT ((NEW.id = {last} + 1 "
        "AND NEW.prev_hash = coalesce((SELECT hash FROM access_log WHERE id = NEW.id - 1), "
        f"'{GENESIS}')) "
        f"OR (NEW.action = '{audit.GAP_ACTION}' AND NEW.flagged = 1 AND NEW.id > {last} + 1 "
        "AND NEW.prev_hash = coalesce((SELECT hash FROM access_log ORDER BY id DESC LIMIT 1), "
        f"'{GENESIS}'))) "
        "BEGIN SELECT RAISE(ABORT, 'access_log row does not extend the chain'); END"
    )
    for table, when in READ_ONLY.items():
        op.execute(
            f"CREATE TRIGGER {table}_insert_readonly BEFORE INSERT ON {table} "
            f"WHEN EXISTS (SELECT 1 FROM {table} WHERE id = NEW.id AND ({when})) "
            "BEGIN SELECT RAISE(ABORT, 'a read-only record cannot be replaced'); END"
        )
    for table in SAMRAD_CHILDREN:
        op.execute(
            f"CREATE TRIGGER {table}_insert_approved BEFORE INSERT ON {table} "
            "WHEN (SELECT approved_at FROM samrad WHERE id = NEW.samrad_id) IS NOT NULL "
            f"OR EXISTS (SELECT 1 FROM {table} c JOIN samrad m ON m.id = c.samrad_id "
            "WHERE c.id = NEW.id AND m.approved_at IS NOT NULL) "
            "BEGIN SELECT RAISE(ABORT, 'approved minutes are read-only'); END"
        )
    _baseline()


def _baseline() -> None:
    """One ``integrity_baseline`` entry per record that is already sealed."""
    conn = op.get_bind()
    sealed = sorted(integrity.all_sealed(conn).items())
    if not sealed:
        return
    # the entries go through the chain's own append (also over a damaged tail); it uses
    # the access-log columns as of this revision
    for start in range(0, len(sealed), BASELINE_BATCH):
        audit.append_many(conn, [
            {"action": "integrity_baseline", "record_type": record_type,
             "record_id": record_id, "content_hash": digest, "screen": "upgrade"}
            for (record_type, record_id), digest in sealed[start:start + BASELINE_BATCH]])


def downgrade() -> None:
    raise RuntimeError("rc-tui migrations are forward-only")
