"""Temporary housing for men, and the placing municipality of a stay.

* ``stays.assessment_id``: the signed risk assessment of the man an admission to the
  temporary housing rests on (the seed: housing only after a threat and risk assessment);
* ``stays.override_reason``: a manager's stated reason for admitting without one (the
  access-log entry of the admission is flagged for review);
* ``stays.decision_id``: the decision the stay executes, if any;
* ``stays.placing_municipality`` and ``stays.payer``: who placed her (a placement from
  another municipality) and who pays;
* ``stays.admission_note``: the admission's note ("what happened, what she needs
  tonight"), kept with the stay – before, it survived only as a new case's intake account
  and was lost when a known person was admitted into her open case;
* the follow-up after a departure as the turned-away register has it: ``stays.reach`` (how
  she may be reached, asked when she leaves), ``followup_outcome``, ``followup_attempts``
  (attempts that did not reach her; three in all) and ``followup_due`` (the next attempt;
  ``NULL``: fourteen days after the departure, as before);
* ``person_links``: an anonymous record a manager linked to the known person it turned out
  to be (its stays moved to the known person; the record itself, its journal and its
  access-log entries stay as they were).

Stays made before this revision keep ``NULL`` in all of them.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


#: the columns this revision adds to ``stays``
STAY_COLUMNS = (
    ("assessment_id", sa.Integer),
    ("override_reason", sa.Text),
    ("decision_id", sa.Integer),
    ("placing_municipality", sa.Text),
    ("payer", sa.Text),
    ("admission_note", sa.Text),
    ("reach", sa.Text),
    ("followup_outcome", lambda: sa.String(24)),
    ("followup_attempts", sa.Integer),
    ("followup_due", sa.Date),
)


def upgrade() -> None:
    # only what is missing: a database rewound to an earlier revision by dropping the
    # tables later revisions made (the tests do) keeps these columns of an older table
    present = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("stays")}
    missing = [(name, kind) for name, kind in STAY_COLUMNS if name not in present]
    if missing:
        with op.batch_alter_table("stays") as batch:
            for name, kind in missing:
                if name == "followup_attempts":
                    batch.add_column(sa.Column(name, kind(), nullable=False,
                                               server_default="0"))
                else:
                    batch.add_column(sa.Column(name, kind(), nullable=True))
            if "assessment_id" in dict(missing):
                batch.create_foreign_key("fk_stays_assessment", "assessments",
                                         ["assessment_id"], ["id"])
            if "decision_id" in dict(missing):
                batch.create_foreign_key("fk_stays_decision", "decisions", ["decision_id"],
                                         ["id"])
    op.create_table(
        "person_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("anonymous_id", sa.Integer(), nullable=False),
        sa.Column("known_id", sa.Integer(), nullable=False),
        sa.Column("linked_by_id", sa.Integer(), nullable=False),
        sa.Column("linked_at", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["anonymous_id"], ["persons.id"]),
        sa.ForeignKeyConstraint(["known_id"], ["persons.id"]),
        sa.ForeignKeyConstraint(["linked_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("anonymous_id"),
    )
    op.create_index("ix_person_links_known_id", "person_links", ["known_id"])


def downgrade() -> None:
    raise RuntimeError("rc-tui migrations are forward-only")
