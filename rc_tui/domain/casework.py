"""Investigation, decisions, action plans and follow-up: the rules, as plain Python.

The vocabularies (interventions, legal bases, appeal information, investigation templates)
are data in ``data/casework.toml``. Everything here takes dates as arguments, so tests run
with frozen time.
"""

from __future__ import annotations

import calendar
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from importlib import resources

from rc_tui.i18n import N_, _, language

OUTCOMES: dict[str, str] = {"granted": N_("granted"), "partly": N_("partly granted"),
                            "refused": N_("refused")}
PLAN_KINDS: dict[str, str] = {"goal": N_("goal"), "action": N_("action")}
PLAN_STATUSES: dict[str, str] = {"planned": N_("planned"), "ongoing": N_("ongoing"),
                                 "done": N_("done"), "cancelled": N_("cancelled")}
RESPONSIBLE_KINDS: dict[str, str] = {"unit": N_("unit"), "agency": N_("agency"),
                                     "person": N_("person")}
FOLLOWUP_OUTCOMES: dict[str, str] = {"need_met": N_("need met"), "continue": N_("continue"),
                                     "change": N_("change"), "end": N_("end")}
FOLLOWUP_KINDS: dict[str, str] = {"intervention": N_("follow-up of an intervention"),
                                  "child_after": N_("child's situation after the investigation")}

#: How long after a closed investigation a child's situation may be followed up.
CHILD_FOLLOWUP_MONTHS = 6
#: An investigation concerning a child should be finished within four months.
CHILD_INVESTIGATION_DAYS = 120
#: Default days a shelter stay may go on without a decision before an investigation is due
#: (a setting: ``investigation_after_stay_days``).
DEFAULT_STAY_DAYS = 7


@dataclass(frozen=True)
class Texts:
    sv: str
    en: str

    def __str__(self) -> str:
        return self.sv if language() == "sv" else self.en


@dataclass(frozen=True)
class Intervention:
    code: str
    label: Texts
    follow_up_days: int
    legal_basis: str
    #: the member roles it is decided for (empty: any role)
    roles: tuple[str, ...] = ()

    def offered_to(self, roles: Iterable[str]) -> bool:
        """Whether a person with these member roles may be granted it (no role known:
        every intervention)."""
        wanted = set(roles)
        return not self.roles or not wanted or bool(wanted & set(self.roles))


@dataclass(frozen=True)
class Template:
    code: str
    label: Texts
    areas: tuple[tuple[str, Texts], ...]
    #: the key that chooses it in the template dialog
    key: str = ""
    #: the member roles it is offered to (empty: any role)
    roles: tuple[str, ...] = ()

    def offered_to(self, roles: Iterable[str]) -> bool:
        """Whether an investigation of a person with these member roles may use it (no
        role known: every template)."""
        wanted = set(roles)
        return not self.roles or not wanted or bool(wanted & set(self.roles))


@dataclass(frozen=True)
class Catalog:
    interventions: dict[str, Intervention]
    legal_bases: dict[str, Texts]
    templates: dict[str, Template]
    appeal: Texts


@cache
def catalog() -> Catalog:
    raw = resources.files("rc_tui.data").joinpath("casework.toml").read_text(encoding="utf-8")
    data = tomllib.loads(raw)
    return Catalog(
        {code: Intervention(code, Texts(v["sv"], v["en"]), int(v["follow_up_days"]),
                            str(v["legal_basis"]), tuple(v.get("roles", ())))
         for code, v in data["intervention"].items()},
        {code: Texts(v["sv"], v["en"]) for code, v in data["legal_basis"].items()},
        {code: Template(code, Texts(v["sv"], v["en"]),
                        tuple((a[0], Texts(a[1], a[2])) for a in v["areas"]),
                        str(v.get("key", "")), tuple(v.get("roles", ())))
         for code, v in data["template"].items()},
        Texts(data["appeal"]["sv"], data["appeal"]["en"]),
    )


def label(table: dict[str, str], code: str | None) -> str:
    if code is None:
        return ""
    return _(table[code]) if code in table else code


def interventions_for(roles: Iterable[str]) -> list[str]:
    """The interventions offered to a person with these member roles, in catalogue order:
    a victim is not offered a perpetrator's programme, nor a perpetrator protected
    housing."""
    roles = tuple(roles)
    return [code for code, item in catalog().interventions.items() if item.offered_to(roles)]


def templates_for(roles: Iterable[str]) -> list[str]:
    """The investigation templates for a person with these member roles, in catalogue
    order: a perpetrator's investigation looks at his needs, a victim's at her protection."""
    roles = tuple(roles)
    return [code for code, item in catalog().templates.items() if item.offered_to(roles)]


def intervention_label(code: str) -> str:
    found = catalog().interventions.get(code)
    return str(found.label) if found else code


def legal_basis_label(code: str) -> str:
    found = catalog().legal_bases.get(code)
    return str(found) if found else code


# ---------------------------------------------------------------------- dates

def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def followup_due(decided: date, follow_up_days: int, period_end: date | None) -> date:
    """When a granted intervention is followed up: after ``follow_up_days``, but never
    after the end of the period it was granted for."""
    due = decided + timedelta(days=follow_up_days)
    return min(due, period_end) if period_end else due


def child_followup_latest(concluded: date) -> date:
    """The last day a child's situation may be followed up after a closed investigation."""
    return add_months(concluded, CHILD_FOLLOWUP_MONTHS)


# ---------------------------------------------------------------------- rules

def appeal_needed(outcome: str) -> bool:
    """A refusal or a partial grant carries the appeal information."""
    return outcome in ("refused", "partly")


@dataclass(frozen=True)
class StayFact:
    person_id: int
    admitted: date
    has_decision: bool
    has_investigation: bool


def investigation_due_after_stay(stay: StayFact, days: int) -> date | None:
    """A shelter stay without a decision: an investigation must start within ``days``."""
    if stay.has_decision or stay.has_investigation:
        return None
    return stay.admitted + timedelta(days=days)


def investigation_due_after_report(reported: date, has_investigation: bool) -> date | None:
    """A child reported to the child unit: the investigation starts without delay."""
    return None if has_investigation else reported


def emergency_needs_investigation(decided: datetime, emergency: bool,
                                  investigation_started: list[datetime]) -> date | None:
    """An emergency decision made without an investigation: one must follow (due the next
    day). Any investigation of the person started on or after the decision (or one that
    was open already) satisfies it."""
    if not emergency:
        return None
    if investigation_started:
        return None
    return decided.date() + timedelta(days=1)


def child_investigation_overdue(started: date, today: date) -> bool:
    return (today - started).days > CHILD_INVESTIGATION_DAYS


def investigator_is_provider(investigator_ids: set[int], support_giver_ids: set[int]) -> bool:
    """The one who investigates should not be the one who gives the support talks."""
    return bool(investigator_ids & support_giver_ids)


# ---------------------------------------------------------------------- the letter

@dataclass(frozen=True)
class LetterFacts:
    person_name: str
    case_number: str
    intervention: str
    outcome: str
    reasons: str
    legal_basis: str
    decided_at: datetime
    decided_by: str
    period_start: date | None
    period_end: date | None
    provider: str
    emergency: bool
    appeal_text: str


def decision_letter(f: LetterFacts) -> str:
    """The decision as it is given to the person (appeal information for a refusal or a
    partial grant). Plain text: shown on screen, or written to a file on request."""
    lines = [
        _("DECISION"),
        "",
        f"{_('To')}: {f.person_name}",
        f"{_('Case')}: {f.case_number}" if f.case_number else "",
        f"{_('Date of decision')}: {f.decided_at:%Y-%m-%d}",
        "",
        f"{_('You applied for')}: {intervention_label(f.intervention)}",
        f"{_('Decision')}: {label(OUTCOMES, f.outcome)}",
    ]
    if f.period_start or f.period_end:
        lines.append(f"{_('Period')}: {f.period_start or '…'} – {f.period_end or '…'}")
    if f.provider and f.outcome != "refused":
        lines.append(f"{_('Provided by')}: {f.provider}")
    if f.emergency:
        lines.append(_("This is an emergency decision; an investigation of your needs follows."))
    lines += ["", _("Reasons") + ":", f.reasons, "", f"{_('Legal basis')}: {f.legal_basis}", ""]
    if appeal_needed(f.outcome):
        lines += [_("How to appeal") + ":", f.appeal_text, ""]
    lines += [f"{_('Decided by')}: {f.decided_by}"]
    return "\n".join(line for line in lines if line is not None)
