"""Samråd (coordination meetings): the consent gate, working days, repeat flags and the
coordination warnings – plain Python, with the rule data in ``data/samrad.toml``."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
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
class GroundScope:
    """Which receiving agencies a legal ground covers: ``agencies`` (``None`` = any
    agency) and whether only those present at the samråd (``present``)."""

    agencies: frozenset[str] | None
    present: bool

    def covers(self, agency: str, present: set[str]) -> bool:
        if self.agencies is not None and agency not in self.agencies:
            return False
        return agency in present or not self.present


@dataclass(frozen=True)
class LegalGround:
    code: str
    label: Texts
    scope: GroundScope = GroundScope(frozenset(), True)


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
    #: the roles whose caseworker can act on a conflict without seeing the other track
    act_roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class SamradData:
    legal_grounds: dict[str, LegalGround]
    rules: tuple[Rule, ...]


@cache
def data() -> SamradData:
    raw = resources.files("rc_tui.data").joinpath("samrad.toml").read_text(encoding="utf-8")
    d = tomllib.loads(raw)
    grounds = {code: LegalGround(code, Texts(v["sv"], v["en"]), _scope(v))
               for code, v in d["legal_ground"].items()}
    rules = tuple(
        Rule(r["id"], r["kind"], Texts(r["sv"], r["en"]), r.get("role_a", ""),
             tuple(r.get("interventions_a", ())), r.get("role_b", ""),
             tuple(r.get("interventions_b", ())), bool(r.get("shelter_b", False)),
             tuple(r.get("roles", ())), tuple(r.get("act_roles", ())))
        for r in d["rule"])
    return SamradData(grounds, rules)


def _scope(raw: Mapping[str, object]) -> GroundScope:
    """A ground's scope from the rule data; a ground without one covers no agency (a
    missing scope must never widen an extract)."""
    agencies = raw.get("agencies", [])
    if agencies == "*":
        return GroundScope(None, bool(raw.get("present", True)))
    if not isinstance(agencies, list) or not all(isinstance(a, str) for a in agencies):
        raise ValueError(f"samrad.toml: bad agencies {agencies!r}")
    return GroundScope(frozenset(agencies), bool(raw.get("present", True)))


# ---------------------------------------------------------------------- extract rules

#: The extract rules: legal ground code -> its scope.
ExtractRules = dict[str, GroundScope]


#: The scopes as first shipped (migration 0012), frozen: samråd approved before the scopes
#: were stored with the approval are read under these, whatever the rule data says later.
LEGACY_RULES = (
    '{"child": {"agencies": ["social"], "present": false}, '
    '"crime": {"agencies": ["police", "prosecutor"], "present": false}, '
    '"danger": {"agencies": "*", "present": true}, '
    '"duty": {"agencies": ["police", "prosecutor", "social"], "present": true}}'
)


def current_rules() -> ExtractRules:
    return {code: g.scope for code, g in data().legal_grounds.items()}


def rules_to_json(extract_rules: ExtractRules) -> str:
    """The extract rules as stored with an approved samråd."""
    return json.dumps({code: {"agencies": "*" if sc.agencies is None else sorted(sc.agencies),
                              "present": sc.present}
                       for code, sc in sorted(extract_rules.items())}, sort_keys=True)


def rules_from_json(stored: str) -> ExtractRules:
    raw = json.loads(stored)
    if not isinstance(raw, dict):
        raise ValueError("stored extract rules are not a table")
    return {str(code): _scope(v) for code, v in raw.items()}


def extract_basis(consents: dict[str, str], legal_ground: str | None, agency: str,
                  present: set[str], extract_rules: ExtractRules) -> str:
    """Why a person's part of the minutes may go to ``agency``: ``"consent"`` (their
    consent to information exchange covers it), ``"ground"`` (the recorded legal ground
    covers it), or ``""`` (neither: the person is left out of that agency's extract).
    Consent is named first: it is the person's own choice. (The centre's own copy is
    not an extract: it holds everything.)"""
    if consents.get(agency) == "given":
        return "consent"
    scope = extract_rules.get(legal_ground or "")
    if legal_ground and scope is not None and scope.covers(agency, present):
        return "ground"
    return ""


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
