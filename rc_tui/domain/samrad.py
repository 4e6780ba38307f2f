"""Samråd (coordination meetings): the consent gate, working days, repeat flags and the
coordination warnings – plain Python, with the rule data in ``data/samrad.toml``."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources

from rc_tui.domain.casework import Texts, add_months
from rc_tui.i18n import N_

PARTICIPANT_KINDS: dict[str, str] = {"participant": N_("participant"),
                                     "observer": N_("observer"), "apology": N_("apologies")}
ACTION_OUTCOMES: dict[str, str] = {"done": N_("done"),
                                   "changed": N_("circumstances changed"),
                                   "not_acted": N_("agency did not act")}
#: The centre itself: information stays within the centre, no consent gate.
CENTRE = "centre"
#: Minutes must be approved within this many working days after the meeting.
APPROVAL_WORKING_DAYS = 3
#: A family back within this many months is a repeat case.
REPEAT_MONTHS = 12


@dataclass(frozen=True)
class LegalGround:
    code: str
    label: Texts


@dataclass(frozen=True)
class Rule:
    """A coordination warning rule (data): ``kind`` is one of
    ``conflict`` (a member in ``role_a`` with one of ``interventions_a`` while a member in
    ``role_b`` is protected: one of ``interventions_b`` granted, or a shelter stay),
    ``no_plan`` (a member in one of ``roles`` without an action plan),
    ``overdue`` (open plan actions or samråd actions past their date)."""

    id: str
    kind: str
    message: Texts
    role_a: str = ""
    interventions_a: tuple[str, ...] = ()
    role_b: str = ""
    interventions_b: tuple[str, ...] = ()
    shelter_b: bool = False
    roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class SamradData:
    legal_grounds: dict[str, LegalGround]
    rules: tuple[Rule, ...]


@cache
def data() -> SamradData:
    raw = resources.files("rc_tui.data").joinpath("samrad.toml").read_text(encoding="utf-8")
    d = tomllib.loads(raw)
    grounds = {code: LegalGround(code, Texts(v["sv"], v["en"]))
               for code, v in d["legal_ground"].items()}
    rules = tuple(
        Rule(r["id"], r["kind"], Texts(r["sv"], r["en"]), r.get("role_a", ""),
             tuple(r.get("interventions_a", ())), r.get("role_b", ""),
             tuple(r.get("interventions_b", ())), bool(r.get("shelter_b", False)),
             tuple(r.get("roles", ())))
        for r in d["rule"])
    return SamradData(grounds, rules)


# ---------------------------------------------------------------------- consent gate

def coverage(consents: dict[str, str], agencies: set[str]) -> dict[str, bool]:
    """Per agency present (not the centre): does the person's consent to information
    exchange cover it? ``consents`` maps agency -> the state in force."""
    return {agency: consents.get(agency) == "given"
            for agency in sorted(agencies) if agency != CENTRE}


def may_record(consents: dict[str, str], agencies: set[str], legal_ground: str | None,
               rationale: str) -> tuple[bool, list[str]]:
    """Information about a person may be recorded in a samråd when their consent covers
    every agency present – or when an explicit legal ground for sharing without consent is
    chosen with a written rationale. Returns (allowed, agencies not covered)."""
    missing = [a for a, ok in coverage(consents, agencies).items() if not ok]
    if not missing:
        return True, []
    if legal_ground and legal_ground in data().legal_grounds and rationale.strip():
        return True, missing
    return False, missing


# ---------------------------------------------------------------------- dates

def easter(year: int) -> date:
    """Easter Sunday (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month = (h + ell - 7 * m + 114) // 31
    day = (h + ell - 7 * m + 114) % 31 + 1
    return date(year, month, day)


@cache
def swedish_holidays(year: int) -> frozenset[date]:
    """Public holidays and the eves treated as holidays at work (midsummer, Christmas and
    New Year's Eve)."""
    e = easter(year)
    midsummer_eve = next(date(year, 6, d) for d in range(19, 26)
                         if date(year, 6, d).weekday() == 4)
    all_saints = next(date(year, 10, 31) + timedelta(days=n) for n in range(7)
                      if (date(year, 10, 31) + timedelta(days=n)).weekday() == 5)
    return frozenset({
        date(year, 1, 1), date(year, 1, 6), e - timedelta(days=2), e,
        e + timedelta(days=1), date(year, 5, 1), e + timedelta(days=39),
        e + timedelta(days=49), date(year, 6, 6), midsummer_eve,
        midsummer_eve + timedelta(days=1), all_saints, date(year, 12, 24),
        date(year, 12, 25), date(year, 12, 26), date(year, 12, 31)})


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in swedish_holidays(day.year)


def add_working_days(start: date, days: int) -> date:
    day = start
    added = 0
    while added < days:
        day += timedelta(days=1)
        if is_working_day(day):
            added += 1
    return day


def approval_due(meeting: date) -> date:
    """Minutes are approved within three working days of the meeting."""
    return add_working_days(meeting, APPROVAL_WORKING_DAYS)


def is_repeat(meeting: date, earlier_meetings: list[date]) -> bool:
    """The family is back within twelve months of an earlier samråd."""
    return any(add_months(earlier, REPEAT_MONTHS) >= meeting > earlier
               for earlier in earlier_meetings)


# ---------------------------------------------------------------------- coordination

@dataclass(frozen=True)
class MemberFacts:
    person_id: int
    role: str
    interventions: frozenset[str]  # granted or partly granted, period not over
    shelter: bool  # a current shelter stay
    has_plan: bool
    overdue: int  # plan actions and samråd actions past their date


@dataclass(frozen=True)
class Warning:
    rule: str
    text: str
    persons: tuple[int, ...]


def warnings(members: list[MemberFacts]) -> list[Warning]:
    """The coordination warnings of the rule data, for one family."""
    out: list[Warning] = []
    for rule in data().rules:
        if rule.kind == "conflict":
            for a in members:
                if a.role != rule.role_a or not a.interventions & set(rule.interventions_a):
                    continue
                for b in members:
                    if b.role != rule.role_b or b.person_id == a.person_id:
                        continue
                    protected = bool(b.interventions & set(rule.interventions_b)) or (
                        rule.shelter_b and b.shelter)
                    if protected:
                        out.append(Warning(rule.id, str(rule.message),
                                           (a.person_id, b.person_id)))
        elif rule.kind == "no_plan":
            for m in members:
                if m.role in rule.roles and not m.has_plan:
                    out.append(Warning(rule.id, str(rule.message), (m.person_id,)))
        elif rule.kind == "overdue":
            for m in members:
                if m.overdue:
                    out.append(Warning(rule.id, str(rule.message), (m.person_id,)))
    return out
