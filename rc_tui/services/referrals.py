"""Referrals (remisser) to treatment, substance-use care, psychiatry or a programme:
to whom, sent, accepted, started, ended with an outcome – and the follow-ups they make
due. Casework of the person's own track: ``Level.FULL`` (never shelter staff, never
another member's caseworker); every read and write is access-logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from rc_tui.domain import sessions as rules
from rc_tui.domain.sessions import ReferralFacts, session_catalog
from rc_tui.i18n import _
from rc_tui.services.access import Capability, Level
from rc_tui.services.base import DueItem, Service, local_time, my_open_tracks, user_names
from rc_tui.services.errors import ValidationError, VaultError
from rc_tui.services.people import summary_for
from storage.models import CaseMember, Person, Referral

MAX_TEXT = 100_000


@dataclass(frozen=True)
class ReferralView:
    id: int
    person_id: int
    version: int
    kind: str
    to_whom: str
    reason: str
    sent_on: date
    accepted_on: date | None
    started_on: date | None
    ended_on: date | None
    outcome: str | None
    outcome_note: str
    created_by: str
    created_at: datetime
    due: date | None  # the next follow-up (no answer, or not started)


@dataclass(frozen=True)
class ReferralSteps:
    """What a follow-up of the referral records (dates left empty: not yet)."""

    accepted_on: date | None = None
    started_on: date | None = None
    ended_on: date | None = None
    outcome: str | None = None
    outcome_note: str = ""


def _texts_ok(problems: list[str], *texts: str) -> None:
    if any(len(t) > MAX_TEXT for t in texts):
        problems.append(_("A text may have at most {n} characters.", n=MAX_TEXT))


class ReferralService(Service):
    """``ReferralService(vault, screen="referrals")``."""

    def _local_today(self) -> date:
        """Today where the user is: the dates a user types are local."""
        return max(self.today(), local_time(self.clock()).date())

    def refer(self, person_id: int, kind: str, to_whom: str, reason: str = "", *,
              sent_on: date | None = None, case_id: int | None = None) -> int:
        """Record a referral sent (to whom, why); its follow-up falls due when no answer
        came within the kind's days."""
        cat = session_catalog()
        problems: list[str] = []
        if kind not in cat.referral_kinds:
            problems.append(_("Choose the kind of referral."))
        if not to_whom.strip():
            problems.append(_("Write to whom the referral goes."))
        _texts_ok(problems, to_whom, reason)
        if problems:
            raise ValidationError(problems)
        with self.write() as s:
            self.require_person(s, person_id, Level.FULL)
            roles = set(s.scalars(select(CaseMember.role).where(
                CaseMember.person_id == person_id,
                *([CaseMember.case_id == case_id] if case_id is not None else []))))
            if not cat.referral_kinds[kind].offered_to(roles):
                raise ValidationError([_("This referral is not for a person in this role.")])
            now = self.clock()
            day = sent_on or now.date()
            if day > self._local_today():
                raise ValidationError([_("The referral's date is in the future.")])
            row = Referral(person_id=person_id, case_id=case_id, kind=kind, to_whom=to_whom,
                           reason=reason, sent_on=day, created_by_id=self.user.id,
                           created_at=now, updated_at=now)
            s.add(row)
            s.flush()
            self.log(s, "create", person_id=person_id, record_type="referral",
                     record_id=row.id)
            return row.id

    def update_referral(self, referral_id: int, version: int, steps: ReferralSteps) -> int:
        """Record the answer, the start, the end and its outcome. A step once recorded is
        kept (a date is never taken back); returns the new version."""
        problems: list[str] = []
        _texts_ok(problems, steps.outcome_note)
        if problems:
            raise ValidationError(problems)
        with self.versioned("referral changed elsewhere") as (s, same_version):
            row = s.get(Referral, referral_id)
            if row is None:
                raise VaultError("not found")
            self.require_person(s, row.person_id, Level.FULL)
            same_version(row, version)
            if row.ended_on is not None:
                raise ValidationError([_("The referral has ended and is read-only.")])
            facts = ReferralFacts(row.kind, row.sent_on,
                                  steps.accepted_on or row.accepted_on,
                                  steps.started_on or row.started_on,
                                  steps.ended_on or row.ended_on)
            problems = rules.referral_step_problems(facts, steps.outcome)
            today = self._local_today()
            if any(d is not None and d > today for d in (facts.accepted_on, facts.started_on,
                                                        facts.ended_on)):
                problems.append(_("A date is in the future."))
            if problems:
                raise ValidationError(problems)
            row.accepted_on, row.started_on, row.ended_on = (
                facts.accepted_on, facts.started_on, facts.ended_on)
            row.outcome, row.outcome_note = steps.outcome, steps.outcome_note
            row.updated_at = self.clock()
            s.flush()
            self.log(s, "update", person_id=row.person_id, record_type="referral",
                     record_id=row.id)
            return row.version

    def referrals(self, person_id: int) -> list[ReferralView]:
        with self.audited("referral_list", person_id=person_id) as s:
            rows = list(s.scalars(select(Referral).where(Referral.person_id == person_id)
                                  .order_by(Referral.sent_on, Referral.id)))
            names = user_names(s, {r.created_by_id for r in rows})
            return [self._view(r, names) for r in rows]

    @staticmethod
    def _view(r: Referral, names: dict[int, str]) -> ReferralView:
        due = rules.referral_due(ReferralFacts(r.kind, r.sent_on, r.accepted_on,
                                               r.started_on, r.ended_on))
        return ReferralView(r.id, r.person_id, r.version, r.kind, r.to_whom, r.reason,
                            r.sent_on, r.accepted_on, r.started_on, r.ended_on, r.outcome,
                            r.outcome_note, names.get(r.created_by_id, ""), r.created_at,
                            due[1] if due else None)


def referrals_due(svc: Service, s: Session) -> list[DueItem]:
    """A referral without an answer, or accepted but not started: due for the person's
    own caseworkers (and whoever sent it, while they still hold the whole record)."""
    if not svc.access.can(Capability.CASE_CONTENT):
        return []
    mine = my_open_tracks(svc, s)
    today = svc.today()
    items: list[DueItem] = []
    for r in s.scalars(select(Referral).where(
            Referral.ended_on.is_(None),
            Referral.person_id.in_(list(mine)) | (Referral.created_by_id == svc.user.id))):
        if svc.access.level(s, r.person_id) < Level.FULL:
            continue
        due = rules.referral_due(ReferralFacts(r.kind, r.sent_on, r.accepted_on,
                                               r.started_on, r.ended_on))
        if due is None:
            continue
        person = s.get(Person, r.person_id)
        name = summary_for(svc.access, s, person).display_name if person else "?"
        to = r.to_whom.splitlines()[0][:40] if r.to_whom else ""
        title = (_("{name}: no answer to the referral to {to}", name=name, to=to)
                 if due[0] == "answer" else
                 _("{name}: the referral to {to} is accepted but not started", name=name,
                   to=to))
        items.append(DueItem("referral", r.person_id, mine.get(r.person_id, r.case_id),
                             title, due[1], due[1] < today))
    return items
