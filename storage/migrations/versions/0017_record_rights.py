"""The data subject's rights: record extracts with reviewed withholding, rectification and
restriction.

* ``extract_reviews`` / ``extract_decisions``: who reviewed a person's record extract and,
  per passage about another person, released or withheld it with a reason (read-only);
* ``person_history``: the earlier values of a person's names and identity number, with who
  changed them and why (read-only). A change of those columns made past the services gets
  a row from a trigger all the same (no user, no reason), so no earlier value is lost;
* rows of these tables go with their person (``ON DELETE CASCADE``: a person culled by
  retention leaves no history, review or lifted restriction behind; a restriction not yet
  lifted refuses to be deleted, and with it the person);
* ``person_restrictions``: a manager restricted a person's record while a dispute is
  examined. While a restriction is not lifted, triggers refuse every insert and update of
  the person's rows – the person, their tracks, journal, assessments, consents,
  investigations, decisions, plans, stays, samråd rows, series and referrals – whoever
  writes them, the services or Python past them.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.errors import RESTRICTED_MESSAGE

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

#: the message the restriction triggers raise (``storage.guard`` turns it into
#: ``RecordRestricted``)
RESTRICTED = RESTRICTED_MESSAGE.replace("'", "''")

#: every table with rows about a person, and the columns naming the person: while the
#: person's record is restricted, none of these rows may be added or changed (drafts are
#: the user's own unsaved input, not the record, and the access log records the refusals)
PERSON_ROWS: dict[str, tuple[str, ...]] = {
    "persons": ("id",),
    "case_members": ("person_id",),
    "relations": ("from_person_id", "to_person_id"),
    "intakes": ("contact_person_id",),
    "assessments": ("person_id",),
    "consents": ("person_id",),
    "child_reports": ("child_person_id",),
    "journal_notes": ("person_id",),
    "stays": ("person_id",),
    "person_links": ("anonymous_id", "known_id"),
    "shift_entries": ("person_id",),
    "investigations": ("person_id",),
    "decisions": ("person_id",),
    "plan_items": ("person_id",),
    "followups": ("person_id",),
    "closures": ("person_id",),
    "samrad_persons": ("person_id",),
    "samrad_actions": ("person_id",),
    "partner_contacts": ("person_id", "perpetrator_id"),
    "safety_plans": ("person_id",),
    "series_members": ("person_id",),
    "session_attendance": ("person_id",),
    "recontacts": ("person_id",),
    "referrals": ("person_id",),
}

HISTORY_FIELDS = ("given_name", "family_name", "alias", "id_number")


def _restricted(row: str, columns: tuple[str, ...]) -> str:
    who = " OR ".join(f"person_id = {row}.{c}" for c in columns)
    return (f"EXISTS (SELECT 1 FROM person_restrictions WHERE lifted_at IS NULL "
            f"AND ({who}))")


def upgrade() -> None:
    op.create_table(
        "person_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(16), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["changed_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_person_history_person", "person_history", ["person_id", "field"])
    op.create_table(
        "person_restrictions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("restricted_at", sa.DateTime(), nullable=False),
        sa.Column("restricted_by_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("lifted_at", sa.DateTime(), nullable=True),
        sa.Column("lifted_by_id", sa.Integer(), nullable=True),
        sa.Column("lift_reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["restricted_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["lifted_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_person_restrictions_person", "person_restrictions",
                    ["person_id", "lifted_at"])
    op.create_table(
        "extract_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(), nullable=False),
        sa.Column("via", sa.String(8), nullable=False),
        sa.Column("passages", sa.Integer(), nullable=False),
        sa.Column("withheld", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reviewer_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_extract_reviews_person", "extract_reviews", ["person_id"])
    op.create_table(
        "extract_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("passage", sa.String(64), nullable=False),
        sa.Column("passage_sha256", sa.String(64), nullable=False),
        sa.Column("flag", sa.String(16), nullable=False),
        sa.Column("decision", sa.String(8), nullable=False),
        sa.Column("reason", sa.String(32), nullable=True),
        sa.ForeignKeyConstraint(["review_id"], ["extract_reviews.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_extract_decisions_review", "extract_decisions", ["review_id"])

    # a database rewound past this revision by dropping its tables (the tests do) keeps
    # the triggers on the older tables: made anew here
    for table in ("person_history", "extract_reviews", "extract_decisions"):
        op.execute(f"DROP TRIGGER IF EXISTS {table}_update_readonly")
        op.execute(f"CREATE TRIGGER {table}_update_readonly BEFORE UPDATE ON {table} "
                   "BEGIN SELECT RAISE(ABORT, 'a read-only record cannot be changed'); END")
    # a restriction is lifted once, by a manager whose access-log entry of the lifting
    # comes just before (so lifting past the service leaves the same trace), and only its
    # lifting columns change; then the row stays as it is
    op.execute("DROP TRIGGER IF EXISTS person_restrictions_update_readonly")
    op.execute(
        "CREATE TRIGGER person_restrictions_update_readonly BEFORE UPDATE ON "
        "person_restrictions WHEN OLD.lifted_at IS NOT NULL OR NEW.lifted_at IS NULL "
        "OR NEW.person_id IS NOT OLD.person_id OR NEW.restricted_at IS NOT OLD.restricted_at "
        "OR NEW.restricted_by_id IS NOT OLD.restricted_by_id OR NEW.reason IS NOT OLD.reason "
        "OR NOT EXISTS (SELECT 1 FROM access_log a JOIN users u ON u.id = a.user_id "
        "WHERE a.id = (SELECT max(id) FROM access_log) AND a.action = 'unrestrict' "
        "AND a.person_id = OLD.person_id AND u.role = 'manager' AND u.status = 'active' "
        "AND u.id = NEW.lifted_by_id) "
        "BEGIN SELECT RAISE(ABORT, 'a restriction is lifted by a manager, once'); END")
    op.execute("DROP TRIGGER IF EXISTS person_restrictions_delete_readonly")
    op.execute("CREATE TRIGGER person_restrictions_delete_readonly BEFORE DELETE ON "
               "person_restrictions WHEN OLD.lifted_at IS NULL "
               "BEGIN SELECT RAISE(ABORT, 'a restriction is lifted, not deleted'); END")
    for table, columns in PERSON_ROWS.items():
        for event, row in (("insert", "NEW"), ("update", "OLD")):
            name = f"{table}_{event}_restricted"
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
            op.execute(f"CREATE TRIGGER {name} BEFORE {event.upper()} ON {table} "
                       f"WHEN {_restricted(row, columns)} "
                       f"BEGIN SELECT RAISE(ABORT, '{RESTRICTED}'); END")
    # no earlier name or identity number is lost, whoever changes it: a change the
    # service has not recorded itself (the newest row of the field) is recorded here
    op.execute("DROP TRIGGER IF EXISTS persons_history")
    inserts = " ".join(
        f"INSERT INTO person_history (person_id, field, old_value, new_value, changed_at, "
        f"changed_by_id, kind, reason) SELECT NEW.id, '{f}', OLD.{f}, NEW.{f}, "
        f"strftime('%Y-%m-%d %H:%M:%S', 'now'), NULL, 'unrecorded', '' "
        f"WHERE OLD.{f} IS NOT NEW.{f} AND NOT EXISTS (SELECT 1 FROM person_history h "
        f"WHERE h.id = (SELECT max(id) FROM person_history WHERE person_id = NEW.id "
        f"AND field = '{f}') AND h.old_value IS OLD.{f} AND h.new_value IS NEW.{f});"
        for f in HISTORY_FIELDS)
    op.execute(f"CREATE TRIGGER persons_history AFTER UPDATE ON persons BEGIN {inserts} END")


def downgrade() -> None:
    raise RuntimeError("rc-tui migrations are forward-only")
