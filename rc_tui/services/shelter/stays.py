"""A person's stays as shown on her own record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from rc_tui.domain.identity import parse_identity_number
from rc_tui.domain.shelter import DESTINATIONS, FACILITIES, arrived_via
from rc_tui.i18n import _
from rc_tui.services.access import Capability, Level
from rc_tui.services.cases import CaseService
from rc_tui.services.errors import ValidationError
from rc_tui.services.shelter.base import ShelterBase, _text_ok
from storage.models import Case, CaseMember, Person, PersonLink, Place, Relation, Stay, User


@dataclass(frozen=True)
class StayFactLine:
    """A stay as shown on the person's own record."""

    facility: str
    place: str
    admitted_at: datetime
    planned: bool
    expected_end: date | None
    arrived_via: str
    departed_at: datetime | None
    destination: str
    #: temporary housing: whether it rests on a signed risk assessment, the manager's
    #: reason for admitting without one, and whether it executes a decision
    assessed: bool = False
    override_reason: str = ""
    decided: bool = False
    placing_municipality: str = ""
    payer: str = ""
    #: the admission's note: what happened, what she (he) needed that night
    note: str = ""


def stay_line(st: StayFactLine) -> str:
    """One stay as a line of the person's overview."""
    text = _(FACILITIES.get(st.facility, st.facility)) + ": " + (
        _("arrival planned {day}", day=f"{st.admitted_at:%Y-%m-%d}") if st.planned
        else f"{st.admitted_at:%Y-%m-%d}")
    if st.place:
        text += ", " + _("place {place}", place=st.place)
    if st.arrived_via:
        via = arrived_via(st.facility)
        text += ", " + _("came via {via}", via=_(via.get(st.arrived_via, st.arrived_via)))
    if st.departed_at is not None:
        text += "; " + _("left {day} ({where})", day=f"{st.departed_at:%Y-%m-%d}",
                         where=_(DESTINATIONS.get(st.destination, st.destination)))
    elif st.expected_end is not None:
        text += "; " + _("expected to stay until {day}", day=st.expected_end.isoformat())
    if st.facility == "perpetrator_housing":
        text += "; " + (_("on a signed risk assessment") if st.assessed else
                        _("admitted without a signed risk assessment: {reason}",
                          reason=st.override_reason) if st.override_reason else
                        _("no risk assessment recorded"))
        if st.decided:
            text += ", " + _("executes a decision")
    if st.placing_municipality:
        text += "; " + _("placed by {municipality}", municipality=st.placing_municipality)
    if st.payer:
        text += ", " + _("paid by {payer}", payer=st.payer)
    return text


class StaysMixin(ShelterBase):
    def stays_of(self, person_id: int) -> list[StayFactLine]:
        """The person's stays, for his or her own record: with the whole record all of
        them; at ``Level.SHELTER`` only the stays of the facility that gives it (shelter
        staff the shelter's, the perpetrator service the temporary housing's). Nobody sees
        them through another family member's record."""
        with self.read() as s:
            self.require(Capability.CASE_CONTENT)
            level = self.access.level(s, person_id)
            if level < Level.SHELTER:
                return []
            shown = {"shelter": level >= Level.FULL
                     or person_id in self.access.shelter_residents(s),
                     "perpetrator_housing": level >= Level.FULL
                     or person_id in self.access.housing_residents(s)}
            labels = {p.id: p.label for p in s.scalars(select(Place))}
            out = [StayFactLine(st.facility, labels.get(st.place_id or 0, ""), st.admitted_at,
                                st.planned, st.expected_end, st.arrived_via or "",
                                st.departed_at, st.destination or "",
                                st.assessment_id is not None, st.override_reason or "",
                                st.decision_id is not None, st.placing_municipality or "",
                                st.payer or "", st.admission_note or "")
                   for st in s.scalars(select(Stay).where(Stay.person_id == person_id)
                                       .order_by(Stay.admitted_at))
                   if shown.get(st.facility, False)]
            if out:
                self.log(s, "view", person_id=person_id, record_type="stays")
            return out


@dataclass(frozen=True)
class LinkLine:
    """A link between an anonymous record and the known person, as shown on either's own
    record: the other record, who linked them, when and why."""

    other_id: int
    other_name: str
    anonymous: bool  # this record is the anonymous one
    linked_at: datetime
    linked_by: str
    reason: str


class LinksMixin(ShelterBase):
    def link_anonymous(self, anonymous_id: int, identity_number: str, reason: str) -> int:
        """A manager links an anonymous record (an alias-only admission) to the known
        person with ``identity_number``: the anonymous record's stays become the known
        person's (her children's stays still follow hers), the known person joins the
        anonymous record's cases in its role (granting nobody anything), and the link is
        kept with who made it and why. The anonymous record itself – its journal, signed
        notes, consents – and every access-log entry stay exactly as they were; whoever
        sees the stays sees its history. Returns the known person's id."""
        problems: list[str] = []
        if not reason.strip():
            problems.append(_("Say why they are the same person."))
        _text_ok(problems, reason)
        if problems:
            raise ValidationError(problems)
        try:
            number = parse_identity_number(identity_number, self.today()).canonical
        except ValueError as exc:
            raise ValidationError([str(exc)]) from exc
        cases = CaseService(self.vault, screen=self.screen, clock=self.clock)
        with self.write() as s:
            self.require(Capability.LINK_RECORDS)
            self.require_person(s, anonymous_id, Level.FULL)
            anonymous = s.get_one(Person, anonymous_id)
            known = s.scalar(select(Person).where(Person.id_number == number))
            if known is None:
                raise ValidationError([_("Nobody with that identity number is registered.")])
            self.require_person(s, known.id, Level.FULL)
            if anonymous.id_number or (anonymous.given_name or "").strip() or (
                    anonymous.family_name or "").strip():
                raise ValidationError([_("Only an anonymous record (an alias alone) is "
                                         "linked to a known person.")])
            if known.id == anonymous.id or s.scalar(select(PersonLink.id).where(
                    (PersonLink.anonymous_id == anonymous.id)
                    | (PersonLink.anonymous_id == known.id))) is not None:
                raise ValidationError([_("These records are linked already.")])
            stays = list(s.scalars(select(Stay).where(Stay.person_id == anonymous.id)))
            if any(st.departed_at is None for st in stays) and self._current_stay(
                    s, known.id) is not None:
                raise ValidationError([_("Both are staying now: record one departure "
                                         "first.")])
            for st in stays:
                st.person_id = known.id
                self.log(s, "update", person_id=known.id, record_type="stay",
                         record_id=st.id)
            joined = set(s.scalars(select(CaseMember.case_id).where(
                CaseMember.person_id == known.id)))
            for member in s.scalars(select(CaseMember).where(
                    CaseMember.person_id == anonymous.id)):
                if member.case_id not in joined:
                    cases.add_member_in(s, s.get_one(Case, member.case_id), known,
                                        member.role, created=False, own_case=False,
                                        track=False)
            for rel in s.scalars(select(Relation).where(
                    Relation.from_person_id == anonymous.id)):
                s.add(Relation(case_id=rel.case_id, from_person_id=known.id,
                               to_person_id=rel.to_person_id, kind=rel.kind,
                               created_at=self.clock()))
            link = PersonLink(anonymous_id=anonymous.id, known_id=known.id,
                              linked_by_id=self.user.id, linked_at=self.clock(),
                              reason=reason.strip())
            s.add(link)
            s.flush()
            for pid in (anonymous.id, known.id):
                self.log(s, "link", person_id=pid, record_type="person_link",
                         record_id=link.id, flagged=True, reason=reason.strip())
            return known.id

    def links_of(self, person_id: int) -> list[LinkLine]:
        """The person's links (an anonymous record linked to her, or the known person this
        anonymous record is), for the person's own record from ``Level.SHELTER``."""
        with self.audited("person_links", person_id=person_id, needed=Level.SHELTER) as s:
            out: list[LinkLine] = []
            for link in s.scalars(select(PersonLink).where(
                    (PersonLink.anonymous_id == person_id)
                    | (PersonLink.known_id == person_id))):
                anonymous = link.anonymous_id == person_id
                other = link.known_id if anonymous else link.anonymous_id
                by = s.get(User, link.linked_by_id)
                out.append(LinkLine(other, self._name(s, other), anonymous, link.linked_at,
                                    by.display_name if by else "", link.reason))
            return out
