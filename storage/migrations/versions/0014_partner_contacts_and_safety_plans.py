"""Partner contacts and safety plans.

* ``partner_contacts``: the perpetrator service's contact with the partner of a man in
  the service. The row is hers (``person_id``): it lives in her compartment, the man's
  side reads only its outcome and safety flag. Never changed once recorded.
* ``safety_plans``: a victim's, child's or partner's safety plan, versioned like the risk
  assessments: read-only once signed, a new version supersedes it.

Both are sealed records (``storage.integrity``): triggers refuse updates, deletes and an
``INSERT OR REPLACE`` over a read-only row.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

#: read-only tables and when a row is read-only
READ_ONLY = {
    "partner_contacts": ("1", "a recorded partner contact is read-only"),
    "safety_plans": ("signed_at IS NOT NULL", "a signed safety plan is read-only"),
}


def upgrade() -> None:
    op.create_table(
        "partner_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("perpetrator_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("contacted_at", sa.DateTime(), nullable=False),
        sa.Column("outcome", sa.String(12), nullable=False),
        sa.Column("informed_service", sa.Boolean(), nullable=False),
        sa.Column("informed_support", sa.Boolean(), nullable=False),
        sa.Column("safety_view", sa.String(12), nullable=False),
        sa.Column("fear", sa.String(12), nullable=False),
        sa.Column("wants_contact", sa.String(8), nullable=False),
        sa.Column("consent_pass_on", sa.Boolean(), nullable=False),
        sa.Column("safety_flag", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"]),
        sa.ForeignKeyConstraint(["perpetrator_id"], ["persons.id"]),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_partner_contacts_person", "partner_contacts", ["person_id"])
    op.create_index("ix_partner_contacts_perpetrator", "partner_contacts",
                    ["perpetrator_id"])
    op.create_table(
        "safety_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("template", sa.String(16), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("sections", sa.Text(), nullable=False),
        sa.Column("review_on", sa.Date(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("signed_by_id", sa.Integer(), nullable=True),
        sa.Column("signed_at", sa.DateTime(), nullable=True),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"]),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["signed_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["supersedes_id"], ["safety_plans.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_safety_plans_person", "safety_plans", ["person_id"])
    for table, (when, what) in READ_ONLY.items():
        old = "1" if when == "1" else f"OLD.{when}"
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_{event.lower()}_readonly BEFORE {event} ON {table} "
                f"WHEN {old} BEGIN SELECT RAISE(ABORT, '{what}'); END"
            )
        # a REPLACE deletes the old row first (see 0010): refused before it begins
        op.execute(
            f"CREATE TRIGGER {table}_insert_readonly BEFORE INSERT ON {table} "
            f"WHEN EXISTS (SELECT 1 FROM {table} WHERE id = NEW.id AND ({when})) "
            "BEGIN SELECT RAISE(ABORT, 'a read-only record cannot be replaced'); END"
        )


def downgrade() -> None:
    raise RuntimeError("rc-tui migrations are forward-only")
