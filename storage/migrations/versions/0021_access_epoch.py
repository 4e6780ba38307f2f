"""The access epoch: a counter that moves whenever somebody may come to see less.

A read that shows case data (a search, a person opened) runs in a read transaction and
writes its access-log entries afterwards, in one short write transaction of its own, so
that readers never wait for the write lock while they read (``Service.snapshot``). That
write first compares ``meta['access_epoch']`` with the value the read saw: when it moved,
an assignment ended, a member left a case, a stay or a link was removed or a person's
protection was raised in between, and the read is done again under the new rules – so a
revoked access takes effect at once, and no entry is logged for a read the rules no longer
allowed.

Triggers move it, whatever code writes: an update or delete of ``assignments``,
``case_members``, ``stays`` (its person or facility) and ``person_links``, a change of
``persons.protection_level``, and a new restriction of a record (``person_restrictions``,
revision 0017: a restricted record is hidden from search). No other insert narrows anyone's
access, so bulk inserts pay nothing for it. The counter lives in ``meta`` (there from the
first revision), so a test that rewinds a database by dropping later tables leaves no
trigger pointing at a missing table.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

KEY = "access_epoch"
_BUMP = f"UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = '{KEY}'"

#: trigger name -> (event, table): what narrows somebody's access
TRIGGERS: dict[str, tuple[str, str]] = {
    "access_epoch_assignments_update": (
        "UPDATE OF case_member_id, user_id, ended_at", "assignments"),
    "access_epoch_assignments_delete": ("DELETE", "assignments"),
    "access_epoch_members_update": ("UPDATE OF case_id, person_id", "case_members"),
    "access_epoch_members_delete": ("DELETE", "case_members"),
    "access_epoch_stays_update": ("UPDATE OF person_id, facility", "stays"),
    "access_epoch_stays_delete": ("DELETE", "stays"),
    "access_epoch_links_update": ("UPDATE OF anonymous_id, known_id", "person_links"),
    "access_epoch_links_delete": ("DELETE", "person_links"),
    "access_epoch_protection": ("UPDATE OF protection_level", "persons"),
    "access_epoch_restrictions": ("INSERT", "person_restrictions"),
}


def upgrade() -> None:
    op.execute(f"INSERT OR IGNORE INTO meta (key, value) VALUES ('{KEY}', '0')")
    tables = set(sa.inspect(op.get_bind()).get_table_names())
    for name, (event, table) in TRIGGERS.items():
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
        if table not in tables:  # person_restrictions: only after revision 0017
            continue
        op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN {_BUMP}; END")


def downgrade() -> None:
    raise RuntimeError("rc-tui migrations are forward-only")
