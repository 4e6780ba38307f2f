"""The access epoch also moves when a note or a member changes hands.

Revision 0021's triggers move the epoch whenever somebody may come to see less. Two
changes were missing, both possible only past the services (no product code makes them):

* a journal note's ``person_id`` or ``case_id`` changed by UPDATE: who may read it changes
  with them. A session that keeps the ids of the notes it may read (``SearchService``)
  re-checks each kept note's person, so a note moved *away* was never shown; a note moved
  *to* one of her persons was not found until the epoch moved for another reason.
* a member's ``role`` changed: the temporary housing's staff see residents by role.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

#: the name this revision's new trigger ends with (a test rewinding a database to an
#: earlier revision drops it by it)
TRIGGER_SUFFIX = "_epoch_moved"
_BUMP = "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'access_epoch'"


def upgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS access_epoch_members_update")
    op.execute("CREATE TRIGGER access_epoch_members_update AFTER UPDATE OF case_id, "
               f"person_id, role ON case_members BEGIN {_BUMP}; END")
    op.execute(f"DROP TRIGGER IF EXISTS journal_notes{TRIGGER_SUFFIX}")
    op.execute(f"CREATE TRIGGER journal_notes{TRIGGER_SUFFIX} AFTER UPDATE OF person_id, "
               f"case_id ON journal_notes BEGIN {_BUMP}; END")


def downgrade() -> None:
    raise RuntimeError("rc-tui migrations are forward-only")
