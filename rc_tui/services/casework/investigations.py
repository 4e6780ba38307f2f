"""Investigations: start (from a consent, for an adult), findings, conclusion.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from rc_tui.domain.casework import catalog
from rc_tui.i18n import _
from rc_tui.services.access import Level
from rc_tui.services.base import user_names
from rc_tui.services.casework.base import CaseworkBase, _check_text
from rc_tui.services.errors import ValidationError
from storage.models import Assessment, CaseMember, Consent, Investigation


@dataclass(frozen=True)
class InvestigationView:
    id: int
    version: int
    person_id: int
    case_id: int | None
    template: str
    investigator: str
    investigator_id: int
    started_on: date
    ended_on: date | None
    findings: dict[str, str]
    assessment_ids: list[int]
    conclusion: str
    concluded_at: datetime | None
    with_consent: bool

    @property
    def open(self) -> bool:
        return self.concluded_at is None

    def days_open(self, today: date) -> int:
        return ((self.ended_on or today) - self.started_on).days


class InvestigationsMixin(CaseworkBase):
    def start_investigation(self, person_id: int, template: str, *,
                            case_id: int | None = None, started_on: date | None = None) -> int:
        """Start an investigation. An adult's needs a given consent to investigation; a
        child's need of protection is investigated without one when there is none. The
        template is the person's track's: a perpetrator's looks at his needs, a victim's
        at her protection (by the role in ``case_id``, else in any case)."""
        cat = catalog()
        if template not in cat.templates:
            raise ValidationError([_("Choose adult or child.")])
        with self.write() as s:
            self.require_person(s, person_id, Level.FULL)
            roles = set(s.scalars(select(CaseMember.role).where(
                CaseMember.person_id == person_id,
                *([CaseMember.case_id == case_id] if case_id is not None else []))))
            if not cat.templates[template].offered_to(roles):
                raise ValidationError([_("This investigation template is not for a person "
                                         "in this role.")])
            consent = s.scalars(select(Consent).where(
                Consent.person_id == person_id, Consent.kind == "investigation")
                .order_by(Consent.id.desc()).limit(1)).first()
            given = consent is not None and consent.state == "given"
            if template != "child" and not given:
                raise ValidationError([_("An investigation starts from a recorded consent: "
                                         "record the person's consent first (C).")])
            if s.scalar(select(Investigation.id).where(
                    Investigation.person_id == person_id,
                    Investigation.concluded_at.is_(None)).limit(1)) is not None:
                raise ValidationError([_("An investigation of this person is already open.")])
            now = self.clock()
            row = Investigation(person_id=person_id, case_id=case_id,
                                consent_id=consent.id if given and consent else None,
                                template=template, investigator_id=self.user.id,
                                started_on=started_on or now.date(), created_at=now,
                                updated_at=now)
            s.add(row)
            s.flush()
            self.log(s, "create", person_id=person_id, record_type="investigation",
                     record_id=row.id)
            return row.id

    def investigations(self, person_id: int) -> list[InvestigationView]:
        with self.audited("investigation_list", person_id=person_id) as s:
            rows = list(s.scalars(select(Investigation).where(
                Investigation.person_id == person_id).order_by(Investigation.id)))
            names = user_names(s, {r.investigator_id for r in rows})
            return [self._inv_view(r, names) for r in rows]

    def investigation(self, investigation_id: int) -> InvestigationView:
        with self.read() as s:
            row = self._investigation(s, investigation_id)
            self.log(s, "view", person_id=row.person_id, record_type="investigation",
                     record_id=row.id)
            return self._inv_view(row, user_names(s, {row.investigator_id}))

    @staticmethod
    def _inv_view(r: Investigation, names: dict[int, str]) -> InvestigationView:
        return InvestigationView(
            r.id, r.version, r.person_id, r.case_id, r.template,
            names.get(r.investigator_id, ""), r.investigator_id, r.started_on, r.ended_on,
            dict(json.loads(r.findings)), [int(x) for x in json.loads(r.assessment_ids)],
            r.conclusion, r.concluded_at, r.consent_id is not None)

    def save_investigation(self, investigation_id: int, version: int,
                           findings: dict[str, str], assessment_ids: list[int],
                           conclusion: str, *, conclude: bool = False) -> int:
        """Save the findings; ``conclude`` ends it (a conclusion is required) and makes it
        read-only. Returns the new version."""
        problems: list[str] = []
        _check_text(problems, conclusion, *findings.values())
        if conclude and not conclusion.strip():
            problems.append(_("Write the conclusion before the investigation is concluded."))
        if problems:
            raise ValidationError(problems)
        with self.versioned("investigation changed elsewhere") as (s, same_version):
            row = self._investigation(s, investigation_id)
            if row.concluded_at is not None:
                raise ValidationError([_("The investigation is concluded and read-only.")])
            same_version(row, version)
            areas = {code for code, _t in catalog().templates[row.template].areas}
            unknown = set(findings) - areas
            if unknown:
                raise ValidationError([_("Unknown need area: {area}",
                                         area=sorted(unknown)[0][:40])])
            known = set(s.scalars(select(Assessment.id).where(
                Assessment.person_id == row.person_id, Assessment.signed_at.is_not(None))))
            if set(assessment_ids) - known:
                raise ValidationError([_("Only the person's signed assessments can be "
                                         "referred to.")])
            now = self.clock()
            row.findings = json.dumps({k: v for k, v in findings.items() if v.strip()},
                                      ensure_ascii=False, sort_keys=True)
            row.assessment_ids = json.dumps(sorted(set(assessment_ids)))
            row.conclusion = conclusion
            row.updated_at = now
            if conclude:
                row.concluded_at = now
                row.concluded_by_id = self.user.id
                row.ended_on = now.date()
            s.flush()
            if conclude:
                self.log_sealed(s, "sign", "investigation", row.id,
                                person_id=row.person_id)
            else:
                self.log(s, "update", person_id=row.person_id,
                         record_type="investigation", record_id=row.id)
            return row.version
