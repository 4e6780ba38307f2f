"""People and cases: persons, cases, members, relations, assignments, intake, screenings,
consent, child welfare reports, journal notes, and the FTS5 search indexes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_number', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('close_reason', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_number')
    )
    op.create_table('persons',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('given_name', sa.Text(), nullable=True),
    sa.Column('family_name', sa.Text(), nullable=True),
    sa.Column('alias', sa.Text(), nullable=True),
    sa.Column('id_number', sa.String(length=13), nullable=True),
    sa.Column('id_kind', sa.String(length=20), nullable=True),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('birth_year', sa.Integer(), nullable=True),
    sa.Column('gender', sa.String(length=10), nullable=True),
    sa.Column('language', sa.Text(), nullable=True),
    sa.Column('interpreter_needed', sa.Boolean(), nullable=False),
    sa.Column('accessibility_needs', sa.Text(), nullable=True),
    sa.Column('may_call', sa.Boolean(), nullable=False),
    sa.Column('may_text', sa.Boolean(), nullable=False),
    sa.Column('may_letter', sa.Boolean(), nullable=False),
    sa.Column('safe_times', sa.Text(), nullable=True),
    sa.Column('safe_address', sa.Text(), nullable=True),
    sa.Column('protection_level', sa.String(length=24), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_persons_birth_date', 'persons', ['birth_date'], unique=False)
    op.create_index('ix_persons_id_number', 'persons', ['id_number'], unique=False)
    op.create_table('case_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=12), nullable=False),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id', 'person_id', name='uq_case_members_case_person')
    )
    op.create_index('ix_case_members_person', 'case_members', ['person_id'], unique=False)
    op.create_table('child_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('child_person_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('decision', sa.String(length=12), nullable=False),
    sa.Column('report_date', sa.Date(), nullable=True),
    sa.Column('receiving_unit', sa.Text(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.ForeignKeyConstraint(['child_person_id'], ['persons.id'], ),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_child_reports_child', 'child_reports', ['child_person_id', 'case_id'],
                    unique=False)
    op.create_table('consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('agency', sa.String(length=24), nullable=True),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('method', sa.String(length=8), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('safety_advice_given', sa.Boolean(), nullable=False),
    sa.Column('other_actors_info_given', sa.Boolean(), nullable=False),
    sa.Column('offer_to_return_given', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], ),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_consents_person', 'consents', ['person_id', 'kind', 'agency'], unique=False)
    op.create_table('intakes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('contact_person_id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('referrer_name', sa.Text(), nullable=True),
    sa.Column('what_happened', sa.Text(), nullable=False),
    sa.Column('immediate_danger', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.ForeignKeyConstraint(['contact_person_id'], ['persons.id'], ),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_intakes_case_id'), 'intakes', ['case_id'], unique=False)
    op.create_index(op.f('ix_intakes_contact_person_id'), 'intakes', ['contact_person_id'],
                    unique=False)
    op.create_table('journal_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('note_type', sa.String(length=16), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('signed_at', sa.DateTime(), nullable=True),
    sa.Column('corrects_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.ForeignKeyConstraint(['corrects_id'], ['journal_notes.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_journal_person', 'journal_notes', ['person_id', 'created_at'], unique=False)
    op.create_table('relations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('from_person_id', sa.Integer(), nullable=False),
    sa.Column('to_person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.ForeignKeyConstraint(['from_person_id'], ['persons.id'], ),
    sa.ForeignKeyConstraint(['to_person_id'], ['persons.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_relations_from', 'relations', ['from_person_id'], unique=False)
    op.create_index('ix_relations_to', 'relations', ['to_person_id'], unique=False)
    op.create_table('assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_member_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('assigned_by_id', sa.Integer(), nullable=True),
    sa.Column('assigned_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['case_member_id'], ['case_members.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_assignments_member', 'assignments', ['case_member_id'], unique=False)
    op.create_index('ix_assignments_user', 'assignments', ['user_id', 'ended_at'], unique=False)
    op.create_table('screenings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('intake_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('answers', sa.Text(), nullable=False),
    sa.Column('result', sa.String(length=16), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['intake_id'], ['intakes.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_screenings_person_id'), 'screenings', ['person_id'], unique=False)

    # A signed journal note is read-only: the database itself refuses changes.
    op.execute(
        "CREATE TRIGGER journal_signed_no_update BEFORE UPDATE ON journal_notes "
        "WHEN OLD.signed_at IS NOT NULL "
        "BEGIN SELECT RAISE(ABORT, 'signed journal notes are read-only'); END"
    )
    op.execute(
        "CREATE TRIGGER journal_signed_no_delete BEFORE DELETE ON journal_notes "
        "WHEN OLD.signed_at IS NOT NULL "
        "BEGIN SELECT RAISE(ABORT, 'signed journal notes are read-only'); END"
    )
    # Search indexes live inside the encrypted database (rowid = the record's id).
    # unicode61 folds case (also for å, ä, ö) and keeps diacritics: å is not a.
    op.execute(
        "CREATE VIRTUAL TABLE person_fts USING fts5("
        "names, numbers, tokenize = 'unicode61 remove_diacritics 0', prefix = '2 3 4')"
    )
    op.execute(
        "CREATE VIRTUAL TABLE note_fts USING fts5("
        "body, tokenize = 'unicode61 remove_diacritics 0', prefix = '2 3 4')"
    )
    op.execute(
        "CREATE VIRTUAL TABLE case_fts USING fts5("
        "numbers, tokenize = 'unicode61 remove_diacritics 0', prefix = '2 3 4')"
    )


def downgrade() -> None:
    raise RuntimeError("rc-tui migrations are forward-only")
