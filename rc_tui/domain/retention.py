"""Retention (gallring): when a record is due to be culled, by rules kept as data.

``data/retention.toml`` says, per kind of record, how many years it is kept and which
events start the period (the latest of them counts; one that has not happened yet – a
stay without a departure – means the period has not started), and the days of the month
whose people are kept for research. ``evaluate`` answers for one record from facts the
caller gathered and a date it is given (no clock here: the tests fix it).

The exceptions, checked first and in this order: a person whose record is restricted
(a dispute about it is being examined: GDPR art. 18), anyone in the family of such a person
(a case shared with them, or a record that names them both: a relation, a link, a partner
contact, a stay accompanying theirs – culling it would change the restricted record), a
person in an open case, anyone in a family where someone has an open case, a manager's
keep decision, the birth-day rule. The legal references in the data are marked "to be
verified before going live".
"""

from __future__ import annotations

import enum
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from importlib import resources

#: the events that may start a retention period
START_EVENTS = frozenset({"last_entry", "stay_end", "request_date", "written"})
#: the record kinds the rules must cover (the services gather facts for these)
KINDS = ("person_record", "turned_away", "shift_log")


@dataclass(frozen=True)
class Rule:
    kind: str
    years: int
    starts: tuple[str, ...]
    legal_ref: str


@dataclass(frozen=True)
class Rules:
    kinds: Mapping[str, Rule]
    birth_days: frozenset[int]
    birth_days_ref: str
    restricted_ref: str


class Verdict(enum.Enum):
    DUE = "due"
    NOT_YET = "not_yet"
    ONGOING = "ongoing"  # a start event has not happened yet (a stay goes on)
    RESTRICTED = "restricted"  # the record is restricted while a dispute is examined
    FAMILY_RESTRICTED = "family_restricted"
    OPEN_CASE = "open_case"
    FAMILY_OPEN_CASE = "family_open_case"
    KEEP_DECISION = "keep_decision"
    BIRTH_DAY = "birth_day"


@dataclass(frozen=True)
class Facts:
    """What the rules need to know about one record. ``events``: the start events that
    apply to it, each with its date, or ``None`` when it has not happened yet."""

    kind: str
    events: Mapping[str, date | None]
    birth_date: date | None = None
    keep_decision: bool = False
    open_case: bool = False
    family_open_case: bool = False
    restricted: bool = False
    family_restricted: bool = False


@dataclass(frozen=True)
class Result:
    verdict: Verdict
    start: date | None = None
    due_on: date | None = None

    @property
    def due(self) -> bool:
        return self.verdict is Verdict.DUE


def add_years(day: date, years: int) -> date:
    """``day`` plus whole years (29 February becomes 28 February in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def evaluate(facts: Facts, rules: Rules, today: date) -> Result:
    """Is the record ``facts`` describes due to be culled on ``today``?"""
    rule = rules.kinds[facts.kind]
    if facts.restricted:
        return Result(Verdict.RESTRICTED)
    if facts.family_restricted:
        return Result(Verdict.FAMILY_RESTRICTED)
    if facts.open_case:
        return Result(Verdict.OPEN_CASE)
    if facts.family_open_case:
        return Result(Verdict.FAMILY_OPEN_CASE)
    if facts.keep_decision:
        return Result(Verdict.KEEP_DECISION)
    if facts.birth_date is not None and facts.birth_date.day in rules.birth_days:
        return Result(Verdict.BIRTH_DAY)
    dates: list[date] = []
    for event in rule.starts:
        if event not in facts.events:
            continue
        when = facts.events[event]
        if when is None:
            return Result(Verdict.ONGOING)
        dates.append(when)
    if not dates:
        return Result(Verdict.NOT_YET)
    start = max(dates)
    due_on = add_years(start, rule.years)
    return Result(Verdict.DUE if today >= due_on else Verdict.NOT_YET, start, due_on)


def parse_rules(raw: str) -> Rules:
    """The rules from TOML text; ``ValueError`` naming what is wrong."""
    data = tomllib.loads(raw)
    kinds: dict[str, Rule] = {}
    for kind, spec in data.get("kinds", {}).items():
        years = spec.get("years")
        starts = tuple(spec.get("starts", ()))
        if not isinstance(years, int) or isinstance(years, bool) or not 1 <= years <= 100:
            raise ValueError(f"retention kind {kind}: years must be a whole number 1-100")
        if not starts or any(s not in START_EVENTS for s in starts):
            raise ValueError(f"retention kind {kind}: starts must be some of "
                             f"{', '.join(sorted(START_EVENTS))}")
        kinds[kind] = Rule(kind, years, starts, str(spec.get("legal_ref", "")))
    missing = [k for k in KINDS if k not in kinds]
    if missing:
        raise ValueError(f"retention rules lack the kinds {', '.join(missing)}")
    exceptions = data.get("exceptions", {})
    days = exceptions.get("birth_days", [])
    if any(not isinstance(d, int) or isinstance(d, bool) or not 1 <= d <= 31 for d in days):
        raise ValueError("retention birth_days must be days of the month (1-31)")
    return Rules(kinds, frozenset(days), str(exceptions.get("birth_days_ref", "")),
                 str(exceptions.get("restricted_ref", "")))


_rules: Rules | None = None


def rules() -> Rules:
    """The shipped rules (``data/retention.toml``), read once."""
    global _rules
    if _rules is None:
        raw = resources.files("rc_tui.data").joinpath("retention.toml").read_text(
            encoding="utf-8")
        _rules = parse_rules(raw)
    return _rules
