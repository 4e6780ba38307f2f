"""What the parts of the samråd service share: the case and meeting look-ups
(the case must be visible to the user) and the chair's editable minutes.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from rc_tui.i18n import _
from rc_tui.services.access import Capability
from rc_tui.services.base import Service
from rc_tui.services.errors import NoAccess, PermissionDenied, ValidationError, VaultError
from storage.models import Case, Consent, Samrad

MAX_TEXT = 100_000


def _consents(s: Session, person_id: int) -> dict[str, str]:
    """The information-exchange consent in force per agency (latest event wins)."""
    out: dict[str, str] = {}
    for c in s.scalars(select(Consent).where(Consent.person_id == person_id,
                                             Consent.kind == "info_exchange")
                       .order_by(Consent.id)):
        if c.agency:
            out[c.agency] = c.state
    return out


class SamradBase(Service):
    """The case and meeting look-ups the parts share."""

    def _case(self, s: Session, case_id: int) -> Case:
        self.require(Capability.CASE_CONTENT)
        case = s.get(Case, case_id)
        if case is None:
            raise VaultError("not found")
        if not self.access.case_visible(s, case_id):
            raise NoAccess(None, "case", case_id)
        return case

    def _meeting(self, s: Session, samrad_id: int) -> Samrad:
        row = s.get(Samrad, samrad_id)
        if row is None:
            raise VaultError("not found")
        self._case(s, row.case_id)
        return row

    def _editable(self, s: Session, samrad_id: int) -> Samrad:
        """The meeting, for its chair to write or approve: not approved (the caller checks
        that it has not changed since it was read)."""
        row = self._meeting(s, samrad_id)
        if row.chair_id != self.user.id:
            raise PermissionDenied("only the chair writes and approves the minutes")
        if row.approved_at is not None:
            raise ValidationError([_("The minutes are approved and read-only.")])
        return row
