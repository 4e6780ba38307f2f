"""Samråd: coordination meetings, participants, persons discussed, agreed actions.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_APPROVED = "(SELECT approved_at FROM samrad WHERE id = OLD.samrad_id) IS NOT NULL"


def _readonly(table: str, when: str) -> None:
    for event in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER {table}_{event.lower()}_approved BEFORE {event} ON {table} "
            f"WHEN {when} BEGIN SELECT RAISE(ABORT, 'approved minutes are read-only'); END"
        )


def upgrade() -> None:
    op.create_table(
        "samrad",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.Text(), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("meeting_on", sa.Date(), nullable=False),
        sa.Column("place", sa.Text(), nullable=False),
        sa.Column("chair_id", sa.Integer(), nullable=False),
        sa.Column("previous_id", sa.Integer(), nullable=True),
        sa.Column("repeat", sa.Boolean(), nullable=False),
        sa.Column("approved_at", sa.DateTime(), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.ForeignKeyConstraint(["chair_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["previous_id"], ["samrad.id"]),
        sa.ForeignKeyConstraint(["approved_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_samrad_case", "samrad", ["case_id"])
    # the meeting itself: read-only once approved (approving is the last update allowed)
    for event in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER samrad_{event.lower()}_approved BEFORE {event} ON samrad "
            "WHEN OLD.approved_at IS NOT NULL "
            "BEGIN SELECT RAISE(ABORT, 'approved minutes are read-only'); END"
        )
    op.create_table(
        "samrad_participants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("samrad_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("agency", sa.String(24), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("undertaking", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["samrad_id"], ["samrad.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_samrad_participants", "samrad_participants", ["samrad_id"])
    _readonly("samrad_participants", _APPROVED)
    op.create_table(
        "samrad_persons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("samrad_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("legal_ground", sa.String(24), nullable=True),
        sa.Column("ground_rationale", sa.Text(), nullable=False),
        sa.Column("info_shared", sa.Text(), nullable=False),
        sa.Column("risk_view", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["samrad_id"], ["samrad.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("samrad_id", "person_id", name="uq_samrad_person"),
    )
    _readonly("samrad_persons", _APPROVED)
    op.create_table(
        "samrad_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("samrad_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("agency", sa.String(24), nullable=False),
        sa.Column("order_no", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("outcome", sa.String(12), nullable=True),
        sa.Column("outcome_note", sa.Text(), nullable=False),
        sa.Column("reviewed_in_id", sa.Integer(), nullable=True),
        sa.Column("plan_item_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["samrad_id"], ["samrad.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"]),
        sa.ForeignKeyConstraint(["reviewed_in_id"], ["samrad.id"]),
        sa.ForeignKeyConstraint(["plan_item_id"], ["plan_items.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_samrad_actions", "samrad_actions", ["samrad_id"])
    # an action's own text is fixed once its meeting is approved; the review outcome (set in
    # a later meeting) may still be written, until that meeting is approved in turn
    op.execute(
        "CREATE TRIGGER samrad_actions_update_approved BEFORE UPDATE ON samrad_actions "
        f"WHEN {_APPROVED} AND (NEW.what IS NOT OLD.what OR NEW.agency IS NOT OLD.agency "
        "OR NEW.order_no IS NOT OLD.order_no OR NEW.due_on IS NOT OLD.due_on "
        "OR NEW.person_id IS NOT OLD.person_id OR NEW.samrad_id IS NOT OLD.samrad_id "
        "OR (OLD.reviewed_in_id IS NOT NULL AND (SELECT approved_at FROM samrad "
        "    WHERE id = OLD.reviewed_in_id) IS NOT NULL)) "
        "BEGIN SELECT RAISE(ABORT, 'approved minutes are read-only'); END"
    )
    op.execute(
        "CREATE TRIGGER samrad_actions_delete_approved BEFORE DELETE ON samrad_actions "
        f"WHEN {_APPROVED} BEGIN SELECT RAISE(ABORT, 'approved minutes are read-only'); END"
    )


def downgrade() -> None:
    raise RuntimeError("rc-tui migrations are forward-only")
