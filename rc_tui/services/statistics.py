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

import gc
import json
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, literal_column, select
from sqlalchemy.orm import Session

from rc_tui.domain import shelter as shelter_rules
from rc_tui.domain.casework import (
    FOLLOWUP_OUTCOMES,
    OUTCOMES,
    add_months,
    catalog,
    emergency_needs_investigation,
)
from rc_tui.domain.instruments.loader import BUILTIN_LEVEL_LABELS
from rc_tui.domain.instruments.model import BUILTIN_LEVELS
from rc_tui.domain.periods import Period, parse_period
from rc_tui.domain.safety import PARTNER_CONTACT_DAYS
from rc_tui.domain.samrad import ACTION_OUTCOMES
from rc_tui.domain.sessions import (
    ATTENDANCE,
    REFERRAL_OUTCOMES,
    Attempt,
    Attendance,
    dropped_out_on,
    last_reached,
    session_catalog,
)
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
    Recontact,
    Referral,
    Samrad,
    SamradAction,
    SamradParticipant,
    SeriesMember,
    SeriesSession,
    SessionAttendance,
    SessionSeries,
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
    #: per month of the period: (nights, the stays behind them, days of the month)
    months: dict[str, list[tuple[int, frozenset[int], int]]] = field(default_factory=dict)


def _span(p: Period) -> tuple[datetime, datetime]:
    return datetime.combine(p.start, time()), datetime.combine(p.end + timedelta(days=1), time())


def _sql(value: date) -> ColumnElement[Any]:
    """A date or a time as an SQL literal in the form it is stored in. Not a bound
    parameter: a year's scan of the tracks took 10–15 times as long with the dates bound
    (measured; likely because the columns have NUMERIC affinity, so SQLite converts a
    bound text value for every row it compares, and with SQLCipher's memory security each
    conversion's allocation is wiped). The values are dates made here (never typed
    text), so nothing can be injected."""
    shown = (f"{value:%Y-%m-%d %H:%M:%S.%f}" if isinstance(value, datetime)
             else value.isoformat())
    return literal_column(f"'{shown}'")


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


def _by(codes: Sequence[str], values: Iterable[str | None]) -> list[int]:
    """Counts per code in ``codes`` order (anything else under the last code)."""
    counted = Counter(v if v in codes else codes[-1] for v in values)
    return [counted.get(c, 0) for c in codes]


#: every track begun in the period with its person's gender, their age on that day (as
#: ``rc_tui.domain.ages`` counts it: completed years from the birth date, else the
#: youngest age the birth year allows; none for a birth after that day) and whether they
#: were first registered in the period. Neither grouped nor sorted here: with SQLCipher's
#: memory security every temporary b-tree SQLite builds for a GROUP BY is slow (a year of
#: the 10,000-person demo took 3 s grouped, against a tenth of that read row by row)
_TRACKS_SQL = """
SELECT case_members.role, case_members.person_id, case_members.added_at, persons.gender,
  CASE
    WHEN persons.birth_date IS NOT NULL THEN
      CASE WHEN persons.birth_date > substr(case_members.added_at, 1, 10) THEN NULL
           ELSE CAST(substr(case_members.added_at, 1, 4) AS INTEGER)
                - CAST(substr(persons.birth_date, 1, 4) AS INTEGER)
                - (substr(case_members.added_at, 6, 5) < substr(persons.birth_date, 6, 5))
      END
    WHEN persons.birth_year IS NOT NULL THEN
      CASE WHEN persons.birth_year > CAST(substr(case_members.added_at, 1, 4) AS INTEGER)
             THEN NULL
           WHEN persons.birth_year = CAST(substr(case_members.added_at, 1, 4) AS INTEGER)
             THEN 0
           ELSE CAST(substr(case_members.added_at, 1, 4) AS INTEGER) - persons.birth_year
                - (substr(case_members.added_at, 6, 5) < '12-31') END
  END,
  persons.created_at >= {lo}
FROM case_members JOIN persons ON persons.id = case_members.person_id
WHERE case_members.added_at >= {lo} AND case_members.added_at < {hi}
"""


def _people(s: Session, p: Period, raw: _Raw) -> None:
    lo, hi = _span(p)
    # each person once per role, as on the first day a track of that role began in the
    # period (the dates are compared as the text they are stored as: ISO, so in order)
    first: dict[tuple[str, int], tuple[str, str | None, int | None, int]] = {}
    for role, pid, added, gender, age, new in s.connection().exec_driver_sql(
            _TRACKS_SQL.format(lo=_sql(lo), hi=_sql(hi))).fetchall():
        if (role, pid) not in first or added < first[role, pid][0]:
            first[role, pid] = (added, gender, age, new)
    genders = list(GENDERS)
    for role, bands in (("victim", ADULT_BANDS), ("perpetrator", ADULT_BANDS),
                        ("child", CHILD_BANDS)):
        table = [[0] * (len(bands) + 1) for _g in genders]
        new_known = [0, 0]
        for (r_role, _pid), (_added, gender, age, new) in first.items():
            if r_role != role:
                continue
            g = genders.index(gender) if gender in genders else genders.index(NOT_STATED)
            table[g][_band(bands, age)] += 1
            new_known[0 if new else 1] += 1
        raw.tables[f"people.{role}"] = table
        raw.tables[f"people.{role}.new"] = [new_known]
    channels = list(CHANNELS)
    months = p.months()
    monthly = [[0] * len(channels) for _m in months]
    for channel, at in s.execute(select(Intake.channel, Intake.occurred_at).where(
            Intake.occurred_at >= _sql(lo), Intake.occurred_at < _sql(hi))).all():
        day = _as_date(at)
        column = channels.index(channel) if channel in channels else len(channels) - 1
        monthly[(day.year - p.start.year) * 12 + day.month - p.start.month][column] += 1
    # one table: the channels of the period are its column totals (so the two cannot be
    # played against each other)
    raw.tables["people.intakes_monthly"] = monthly
    _violence(s, p, raw)


#: the forms of violence the violence mapping asks about (its yes/no items)
VIOLENCE_MAPPING = "rc-violence-mapping"
VIOLENCE_FORMS: dict[str, str] = {
    "physical": N_("physical"), "psychological": N_("psychological"), "sexual": N_("sexual"),
    "economic": N_("economic"), "material": N_("material"), "honour": N_("honour-related"),
    "digital": N_("digital")}


def _violence(s: Session, p: Period, raw: _Raw) -> None:
    """The forms of violence in each person's latest violence mapping signed in the
    period (one person may name several)."""
    lo, hi = _span(p)
    latest: dict[int, tuple[datetime, str]] = {}
    for pid, at, answers in s.execute(select(
            Assessment.person_id, Assessment.signed_at, Assessment.answers).where(
            Assessment.instrument_id == VIOLENCE_MAPPING, Assessment.signed_at >= _sql(lo),
            Assessment.signed_at < _sql(hi))).all():
        if at is not None and (pid not in latest or at > latest[pid][0]):
            latest[pid] = (at, answers)
    found: Counter[str] = Counter()
    for _at, answers in latest.values():
        try:
            given = json.loads(answers or "{}")
        except ValueError:
            given = {}
        if isinstance(given, dict):
            found.update(form for form in VIOLENCE_FORMS if given.get(form) == "yes")
    raw.counts["people.mapped"] = len(latest)
    raw.tables["people.violence"] = [[found.get(form, 0) for form in VIOLENCE_FORMS]]


def _lead_times(s: Session, p: Period, raw: _Raw) -> None:
    lo, hi = _span(p)
    started = s.execute(select(Investigation.case_id, Investigation.started_on).where(
        Investigation.started_on >= _sql(p.start), Investigation.started_on <= _sql(p.end))).all()
    # the first intake of only those cases (not of every case there is)
    first_intake = dict(s.execute(
        select(Intake.case_id, func.min(Intake.occurred_at))
        .where(Intake.case_id.in_(select(Investigation.case_id).where(
            Investigation.started_on >= _sql(p.start), Investigation.started_on <= _sql(p.end))))
        .group_by(Intake.case_id)).all())
    raw.values["lead.intake_to_start"] = [
        float((start - _as_date(first_intake[case])).days) for case, start in started
        if case in first_intake and _as_date(first_intake[case]) <= start]
    decided = s.execute(select(Investigation.started_on, Decision.decided_at)
                        .join(Investigation, Investigation.id == Decision.investigation_id)
                        .where(Decision.decided_at >= _sql(lo),
                               Decision.decided_at < _sql(hi))).all()
    raw.values["lead.start_to_decision"] = [
        float((_as_date(at) - start).days) for start, at in decided if _as_date(at) >= start]
    ended = s.execute(select(Investigation.started_on, Investigation.ended_on).where(
        Investigation.ended_on >= _sql(p.start), Investigation.ended_on <= _sql(p.end))).all()
    raw.values["lead.investigation_days"] = [float((end - start).days) for start, end in ended
                                             if end is not None]
    children = s.execute(select(Investigation.started_on, Investigation.ended_on).where(
        Investigation.template == "child", Investigation.started_on <= _sql(p.end),
        Investigation.ended_on.is_(None) | (Investigation.ended_on >= _sql(p.start)))).all()
    raw.counts["lead.child_past_four_months"] = sum(
        1 for start, end in children
        if (end is None or end >= p.start) and add_months(start, 4) < min(end or p.end, p.end))
    emergency = s.execute(select(Decision.person_id, Decision.decided_at).where(
        Decision.emergency.is_(True), Decision.decided_at >= _sql(lo),
        Decision.decided_at < _sql(hi))).all()
    raw.counts["lead.emergency_decisions"] = len(emergency)
    # waiting at the end of the period: no investigation of the person started on or
    # after the decision, or open already (the rule of the due list)
    waiting = 0
    persons = sorted({pid for pid, _at in emergency})
    investigations: dict[int, list[tuple[date, date | None]]] = {}
    for i in range(0, len(persons), 900):
        for pid, start, end in s.execute(select(
                Investigation.person_id, Investigation.started_on, Investigation.ended_on)
                .where(Investigation.person_id.in_(persons[i:i + 900]))).all():
            investigations.setdefault(pid, []).append((start, end))
    for pid, at in emergency:
        on = _as_date(at)
        begun = [datetime.combine(day, time()) for day, end in investigations.get(pid, [])
                 if day <= p.end and (day >= on or end is None or end >= on)]
        if emergency_needs_investigation(at, True, begun) is not None:
            waiting += 1
    raw.counts["lead.emergency_waiting"] = waiting


def _facility(s: Session, p: Period, raw: _Raw, facility: str) -> None:
    lo, hi = _span(p)
    stays = s.execute(select(Stay.id, Stay.accompanying_id, Stay.admitted_at, Stay.departed_at,
                             Stay.arrived_via, Stay.destination, Stay.followed_up_at,
                             Stay.followup_outcome)
                      .where(Stay.facility == facility, Stay.planned.is_(False),
                             Stay.admitted_at < _sql(hi))).all()
    months = p.months()
    ends = [*months[1:], p.end + timedelta(days=1)]
    for who, adult in (("adults", True), ("children", False)):
        nights = 0
        stays_in = 0
        #: per month: the nights in it and the stays they belong to
        month_nights = [0] * len(months)
        month_stays: list[set[int]] = [set() for _m in months]
        for stay_id, acc, admitted, departed, *_rest in stays:
            if (acc is None) != adult:
                continue
            first = max(_as_date(admitted), p.start)
            last = min(_as_date(departed) if departed is not None else p.end + timedelta(days=1),
                       p.end + timedelta(days=1))
            if departed is not None and _as_date(departed) < p.start:
                continue
            stays_in += 1
            nights += max(0, (last - first).days)
            for m, (start, end) in enumerate(zip(months, ends, strict=True)):
                in_month = (min(last, end) - max(first, start)).days
                if in_month > 0:
                    month_nights[m] += in_month
                    month_stays[m].add(stay_id)
        raw.counts[f"{facility}.{who}.stays"] = stays_in
        raw.counts[f"{facility}.{who}.nights"] = nights
        raw.months[f"{facility}.{who}.occupancy"] = [
            (n, frozenset(ids), (end - start).days)
            for n, ids, start, end in zip(month_nights, month_stays, months, ends, strict=True)]
    arrived = [via for _i, acc, admitted, _d, via, _dest, _f, _o in stays
               if acc is None and p.contains(_as_date(admitted))]
    raw.tables[f"{facility}.arrivals"] = [_by([*shelter_rules.ARRIVED_VIA, NOT_STATED],
                                              arrived)]
    leaving = [(dest, followed, outcome) for _i, acc, _a, dep, _v, dest, followed, outcome
               in stays if acc is None and dep is not None and p.contains(_as_date(dep))]
    raw.tables[f"{facility}.departures"] = [_by([*shelter_rules.DESTINATIONS],
                                                (d or "unknown" for d, _f, _o in leaving))]
    raw.counts[f"{facility}.followed_up"] = sum(1 for _d, f, _o in leaving if f is not None)
    # the departures of the period by the outcome of their follow-up (not yet: due or
    # still being tried)
    outcomes = [*shelter_rules.followup_outcomes(facility), "pending"]
    raw.tables[f"{facility}.followups"] = [_by(outcomes, (
        o if f is not None and o in outcomes else "pending" for _d, f, o in leaving))]
    turned = s.execute(select(TurnedAway.reasons, TurnedAway.referred_to).where(
        TurnedAway.facility == facility, TurnedAway.requested_at >= _sql(lo),
        TurnedAway.requested_at < _sql(hi))).all()
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
                                        .where(Investigation.ended_on >= _sql(p.start),
                                               Investigation.ended_on <= _sql(p.end))).all():
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
            Decision.decided_at >= _sql(lo), Decision.decided_at < _sql(hi))).all():
        if code in interventions and outcome in outcomes:
            table[interventions.index(code)][outcomes.index(outcome)] += 1
    raw.tables["needs.decisions"] = table
    done = s.scalars(select(FollowUp.outcome).where(FollowUp.done_at >= _sql(lo),
                                                    FollowUp.done_at < _sql(hi))).all()
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
        Samrad.meeting_on >= _sql(p.start), Samrad.meeting_on <= _sql(p.end),
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
            .where(Samrad.meeting_on >= _sql(p.start), Samrad.meeting_on <= _sql(p.end))).all():
        if agency in agencies and outcome in outcomes:
            table[agencies.index(agency)][outcomes.index(outcome)] += 1
    raw.tables["samrad.actions"] = table


def _support(s: Session, p: Period, raw: _Raw) -> None:
    lo, hi = _span(p)
    # due PARTNER_CONTACT_DAYS after the day his track began: tracks begun that many days
    # before the period (counted by the day, as the due list does)
    due_lo = lo - timedelta(days=PARTNER_CONTACT_DAYS)
    raw.counts["partner.due"] = s.scalar(select(func.count(CaseMember.id)).where(
        CaseMember.role == "perpetrator", CaseMember.added_at >= _sql(due_lo),
        CaseMember.added_at < _sql(hi - timedelta(days=PARTNER_CONTACT_DAYS)))) or 0
    made = s.scalars(select(PartnerContact.outcome).where(
        PartnerContact.contacted_at >= _sql(lo), PartnerContact.contacted_at < _sql(hi))).all()
    raw.tables["partner.outcomes"] = [_by(["reached", "declined", "not_reached"], made)]
    raw.counts["sessions.held"] = s.scalar(select(func.count(SeriesSession.id)).where(
        SeriesSession.held_on >= _sql(p.start), SeriesSession.held_on <= _sql(p.end))) or 0
    attendance = s.scalars(select(SessionAttendance.attendance)
                           .join(SeriesSession, SeriesSession.id == SessionAttendance.session_id)
                           .where(SeriesSession.held_on >= _sql(p.start),
                                  SeriesSession.held_on <= _sql(p.end))).all()
    raw.tables["sessions.attendance"] = [_by(list(ATTENDANCE), attendance)]
    recontacts = s.scalars(select(Recontact.reached).where(
        Recontact.attempted_on >= _sql(p.start), Recontact.attempted_on <= _sql(p.end))).all()
    raw.tables["sessions.recontacts"] = [[sum(1 for r in recontacts if r),
                                          sum(1 for r in recontacts if not r)]]
    kinds = list(session_catalog().referral_kinds)
    sent = s.scalars(select(Referral.kind).where(Referral.sent_on >= _sql(p.start),
                                                 Referral.sent_on <= _sql(p.end))).all()
    raw.tables["referrals.kinds"] = [[sum(1 for k in sent if k == code) for code in kinds]]
    ended = s.scalars(select(Referral.outcome).where(Referral.ended_on >= _sql(p.start),
                                                     Referral.ended_on <= _sql(p.end))).all()
    raw.tables["referrals.outcomes"] = [_by(list(REFERRAL_OUTCOMES), ended)]
    raw.counts["sessions.dropouts"] = _dropouts(s, p)


def _dropouts(s: Session, p: Period) -> int:
    """Members of a series of talks or a group who dropped out in the period, by the
    drop-out rule of the series' kind (``rc_tui.domain.sessions.dropped_out_on``) as it
    stood at the end of the period (or when the series ended): what came after a
    re-contact that reached the person counts anew."""
    lo, _hi = _span(p)
    kinds = session_catalog().kinds
    members = s.execute(
        select(SeriesMember.series_id, SeriesMember.person_id, SessionSeries.kind,
               SessionSeries.started_on, SessionSeries.ended_at, SeriesMember.left_on)
        .join(SessionSeries, SessionSeries.id == SeriesMember.series_id)
        .where(SessionSeries.started_on <= _sql(p.end), SeriesMember.joined_on <= _sql(p.end),
               (SessionSeries.ended_at.is_(None)) | (SessionSeries.ended_at >= _sql(lo)),
               SeriesMember.left_on.is_(None) | (SeriesMember.left_on >= _sql(p.start)))).all()
    if not members:
        return 0
    series_ids = sorted({m[0] for m in members})
    marks: dict[tuple[int, int], list[Attendance]] = {}
    tries: dict[tuple[int, int], list[Attempt]] = {}
    for i in range(0, len(series_ids), 900):
        chunk = series_ids[i:i + 900]
        for sid, pid, held, attendance in s.execute(
                select(SeriesSession.series_id, SessionAttendance.person_id,
                       SeriesSession.held_on, SessionAttendance.attendance)
                .join(SeriesSession, SeriesSession.id == SessionAttendance.session_id)
                .where(SeriesSession.series_id.in_(chunk), SeriesSession.held_on <= _sql(p.end))):
            marks.setdefault((sid, pid), []).append(Attendance(held, attendance))
        for sid, pid, on, reached in s.execute(
                select(Recontact.series_id, Recontact.person_id, Recontact.attempted_on,
                       Recontact.reached)
                .where(Recontact.series_id.in_(chunk), Recontact.attempted_on <= _sql(p.end))):
            tries.setdefault((sid, pid), []).append(Attempt(on, reached))
    dropped = 0
    for sid, pid, code, started, ended_at, left_on in members:
        kind = kinds.get(code)
        if kind is None:
            continue
        # judged as it stood when the series ended or the member left (a leaving is not
        # a drop-out), at the latest at the end of the period
        today = min(d for d in (p.end, _as_date(ended_at) if ended_at else None, left_on)
                    if d is not None)
        dropped_on = dropped_out_on(kind, started, marks.get((sid, pid), []), today,
                                    last_reached(tries.get((sid, pid), [])))
        if dropped_on is not None and p.contains(dropped_on):
            dropped += 1
    return dropped




RISK_CHANGES: dict[str, str] = {"first": N_("first assessment"), "raised": N_("raised"),
                                "same": N_("unchanged"), "lowered": N_("lowered"),
                                "other": N_("not comparable")}


def _risk(s: Session, p: Period, raw: _Raw) -> None:
    """The level of each person's latest assessment signed in the period (a violence
    mapping sets no level), and how it compares with the assessment before it."""
    lo, hi = _span(p)
    latest: dict[int, tuple[datetime, str | None]] = {}
    for pid, at, level in s.execute(select(Assessment.person_id, Assessment.signed_at,
                                           Assessment.level).where(
            Assessment.signed_at >= _sql(lo), Assessment.signed_at < _sql(hi),
            Assessment.level.is_not(None))).all():
        if at is not None and (pid not in latest or at > latest[pid][0]):
            latest[pid] = (at, level)
    raw.tables["risk.levels"] = [_by([*BUILTIN_LEVELS, "other"],
                                     (lv for _a, lv in latest.values()))]
    # the assessment signed before each one counted (any time before it)
    before: dict[int, tuple[datetime, str | None]] = {}
    persons = sorted(latest)
    for i in range(0, len(persons), 900):
        for pid, at, level in s.execute(select(
                Assessment.person_id, Assessment.signed_at, Assessment.level).where(
                Assessment.person_id.in_(persons[i:i + 900]), Assessment.signed_at < _sql(hi),
                Assessment.level.is_not(None))).all():
            if at is None or at >= latest[pid][0]:
                continue
            if pid not in before or at > before[pid][0]:
                before[pid] = (at, level)
    order = {level: n for n, level in enumerate(BUILTIN_LEVELS)}

    def compared(pid: int) -> str:
        if pid not in before:
            return "first"
        now, then = order.get(str(latest[pid][1])), order.get(str(before[pid][1]))
        if now is None or then is None:
            return "other"
        return "raised" if now > then else "lowered" if now < then else "same"

    raw.tables["risk.changes"] = [_by(list(RISK_CHANGES), (compared(pid) for pid in latest))]


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


    def joint(self, key: str, title: str, rows: Sequence[str], columns: Sequence[str],
              margin: tuple[str, str, str]) -> tuple[StatTable, StatTable]:
        """A table and the table of its column totals (the months of a period and the
        period): protected once, so that the two cannot be played against each other –
        the second shows exactly the first's column totals and grand total."""
        monthly = self.table(key, title, rows, columns)
        margin_key, margin_title, margin_row = margin

        def margin_of(fig: StatCells) -> StatCells:
            return StatCells((fig.col_totals,), (fig.total,), fig.col_totals, fig.total)

        if len(rows) == 1:  # one month: the month is the period
            return monthly, StatTable(margin_key, margin_title, (margin_row,), tuple(columns),
                                      monthly.now, monthly.before, monthly.change)
        return monthly, StatTable(margin_key, margin_title, (margin_row,), tuple(columns),
                                  margin_of(monthly.now), margin_of(monthly.before),
                                  margin_of(monthly.change))

    def occupancy(self, key: str, title: str, rows: Sequence[str],
                  columns: Sequence[tuple[str, str]]) -> StatTable:
        """Places taken per night in each month (one column per kind of resident). A
        month is shown only on k stays or more; and since the period's nights are shown
        too, the months not shown must together hold k stays or more (else the smallest
        month shown goes as well), so their nights cannot be worked out either."""
        def one(raw: _Raw) -> list[list[str]]:
            out: list[list[str]] = []
            for _label, prefix in columns:
                months = raw.months[prefix]
                hide = {m for m, (n, ids, _d) in enumerate(months) if 0 < len(ids) < self.k}
                while hide:
                    behind = frozenset().union(*(months[m][1] for m in hide))
                    if len(behind) >= self.k:
                        break
                    shown = [(len(ids), m) for m, (n, ids, _d) in enumerate(months)
                             if m not in hide and ids]
                    if not shown:
                        break
                    hide.add(min(shown)[1])
                out.append([HIDDEN if m in hide else "0" if not n else f"{n / days:.1f}"
                            for m, (n, _ids, days) in enumerate(months)])
            return [list(row) for row in zip(*out, strict=True)]

        def diff(a: str, b: str) -> str:
            if HIDDEN in (a, b):
                return HIDDEN
            d = round(float(a) - float(b), 1)
            return f"+{d:.1f}" if d > 0 else f"{d:.1f}" if d < 0 else "0"

        now, before = one(self.now), one(self.before)
        blank = tuple(HIDDEN for _c in columns)

        def cells(grid: list[list[str]]) -> StatCells:
            return StatCells(tuple(tuple(r) for r in grid), tuple(HIDDEN for _r in grid),
                             blank, HIDDEN)

        return StatTable(key, title, tuple(rows), tuple(c for c, _p in columns), cells(now),
                         cells(before),
                         cells([[diff(a, b) for a, b in zip(ra, rb, strict=True)]
                                for ra, rb in zip(now, before, strict=True)]),
                         no_totals=True)


MONTHS = (N_("Jan"), N_("Feb"), N_("Mar"), N_("Apr"), N_("May"), N_("Jun"), N_("Jul"),
          N_("Aug"), N_("Sep"), N_("Oct"), N_("Nov"), N_("Dec"))


def _labels(table: dict[str, str]) -> list[str]:
    return [_(v) for v in table.values()]


def _sections(b: _Builder, period: Period, previous: Period) -> tuple[StatSection, ...]:
    genders = _labels(GENDERS)
    adult_cols = [_(label) for label, _lo, _hi in ADULT_BANDS] + [_(AGE_UNKNOWN)]
    child_cols = [label for label, _lo, _hi in CHILD_BANDS] + [_(AGE_UNKNOWN)]
    new_known = [_("new"), _("known before")]
    months = [_(MONTHS[m.month - 1]) for m in period.months()]
    monthly_intakes, intakes_by_channel = b.joint(
        "people.intakes_monthly", _("Intakes per month by referral channel"), months,
        _labels(CHANNELS), ("people.channels", _("Intakes by referral channel"), _("intakes")))
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
        intakes_by_channel,
        b.table("people.violence", _("Forms of violence in the violence mappings"),
                [_("persons")], _labels(VIOLENCE_FORMS), totals=False),
        monthly_intakes,
    ), (
        b.count("people.mapped", _("Persons whose violence was mapped")),
    ))
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
        b.count("lead.emergency_waiting",
                _("Emergency decisions still waiting for an investigation")),
    ))
    facilities = []
    n_days = (period.days, previous.days)
    for facility, title in (("shelter", _("The shelter")),
                            ("perpetrator_housing", _("The temporary housing"))):
        facilities.append(StatSection(facility, title, (
            b.table(f"{facility}.arrivals", _("Arrivals by channel"), [_("arrivals")],
                    [*_labels(shelter_rules.arrived_via(facility)), _("not stated")]),
            b.table(f"{facility}.departures", _("Departures by destination"), [_("departures")],
                    _labels(shelter_rules.DESTINATIONS), known_total=True),
            b.table(f"{facility}.followups", _("Departures by the outcome of the follow-up"),
                    [_("departures")], [*_labels(shelter_rules.followup_outcomes(facility)),
                                        _("not followed up yet")], known_total=True),
            b.occupancy(f"{facility}.occupancy", _("Places taken per night, by month"),
                        months, [(_("adults"), f"{facility}.adults.occupancy"),
                                 (_("children"), f"{facility}.children.occupancy")]),
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
        b.table("referrals.outcomes", _("Referrals ended, by outcome"), [_("referrals")],
                _labels(REFERRAL_OUTCOMES)),
    ), (
        b.count("partner.due", _("Partner contacts that became due")),
        b.count("sessions.held", _("Sessions held")),
        b.count("sessions.dropouts", _("Drop-outs from talks and groups")),
    ))
    risk = StatSection("risk", _("Risk"), (
        b.table("risk.levels", _("Latest risk level of each person assessed"), [_("persons")],
                [*(BUILTIN_LEVEL_LABELS[lv][language()] for lv in BUILTIN_LEVELS),
                 _("other level")], known_total=True),
        b.table("risk.changes", _("Latest level against the assessment before it"),
                [_("persons")], _labels(RISK_CHANGES), known_total=True),
    ), ())
    return (people, lead, *facilities, needs, coordination, support, risk)


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector off while the rows are counted: they are tens of
    thousands of short-lived tuples (no cycles), and each collection they set off walks
    the whole program's heap – half the time of a year on the 10,000-person demo."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


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
                          check=lambda _s: self.require(Capability.STATISTICS)) as s, \
                _no_cycle_collection():
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
