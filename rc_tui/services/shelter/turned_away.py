"""The turned-away register: requests the facility could not meet, their
follow-up and the yearly statistics.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from rc_tui.domain import shelter as rules
from rc_tui.domain.shelter import (
    REFERRALS,
    TURNED_AWAY_OUTCOMES,
    TURNED_AWAY_REASONS,
    TurnedAwayFact,
    TurnedAwayStats,
)
from rc_tui.i18n import _
from rc_tui.services.errors import ValidationError, VaultError
from rc_tui.services.shelter.base import ShelterBase, _text_ok
from storage.models import TurnedAway, User


@dataclass(frozen=True)
class TurnedAwayInput:
    facility: str
    requested_at: datetime
    reasons: list[str]
    referred_to: str
    contact: str = ""
    reach: str = ""
    children: int = 0
    reason_note: str = ""
    referred_note: str = ""


@dataclass(frozen=True)
class TurnedAwayRow:
    id: int
    version: int
    requested_at: datetime
    contact: str
    reach: str
    children: int
    reasons: list[str]
    reason_note: str
    referred_to: str
    referred_note: str
    followup_due: date
    followed_up_at: datetime | None
    outcome: str | None
    followup_note: str
    attempts: int
    recorded_by: str


class TurnedAwayMixin(ShelterBase):
    def register_turned_away(self, data: TurnedAwayInput) -> int:
        problems: list[str] = []
        if not data.reasons or any(r not in TURNED_AWAY_REASONS for r in data.reasons):
            problems.append(_("Choose at least one reason."))
        if data.referred_to not in REFERRALS:
            problems.append(_("Choose where she was referred."))
        if not 0 <= data.children <= 20:
            problems.append(_("The number of children must be 0–20."))
        if len(data.contact) > 200:
            problems.append(_("A text may have at most {n} characters.", n=200))
        _text_ok(problems, data.reach, data.reason_note, data.referred_note)
        if problems:
            raise ValidationError(problems)
        with self.write() as s:
            self._require_facility(s, data.facility)
            row = TurnedAway(
                facility=data.facility, requested_at=data.requested_at,
                contact=data.contact.strip(), reach=data.reach, children=data.children,
                reasons=",".join(dict.fromkeys(data.reasons)), reason_note=data.reason_note,
                referred_to=data.referred_to, referred_note=data.referred_note,
                followup_due=rules.turned_away_followup_due(data.requested_at.date()),
                recorded_by_id=self.user.id, created_at=self.clock())
            s.add(row)
            s.flush()
            self.log(s, "create", record_type="turned_away", record_id=row.id)
            return row.id

    def turned_away(self, facility: str, *, open_only: bool = False, limit: int = 500
                    ) -> list[TurnedAwayRow]:
        with self._audited_facility(facility, "turned_away_register") as s:
            q = (select(TurnedAway, User.username)
                 .outerjoin(User, User.id == TurnedAway.recorded_by_id)
                 .where(TurnedAway.facility == facility))
            if open_only:
                q = q.where(TurnedAway.followed_up_at.is_(None))
            rows = s.execute(q.order_by(TurnedAway.requested_at.desc()).limit(limit)).all()
            return [TurnedAwayRow(
                r.id, r.version, r.requested_at, r.contact, r.reach, r.children,
                rules.reason_codes(r.reasons), r.reason_note, r.referred_to, r.referred_note,
                r.followup_due, r.followed_up_at, r.followup_outcome, r.followup_note or "",
                r.attempts, by or "") for r, by in rows]

    def record_turned_away_followup(self, row_id: int, version: int, outcome: str,
                                    note: str = "") -> date | None:
        """Record a follow-up attempt. Not reached: another attempt falls due (up to three
        in all, then the request is closed as not reached). Returns the next due date, or
        None when the request is closed."""
        problems: list[str] = []
        if outcome not in TURNED_AWAY_OUTCOMES:
            problems.append(_("Choose the outcome."))
        _text_ok(problems, note)
        if problems:
            raise ValidationError(problems)
        with self.versioned("request changed elsewhere") as (s, same_version):
            row = s.get(TurnedAway, row_id)
            if row is None:
                raise VaultError("not found")
            self._require_facility(s, row.facility)
            same_version(row, version)
            if row.followed_up_at is not None:
                raise ValidationError([_("The follow-up is already recorded.")])
            now = self.clock()
            line = f"{now:%Y-%m-%d %H:%M} {_(TURNED_AWAY_OUTCOMES[outcome])}" + (
                f": {note.strip()}" if note.strip() else "")
            row.followup_note = "\n".join(x for x in (row.followup_note, line) if x)
            row.followup_outcome = outcome
            next_due: date | None = None
            if outcome == "not_reached" and row.attempts + 1 < 3:
                row.attempts += 1
                next_due = rules.turned_away_followup_due(now.date())
                row.followup_due = next_due
            else:
                row.followed_up_at = now
            self.log(s, "update", record_type="turned_away", record_id=row.id)
            return next_due

    def turned_away_stats(self, facility: str, year: int) -> TurnedAwayStats:
        with self._audited_facility(facility, "turned_away_stats") as s:
            facts = [TurnedAwayFact(r.requested_at.date(), tuple(rules.reason_codes(r.reasons)),
                                    r.referred_to, r.followed_up_at is not None,
                                    r.followup_outcome)
                     for r in s.scalars(select(TurnedAway).where(
                         TurnedAway.facility == facility))]
            return rules.turned_away_stats(facts, year)
