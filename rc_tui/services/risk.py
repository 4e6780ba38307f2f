"""The person's current risk level: the latest signed assessment's main judgement.

Shown in the person header and in lists, without details, to users with full access.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from rc_tui.domain.instruments.loader import from_snapshot_json
from storage.models import Assessment


@dataclass(frozen=True)
class CurrentLevel:
    """The latest signed judgement of a person (no details: for headers and lists)."""

    level: str
    label: str
    signed_at: datetime

    def short(self) -> str:
        return f"{self.label} {self.signed_at:%Y-%m-%d}"


def current_level(s: Session, person_id: int) -> CurrentLevel | None:
    """The person's latest signed assessment level (callers check access first)."""
    row = s.execute(
        select(Assessment.level, Assessment.signed_at, Assessment.definition)
        .where(Assessment.person_id == person_id, Assessment.signed_at.is_not(None),
               Assessment.level.is_not(None))
        .order_by(Assessment.signed_at.desc(), Assessment.id.desc()).limit(1)).first()
    if row is None:
        return None
    level, signed_at, definition = row
    label = from_snapshot_json(definition).main.label(level)
    assert signed_at is not None
    return CurrentLevel(str(level), label, signed_at)
