"""What the parts of casework share: the text limit, user names, and the
investigation and decision look-ups (each checks ``Level.FULL``).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from rc_tui.i18n import _
from rc_tui.services.access import Level
from rc_tui.services.base import Service
from rc_tui.services.errors import VaultError
from storage.models import Decision, Investigation

MAX_TEXT = 100_000


def _check_text(problems: list[str], *texts: str) -> None:
    if any(len(t) > MAX_TEXT for t in texts):
        problems.append(_("A text may have at most {n} characters.", n=MAX_TEXT))


class CaseworkBase(Service):
    """The look-ups the parts share; each checks the whole record."""

    def _investigation(self, s: Session, investigation_id: int) -> Investigation:
        row = s.get(Investigation, investigation_id)
        if row is None:
            raise VaultError("not found")
        self.require_person(s, row.person_id, Level.FULL)
        return row

    def _decision(self, s: Session, decision_id: int) -> Decision:
        row = s.get(Decision, decision_id)
        if row is None:
            raise VaultError("not found")
        self.require_person(s, row.person_id, Level.FULL)
        return row
