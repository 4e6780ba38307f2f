"""Samråd extract rules: an approved samråd keeps the legal grounds' scopes (which
receiving agencies each ground covers) that were in force when its minutes were approved.

Samråd approved before this revision keep ``NULL`` here: they are read under the scopes
shipped with this revision (frozen in ``rc_tui.domain.samrad.LEGACY_RULES``), and their
sealed content hash stays as it was (a ``NULL`` here is left out of the hash).

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("samrad", sa.Column("extract_rules", sa.Text(), nullable=True))


def downgrade() -> None:
    raise RuntimeError("rc-tui migrations are forward-only")
