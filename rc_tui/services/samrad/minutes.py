"""The minutes: saving them (consent or a legal ground per person), approving
them (agreed actions become plan items) and the minutes as text.
"""

from __future__ import annotations

from sqlalchemy import select

from rc_tui.domain import samrad as rules
from rc_tui.domain.casework import label as cw_label
from rc_tui.domain.vocab import AGENCIES, MEMBER_ROLES, label
from rc_tui.i18n import _, _n
from rc_tui.services.access import Level
from rc_tui.services.errors import ValidationError
from rc_tui.services.people import summary_for
from rc_tui.services.samrad.base import MAX_TEXT, _consents
from rc_tui.services.samrad.meetings import MeetingsMixin
from rc_tui.services.samrad.views import (
    Participant,
    PersonMinutes,
    Review,
    agency_label,
    extract_line,
    present_agencies,
)
from storage.models import (
    Case,
    CaseMember,
    Person,
    PlanItem,
    SamradAction,
    SamradParticipant,
    SamradPerson,
)


class MinutesMixin(MeetingsMixin):
    """The chair's minutes; the minutes text is written from the samråd as the user may
    see it (``get``), hence built on the meeting part."""

    # C901: the consent and legal-ground checks per person and agency, each adding one
    # problem, are kept in the one transaction that saves the minutes
    def save(self, samrad_id: int, version: int, participants: list[Participant],  # noqa: C901
             persons: list[PersonMinutes], reviews: dict[int, Review], *,
             place: str | None = None) -> int:
        """Save the minutes as written so far (the chair, before approval). Refused when
        information about a person is recorded without consent covering every agency
        present and without a legal ground with a rationale."""
        problems: list[str] = []
        for p in participants:
            if p.kind not in rules.PARTICIPANT_KINDS:
                problems.append(_("Choose participant, observer or apologies."))
            if p.agency != rules.CENTRE and p.agency not in AGENCIES:
                problems.append(_("Choose the agency."))
            if p.kind == "observer" and not p.undertaking:
                problems.append(_("An observer takes part only with a recorded "
                                  "confidentiality undertaking."))
            if len(p.role) + len(p.name) > 600:
                problems.append(_("A text may have at most {n} characters.", n=600))
        for person in persons:
            for a in person.actions:
                if not a.what.strip() or (a.agency != rules.CENTRE and a.agency not in AGENCIES):
                    problems.append(_("An action needs what is to be done and the agency "
                                      "responsible."))
            texts = [person.info_shared, person.risk_view, person.ground_rationale,
                     *(a.what for a in person.actions)]
            if any(len(t) > MAX_TEXT for t in texts):
                problems.append(_("A text may have at most {n} characters.", n=MAX_TEXT))
            if person.legal_ground and person.legal_ground not in rules.data().legal_grounds:
                problems.append(_("Choose the legal ground."))
        for review in reviews.values():
            if review.outcome not in rules.ACTION_OUTCOMES:
                problems.append(_("Choose the outcome: done, circumstances changed or the "
                                  "agency did not act."))
        if problems:
            raise ValidationError(list(dict.fromkeys(problems)))
        with self.versioned("samråd changed elsewhere") as (s, same_version):
            row = same_version(self._editable(s, samrad_id), version)
            members = set(s.scalars(select(CaseMember.person_id).where(
                CaseMember.case_id == row.case_id)))
            agencies = present_agencies(participants)
            flagged: list[int] = []
            for person in persons:
                if person.person_id not in members:
                    raise ValidationError([_("Only the family's members are discussed.")])
                self.require_person(s, person.person_id, Level.FULL)
                if person.empty:
                    continue
                ok, missing = rules.may_record(
                    _consents(s, person.person_id), agencies, person.legal_ground,
                    person.ground_rationale)
                found = s.get(Person, person.person_id)
                name = summary_for(self.access, s, found).display_name if found else "?"
                if not ok:
                    raise ValidationError([_(
                        "{name}: the consent to information exchange does not cover "
                        "{agencies}. Record the consent, or choose a legal ground and "
                        "write why.", name=name,
                        agencies=", ".join(agency_label(a) for a in missing))])
                if missing:
                    flagged.append(person.person_id)
            s.query(SamradParticipant).filter(
                SamradParticipant.samrad_id == row.id).delete()
            s.query(SamradPerson).filter(SamradPerson.samrad_id == row.id).delete()
            s.query(SamradAction).filter(SamradAction.samrad_id == row.id).delete()
            for p in participants:
                s.add(SamradParticipant(samrad_id=row.id, kind=p.kind, agency=p.agency,
                                        role=p.role, name=p.name,
                                        undertaking=p.undertaking))
            for person in persons:
                if person.empty and not person.legal_ground:
                    continue
                s.add(SamradPerson(samrad_id=row.id, person_id=person.person_id,
                                   legal_ground=person.legal_ground,
                                   ground_rationale=person.ground_rationale,
                                   info_shared=person.info_shared,
                                   risk_view=person.risk_view))
                for a in person.actions:
                    s.add(SamradAction(samrad_id=row.id, person_id=person.person_id,
                                       what=a.what, agency=a.agency, order_no=a.order_no,
                                       due_on=a.due_on))
            if row.previous_id is not None:
                for action in s.scalars(select(SamradAction).where(
                        SamradAction.samrad_id == row.previous_id)):
                    given = reviews.get(action.id)
                    if given is not None:
                        action.outcome, action.outcome_note = given.outcome, given.note
                        action.reviewed_in_id = row.id
            if place is not None:
                row.place = place
            row.updated_at = self.clock()
            s.flush()
            self.log(s, "update", record_type="samrad", record_id=row.id)
            for person_id in flagged:  # shared without consent: for the log review
                self.log(s, "update", person_id=person_id, record_type="samrad_minutes",
                         record_id=row.id, flagged=True,
                         reason="recorded under a legal ground without consent")
            return row.version

    def approve(self, samrad_id: int, version: int) -> int:
        """The chair approves (justerar) the minutes: read-only from now on; each agreed
        action becomes an item of the person's action plan. Returns the number of actions
        that went into plans."""
        with self.versioned("samråd changed elsewhere") as (s, same_version):
            row = same_version(self._editable(s, samrad_id), version)
            if s.scalar(select(SamradParticipant.id).where(
                    SamradParticipant.samrad_id == row.id,
                    SamradParticipant.kind == "participant").limit(1)) is None:
                raise ValidationError([_("Record who took part before approving.")])
            if row.previous_id is not None and s.scalar(select(SamradAction.id).where(
                    SamradAction.samrad_id == row.previous_id,
                    SamradAction.reviewed_in_id.is_(None)).limit(1)) is not None:
                raise ValidationError([_("Review every open action from the previous "
                                         "samråd first.")])
            case = s.get(Case, row.case_id)
            now = self.clock()
            count = 0
            for a in s.scalars(select(SamradAction).where(
                    SamradAction.samrad_id == row.id).order_by(SamradAction.order_no)):
                item = PlanItem(
                    person_id=a.person_id, case_id=row.case_id, kind="action",
                    text=a.what, responsible_kind="agency" if a.agency != rules.CENTRE
                    else "unit", responsible=agency_label(a.agency), due_on=a.due_on,
                    status="planned",
                    source_ref=f"samråd {case.case_number if case else ''} "
                               f"{row.meeting_on.isoformat()} #{a.order_no}",
                    created_by_id=self.user.id, created_at=now, updated_at=now)
                s.add(item)
                s.flush()
                a.plan_item_id = item.id
                self.log(s, "create", person_id=a.person_id, record_type="plan_item",
                         record_id=item.id)
                count += 1
            row.approved_at = now
            row.approved_by_id = self.user.id
            row.extract_rules = rules.rules_to_json(rules.current_rules())
            s.flush()
            self.log_sealed(s, "sign", "samrad", row.id)
            return count

    def minutes_text(self, samrad_id: int, for_agency: str | None = None) -> str:
        """The minutes as text. For a receiving agency: only the persons whose consent
        covers that agency, or whose recorded legal ground covers it (under the rules the
        samråd was approved under). The centre's copy says, per person, which agencies'
        extracts hold them and why."""
        view = self.get(samrad_id)
        lines = [_("Minutes of samråd – case {case}", case=view.case_number),
                 f"{_('Date')}: {view.meeting_on.isoformat()}   {_('Place')}: "
                 f"{view.place or '–'}",
                 f"{_('Chair')}: {view.chair}   {_('Requested by')}: {view.requested_by}",
                 _("Approved {when}", when=f"{view.approved_at:%Y-%m-%d}") if view.approved_at
                 else _("Not yet approved"),
                 _("Repeat case: back within twelve months.") if view.repeat else "",
                 ""]
        if for_agency:
            lines.insert(1, _("Extract for: {agency}", agency=agency_label(for_agency)))
        for kind in ("participant", "observer", "apology"):
            people = [p for p in view.participants if p.kind == kind]
            if people:
                lines.append(cw_label(rules.PARTICIPANT_KINDS, kind).capitalize() + ": " +
                             "; ".join(f"{agency_label(p.agency)}"
                                       + (f" ({p.role})" if p.role else "")
                                       + (f" {p.name}" if p.name else "")
                                       + (" – " + _("confidentiality undertaking recorded")
                                          if p.undertaking and kind == "observer" else "")
                                       for p in people))
        if view.outstanding:
            lines += ["", _("Actions from the previous samråd") + ":"]
            for a in view.outstanding:
                outcome = cw_label(rules.ACTION_OUTCOMES, a.review.outcome) if a.review \
                    else _("not reviewed")
                lines.append(f"• {a.person_name}: {a.what} ({agency_label(a.agency)}) – "
                             f"{outcome}" + (f": {a.review.note}" if a.review and
                                             a.review.note else ""))
        left_out = 0
        for m in view.members:
            if m.minutes is None:
                continue
            if for_agency and for_agency != rules.CENTRE and not m.basis.get(for_agency):
                left_out += 1
                continue
            lines += ["", f"— {m.name} ({label(MEMBER_ROLES, m.role)}) —"]
            if not for_agency or for_agency == rules.CENTRE:
                lines.append(extract_line(m.basis))
            if m.minutes.legal_ground:
                lines.append(_("Shared without consent under: {ground}",
                               ground=str(rules.data().legal_grounds[m.minutes.legal_ground]
                                          .label)) + f" – {m.minutes.ground_rationale}")
            if m.minutes.info_shared:
                lines += [_("Information shared") + ":", m.minutes.info_shared]
            if m.minutes.risk_view:
                lines += [_("Joint view of risk") + ":", m.minutes.risk_view]
            for act in m.minutes.actions:
                lines.append(f"{act.order_no}. {act.what} – {agency_label(act.agency)}"
                             + (f", {_('by')} {act.due_on.isoformat()}" if act.due_on else ""))
        if left_out:
            lines += ["", _n("{n} person left out: the sharing does not cover this agency.",
                             "{n} people left out: the sharing does not cover this agency.",
                             left_out, n=left_out)]
        return "\n".join(line for line in lines if line is not None)
