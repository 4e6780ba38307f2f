"""Retention (gallring): a manager's keep decision, and culling as an explicit act.

* ``retention_keeps``: a manager's decision to keep a person's record past its retention
  period, with the reason (lifted, not removed: ``lifted_at``/``lifted_by_id``).
* ``retention_culling``: empty, except inside the one transaction that culls
  (``storage.retention``). The triggers that keep signed, concluded, decided, approved and
  recorded rows read-only let a row be deleted only while it holds a row; whatever the
  culling deletes of a sealed record is logged with its content hash, and ``rc-tui check``
  reports a sealed record that is gone without such an entry, and a marker row left
  behind (it would leave the read-only records deletable).
* ``case_fts`` deletes for real (FTS5 ``secure-delete``) like the other search indexes,
  so a culled case's number does not stay in its blocks.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

_APPROVED = "(SELECT approved_at FROM samrad WHERE id = OLD.samrad_id) IS NOT NULL"
#: every trigger that refuses to delete a read-only row: (table, when, message) as the
#: earlier migrations made them; the access log and its head are never culled
DELETE_TRIGGERS: dict[str, tuple[str, str, str]] = {
    "assessment_signed_no_delete": ("assessments", "OLD.signed_at IS NOT NULL",
                                    "signed assessments are read-only"),
    "closures_delete_readonly": ("closures", "1", "closing history is never changed"),
    "decisions_delete_readonly": ("decisions", "1",
                                  "a decision is never changed: record a new one"),
    "followups_delete_readonly": ("followups", "OLD.done_at IS NOT NULL",
                                  "a recorded follow-up is read-only"),
    "investigations_delete_readonly": ("investigations", "OLD.concluded_at IS NOT NULL",
                                       "a concluded investigation is read-only"),
    "journal_signed_no_delete": ("journal_notes", "OLD.signed_at IS NOT NULL",
                                 "signed journal notes are read-only"),
    "partner_contacts_delete_readonly": ("partner_contacts", "1",
                                         "a recorded partner contact is read-only"),
    "recontacts_delete_readonly": ("recontacts", "1",
                                   "a recorded re-contact attempt is never changed"),
    "safety_plans_delete_readonly": ("safety_plans", "OLD.signed_at IS NOT NULL",
                                     "a signed safety plan is read-only"),
    "samrad_actions_delete_approved": ("samrad_actions", _APPROVED,
                                       "approved minutes are read-only"),
    "samrad_delete_approved": ("samrad", "OLD.approved_at IS NOT NULL",
                               "approved minutes are read-only"),
    "samrad_participants_delete_approved": ("samrad_participants", _APPROVED,
                                            "approved minutes are read-only"),
    "samrad_persons_delete_approved": ("samrad_persons", _APPROVED,
                                       "approved minutes are read-only"),
    "session_attendance_delete_readonly": ("session_attendance", "1",
                                           "recorded attendance is never changed"),
    "shift_entries_delete_readonly": ("shift_entries", "1", "shift-log entries are read-only"),
}


def upgrade() -> None:
    op.create_table(
        "retention_keeps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.Column("lifted_at", sa.DateTime(), nullable=True),
        sa.Column("lifted_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"]),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["lifted_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_retention_keeps_person", "retention_keeps", ["person_id"])
    op.create_table(
        "retention_culling",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    for name, (table, when, message) in DELETE_TRIGGERS.items():
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute(
            f"CREATE TRIGGER {name} BEFORE DELETE ON {table} "
            f"WHEN ({when}) AND NOT EXISTS (SELECT 1 FROM retention_culling) "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
        )
    op.execute("INSERT INTO case_fts (case_fts, rank) VALUES ('secure-delete', 1)")
    op.execute("INSERT INTO case_fts (case_fts) VALUES ('optimize')")


def downgrade() -> None:
    raise RuntimeError("rc-tui migrations are forward-only")
