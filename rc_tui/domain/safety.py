"""Safety plans and partner contacts: the rules, as plain Python.

The safety plans' templates and sections are data in ``data/safety_plan.toml``; a plan
keeps a snapshot of the sections it was made with (``snapshot``), so it is always shown
with them, whatever the file says later. Everything here takes dates as arguments.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any

from rc_tui.domain.casework import Texts
from rc_tui.i18n import N_, language

# ---------------------------------------------------------------------- partner contact

PARTNER_OUTCOMES: dict[str, str] = {
    "reached": N_("reached"), "not_reached": N_("not reached"), "declined": N_("declined")}
SAFETY_VIEWS: dict[str, str] = {
    "safe": N_("feels safe"), "unsure": N_("unsure"), "unsafe": N_("feels unsafe")}
FEAR_LEVELS: dict[str, str] = {
    "none": N_("no fear"), "some": N_("some fear"), "great": N_("great fear")}
YES_NO: dict[str, str] = {"yes": N_("yes"), "no": N_("no")}

#: a partner contact is due this many days after his track in the service opened
PARTNER_CONTACT_DAYS = 14
#: after "not reached", the next attempt is due this many days later
RETRY_DAYS = 7
#: attempts that did not reach her before the contact is no longer due (counted)
MAX_ATTEMPTS = 3
#: free text of a contact or a section at most (characters)
MAX_TEXT = 20_000


@dataclass(frozen=True)
class ContactFacts:
    """One earlier contact for the due rule."""

    outcome: str
    contacted_at: datetime


def partner_contact_due(track_opened: date, contacts: Iterable[ContactFacts]) -> date | None:
    """When a partner contact is due for a man whose track opened on ``track_opened``:
    ``None`` once she was reached or declined, or after ``MAX_ATTEMPTS`` attempts that did
    not reach her; otherwise the first due day, or ``RETRY_DAYS`` after the last attempt."""
    done = sorted(contacts, key=lambda c: c.contacted_at)
    if any(c.outcome in ("reached", "declined") for c in done):
        return None
    if len(done) >= MAX_ATTEMPTS:
        return None
    if done:
        return done[-1].contacted_at.date() + timedelta(days=RETRY_DAYS)
    return track_opened + timedelta(days=PARTNER_CONTACT_DAYS)


def contact_problems(outcome: str, safety_view: str, fear: str, wants_contact: str,
                     contacted_at: datetime, now: datetime) -> list[str]:
    """What makes a partner contact unrecordable (message ids, translated by the caller):
    her answers are asked only when she was reached."""
    problems: list[str] = []
    if outcome not in PARTNER_OUTCOMES:
        problems.append(N_("Choose the outcome: reached, not reached or declined."))
    if contacted_at > now + timedelta(minutes=5):
        problems.append(N_("The contact cannot be in the future."))
    if outcome == "reached":
        if safety_view not in SAFETY_VIEWS:
            problems.append(N_("Her own view of her safety is missing."))
        if fear not in FEAR_LEVELS:
            problems.append(N_("Her fear is missing."))
        if wants_contact not in YES_NO:
            problems.append(N_("Say whether she wants contact from the victim side."))
    return problems


# ---------------------------------------------------------------------- safety plans

@dataclass(frozen=True)
class PlanSection:
    id: str
    title: Texts
    prompt: Texts
    min_age: int | None = None
    max_age: int | None = None

    def fits(self, age: int | None) -> bool:
        """Offered to someone of ``age`` (unknown age: every section)."""
        if age is None:
            return True
        return not ((self.min_age is not None and age < self.min_age)
                    or (self.max_age is not None and age > self.max_age))


@dataclass(frozen=True)
class PlanTemplate:
    code: str
    title: Texts
    review_days: int
    roles: tuple[str, ...]
    sections: tuple[PlanSection, ...]

    def sections_for(self, age: int | None) -> tuple[PlanSection, ...]:
        return tuple(s for s in self.sections if s.fits(age))


@cache
def templates() -> dict[str, PlanTemplate]:
    raw = resources.files("rc_tui.data").joinpath("safety_plan.toml").read_text(
        encoding="utf-8")
    data = tomllib.loads(raw)
    sections = {code: PlanSection(
        code, Texts(v["sv"], v["en"]), Texts(v["prompt_sv"], v["prompt_en"]),
        v.get("min_age"), v.get("max_age")) for code, v in data["section"].items()}
    return {code: PlanTemplate(code, Texts(v["sv"], v["en"]), int(v["review_days"]),
                               tuple(v["roles"]), tuple(sections[x] for x in v["sections"]))
            for code, v in data["template"].items()}


def snapshot(template: PlanTemplate, age: int | None) -> str:
    """The sections offered (for this age), as stored with the plan."""
    return json.dumps({"code": template.code, "title": [template.title.sv, template.title.en],
                       "sections": [[s.id, s.title.sv, s.title.en, s.prompt.sv, s.prompt.en]
                                    for s in template.sections_for(age)]},
                      sort_keys=True, ensure_ascii=False)


@dataclass(frozen=True)
class StoredSection:
    id: str
    title: str
    prompt: str


def read_snapshot(definition: str) -> tuple[str, tuple[StoredSection, ...]]:
    """(title, sections) of a stored snapshot in the current language; a snapshot that
    cannot be read gives no sections (the plan's own texts are still shown)."""
    sv = language() == "sv"
    try:
        data: Any = json.loads(definition)
        title = str(data["title"][0 if sv else 1])
        sections = tuple(StoredSection(str(s[0]), str(s[1 if sv else 2]),
                                       str(s[3 if sv else 4])) for s in data["sections"])
    except (ValueError, KeyError, IndexError, TypeError):
        return "", ()
    return title, sections


def review_problems(review_on: date | None, today: date) -> list[str]:
    if review_on is None:
        return [N_("A signed plan needs its review date.")]
    if review_on <= today:
        return [N_("The review date must be after today.")]
    return []
