"""Structured risk assessments: start, autosave the draft, sign, amend, history, trend.

Assessments are case content of the person's own track: they need ``Level.FULL``
(family-compartment users never see them). Shelter staff see them only where the
organisation has turned the ``shelter_staff_assessments`` setting on: then they may run,
sign and read, for the shelter's residents, the assessments made with instruments for
victims and children that require no special training – nothing else of the person's assessments.
The instrument definition is stored with every assessment, so an assessment is always
shown with the questions and the thresholds it was made with, whatever the instrument files
say today.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from rc_tui.domain.instruments.content import (
    Content,
    content_problems,
    drop_invalid,
    prune_hidden,
    sign_problems,
)
from rc_tui.domain.instruments.library import digest, snapshot
from rc_tui.domain.instruments.loader import safe_snapshot
from rc_tui.domain.instruments.model import Instrument
from rc_tui.domain.instruments.scoring import ScoreResult, score
from rc_tui.i18n import _
from rc_tui.services.access import Capability, Level
from rc_tui.services.base import DueItem, Service, user_names
from rc_tui.services.errors import NoAccess, ValidationError, VaultError
from rc_tui.services.people import display_names, summary_for
from rc_tui.services.risk import CurrentLevel, current_level
from storage.models import Assessment, CaseMember, Intake, JournalNote, Person


@dataclass(frozen=True)
class AssessmentRow:
    id: int
    instrument_id: str
    title: str
    instrument_version: str
    status: str  # draft | signed
    level: str | None
    level_label: str
    score: float | None
    created_at: datetime
    signed_at: datetime | None
    assessor: str
    supersedes_id: int | None
    superseded: bool
    mine: bool
    #: drawn in the trend (an instrument that sets the current level)
    in_trend: bool = True


@dataclass(frozen=True)
class AssessmentView:
    id: int
    person_id: int
    version: int
    instrument: Instrument
    content: Content
    judgement: dict[str, str]
    rationale: str
    deviation_reason: str
    training_confirmed: bool
    created_by: str
    created_at: datetime
    signed_by: str
    signed_at: datetime | None
    supersedes_id: int | None
    mine: bool
    case_id: int | None
    person_name: str = ""

    @property
    def signed(self) -> bool:
        return self.signed_at is not None

    def score(self) -> ScoreResult:
        return score(self.instrument, self.content.answers)


def _instrument_of(row: Assessment) -> Instrument:
    inst = safe_snapshot(row.definition)
    if inst is None:
        raise ValidationError([_("The stored definition of this assessment cannot be read; "
                                 "the record needs repair (rc-tui check).")])
    return inst


def for_shelter_staff(inst: Instrument | None) -> bool:
    """An instrument shelter staff may use (with the setting on): for victims or children
    (the shelter's residents), no special training required."""
    return inst is not None and inst.target in ("victim", "child") \
        and not inst.training_required


class AssessmentService(Service):
    # ------------------------------------------------------------------ shelter staff
    def _shelter_may(self, s: Session, person_id: int, inst: Instrument | None) -> bool:
        """Shelter staff, with the organisation's setting on, for a shelter resident and a
        victim-side instrument that needs no special training."""
        return (for_shelter_staff(inst) and self.access.can(Capability.RESIDENTS)
                and int(self.vault.setting("shelter_staff_assessments") or 0) == 1
                and person_id in self.access.shelter_residents(s)
                and self.access.level(s, person_id) >= Level.SHELTER)

    def shelter_may_assess(self) -> bool:
        """Whether this user runs assessments as shelter staff (the screens offer the
        instruments ``_shelter_may`` allows)."""
        return self.access.can(Capability.RESIDENTS) and int(
            self.vault.setting("shelter_staff_assessments") or 0) == 1

    def _require_assess(self, s: Session, person_id: int, inst: Instrument | None) -> None:
        """The whole record, or what ``_shelter_may`` allows; a refusal is logged."""
        if self.access.level(s, person_id) >= Level.FULL or self._shelter_may(s, person_id,
                                                                              inst):
            return
        self.require_person(s, person_id, Level.FULL)

    # ------------------------------------------------------------------ reading
    def history(self, person_id: int) -> list[AssessmentRow]:
        """All assessments of a person, oldest first (drafts included); shelter staff
        (with the setting on) only those ``_shelter_may`` allows."""
        def check(s: Session) -> None:
            if self.access.level(s, person_id) < Level.FULL and not (
                    self.shelter_may_assess()
                    and person_id in self.access.shelter_residents(s)):
                self.require_person(s, person_id, Level.FULL)

        with self.audited("assessment_list", person_id=person_id, check=check) as s:
            full = self.access.level(s, person_id) >= Level.FULL
            rows = [r for r in s.scalars(select(Assessment).where(
                Assessment.person_id == person_id)
                .order_by(Assessment.created_at, Assessment.id))
                if full or self._shelter_may(s, person_id, safe_snapshot(r.definition))]
            names = user_names(s, {r.signed_by_id or r.created_by_id for r in rows})
            superseded = {r.supersedes_id for r in rows if r.supersedes_id}
            out = []
            for r in rows:
                inst = safe_snapshot(r.definition)
                label = (inst.main.label(r.level) if inst else r.level) if r.level else ""
                out.append(AssessmentRow(
                    r.id, r.instrument_id, r.instrument_title, r.instrument_version,
                    "signed" if r.signed_at else "draft", r.level, label, r.score,
                    r.created_at, r.signed_at,
                    names.get(r.signed_by_id or r.created_by_id or 0, ""),
                    r.supersedes_id, r.id in superseded, r.created_by_id == self.user.id,
                    inst.sets_current_level if inst else False))
            return out

    def get(self, assessment_id: int) -> AssessmentView:
        with self.read() as s:
            row = self._row(s, assessment_id)
            self.log(s, "view", person_id=row.person_id, record_type="assessment",
                     record_id=row.id)
            return self._view(s, row)

    def current_level(self, person_id: int) -> CurrentLevel | None:
        with self.read() as s:
            if self.access.level(s, person_id) < Level.FULL:
                return None
            return current_level(s, person_id)

    def previous_signed(self, assessment_id: int) -> AssessmentView | None:
        """The signed assessment with the same instrument before this one (for "what
        changed since the last one")."""
        with self.read() as s:
            row = self._row(s, assessment_id)
            when = row.signed_at or row.created_at
            prev = s.scalars(
                select(Assessment).where(
                    Assessment.person_id == row.person_id,
                    Assessment.instrument_id == row.instrument_id,
                    Assessment.signed_at.is_not(None), Assessment.id != row.id,
                    Assessment.signed_at <= when)
                .order_by(Assessment.signed_at.desc(), Assessment.id.desc()).limit(1)).first()
            if prev is None:
                return None
            self.log(s, "view", person_id=prev.person_id, record_type="assessment",
                     record_id=prev.id)
            return self._view(s, prev)

    def _row(self, s: Session, assessment_id: int) -> Assessment:
        row = s.get(Assessment, assessment_id)
        if row is None:
            raise VaultError("not found")
        self._require_assess(s, row.person_id, safe_snapshot(row.definition))
        return row

    def _view(self, s: Session, row: Assessment) -> AssessmentView:
        names = user_names(s, {row.created_by_id, row.signed_by_id})
        person = s.get(Person, row.person_id)
        return AssessmentView(
            row.id, row.person_id, row.version, _instrument_of(row),
            Content.from_json(row.answers), dict(json.loads(row.judgement or "{}")),
            row.rationale, row.deviation_reason, row.training_confirmed,
            names.get(row.created_by_id or 0, ""), row.created_at,
            names.get(row.signed_by_id or 0, ""), row.signed_at, row.supersedes_id,
            row.created_by_id == self.user.id, row.case_id,
            summary_for(self.access, s, person).display_name if person else "")

    # ------------------------------------------------------------------ writing
    def start(self, person_id: int, instrument: Instrument, *, case_id: int | None = None,
              intake_id: int | None = None) -> int:
        """A new draft with ``instrument`` as it is now (thresholds in effect)."""
        data = snapshot(instrument)
        with self.write() as s:
            self._require_assess(s, person_id, instrument)
            if case_id is not None and s.scalar(select(CaseMember.id).where(
                    CaseMember.case_id == case_id, CaseMember.person_id == person_id)) is None:
                raise ValidationError([_("The person is not in that case.")])
            now = self.clock()
            row = Assessment(
                person_id=person_id, case_id=case_id, intake_id=intake_id,
                instrument_id=instrument.id, instrument_version=instrument.version,
                instrument_title=str(instrument.title)[:200],
                definition=json.dumps(data, sort_keys=True, ensure_ascii=False),
                definition_sha256=digest(data), answers=Content().to_json(), judgement="{}",
                rationale="", deviation_reason="", training_confirmed=False,
                created_by_id=self.user.id, created_at=now, updated_at=now)
            s.add(row)
            s.flush()
            self.log(s, "create", person_id=person_id, record_type="assessment",
                     record_id=row.id)
            return row.id

    def amend(self, assessment_id: int) -> int:
        """A change to a signed assessment: a new draft, linked to the old one, with its
        answers and the same instrument version. The old one never changes."""
        with self.write() as s:
            old = self._row(s, assessment_id)
            if old.signed_at is None:
                raise ValidationError([_("Only a signed assessment is amended; a draft is "
                                         "simply edited.")])
            newer = s.scalars(select(Assessment).where(Assessment.supersedes_id == old.id)
                              .order_by(Assessment.id.desc()).limit(1)).first()
            if newer is not None:
                if newer.signed_at is None and newer.created_by_id == self.user.id:
                    return newer.id  # the amendment already being written
                raise ValidationError([_("This assessment has already been amended: amend "
                                         "the newest version.")])
            now = self.clock()
            row = Assessment(
                person_id=old.person_id, case_id=old.case_id, instrument_id=old.instrument_id,
                instrument_version=old.instrument_version,
                instrument_title=old.instrument_title, definition=old.definition,
                definition_sha256=old.definition_sha256, answers=old.answers,
                judgement=old.judgement, rationale="", deviation_reason="",
                training_confirmed=False, created_by_id=self.user.id, created_at=now,
                updated_at=now, supersedes_id=old.id)
            s.add(row)
            s.flush()
            self.log(s, "create", person_id=old.person_id, record_type="assessment",
                     record_id=row.id)
            return row.id

    def _draft_for_update(self, s: Session, assessment_id: int) -> Assessment:
        row = self._row(s, assessment_id)
        if row.signed_at is not None:
            raise ValidationError([_("The assessment is signed and cannot be changed. "
                                     "Amend it to make a new one.")])
        if row.created_by_id != self.user.id:
            raise NoAccess(row.person_id, "assessment", row.id)
        return row

    def save_draft(self, assessment_id: int, version: int, content: Content,
                   judgement: dict[str, str] | None = None, rationale: str = "",
                   deviation_reason: str = "") -> int:
        """Autosave: the draft as typed so far. Returns the new version."""
        with self.versioned("assessment changed elsewhere") as (s, same_version):
            row = same_version(self._draft_for_update(s, assessment_id), version)
            inst = _instrument_of(row)
            content = prune_hidden(inst, drop_invalid(inst, content))
            problems = content_problems(inst, content)
            if problems:
                raise ValidationError(problems)
            row.answers = content.to_json()
            if judgement is not None:
                row.judgement = json.dumps(judgement, sort_keys=True)
            row.rationale = rationale
            row.deviation_reason = deviation_reason
            row.updated_at = self.clock()
            s.flush()
            self.log(s, "update", person_id=row.person_id, record_type="assessment",
                     record_id=row.id)
            return row.version

    def sign(self, assessment_id: int, version: int, content: Content,
             judgement: dict[str, str], rationale: str, deviation_reason: str = "",
             training_confirmed: bool = False) -> ScoreResult:
        """Sign: complete, judged, reasoned. Afterwards the database refuses any change."""
        with self.versioned("assessment changed elsewhere") as (s, same_version):
            row = same_version(self._draft_for_update(s, assessment_id), version)
            inst = _instrument_of(row)
            content = prune_hidden(inst, content)
            problems, result = sign_problems(inst, content, judgement, rationale,
                                             deviation_reason, training_confirmed)
            if problems:
                raise ValidationError(problems)
            now = self.clock()
            row.answers = content.to_json()
            row.judgement = json.dumps(
                {d.id: judgement[d.id] for d in inst.judgement}, sort_keys=True)
            row.level = judgement[inst.main.id]
            row.suggested_level = result.suggested
            row.score = result.total
            row.rationale = rationale
            row.deviation_reason = deviation_reason if result.suggested not in (
                None, row.level) else ""
            row.training_confirmed = training_confirmed
            row.updated_at = now
            row.signed_at = now
            row.signed_by_id = self.user.id
            s.flush()
            self.log_sealed(s, "sign", "assessment", row.id, person_id=row.person_id)
            return result

    def discard(self, assessment_id: int) -> None:
        """Delete a draft (its author only). Signed assessments are never deleted."""
        with self.write() as s:
            row = self._row(s, assessment_id)
            if row.signed_at is not None:
                raise ValidationError([_("A signed assessment is never deleted.")])
            if row.created_by_id != self.user.id:
                raise NoAccess(row.person_id, "assessment", row.id)
            s.delete(row)
            self.log(s, "delete", person_id=row.person_id, record_type="assessment",
                     record_id=row.id)


# ---------------------------------------------------------------------- due items

def reassessment_due(svc: Service, s: Session) -> list[DueItem]:
    """A re-assessment is due when the instrument says so: a number of days after the last
    signed one, or at once when a new incident is recorded after it (an incident note in
    the journal, or a new intake in one of the person's cases). Only for the persons this
    user is assigned to; one item per person and instrument (the latest assessment)."""
    latest = s.execute(text(
        "SELECT a.id, a.person_id, a.instrument_title, a.signed_at, a.definition "
        "FROM assessments a "
        "JOIN case_members m ON m.person_id = a.person_id "
        "JOIN cases c ON c.id = m.case_id AND c.status = 'open' "
        "JOIN assignments g ON g.case_member_id = m.id AND g.ended_at IS NULL "
        "  AND g.user_id = :u "
        "WHERE a.signed_at IS NOT NULL AND a.id = (SELECT x.id FROM assessments x "
        "  WHERE x.person_id = a.person_id AND x.instrument_id = a.instrument_id "
        "  AND x.signed_at IS NOT NULL ORDER BY x.signed_at DESC, x.id DESC LIMIT 1) "
        "GROUP BY a.id"), {"u": svc.user.id}).all()
    today = svc.today()
    items: list[DueItem] = []
    persons = {row[1] for row in latest}
    last_incident = _latest_incidents(s, persons)
    names = display_names(s, persons)  # one query, not one per item
    for _aid, person_id, title, signed_at, definition in latest:
        signed = signed_at if isinstance(signed_at, datetime) else datetime.fromisoformat(
            str(signed_at))
        inst = safe_snapshot(definition)
        if inst is None:
            continue
        due: date | None = None
        if inst.reassess_days:
            due = signed.date() + timedelta(days=inst.reassess_days)
        incident = last_incident.get(person_id)
        if inst.reassess_on_incident and incident is not None and incident > signed:
            due = min(due, today) if due else today
        if due is None or due > today + timedelta(days=14):
            continue
        items.append(DueItem("reassessment", person_id, None,
                             _("{name}: re-assessment due ({instrument})", instrument=title,
                               name=names.get(person_id, "?")), due, due < today))
    return items


def _latest_incidents(s: Session, persons: set[int]) -> dict[int, datetime]:
    """Per person: the latest incident – an incident note, or an intake in one of the
    person's cases (two grouped queries for the whole due list; typed datetimes)."""
    if not persons:
        return {}
    out: dict[int, datetime] = {}
    notes = s.execute(select(JournalNote.person_id, func.max(JournalNote.created_at)).where(
        JournalNote.person_id.in_(persons), JournalNote.note_type == "incident")
        .group_by(JournalNote.person_id)).all()
    intakes = s.execute(select(CaseMember.person_id, func.max(Intake.created_at)).join(
        Intake, Intake.case_id == CaseMember.case_id).where(CaseMember.person_id.in_(persons))
        .group_by(CaseMember.person_id)).all()
    for person_id, when in [*notes, *intakes]:
        if when is not None and (person_id not in out or when > out[person_id]):
            out[person_id] = when
    return out
