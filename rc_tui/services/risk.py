"""The person's current risk level: the latest signed assessment's main judgement.

Shown in the person header and in lists, without details, to users with full access.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from rc_tui.domain.instruments.loader import safe_snapshot
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
    """The person's latest signed judgement from an instrument that sets the current level
    (a violence mapping does not). Callers check access first."""
    rows = s.execute(
        select(Assessment.level, Assessment.signed_at, Assessment.definition)
        .where(Assessment.person_id == person_id, Assessment.signed_at.is_not(None),
               Assessment.level.is_not(None))
        .order_by(Assessment.signed_at.desc(), Assessment.id.desc()).limit(20)).all()
    for level, signed_at, definition in rows:
        inst = safe_snapshot(definition)
        if inst is not None and not inst.sets_current_level:
            continue
        assert signed_at is not None
        label = inst.main.label(level) if inst is not None else str(level)
        return CurrentLevel(str(level), label, signed_at)
    return None
