"""Record extracts (registerutdrag, GDPR art. 15): everything recorded about a person,
with every passage that also concerns somebody else reviewed before it leaves.

``prepare`` composes the extract as passages – details, cases, intakes the person made,
journal, assessments, investigations, decisions, plans, follow-ups, samråd, stays,
consents, child reports, partner contacts, safety plans, talks and referrals – and marks
each passage that names or is about another person, holds an address, or (for anyone who
has been a perpetrator) tells of the shelter (``rc_tui.domain.extracts``). The reviewer
releases or withholds each marked passage, a withholding with a reason from
``data/withholding_reasons.toml``; ``record_review`` keeps that decision (read-only, bound
to each passage's text by its hash) and logs it. The extract then leaves through the one
document path (``DocumentService``, kind ``record_extract``, by the review's id), composed
again from the record: a marked passage without a decision for exactly its text stops it
("review again"), a withheld one is printed as withheld with the reason and the rule.

Who: managers, and a caseworker for a person whose own track they hold (not through
emergency access: an extract is planned work, not an emergency).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from rc_tui.domain import extracts as rules
from rc_tui.domain import identity
from rc_tui.domain.casework import (
    FOLLOWUP_OUTCOMES,
    OUTCOMES,
    PLAN_KINDS,
    PLAN_STATUSES,
    catalog,
    intervention_label,
)
from rc_tui.domain.safety import FEAR_LEVELS, PARTNER_OUTCOMES, SAFETY_VIEWS, YES_NO
from rc_tui.domain.sessions import ATTENDANCE, REFERRAL_OUTCOMES, kind_label
from rc_tui.domain.shelter import FACILITIES
from rc_tui.domain.vocab import (
    AGENCIES,
    CHANNELS,
    CHILD_REPORT_DECISIONS,
    CONSENT_KINDS,
    CONSENT_METHODS,
    CONSENT_STATES,
    GENDERS,
    MEMBER_ROLES,
    NOTE_TYPES,
    PROTECTION_LEVELS,
    label,
)
from rc_tui.i18n import _, _n
from rc_tui.services.access import Capability
from rc_tui.services.base import Service
from rc_tui.services.errors import NoAccess, ValidationError, VaultError
from rc_tui.services.pdf import Document, Section
from rc_tui.services.people import display_name, summary_for
from storage.models import (
    Assessment,
    Case,
    CaseMember,
    ChildReport,
    Consent,
    Decision,
    ExtractDecision,
    ExtractReview,
    FollowUp,
    Intake,
    Investigation,
    JournalNote,
    PartnerContact,
    Person,
    PersonHistory,
    PersonLink,
    PlanItem,
    Recontact,
    Referral,
    Relation,
    SafetyPlan,
    Samrad,
    SamradAction,
    SamradPerson,
    SeriesMember,
    SeriesSession,
    SessionAttendance,
    SessionSeries,
    Stay,
    User,
)

LOCAL = ZoneInfo("Europe/Stockholm")


class ExtractNeedsReview(VaultError):
    """Passages of the extract concern other persons: it leaves only after a review."""

    code = "extract_needs_review"

    def __init__(self, count: int) -> None:
        super().__init__(str(count))
        self.count = count


@dataclass(frozen=True)
class Passage:
    """One passage of the extract: ``key`` names the record it comes from
    (``journal:12``); ``flag`` says why it needs review (``address``, ``shelter``,
    ``person``), None when it concerns the person alone."""

    key: str
    section: str
    heading: str
    text: str
    flag: str | None
    sha256: str


@dataclass(frozen=True)
class ExtractDraft:
    person_id: int
    name: str
    passages: tuple[Passage, ...]

    @property
    def to_review(self) -> tuple[Passage, ...]:
        return tuple(p for p in self.passages if p.flag is not None)


@dataclass(frozen=True)
class ReviewDecision:
    """The reviewer's decision on one marked passage: released, or withheld with one of
    the reasons (``rc_tui.domain.extracts.reasons``)."""

    passage: str
    release: bool
    reason: str | None = None


def _local(utc: datetime) -> str:
    return f"{utc.replace(tzinfo=UTC).astimezone(LOCAL):%Y-%m-%d %H:%M}"


def _day(value: date | datetime | None) -> str:
    if value is None:
        return "–"
    return f"{value:%Y-%m-%d}"


def _sha(heading: str, text: str) -> str:
    return hashlib.sha256(f"{heading}\n{text}".encode()).hexdigest()


class _Composer:
    """Collects the passages of one person's extract, marking those to review.

    ``hidden``: someone the record could mention has an identity the reviewer may not
    see (a protected victim in a perpetrator's extract). Then every passage but the
    person's own details is marked, whatever it says: were only the passages that match
    her name or number marked, a reviewer could write candidate names into the record and
    learn from the marks which one is hers."""

    def __init__(self, others: list[rules.Other], shelter: bool, hidden: bool) -> None:
        self.others = others
        self.shelter = shelter
        self.hidden = hidden
        self.passages: list[Passage] = []

    def add(self, key: str, section: str, heading: str, lines: list[str], *,
            about_other: bool = False, own: bool = False) -> None:
        """``own``: the person's own details and tracks, composed here of their own
        fields alone – never marked."""
        body = "\n".join(line for line in lines if line)
        if own:
            self.passages.append(Passage(key, section, heading, body or "–", None,
                                         _sha(heading, body)))
            return
        flag = "person" if about_other or self.hidden else None
        found = rules.review_flag(body, self.others, shelter=self.shelter)
        if found is not None and (flag is None
                                  or rules.FLAGS.index(found) < rules.FLAGS.index(flag)):
            flag = found
        self.passages.append(Passage(key, section, heading, body or "–", flag,
                                     _sha(heading, body)))


class ExtractService(Service):
    # ------------------------------------------------------------------ access
    def _require(self, s: Session, person_id: int) -> Person:
        """Managers, or the caseworker who holds the person's own track."""
        self.require(Capability.RECORD_EXTRACT)
        p = s.get(Person, person_id)
        if p is None:
            raise VaultError("not found")
        if not (self.access.can(Capability.ALL_CASES)
                or person_id in self.access.assigned_persons(s)):
            raise NoAccess(person_id, "record_extract", None)
        if not self.access.identity_visible(s, p):
            # the extract names the person: a protected identity is revealed first (logged)
            raise ValidationError([_("The person's identity is protected: reveal it first "
                                     "(V, logged and reviewed).")])
        return p

    def person_by_number(self, number: str) -> int:
        """The person with this identity number, for the command line – only one the user
        may make an extract for (otherwise refused alike whether the number exists or not,
        and the refusal logged)."""
        self.require(Capability.RECORD_EXTRACT)
        try:
            canonical = identity.parse_identity_number(number, self.today()).canonical
        except identity.IdentityNumberError as exc:
            raise ValidationError([str(exc)]) from None
        with self.read() as s:
            found = s.scalar(select(Person.id).where(Person.id_number == canonical).limit(1))
            if found is None:
                raise NoAccess(None, "record_extract", None)
            self._require(s, found)
            return found

    # ------------------------------------------------------------------ composing
    def prepare(self, person_id: int) -> ExtractDraft:
        """The extract as passages, each marked when it needs review (logged as a read of
        the whole record)."""
        with self.read() as s:
            p = self._require(s, person_id)
            draft = ExtractDraft(person_id, display_name(p.given_name, p.family_name, p.alias),
                                 tuple(self._passages(s, p)))
            self.log(s, "view", person_id=person_id, record_type="record_extract")
            return draft

    def _related(self, s: Session, p: Person) -> list[Person]:
        """Everyone the record could mention: the members of the person's cases, the
        partner contacts' other side and related persons (not the anonymous records that
        are the person themselves)."""
        cases = select(CaseMember.case_id).where(CaseMember.person_id == p.id)
        ids = set(s.scalars(select(CaseMember.person_id).where(CaseMember.case_id.in_(cases))))
        ids |= set(s.scalars(select(PartnerContact.person_id).where(
            PartnerContact.perpetrator_id == p.id)))
        ids |= set(s.scalars(select(PartnerContact.perpetrator_id).where(
            PartnerContact.person_id == p.id)))
        for a, b in s.execute(select(Relation.from_person_id, Relation.to_person_id).where(
                or_(Relation.from_person_id == p.id, Relation.to_person_id == p.id))):
            ids |= {a, b}
        same = {p.id} | set(s.scalars(select(PersonLink.anonymous_id).where(
            PersonLink.known_id == p.id))) | set(s.scalars(select(PersonLink.known_id).where(
                PersonLink.anonymous_id == p.id)))
        ids -= same
        return list(s.scalars(select(Person).where(Person.id.in_(ids)).order_by(Person.id)))

    def _passages(self, s: Session, p: Person) -> list[Passage]:
        related = self._related(s, p)
        own = {n.strip().casefold() for n in (p.given_name, p.family_name, p.alias) if n}
        others = [rules.other([o.given_name, o.family_name, o.alias], own, o.id_number,
                              o.safe_address) for o in related]
        roles = set(s.scalars(select(CaseMember.role).where(CaseMember.person_id == p.id)))
        hidden = any(not self.access.identity_visible(s, o) for o in related)
        c = _Composer(others, shelter="perpetrator" in roles, hidden=hidden)
        users = {u.id: u.display_name for u in s.scalars(select(User))}

        def who(user_id: int | None) -> str:
            return users.get(user_id or 0, "")

        self._details(s, p, c)
        self._cases(s, p, c)
        sec = _("Journal")
        for n in s.scalars(select(JournalNote).where(JournalNote.person_id == p.id)
                           .order_by(JournalNote.created_at, JournalNote.id)):
            signed = _local(n.signed_at) if n.signed_at else _("draft")
            c.add(f"journal:{n.id}", sec, f"{_local(n.created_at)}  "
                  f"{label(NOTE_TYPES, n.note_type)}  {who(n.author_id)} ({signed})", [n.body])
        sec = _("Risk assessments")
        for a in s.scalars(select(Assessment).where(Assessment.person_id == p.id)
                           .order_by(Assessment.id)):
            evidence = json.loads(a.answers or "{}").get("evidence", {})
            c.add(f"assessment:{a.id}", sec, f"{a.instrument_title}  "
                  f"{_local(a.signed_at) if a.signed_at else _('draft')}",
                  [_("Level: {level}", level=a.level or "–"), a.rationale, a.deviation_reason,
                   *[str(v) for v in evidence.values()]])
        sec = _("Investigation")
        for i in s.scalars(select(Investigation).where(Investigation.person_id == p.id)
                           .order_by(Investigation.id)):
            findings = json.loads(i.findings or "{}")
            template = catalog().templates.get(i.template)
            areas = {code: str(text) for code, text in template.areas} if template else {}
            c.add(f"investigation:{i.id}", sec, f"{_day(i.started_on)} – {_day(i.ended_on)}",
                  [*[f"{areas.get(k, k)}: {v}" for k, v in findings.items() if v],
                   i.conclusion])
        sec = _("Decisions")
        for d in s.scalars(select(Decision).where(Decision.person_id == p.id)
                           .order_by(Decision.id)):
            c.add(f"decision:{d.id}", sec, f"{_local(d.decided_at)}  "
                  f"{intervention_label(d.intervention)}: {label(OUTCOMES, d.outcome)}",
                  [d.reasons, d.legal_text, f"{_day(d.period_start)} – {_day(d.period_end)}",
                   d.provider])
        sec = _("Action plan")
        for item in s.scalars(select(PlanItem).where(PlanItem.person_id == p.id)
                              .order_by(PlanItem.id)):
            c.add(f"plan:{item.id}", sec, f"{label(PLAN_KINDS, item.kind)}  "
                  f"{label(PLAN_STATUSES, item.status)}  {_day(item.due_on)}",
                  [item.text, item.responsible, item.implementation])
        sec = _("Follow-up")
        for f in s.scalars(select(FollowUp).where(FollowUp.person_id == p.id)
                           .order_by(FollowUp.id)):
            c.add(f"followup:{f.id}", sec, f"{_day(f.due_on)}  "
                  f"{label(FOLLOWUP_OUTCOMES, f.outcome) if f.outcome else '–'}", [f.note])
        self._samrad(s, p, c)
        self._stays_and_consents(s, p, c)
        self._contacts_and_talks(s, p, c)
        return c.passages

    def _details(self, s: Session, p: Person, c: _Composer) -> None:
        sec = _("Personal details")
        c.add("person", sec, display_name(p.given_name, p.family_name, p.alias), [
            _("Identity number: {value}", value=p.id_number or "–"),
            _("Born: {value}", value=_day(p.birth_date) if p.birth_date
              else str(p.birth_year or "–")),
            _("Gender: {value}", value=label(GENDERS, p.gender)),
            _("Language: {value}", value=p.language or "–"),
            _("Safe address: {value}", value=p.safe_address or "–"),
            _("Safe times: {value}", value=p.safe_times or "–"),
            _("Protection: {value}", value=label(PROTECTION_LEVELS, p.protection_level))],
              own=True)
        history = s.scalars(select(PersonHistory).where(PersonHistory.person_id == p.id)
                            .order_by(PersonHistory.id)).all()
        if history:
            c.add("person_history", sec, _("Earlier names and identity numbers"), [
                f"{_local(h.changed_at)}  {h.field}: {h.old_value or '–'} → "
                f"{h.new_value or '–'}" for h in history], own=True)

    def _cases(self, s: Session, p: Person, c: _Composer) -> None:
        sec = _("Cases")
        for m in s.scalars(select(CaseMember).where(CaseMember.person_id == p.id)
                           .order_by(CaseMember.id)):
            case = m.case_id
            row = s.get(Case, case)
            assert row is not None
            c.add(f"case:{m.id}", sec, row.case_number, [
                _("Role: {value}", value=label(MEMBER_ROLES, m.role)),
                _("Added: {value}", value=_day(m.added_at)),
                _("Track closed: {value}", value=_day(m.closed_at))], own=True)
            for other in s.scalars(select(CaseMember).where(
                    CaseMember.case_id == case, CaseMember.person_id != p.id)
                    .order_by(CaseMember.id)):
                person = s.get(Person, other.person_id)
                assert person is not None
                # as the reviewer may see them (a protected identity stays hidden)
                shown = summary_for(self.access, s, person, case_id=case)
                c.add(f"member:{other.id}", sec, _("Also in {case}", case=row.case_number),
                      [f"{shown.display_name} ({label(MEMBER_ROLES, other.role)})"],
                      about_other=True)
        sec = _("What happened")
        for i in s.scalars(select(Intake).where(Intake.contact_person_id == p.id)
                           .order_by(Intake.id)):
            c.add(f"intake:{i.id}", sec, f"{_local(i.occurred_at)}  {label(CHANNELS, i.channel)}",
                  [i.referrer_name or "", i.what_happened])

    def _samrad(self, s: Session, p: Person, c: _Composer) -> None:
        sec = _("Samråd")
        for sp, meeting in s.execute(select(SamradPerson, Samrad).join(
                Samrad, Samrad.id == SamradPerson.samrad_id)
                .where(SamradPerson.person_id == p.id).order_by(Samrad.meeting_on)):
            if meeting.approved_at is None:
                continue  # minutes not yet approved are not a record yet
            c.add(f"samrad:{sp.id}", sec, _day(meeting.meeting_on),
                  [sp.info_shared, sp.risk_view])
        for a, meeting in s.execute(select(SamradAction, Samrad).join(
                Samrad, Samrad.id == SamradAction.samrad_id)
                .where(SamradAction.person_id == p.id).order_by(SamradAction.id)):
            if meeting.approved_at is None:
                continue
            c.add(f"samrad_action:{a.id}", sec, f"{_day(meeting.meeting_on)}  "
                  f"{label(AGENCIES, a.agency)}  {_day(a.due_on)}", [a.what, a.outcome_note])

    def _stays_and_consents(self, s: Session, p: Person, c: _Composer) -> None:
        sec = _("Stays")
        for st in s.scalars(select(Stay).where(Stay.person_id == p.id).order_by(Stay.id)):
            c.add(f"stay:{st.id}", sec, f"{label(FACILITIES, st.facility)}  "
                  f"{_local(st.admitted_at)} – {_local(st.departed_at) if st.departed_at else ''}",
                  [st.admission_note or "", st.departure_note or "", st.followup_note or ""])
        sec = _("Consent")
        for k in s.scalars(select(Consent).where(Consent.person_id == p.id).order_by(Consent.id)):
            c.add(f"consent:{k.id}", sec, f"{_local(k.recorded_at)}  "
                  f"{label(CONSENT_KINDS, k.kind)}"
                  f"{'  ' + label(AGENCIES, k.agency) if k.agency else ''}",
                  [f"{label(CONSENT_STATES, k.state)}, {label(CONSENT_METHODS, k.method)}",
                   k.note or ""])
        sec = _("Child welfare report")
        for r in s.scalars(select(ChildReport).where(ChildReport.child_person_id == p.id)
                           .order_by(ChildReport.id)):
            c.add(f"child_report:{r.id}", sec, f"{_day(r.report_date or r.created_at)}  "
                  f"{label(CHILD_REPORT_DECISIONS, r.decision)}",
                  [r.receiving_unit or "", r.reason])

    def _contacts_and_talks(self, s: Session, p: Person, c: _Composer) -> None:
        sec = _("Partner contact")
        # made for him: what his side sees (date, outcome, flag) – and it is about her
        for pc in s.scalars(select(PartnerContact).where(PartnerContact.perpetrator_id == p.id)
                            .order_by(PartnerContact.id)):
            c.add(f"partner_contact_for:{pc.id}", sec, _local(pc.contacted_at),
                  [label(PARTNER_OUTCOMES, pc.outcome),
                   _("Safety concern") if pc.safety_flag else ""], about_other=True)
        # hers: her own answers
        for pc in s.scalars(select(PartnerContact).where(PartnerContact.person_id == p.id)
                            .order_by(PartnerContact.id)):
            c.add(f"partner_contact:{pc.id}", sec, _local(pc.contacted_at), [
                label(PARTNER_OUTCOMES, pc.outcome), label(SAFETY_VIEWS, pc.safety_view or None),
                label(FEAR_LEVELS, pc.fear or None), label(YES_NO, pc.wants_contact or None),
                pc.note])
        sec = _("Safety plan")
        for plan in s.scalars(select(SafetyPlan).where(SafetyPlan.person_id == p.id)
                              .order_by(SafetyPlan.id)):
            texts = json.loads(plan.sections or "{}")
            c.add(f"safety_plan:{plan.id}", sec,
                  _local(plan.signed_at) if plan.signed_at else _("draft"),
                  [f"{k}: {v}" for k, v in texts.items() if v])
        sec = _("Talks and referrals")
        for member, series in s.execute(select(SeriesMember, SessionSeries).join(
                SessionSeries, SessionSeries.id == SeriesMember.series_id)
                .where(SeriesMember.person_id == p.id).order_by(SeriesMember.id)):
            attended = [f"{_day(held)}: {label(ATTENDANCE, att)}" for held, att in s.execute(
                select(SeriesSession.held_on, SessionAttendance.attendance).join(
                    SessionAttendance, SessionAttendance.session_id == SeriesSession.id)
                .where(SeriesSession.series_id == series.id,
                       SessionAttendance.person_id == p.id).order_by(SeriesSession.held_on))]
            c.add(f"series:{member.id}", sec, f"{kind_label(series.kind)}  "
                  f"{_day(member.joined_on)} – {_day(member.left_on)}",
                  [series.end_reason, *attended])
        for r in s.scalars(select(Recontact).where(Recontact.person_id == p.id)
                           .order_by(Recontact.id)):
            c.add(f"recontact:{r.id}", sec, _day(r.attempted_on), [r.note])
        for ref in s.scalars(select(Referral).where(Referral.person_id == p.id)
                             .order_by(Referral.id)):
            c.add(f"referral:{ref.id}", sec, f"{_day(ref.sent_on)}  {ref.to_whom}", [
                ref.reason, label(REFERRAL_OUTCOMES, ref.outcome) if ref.outcome else "",
                ref.outcome_note])

    # ------------------------------------------------------------------ the review
    def record_review(self, person_id: int, decisions: list[ReviewDecision]) -> int:
        """Keep the reviewer's decision on every marked passage (each one needs one; a
        withholding needs a reason from the list) and log it. Returns the review's id, from
        which the extract is issued."""
        allowed = rules.reasons()
        by_key = {d.passage: d for d in decisions}
        with self.write() as s:
            p = self._require(s, person_id)
            passages = self._passages(s, p)
            marked = [x for x in passages if x.flag is not None]
            problems: list[str] = []
            missing = [x for x in marked if x.key not in by_key]
            if missing:
                problems.append(_n("{n} passage has no decision yet.",
                                   "{n} passages have no decision yet.", len(missing),
                                   n=len(missing)))
            if any(not d.release and d.reason not in allowed for d in decisions):
                problems.append(_("A withheld passage needs a reason from the list."))
            if set(by_key) - {x.key for x in marked}:
                problems.append(_("The record has changed since the extract was prepared: "
                                  "prepare it again."))
            if problems:
                raise ValidationError(problems)
            review = ExtractReview(person_id=person_id, reviewer_id=self.user.id,
                                   reviewed_at=self.clock(), via="review",
                                   passages=len(passages),
                                   withheld=sum(1 for x in marked if not by_key[x.key].release))
            s.add(review)
            s.flush()
            for x in marked:
                d = by_key[x.key]
                s.add(ExtractDecision(review_id=review.id, passage=x.key,
                                      passage_sha256=x.sha256, flag=x.flag or "",
                                      decision="release" if d.release else "withhold",
                                      reason=None if d.release else d.reason))
            s.flush()
            self.log(s, "extract_review", person_id=person_id, record_type="extract_review",
                     record_id=review.id, flagged=True,
                     reason=f"released {len(marked) - review.withheld}, "
                            f"withheld {review.withheld}")
            return review.id

    def record_unreviewed(self, person_id: int) -> int:
        """The command line's way: only when no passage needs review (``ExtractNeedsReview``
        otherwise); the decision "nothing to review" is kept and logged all the same."""
        with self.write() as s:
            p = self._require(s, person_id)
            passages = self._passages(s, p)
            marked = sum(1 for x in passages if x.flag is not None)
            if marked:
                self.log(s, "extract_review", outcome="refused", person_id=person_id,
                         record_type="extract_review", reason=f"needs review: {marked}")
            else:
                review = ExtractReview(person_id=person_id, reviewer_id=self.user.id,
                                       reviewed_at=self.clock(), via="cli",
                                       passages=len(passages), withheld=0)
                s.add(review)
                s.flush()
                self.log(s, "extract_review", person_id=person_id,
                         record_type="extract_review", record_id=review.id, flagged=True,
                         reason="nothing to review")
                return review.id
        raise ExtractNeedsReview(marked)

    def document(self, review_id: int) -> tuple[Document, int]:
        """The extract of a review, composed again from the record: every passage, the
        withheld ones as withheld (reason and rule). Refused when the record changed under
        a marked passage since the review (review again). Returns the person's id too."""
        reasons = rules.reasons()
        with self.read() as s:
            review = s.get(ExtractReview, review_id)
            if review is None:
                raise VaultError("not found")
            p = self._require(s, review.person_id)
            decided = {d.passage: d for d in s.scalars(select(ExtractDecision).where(
                ExtractDecision.review_id == review_id))}
            passages = self._passages(s, p)
            stale = [x for x in passages if x.flag is not None and (
                x.key not in decided or decided[x.key].passage_sha256 != x.sha256)]
            if stale:
                raise ValidationError([_("The record has changed since the review: review "
                                         "the extract again.")])
            reviewer = s.get(User, review.reviewer_id)
            self.log(s, "view", person_id=p.id, record_type="record_extract",
                     record_id=review_id)
        sections = [Section("", _(
            "Everything recorded about the person in rc-tui. Passages that concern another "
            "person were reviewed by {reviewer} on {when}. Passages in all: {total}; "
            "withheld (each marked with the reason and the rule): {withheld}.",
            reviewer=reviewer.display_name if reviewer else "–",
            when=_local(review.reviewed_at), withheld=review.withheld,
            total=len(passages)))]
        current = ""
        for x in passages:
            heading = x.heading
            if x.section != current:
                current = x.section
                heading = f"{x.section.upper()}\n{x.heading}"
            d = decided.get(x.key)
            if x.flag is not None and d is not None and d.decision != "release":
                reason = reasons.get(d.reason or "")
                body = _("[Withheld: {reason} ({rule})]",
                         reason=str(reason) if reason else d.reason or "",
                         rule=reason.rule if reason else "")
            else:
                body = x.text
            sections.append(Section(heading, body))
        name = display_name(p.given_name, p.family_name, p.alias)
        return (Document("record_extract", _("Record extract – {name}", name=name),
                         tuple(sections)), p.id)
