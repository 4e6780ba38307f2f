"""Shelter operations: places and their periods out of use, stays on the places board,
the turned-away register and the shift log with per-user read marks.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "places",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("facility", sa.String(24), nullable=False),
        sa.Column("room", sa.Text(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("retired_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_places_facility", "places", ["facility", "sort_order"])
    op.create_table(
        "place_out_of_use",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["place_id"], ["places.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_place_out_of_use_place", "place_out_of_use", ["place_id"])
    with op.batch_alter_table("stays") as batch:
        batch.add_column(sa.Column("place_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("case_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("planned", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("expected_end", sa.Date(), nullable=True))
        batch.add_column(sa.Column("arrived_via", sa.String(16), nullable=True))
        batch.add_column(sa.Column("destination", sa.String(24), nullable=True))
        batch.add_column(sa.Column("departure_note", sa.Text(), nullable=True))
        batch.add_column(sa.Column("departed_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("followed_up_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("followup_note", sa.Text(), nullable=True))
        batch.create_foreign_key("fk_stays_place", "places", ["place_id"], ["id"])
        batch.create_foreign_key("fk_stays_case", "cases", ["case_id"], ["id"])
        batch.create_foreign_key("fk_stays_departed_by", "users", ["departed_by_id"], ["id"])
        batch.create_index("ix_stays_place", ["place_id"])
    # stays that ended before this version had no follow-up to record: mark them, so an
    # upgraded database does not put years of old departures on the due list
    op.execute("UPDATE stays SET followed_up_at = departed_at, followup_note = "
               "'Left before rc-tui recorded follow-ups.' WHERE departed_at IS NOT NULL")
    op.create_table(
        "turned_away",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("facility", sa.String(24), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("contact", sa.Text(), nullable=False),
        sa.Column("reach", sa.Text(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("children", sa.Integer(), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("reason_note", sa.Text(), nullable=False),
        sa.Column("referred_to", sa.String(24), nullable=False),
        sa.Column("referred_note", sa.Text(), nullable=False),
        sa.Column("followup_due", sa.Date(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("followed_up_at", sa.DateTime(), nullable=True),
        sa.Column("followup_outcome", sa.String(24), nullable=True),
        sa.Column("followup_note", sa.Text(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"]),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_turned_away_requested", "turned_away", ["facility", "requested_at"])
    op.create_table(
        "shift_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("facility", sa.String(24), nullable=False),
        sa.Column("written_at", sa.DateTime(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("journal_note_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"]),
        sa.ForeignKeyConstraint(["journal_note_id"], ["journal_notes.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_shift_entries_written", "shift_entries", ["facility", "written_at"])
    # a shift-log entry is a record of what happened at that hour: it never changes
    for event in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER shift_entries_{event.lower()}_readonly BEFORE {event} "
            "ON shift_entries BEGIN SELECT RAISE(ABORT, 'shift-log entries are read-only'); END"
        )
    op.create_table(
        "shift_reads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["entry_id"], ["shift_entries.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("entry_id", "user_id", name="uq_shift_reads_entry_user"),
    )
    op.create_index("ix_shift_reads_user", "shift_reads", ["user_id"])


def downgrade() -> None:
    raise RuntimeError("rc-tui migrations are forward-only")
