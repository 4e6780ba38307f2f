"""Statistics for the board: a period beside the same period a year earlier, every figure
through the small-cell rule (``rc_tui.domain.suppression``) before it leaves this module.

Managers only (``Capability.STATISTICS``); one access-log entry per report (a refusal is
logged too). What leaves is display text – counts of k or more, ``<k``, ``x`` – never a
name, a number, a date of a person or free text, and never a small count: the report may
be printed or saved outside the database without the plaintext warning.

Who is counted, per period:

* **people**: each person whose track (victim, perpetrator, child) in a case began in the
  period, once per role; their age on that day; *new* when the person was first
  registered in the period, else *known*;
* **intakes** by referral channel (each intake in the period);
* **lead times**: first intake of the case to the start of an investigation started in
  the period; the start of an investigation to a decision made in the period; the days
  of investigations concluded in the period; children's investigations under way in the
  period that ran past four months;
* **the shelter and the temporary housing**: stays and nights in the period (women and
  men apart from accompanying children), beds taken per night on average (nights and the
  average only over k stays or more: one stay's nights are that person's), arrivals by
  channel, departures by destination and the departures followed up; the turned-away
  register by reason (one request may give several) and by referral;
* **needs and interventions**: need areas written in investigations concluded in the
  period (one investigation may name several), decisions by intervention and outcome,
  follow-ups done by outcome;
* **coordination**: samråd held, agencies taking part, agreed actions reviewed in the
  period by agency and outcome;
* **the perpetrator service and support work**: partner contacts that became due, made,
  and their outcome; sessions held and attendance; re-contact attempts; referrals sent;
* **risk**: the level of each person's latest assessment signed in the period.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rc_tui.domain import shelter as shelter_rules
from rc_tui.domain.ages import age_from_year, age_on
from rc_tui.domain.casework import FOLLOWUP_OUTCOMES, OUTCOMES, add_months, catalog
from rc_tui.domain.instruments.loader import BUILTIN_LEVEL_LABELS
from rc_tui.domain.instruments.model import BUILTIN_LEVELS
from rc_tui.domain.periods import Period, parse_period
from rc_tui.domain.safety import PARTNER_CONTACT_DAYS
from rc_tui.domain.samrad import ACTION_OUTCOMES
from rc_tui.domain.sessions import ATTENDANCE, session_catalog
from rc_tui.domain.suppression import (
    DEFAULT_K,
    HIDDEN,
    Protected,
    change,
    percentile,
    protect_counts,
    protect_table,
)
from rc_tui.domain.vocab import AGENCIES, CHANNELS, GENDERS
from rc_tui.i18n import N_, _, language
from rc_tui.services.access import Capability
from rc_tui.services.base import Service
from storage.models import (
    Assessment,
    CaseMember,
    Decision,
    FollowUp,
    Intake,
    Investigation,
    PartnerContact,
    Person,
    Recontact,
    Referral,
    Samrad,
    SamradAction,
    SamradParticipant,
    SeriesSession,
    SessionAttendance,
    Stay,
    TurnedAway,
)

__all__ = ["StatCells", "StatFigure", "StatReport", "StatSection", "StatTable",
           "StatisticsService", "parse_period", "render_csv", "render_text"]

ADULT_BANDS: tuple[tuple[str, int, int], ...] = (
    (N_("under 18"), 0, 17), ("18–24", 18, 24), ("25–34", 25, 34), ("35–44", 35, 44),
    ("45–54", 45, 54), ("55–64", 55, 64), ("65+", 65, 200))
CHILD_BANDS: tuple[tuple[str, int, int], ...] = (
    ("0–5", 0, 5), ("6–12", 6, 12), ("13–17", 13, 17), ("18+", 18, 200))
AGE_UNKNOWN = N_("age not known")
NOT_STATED = "unknown"


@dataclass(frozen=True)
class StatCells:
    """One period's table as it may be shown (display text only)."""

    cells: tuple[tuple[str, ...], ...]
    row_totals: tuple[str, ...]
    col_totals: tuple[str, ...]
    total: str


@dataclass(frozen=True)
class StatTable:
    key: str
    title: str
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    now: StatCells
    before: StatCells
    #: the change from the year before, per cell and total (``x`` where either is hidden)
    change: StatCells
    #: the cells do not add up (one person or request may count in several)
    no_totals: bool = False
    #: nothing of the period could be shown without giving a person away
    withheld: bool = False


@dataclass(frozen=True)
class StatFigure:
    key: str
    label: str
    now: str
    before: str


@dataclass(frozen=True)
class StatSection:
    key: str
    title: str
    tables: tuple[StatTable, ...]
    figures: tuple[StatFigure, ...]


@dataclass(frozen=True)
class StatReport:
    period: str
    previous: str
    start: date
    end: date
    k: int
    sections: tuple[StatSection, ...]


# ---------------------------------------------------------------------- raw counts

@dataclass
class _Raw:
    """One period's counts before suppression (never leaves this module)."""

    tables: dict[str, list[list[int]]]
    counts: dict[str, int]
    #: one value per person or item, for medians and percentiles
    values: dict[str, list[float]]


def _span(p: Period) -> tuple[datetime, datetime]:
    return datetime.combine(p.start, time()), datetime.combine(p.end + timedelta(days=1), time())


def _as_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return datetime.fromisoformat(str(value)).date()


def _band(bands: Sequence[tuple[str, int, int]], age: int | None) -> int:
    """The column of ``age`` (the last column: not known)."""
    if age is None:
        return len(bands)
    return next(i for i, (_l, lo, hi) in enumerate(bands) if lo <= age <= hi)


def _age(birth: date | None, birth_year: int | None, on: date) -> int | None:
    try:
        if birth is not None:
            return age_on(birth, on)
        if birth_year is not None:
            return age_from_year(birth_year, on)
    except ValueError:
        return None
    return None


def _by(codes: Sequence[str], values: Iterable[str | None]) -> list[int]:
    """Counts per code in ``codes`` order (anything else under the last code)."""
    counted = Counter(v if v in codes else codes[-1] for v in values)
    return [counted.get(c, 0) for c in codes]


def _people(s: Session, p: Period, raw: _Raw) -> None:
    lo, hi = _span(p)
    # each person once per role, on the first day a track of that role began in the period
    first: dict[tuple[str, int], datetime] = {}
    for role, pid, added in s.execute(
            select(CaseMember.role, CaseMember.person_id, CaseMember.added_at)
            .where(CaseMember.added_at >= lo, CaseMember.added_at < hi)).all():
        if (role, pid) not in first or added < first[role, pid]:
            first[role, pid] = added
    wanted = sorted({pid for _role, pid in first})
    persons: dict[int, tuple[Any, ...]] = {}
    for i in range(0, len(wanted), 900):  # below SQLite's limit of bound parameters
        for pid, *facts in s.execute(
                select(Person.id, Person.gender, Person.birth_date, Person.birth_year,
                       Person.created_at).where(Person.id.in_(wanted[i:i + 900]))).all():
            persons[pid] = tuple(facts)
    rows = [(role, pid, added, *persons[pid]) for (role, pid), added in first.items()
            if pid in persons]
    genders = list(GENDERS)
    for role, bands in (("victim", ADULT_BANDS), ("perpetrator", ADULT_BANDS),
                        ("child", CHILD_BANDS)):
        table = [[0] * (len(bands) + 1) for _g in genders]
        new_known = [0, 0]
        for r_role, _pid, added, gender, birth, year, created in rows:
            if r_role != role:
                continue
            g = genders.index(gender) if gender in genders else genders.index(NOT_STATED)
            table[g][_band(bands, _age(birth, year, _as_date(added)))] += 1
            new_known[0 if _as_date(created) >= p.start else 1] += 1
        raw.tables[f"people.{role}"] = table
        raw.tables[f"people.{role}.new"] = [new_known]
    channels = list(CHANNELS)
    intakes = s.scalars(select(Intake.channel).where(Intake.occurred_at >= lo,
                                                     Intake.occurred_at < hi)).all()
    raw.tables["people.channels"] = [_by(channels, intakes)]


def _lead_times(s: Session, p: Period, raw: _Raw) -> None:
    lo, hi = _span(p)
    first_intake = dict(s.execute(select(Intake.case_id, func.min(Intake.occurred_at))
                                  .group_by(Intake.case_id)).all())
    started = s.execute(select(Investigation.case_id, Investigation.started_on).where(
        Investigation.started_on >= p.start, Investigation.started_on <= p.end)).all()
    raw.values["lead.intake_to_start"] = [
        float((start - _as_date(first_intake[case])).days) for case, start in started
        if case in first_intake and _as_date(first_intake[case]) <= start]
    decided = s.execute(select(Investigation.started_on, Decision.decided_at)
                        .join(Investigation, Investigation.id == Decision.investigation_id)
                        .where(Decision.decided_at >= lo, Decision.decided_at < hi)).all()
    raw.values["lead.start_to_decision"] = [
        float((_as_date(at) - start).days) for start, at in decided if _as_date(at) >= start]
    ended = s.execute(select(Investigation.started_on, Investigation.ended_on).where(
        Investigation.ended_on >= p.start, Investigation.ended_on <= p.end)).all()
    raw.values["lead.investigation_days"] = [float((end - start).days) for start, end in ended
                                             if end is not None]
    children = s.execute(select(Investigation.started_on, Investigation.ended_on).where(
        Investigation.template == "child", Investigation.started_on <= p.end)).all()
    raw.counts["lead.child_past_four_months"] = sum(
        1 for start, end in children
        if (end is None or end >= p.start) and add_months(start, 4) < min(end or p.end, p.end))
    raw.counts["lead.emergency_decisions"] = s.scalar(
        select(func.count(Decision.id)).where(Decision.emergency.is_(True),
                                              Decision.decided_at >= lo,
                                              Decision.decided_at < hi)) or 0


def _facility(s: Session, p: Period, raw: _Raw, facility: str) -> None:
    lo, hi = _span(p)
    stays = s.execute(select(Stay.accompanying_id, Stay.admitted_at, Stay.departed_at,
                             Stay.arrived_via, Stay.destination, Stay.followed_up_at)
                      .where(Stay.facility == facility, Stay.planned.is_(False),
                             Stay.admitted_at < hi)).all()
    for who, adult in (("adults", True), ("children", False)):
        nights = 0
        stays_in = 0
        for acc, admitted, departed, *_rest in stays:
            if (acc is None) != adult:
                continue
            first = max(_as_date(admitted), p.start)
            last = min(_as_date(departed) if departed is not None else p.end + timedelta(days=1),
                       p.end + timedelta(days=1))
            if departed is not None and _as_date(departed) < p.start:
                continue
            stays_in += 1
            nights += max(0, (last - first).days)
        raw.counts[f"{facility}.{who}.stays"] = stays_in
        raw.counts[f"{facility}.{who}.nights"] = nights
    arrived = [via for acc, admitted, _d, via, _dest, _f in stays
               if acc is None and p.contains(_as_date(admitted))]
    raw.tables[f"{facility}.arrivals"] = [_by([*shelter_rules.ARRIVED_VIA, NOT_STATED],
                                              arrived)]
    leaving = [(dest, followed) for acc, _a, dep, _v, dest, followed in stays
               if acc is None and dep is not None and p.contains(_as_date(dep))]
    raw.tables[f"{facility}.departures"] = [_by([*shelter_rules.DESTINATIONS],
                                                (d or "unknown" for d, _f in leaving))]
    raw.counts[f"{facility}.followed_up"] = sum(1 for _d, f in leaving if f is not None)
    turned = s.execute(select(TurnedAway.reasons, TurnedAway.referred_to).where(
        TurnedAway.facility == facility, TurnedAway.requested_at >= lo,
        TurnedAway.requested_at < hi)).all()
    reasons = Counter(code for r, _t in turned for code in shelter_rules.reason_codes(r))
    raw.tables[f"{facility}.turned_away.reasons"] = [
        [reasons.get(c, 0) for c in shelter_rules.TURNED_AWAY_REASONS]]
    raw.tables[f"{facility}.turned_away.referred"] = [
        _by(list(shelter_rules.REFERRALS), (t for _r, t in turned))]


def _needs(s: Session, p: Period, raw: _Raw) -> None:
    lo, hi = _span(p)
    areas = _need_areas()
    found: Counter[str] = Counter()
    for template, findings in s.execute(select(Investigation.template, Investigation.findings)
                                        .where(Investigation.ended_on >= p.start,
                                               Investigation.ended_on <= p.end)).all():
        try:
            written = json.loads(findings or "{}")
        except ValueError:
            written = {}
        if isinstance(written, dict):
            found.update(f"{template}:{code}" for code, text in written.items()
                         if isinstance(text, str) and text.strip())
    raw.tables["needs.areas"] = [[found.get(key, 0) for key, _label in areas]]
    interventions = list(catalog().interventions)
    outcomes = list(OUTCOMES)
    table = [[0] * len(outcomes) for _i in interventions]
    for code, outcome in s.execute(select(Decision.intervention, Decision.outcome).where(
            Decision.decided_at >= lo, Decision.decided_at < hi)).all():
        if code in interventions and outcome in outcomes:
            table[interventions.index(code)][outcomes.index(outcome)] += 1
    raw.tables["needs.decisions"] = table
    done = s.scalars(select(FollowUp.outcome).where(FollowUp.done_at >= lo,
                                                    FollowUp.done_at < hi)).all()
    raw.tables["needs.followups"] = [_by(list(FOLLOWUP_OUTCOMES), done)]


def _need_areas() -> list[tuple[str, str]]:
    """(template:area, label) of every investigation template, in catalogue order."""
    out: list[tuple[str, str]] = []
    for code, template in catalog().templates.items():
        for area, texts in template.areas:
            out.append((f"{code}:{area}", f"{template.label}: {texts}"))
    return out


def _coordination(s: Session, p: Period, raw: _Raw) -> None:
    held = s.execute(select(Samrad.id, Samrad.repeat).where(
        Samrad.meeting_on >= p.start, Samrad.meeting_on <= p.end,
        Samrad.approved_at.is_not(None))).all()
    ids = [i for i, _r in held]
    raw.counts["samrad.held"] = len(held)
    raw.counts["samrad.repeats"] = sum(1 for _i, r in held if r)
    agencies = list(AGENCIES)
    taking_part = set(s.execute(select(SamradParticipant.samrad_id, SamradParticipant.agency)
                                .where(SamradParticipant.samrad_id.in_(ids),
                                       SamradParticipant.kind == "participant")).all())
    raw.tables["samrad.agencies"] = [[sum(1 for _i, a in taking_part if a == code)
                                      for code in agencies]]
    outcomes = list(ACTION_OUTCOMES)
    table = [[0] * len(outcomes) for _a in agencies]
    for agency, outcome in s.execute(
            select(SamradAction.agency, SamradAction.outcome)
            .join(Samrad, Samrad.id == SamradAction.reviewed_in_id)
            .where(Samrad.meeting_on >= p.start, Samrad.meeting_on <= p.end)).all():
        if agency in agencies and outcome in outcomes:
            table[agencies.index(agency)][outcomes.index(outcome)] += 1
    raw.tables["samrad.actions"] = table


def _support(s: Session, p: Period, raw: _Raw) -> None:
    lo, hi = _span(p)
    added = s.scalars(select(CaseMember.added_at).where(CaseMember.role == "perpetrator")).all()
    raw.counts["partner.due"] = sum(
        1 for a in added if p.contains(_as_date(a) + timedelta(days=PARTNER_CONTACT_DAYS)))
    made = s.scalars(select(PartnerContact.outcome).where(PartnerContact.contacted_at >= lo,
                                                          PartnerContact.contacted_at < hi)).all()
    raw.tables["partner.outcomes"] = [_by(["reached", "declined", "not_reached"], made)]
    raw.counts["sessions.held"] = s.scalar(select(func.count(SeriesSession.id)).where(
        SeriesSession.held_on >= p.start, SeriesSession.held_on <= p.end)) or 0
    attendance = s.scalars(select(SessionAttendance.attendance)
                           .join(SeriesSession, SeriesSession.id == SessionAttendance.session_id)
                           .where(SeriesSession.held_on >= p.start,
                                  SeriesSession.held_on <= p.end)).all()
    raw.tables["sessions.attendance"] = [_by(list(ATTENDANCE), attendance)]
    recontacts = s.scalars(select(Recontact.reached).where(
        Recontact.attempted_on >= p.start, Recontact.attempted_on <= p.end)).all()
    raw.tables["sessions.recontacts"] = [[sum(1 for r in recontacts if r),
                                          sum(1 for r in recontacts if not r)]]
    kinds = list(session_catalog().referral_kinds)
    sent = s.scalars(select(Referral.kind).where(Referral.sent_on >= p.start,
                                                 Referral.sent_on <= p.end)).all()
    raw.tables["referrals.kinds"] = [[sum(1 for k in sent if k == code) for code in kinds]]




def _risk(s: Session, p: Period, raw: _Raw) -> None:
    lo, hi = _span(p)
    latest: dict[int, tuple[datetime, str | None]] = {}
    for pid, at, level in s.execute(select(Assessment.person_id, Assessment.signed_at,
                                           Assessment.level).where(
            Assessment.signed_at >= lo, Assessment.signed_at < hi)).all():
        if at is not None and (pid not in latest or at > latest[pid][0]):
            latest[pid] = (at, level)
    raw.tables["risk.levels"] = [_by([*BUILTIN_LEVELS, "other"],
                                     (lv for _a, lv in latest.values()))]


def _collect(s: Session, p: Period) -> _Raw:
    raw = _Raw({}, {}, {})
    _people(s, p, raw)
    _lead_times(s, p, raw)
    for facility in shelter_rules.FACILITIES:
        _facility(s, p, raw, facility)
    _needs(s, p, raw)
    _coordination(s, p, raw)
    _support(s, p, raw)
    _risk(s, p, raw)
    return raw


# ---------------------------------------------------------------------- the report

def _figures(p: Protected) -> StatCells:
    return StatCells(tuple(tuple(c.text for c in row) for row in p.cells),
                   tuple(c.text for c in p.row_totals), tuple(c.text for c in p.col_totals),
                   p.total.text)


def _changes(a: Protected, b: Protected) -> StatCells:
    return StatCells(
        tuple(tuple(change(x, y) for x, y in zip(ra, rb, strict=True))
              for ra, rb in zip(a.cells, b.cells, strict=True)),
        tuple(change(x, y) for x, y in zip(a.row_totals, b.row_totals, strict=True)),
        tuple(change(x, y) for x, y in zip(a.col_totals, b.col_totals, strict=True)),
        change(a.total, b.total))


class _Builder:
    def __init__(self, now: _Raw, before: _Raw, k: int) -> None:
        self.now, self.before, self.k = now, before, k

    def table(self, key: str, title: str, rows: Sequence[str], columns: Sequence[str], *,
              known_total: bool = False, totals: bool = True) -> StatTable:
        def protect(raw: _Raw) -> Protected:
            return protect_table(raw.tables[key], self.k, known_total=known_total,
                                 totals=totals)

        a, b = protect(self.now), protect(self.before)
        return StatTable(key, title, tuple(rows), tuple(columns), _figures(a), _figures(b),
                         _changes(a, b), no_totals=not totals, withheld=a.withheld)

    def count(self, key: str, label: str) -> StatFigure:
        def one(raw: _Raw) -> str:
            return protect_counts([raw.counts[key]], self.k).cells[0][0].text

        return StatFigure(key, label, one(self.now), one(self.before))

    def sum_over(self, key: str, label: str, people: str) -> StatFigure:
        """A sum over people (nights of stays): shown only when they are k or more – the
        nights of one stay are that woman's stay."""
        def one(raw: _Raw) -> str:
            if raw.counts[people] < self.k:
                return HIDDEN if raw.counts[people] else "0"
            return protect_counts([raw.counts[key]], self.k).cells[0][0].text

        return StatFigure(key, label, one(self.now), one(self.before))

    def quantile(self, key: str, label: str, q: float) -> StatFigure:
        return StatFigure(f"{key}.{q}", label, percentile(self.now.values[key], q, self.k),
                      percentile(self.before.values[key], q, self.k))

    def average(self, key: str, label: str, days: tuple[int, int], people: str) -> StatFigure:
        """Beds taken per night: shown when the stays behind it are k or more."""
        def one(raw: _Raw, n_days: int) -> str:
            if raw.counts[people] < self.k:
                return HIDDEN if raw.counts[people] else "0"
            return f"{raw.counts[key] / n_days:.1f}"

        return StatFigure(key, label, one(self.now, days[0]), one(self.before, days[1]))


def _labels(table: dict[str, str]) -> list[str]:
    return [_(v) for v in table.values()]


def _sections(b: _Builder, period: Period, previous: Period) -> tuple[StatSection, ...]:
    genders = _labels(GENDERS)
    adult_cols = [_(label) for label, _lo, _hi in ADULT_BANDS] + [_(AGE_UNKNOWN)]
    child_cols = [label for label, _lo, _hi in CHILD_BANDS] + [_(AGE_UNKNOWN)]
    new_known = [_("new"), _("known before")]
    people = StatSection("people", _("People"), (
        b.table("people.victim", _("Victims by gender and age"), genders, adult_cols,
                known_total=True),
        b.table("people.victim.new", _("Victims: new or known"), [_("victims")], new_known,
                known_total=True),
        b.table("people.perpetrator", _("Perpetrators by gender and age"), genders,
                adult_cols, known_total=True),
        b.table("people.perpetrator.new", _("Perpetrators: new or known"),
                [_("perpetrators")], new_known, known_total=True),
        b.table("people.child", _("Children in the families by gender and age"), genders,
                child_cols, known_total=True),
        b.table("people.child.new", _("Children: new or known"), [_("children")], new_known,
                known_total=True),
        b.table("people.channels", _("Intakes by referral channel"), [_("intakes")],
                _labels(CHANNELS)),
    ), ())
    days = _("days")
    lead = StatSection("lead_times", _("Lead times"), (), (
        b.quantile("lead.intake_to_start", _("Intake to investigation start, median ({unit})",
                                             unit=days), 0.5),
        b.quantile("lead.intake_to_start", _("Intake to investigation start, 90th percentile "
                                             "({unit})", unit=days), 0.9),
        b.quantile("lead.start_to_decision", _("Investigation start to decision, median "
                                               "({unit})", unit=days), 0.5),
        b.quantile("lead.start_to_decision", _("Investigation start to decision, 90th "
                                               "percentile ({unit})", unit=days), 0.9),
        b.quantile("lead.investigation_days", _("Investigation length, median ({unit})",
                                                unit=days), 0.5),
        b.quantile("lead.investigation_days", _("Investigation length, 90th percentile "
                                                "({unit})", unit=days), 0.9),
        b.count("lead.child_past_four_months", _("Children's investigations past four months")),
        b.count("lead.emergency_decisions", _("Emergency decisions")),
    ))
    facilities = []
    n_days = (period.days, previous.days)
    for facility, title in (("shelter", _("The shelter")),
                            ("perpetrator_housing", _("The temporary housing"))):
        facilities.append(StatSection(facility, title, (
            b.table(f"{facility}.arrivals", _("Arrivals by channel"), [_("arrivals")],
                    [*_labels(shelter_rules.ARRIVED_VIA), _("not stated")]),
            b.table(f"{facility}.departures", _("Departures by destination"), [_("departures")],
                    _labels(shelter_rules.DESTINATIONS)),
            b.table(f"{facility}.turned_away.reasons", _("Turned away by reason"),
                    [_("requests")], _labels(shelter_rules.TURNED_AWAY_REASONS), totals=False),
            b.table(f"{facility}.turned_away.referred", _("Turned away: referred to"),
                    [_("requests")], _labels(shelter_rules.REFERRALS)),
        ), (
            b.count(f"{facility}.adults.stays", _("Stays (adults)")),
            b.count(f"{facility}.children.stays", _("Stays (accompanying children)")),
            b.sum_over(f"{facility}.adults.nights", _("Nights (adults)"),
                       f"{facility}.adults.stays"),
            b.sum_over(f"{facility}.children.nights", _("Nights (accompanying children)"),
                       f"{facility}.children.stays"),
            b.average(f"{facility}.adults.nights", _("Places taken per night (adults)"),
                      n_days, f"{facility}.adults.stays"),
            b.average(f"{facility}.children.nights",
                      _("Places taken per night (accompanying children)"), n_days,
                      f"{facility}.children.stays"),
            b.count(f"{facility}.followed_up", _("Departures followed up")),
        )))
    interventions = [str(v.label) for v in catalog().interventions.values()]
    needs = StatSection("needs", _("Needs and interventions"), (
        b.table("needs.areas", _("Need areas found in investigations"), [_("investigations")],
                [label for _key, label in _need_areas()], totals=False),
        b.table("needs.decisions", _("Decisions by intervention and outcome"), interventions,
                _labels(OUTCOMES)),
        b.table("needs.followups", _("Follow-ups by outcome"), [_("follow-ups")],
                _labels(FOLLOWUP_OUTCOMES)),
    ), ())
    agencies = _labels(AGENCIES)
    coordination = StatSection("coordination", _("Coordination"), (
        b.table("samrad.agencies", _("Agencies taking part (samråd)"), [_("samråd")],
                agencies, totals=False),
        b.table("samrad.actions", _("Agreed actions reviewed, by agency and outcome"),
                agencies, _labels(ACTION_OUTCOMES)),
    ), (
        b.count("samrad.held", _("Samråd held")),
        b.count("samrad.repeats", _("Repeated samråd")),
    ))
    kinds = [str(v.label) for v in session_catalog().referral_kinds.values()]
    support = StatSection("support", _("Perpetrator service and support work"), (
        b.table("partner.outcomes", _("Partner contacts made, by outcome"), [_("contacts")],
                [_("reached"), _("declined"), _("not reached")]),
        b.table("sessions.attendance", _("Attendance at sessions"), [_("attendances")],
                _labels(ATTENDANCE)),
        b.table("sessions.recontacts", _("Re-contact attempts"), [_("attempts")],
                [_("reached"), _("not reached")]),
        b.table("referrals.kinds", _("Referrals sent"), [_("referrals")], kinds),
    ), (
        b.count("partner.due", _("Partner contacts that became due")),
        b.count("sessions.held", _("Sessions held")),
    ))
    risk = StatSection("risk", _("Risk"), (
        b.table("risk.levels", _("Latest risk level of each person assessed"), [_("persons")],
                [*(BUILTIN_LEVEL_LABELS[lv][language()] for lv in BUILTIN_LEVELS),
                 _("other level")]),
    ), ())
    return (people, lead, *facilities, needs, coordination, support, risk)


class StatisticsService(Service):
    """The board's statistics (managers only)."""

    def __init__(self, vault: Any, **kw: Any) -> None:
        super().__init__(vault, screen=kw.pop("screen", "statistics"), **kw)

    def _k(self) -> int:
        try:
            return int(self.vault.setting("suppression_k"))
        except (KeyError, TypeError, ValueError):
            return DEFAULT_K

    def report(self, period: str | Period) -> StatReport:
        """The statistics of ``period`` (``2026``, ``2026-H1``, ``2026-Q3``, ``2026-05``)
        beside the same period a year earlier. ``ValueError`` for a period it cannot read."""
        chosen = parse_period(period) if isinstance(period, str) else period
        previous = chosen.year_before()
        with self.audited("statistics",
                          check=lambda _s: self.require(Capability.STATISTICS)) as s:
            now, before = _collect(s, chosen), _collect(s, previous)
        k = self._k()
        return StatReport(chosen.code, previous.code, chosen.start, chosen.end, k,
                      _sections(_Builder(now, before, k), chosen, previous))


# ---------------------------------------------------------------------- outputs

def _grid(t: StatTable, fig: StatCells) -> list[str]:
    """One period's table as aligned text (the totals as a last column and row)."""
    total_label = _("total")
    show_totals = not t.no_totals
    header = ["", *t.columns, *([total_label] if show_totals and len(t.columns) > 1 else [])]
    body = [[label, *cells, *([fig.row_totals[i]] if show_totals and len(t.columns) > 1
                              else [])]
            for i, (label, cells) in enumerate(zip(t.rows, fig.cells, strict=True))]
    if show_totals and len(t.rows) > 1:
        body.append([total_label, *fig.col_totals,
                     *([fig.total] if len(t.columns) > 1 else [])])
    widths = [max(len(row[i]) for row in (header, *body)) for i in range(len(header))]
    return ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                      for i, (cell, w) in enumerate(zip(row, widths, strict=True))).rstrip()
            for row in (header, *body)]


def render_text(report: StatReport) -> str:
    """The report as plain text (aggregates only)."""
    out = [_("Statistics {period} beside {previous}", period=report.period,
             previous=report.previous),
           _("Counts from 1 to {last} are shown as <{k}; x: hidden so that a small count "
             "cannot be worked out, or shown on fewer than {k} people.",
             last=report.k - 1, k=report.k), ""]
    for section in report.sections:
        out += [section.title, "=" * len(section.title)]
        for f in section.figures:
            out.append(f"{f.label}: {f.now}  ({report.previous}: {f.before})")
        if section.figures:
            out.append("")
        for t in section.tables:
            out.append(t.title)
            if t.withheld:
                out.append(_("{period}: withheld (too few to show without giving a person "
                             "away); total {total}", period=report.period, total=t.now.total))
            else:
                out += [f"{report.period}:", *_grid(t, t.now)]
            out += [f"{report.previous}:", *_grid(t, t.before),
                    _("Change:"), *_grid(t, t.change), ""]
    return "\n".join(out) + "\n"


def render_csv(report: StatReport) -> str:
    """The report as CSV, one figure a line: section, table, row, column, period, value."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["section", "table", "row", "column", "period", "value"])
    total = _("total")
    for section in report.sections:
        for f in section.figures:
            w.writerow([section.key, f.key, f.label, "", report.period, f.now])
            w.writerow([section.key, f.key, f.label, "", report.previous, f.before])
        for t in section.tables:
            for period, fig in ((report.period, t.now), (report.previous, t.before),
                                ("change", t.change)):
                for label, cells, row_total in zip(t.rows, fig.cells, fig.row_totals,
                                                   strict=True):
                    for column, cell in zip(t.columns, cells, strict=True):
                        w.writerow([section.key, t.key, label, column, period, cell])
                    if not t.no_totals and len(t.columns) > 1:
                        w.writerow([section.key, t.key, label, total, period, row_total])
                if not t.no_totals:
                    if len(t.rows) > 1:
                        for column, cell in zip(t.columns, fig.col_totals, strict=True):
                            w.writerow([section.key, t.key, total, column, period, cell])
                    w.writerow([section.key, t.key, total, total, period, fig.total])
    return buf.getvalue()
