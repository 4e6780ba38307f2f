"""Closing and reopening a person's track or a whole case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from rc_tui.i18n import _
from rc_tui.services.access import Capability, Level
from rc_tui.services.base import user_names
from rc_tui.services.casework.base import CaseworkBase
from rc_tui.services.errors import NoAccess, ValidationError, VaultError
from storage.models import Case, CaseMember, Closure


@dataclass(frozen=True)
class TrackState:
    case_id: int
    case_number: str
    role: str
    closed: bool
    case_closed: bool
    history: list[tuple[datetime, str, str, str]]  # when, action, reason, by


class ClosingMixin(CaseworkBase):
    def tracks(self, person_id: int) -> list[TrackState]:
        with self.read() as s:
            self.require_person(s, person_id, Level.FULL)
            out = []
            for member, case in s.execute(select(CaseMember, Case).join(
                    Case, Case.id == CaseMember.case_id).where(
                    CaseMember.person_id == person_id).order_by(Case.opened_at)):
                if not self.access.case_visible(s, case.id):
                    continue
                rows = s.scalars(select(Closure).where(
                    Closure.case_id == case.id,
                    (Closure.person_id == person_id) | Closure.person_id.is_(None))
                    .order_by(Closure.id)).all()
                names = user_names(s, {r.by_id for r in rows})
                out.append(TrackState(case.id, case.case_number, member.role,
                                      member.closed_at is not None, case.status == "closed",
                                      [(r.at, r.action, r.reason, names.get(r.by_id, ""))
                                       for r in rows]))
            return out

    def close_track(self, case_id: int, person_id: int, reason: str, *,
                    reopen: bool = False) -> None:
        """Close (or reopen) one person's track in a case, with the reason."""
        if not reason.strip():
            raise ValidationError([_("Write the reason.")])
        with self.write() as s:
            self.require_person(s, person_id, Level.FULL)
            member = s.scalars(select(CaseMember).where(
                CaseMember.case_id == case_id, CaseMember.person_id == person_id)).first()
            if member is None:
                raise VaultError("not found")
            if reopen == (member.closed_at is None):
                raise ValidationError([_("The track is already open.") if reopen
                                       else _("The track is already closed.")])
            now = self.clock()
            member.closed_at = None if reopen else now
            case = s.get(Case, case_id)
            if reopen and case is not None and case.status == "closed":
                case.status, case.closed_at, case.close_reason = "open", None, None
            s.add(Closure(case_id=case_id, person_id=person_id,
                          action="reopen" if reopen else "close", reason=reason,
                          by_id=self.user.id, at=now))
            self.log(s, "update", person_id=person_id, record_type="track",
                     record_id=member.id, reason="reopen" if reopen else "close")

    def close_case(self, case_id: int, reason: str, *, reopen: bool = False) -> None:
        """Close (or reopen) a whole case: every open track with it (reopening opens the
        tracks the closure closed; tracks closed before stay closed). Only a manager, or a
        caseworker with the whole record of every member, may do it."""
        if not reason.strip():
            raise ValidationError([_("Write the reason.")])
        with self.write() as s:
            case = s.get(Case, case_id)
            if case is None:
                raise VaultError("not found")
            self.require(Capability.CASE_CONTENT)
            members = list(s.scalars(select(CaseMember).where(CaseMember.case_id == case_id)))
            for member in members:
                if not reopen and member.closed_at is not None:
                    continue
                if self.access.level(s, member.person_id) < Level.FULL:
                    raise NoAccess(member.person_id, "case", case_id)
            if reopen == (case.status == "open"):
                raise ValidationError([_("The case is already open.") if reopen
                                       else _("The case is already closed.")])
            now = self.clock()
            if reopen:  # the tracks the case closure closed open again (not earlier ones)
                for member in members:
                    if member.closed_at is not None and member.closed_at == case.closed_at:
                        member.closed_at = None
            case.status = "open" if reopen else "closed"
            case.closed_at = None if reopen else now
            case.close_reason = None if reopen else reason
            if not reopen:
                for member in members:
                    if member.closed_at is None:
                        member.closed_at = now
            s.add(Closure(case_id=case_id, person_id=None,
                          action="reopen" if reopen else "close", reason=reason,
                          by_id=self.user.id, at=now))
            self.log(s, "update", record_type="case", record_id=case_id,
                     reason="reopen" if reopen else "close")
