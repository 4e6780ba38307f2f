"""Convening a samråd, the list of a case's samråd and one samråd as the user
may see it.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from rc_tui.domain import samrad as rules
from rc_tui.domain.vocab import AGENCIES
from rc_tui.i18n import _
from rc_tui.services.access import Capability, Level
from rc_tui.services.errors import ValidationError
from rc_tui.services.people import summary_for
from rc_tui.services.samrad.base import SamradBase, _consents
from rc_tui.services.samrad.views import (
    ActionInput,
    MemberView,
    OpenAction,
    Participant,
    PersonMinutes,
    Review,
    SamradRow,
    SamradView,
    present_agencies,
)
from storage.models import (
    Case,
    CaseMember,
    Person,
    Samrad,
    SamradAction,
    SamradParticipant,
    SamradPerson,
    User,
)


class MeetingsMixin(SamradBase):
    def request(self, case_id: int, requested_by: str, meeting_on: date, place: str = ""
                ) -> int:
        """Convene a samråd (the centre's manager chairs it). Any unit or agency may have
        asked for it: ``requested_by``. A follow-up links to the previous samråd of the
        case; a family back within twelve months is flagged as a repeat."""
        self.require(Capability.CONVENE_SAMRAD)
        if not requested_by.strip():
            raise ValidationError([_("Write who asked for the samråd.")])
        with self.write() as s:
            self._case(s, case_id)
            members = set(s.scalars(select(CaseMember.person_id).where(
                CaseMember.case_id == case_id)))
            earlier_cases = set(s.scalars(select(CaseMember.case_id).where(
                CaseMember.person_id.in_(members)))) if members else {case_id}
            earlier = list(s.scalars(select(Samrad).where(
                Samrad.case_id.in_(earlier_cases)).order_by(Samrad.meeting_on)))
            previous = next((m for m in reversed(earlier) if m.case_id == case_id
                             and m.meeting_on <= meeting_on), None)
            now = self.clock()
            row = Samrad(case_id=case_id, requested_by=requested_by, requested_at=now,
                         meeting_on=meeting_on, place=place, chair_id=self.user.id,
                         previous_id=previous.id if previous else None,
                         repeat=rules.is_repeat(meeting_on, [m.meeting_on for m in earlier]),
                         created_at=now, updated_at=now)
            s.add(row)
            s.flush()
            self.log(s, "create", record_type="samrad", record_id=row.id)
            return row.id

    def for_case(self, case_id: int) -> list[SamradRow]:
        with self.audited("samrad_list", record_id=case_id,
                          check=lambda s: self._case(s, case_id)) as s:
            rows = list(s.scalars(select(Samrad).where(Samrad.case_id == case_id)
                                  .order_by(Samrad.meeting_on.desc(), Samrad.id.desc())))
            names = dict(s.execute(select(User.id, User.display_name)).all())
            return [SamradRow(r.id, r.meeting_on, r.requested_by, names.get(r.chair_id, ""),
                              r.chair_id, r.approved_at is not None, r.repeat) for r in rows]

    def get(self, samrad_id: int) -> SamradView:
        with self.read() as s:
            row = self._meeting(s, samrad_id)
            view = self._view(s, row)
            self.log(s, "view", record_type="samrad", record_id=row.id)
            for m in view.members:
                if m.full and m.minutes is not None:
                    self.log(s, "view", person_id=m.person_id, record_type="samrad_minutes",
                             record_id=row.id)
            return view

    def _view(self, s: Session, row: Samrad) -> SamradView:
        case = s.get(Case, row.case_id)
        assert case is not None
        names = dict(s.execute(select(User.id, User.display_name)).all())
        participants = [Participant(p.kind, p.agency, p.role, p.name, p.undertaking)
                        for p in s.scalars(select(SamradParticipant).where(
                            SamradParticipant.samrad_id == row.id)
                            .order_by(SamradParticipant.id))]
        agencies = present_agencies(participants)
        extract_rules = self._extract_rules(row)
        recorded = {p.person_id: p for p in s.scalars(select(SamradPerson).where(
            SamradPerson.samrad_id == row.id))}
        actions: dict[int, list[ActionInput]] = {}
        for a in s.scalars(select(SamradAction).where(SamradAction.samrad_id == row.id)
                           .order_by(SamradAction.order_no, SamradAction.id)):
            actions.setdefault(a.person_id, []).append(
                ActionInput(a.what, a.agency, a.order_no, a.due_on))
        members: list[MemberView] = []
        hidden = 0
        for member in s.scalars(select(CaseMember).where(CaseMember.case_id == row.case_id)
                                .order_by(CaseMember.id)):
            person = s.get(Person, member.person_id)
            if person is None:
                continue
            level = self.access.level(s, member.person_id)
            if level < Level.EXISTS:
                hidden += 1
                continue
            full = level >= Level.FULL
            rec = recorded.get(member.person_id)
            minutes = None
            if full and (rec is not None or member.person_id in actions):
                minutes = PersonMinutes(
                    member.person_id, rec.info_shared if rec else "",
                    rec.risk_view if rec else "", rec.legal_ground if rec else None,
                    rec.ground_rationale if rec else "",
                    tuple(actions.get(member.person_id, [])))
            consents = _consents(s, member.person_id) if full else {}
            basis = {agency: rules.extract_basis(consents, minutes.legal_ground, agency,
                                                 agencies, extract_rules)
                     for agency in AGENCIES} if minutes is not None else {}
            members.append(MemberView(
                member.person_id, member.role,
                summary_for(self.access, s, person, case_id=row.case_id).display_name,
                full, rules.coverage(consents, agencies) if full else {}, minutes, consents,
                basis))
        outstanding: list[OpenAction] = []
        if row.previous_id is not None:
            prev = s.get(Samrad, row.previous_id)
            for a in s.scalars(select(SamradAction).where(
                    SamradAction.samrad_id == row.previous_id).order_by(SamradAction.order_no)):
                if self.access.level(s, a.person_id) < Level.FULL:
                    continue
                person = s.get(Person, a.person_id)
                review = Review(a.outcome, a.outcome_note) if a.outcome and \
                    a.reviewed_in_id == row.id else None
                outstanding.append(OpenAction(
                    a.id, a.person_id,
                    summary_for(self.access, s, person).display_name if person else "",
                    a.what, a.agency, a.due_on, prev.meeting_on if prev else row.meeting_on,
                    review))
        return SamradView(row.id, row.version, row.case_id, case.case_number,
                          row.requested_by, row.requested_at, row.meeting_on, row.place,
                          names.get(row.chair_id, ""), row.chair_id, row.previous_id,
                          row.repeat, row.approved_at, participants, members, outstanding,
                          hidden)

    @staticmethod
    def _extract_rules(row: Samrad) -> rules.ExtractRules:
        """The rules an approved samråd was approved under (those approved before the
        rules were stored: the rules as first shipped); the rules in force for one still
        being written."""
        if row.approved_at is not None:
            return rules.rules_from_json(row.extract_rules or rules.LEGACY_RULES)
        return rules.current_rules()
