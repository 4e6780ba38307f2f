"""Session series, drop-out and re-contact, referrals: the rules, as plain Python.

The kinds of series and referrals, the drop-out rule of each kind and the re-contact and
referral intervals are data in ``data/casework.toml``. Every rule takes the date it is
judged on as an argument, so tests run with a frozen clock.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources
from itertools import pairwise

from rc_tui.domain.casework import Texts
from rc_tui.i18n import N_, _

ATTENDANCE: dict[str, str] = {"attended": N_("attended"), "cancelled": N_("cancelled in advance"),
                              "no_show": N_("no-show")}
REFERRAL_OUTCOMES: dict[str, str] = {
    "completed": N_("completed"), "dropped_out": N_("dropped out"),
    "declined": N_("declined by the receiver"), "not_started": N_("never started"),
    "other": N_("other outcome")}
#: the steps of a referral after it was sent, in order
REFERRAL_STEPS: dict[str, str] = {"sent": N_("referral sent"),
                                  "accepted": N_("referral accepted"),
                                  "started": N_("referral started"),
                                  "ended": N_("referral ended")}


def _for_roles(own: tuple[str, ...], roles: Iterable[str]) -> bool:
    wanted = set(roles)
    return not own or not wanted or bool(wanted & set(own))


@dataclass(frozen=True)
class SessionKind:
    code: str
    label: Texts
    key: str
    group: bool
    #: the drop-out rule: this many no-shows in a row ...
    no_shows: int
    #: ... or this many weeks without an attended session
    weeks: int
    roles: tuple[str, ...] = ()

    def offered_to(self, roles: Iterable[str]) -> bool:
        return _for_roles(self.roles, roles)


@dataclass(frozen=True)
class ReferralKind:
    code: str
    label: Texts
    key: str
    answer_days: int
    start_days: int
    roles: tuple[str, ...] = ()

    def offered_to(self, roles: Iterable[str]) -> bool:
        return _for_roles(self.roles, roles)


@dataclass(frozen=True)
class SessionCatalog:
    kinds: dict[str, SessionKind]
    referral_kinds: dict[str, ReferralKind]
    retry_days: int
    max_attempts: int


@cache
def session_catalog() -> SessionCatalog:
    raw = resources.files("rc_tui.data").joinpath("casework.toml").read_text(encoding="utf-8")
    data = tomllib.loads(raw)
    return SessionCatalog(
        {code: SessionKind(code, Texts(v["sv"], v["en"]), str(v["key"]),
                           bool(v.get("group", False)), int(v["no_shows"]), int(v["weeks"]),
                           tuple(v.get("roles", ())))
         for code, v in data["session_kind"].items()},
        {code: ReferralKind(code, Texts(v["sv"], v["en"]), str(v["key"]),
                            int(v["answer_days"]), int(v["start_days"]),
                            tuple(v.get("roles", ())))
         for code, v in data["referral_kind"].items()},
        int(data["recontact"]["retry_days"]), int(data["recontact"]["max_attempts"]))


def kinds_for(roles: Iterable[str]) -> list[str]:
    """The kinds of series for a person with these member roles (catalogue order)."""
    roles = tuple(roles)
    return [code for code, k in session_catalog().kinds.items() if k.offered_to(roles)]


def referral_kinds_for(roles: Iterable[str]) -> list[str]:
    roles = tuple(roles)
    return [code for code, k in session_catalog().referral_kinds.items()
            if k.offered_to(roles)]


def kind_label(code: str) -> str:
    found = session_catalog().kinds.get(code)
    return str(found.label) if found else code


def referral_kind_label(code: str) -> str:
    found = session_catalog().referral_kinds.get(code)
    return str(found.label) if found else code


# ---------------------------------------------------------------------- drop-out

@dataclass(frozen=True)
class Attendance:
    held_on: date
    attendance: str  # attended | cancelled | no_show


@dataclass(frozen=True)
class Attempt:
    on: date
    reached: bool


def dropped_out_on(kind: SessionKind, started_on: date, attendances: Sequence[Attendance],
                   today: date, since: date | None = None) -> date | None:
    """The day the person dropped out of a series, or None. ``since``: the last day
    contact was re-established (a re-contact that reached the person) – only what came
    after it counts. Dropped out: ``kind.no_shows`` no-shows in a row (a session cancelled
    in advance breaks no streak and makes none), or ``kind.weeks`` weeks without an
    attended session (from the start, or from the re-established contact)."""
    start = max(started_on, since) if since else started_on
    later = sorted((a for a in attendances if since is None or a.held_on > since),
                   key=lambda a: a.held_on)
    found: list[date] = []
    streak: list[date] = []
    for a in later:
        if a.attendance == "no_show":
            streak.append(a.held_on)
        elif a.attendance == "attended":
            streak = []
    if kind.no_shows > 0 and len(streak) >= kind.no_shows:
        found.append(streak[kind.no_shows - 1])
    attended = [a.held_on for a in later if a.attendance == "attended"]
    last = max([start, *attended])
    if kind.weeks > 0 and (today - last).days > kind.weeks * 7:
        found.append(last + timedelta(weeks=kind.weeks))
    return min(found) if found else None


@dataclass(frozen=True)
class RecontactDue:
    dropped_on: date
    due: date
    attempts: int  # attempts since the drop-out, none of which reached the person
    exhausted: bool  # as many attempts as the rule allows: the caseworker decides


def last_reached(attempts: Iterable[Attempt]) -> date | None:
    reached = [a.on for a in attempts if a.reached]
    return max(reached) if reached else None


def recontact_due(kind: SessionKind, started_on: date, attendances: Sequence[Attendance],
                  attempts: Sequence[Attempt], today: date, *, ended: bool = False,
                  retry_days: int | None = None, max_attempts: int | None = None
                  ) -> RecontactDue | None:
    """Whether active re-contact is due for a member of a series, and when. Not for an
    ended series; a re-contact that reaches the person re-establishes contact (only what
    comes after it counts); each attempt that does not reach the person makes the next
    one due ``retry_days`` later."""
    if ended:
        return None
    cat = session_catalog()
    retry = cat.retry_days if retry_days is None else retry_days
    most = cat.max_attempts if max_attempts is None else max_attempts
    since = last_reached(attempts)
    dropped = dropped_out_on(kind, started_on, attendances, today, since)
    if dropped is None:
        return None
    tried = sorted(a.on for a in attempts if not a.reached and a.on >= dropped)
    due = dropped if not tried else tried[-1] + timedelta(days=retry)
    return RecontactDue(dropped, due, len(tried), len(tried) >= most)


# ---------------------------------------------------------------------- groups

def _fold(text: str) -> str:
    # invisible format characters (a zero-width space pasted into a name) hide nothing
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    return unicodedata.normalize("NFC", text).casefold()


def names_another_member(note: str, others: Iterable[str]) -> bool:
    """Whether a group session's note names another member (a word of their name or
    alias, two letters or more, as a whole word): the note goes into every member's own
    journal, so it must name none of them."""
    words = set(re.findall(r"\w+", _fold(note)))
    for name in others:
        for part in re.findall(r"\w+", _fold(name)):
            if len(part) >= 2 and part in words:
                return True
    return False


# ---------------------------------------------------------------------- referrals

@dataclass(frozen=True)
class ReferralFacts:
    kind: str
    sent_on: date
    accepted_on: date | None
    started_on: date | None
    ended_on: date | None


def referral_due(f: ReferralFacts) -> tuple[str, date] | None:
    """The referral's next follow-up: ``("answer", day)`` – no answer yet, follow it up
    ``answer_days`` after it was sent; ``("start", day)`` – accepted but not started,
    ``start_days`` after the acceptance; None once started or ended."""
    if f.ended_on is not None or f.started_on is not None:
        return None
    kind = session_catalog().referral_kinds.get(f.kind)
    answer_days = kind.answer_days if kind else 14
    start_days = kind.start_days if kind else 30
    if f.accepted_on is None:
        return "answer", f.sent_on + timedelta(days=answer_days)
    return "start", f.accepted_on + timedelta(days=start_days)


def referral_step_problems(f: ReferralFacts, outcome: str | None) -> list[str]:
    """What is wrong with a referral's dates and outcome (empty: nothing)."""
    problems: list[str] = []
    order = [("sent", f.sent_on), ("accepted", f.accepted_on), ("started", f.started_on),
             ("ended", f.ended_on)]
    known = [(name, day) for name, day in order if day is not None]
    if any(b[1] < a[1] for a, b in pairwise(known)):
        problems.append(_("The dates are out of order (sent, accepted, started, ended)."))
    if f.started_on is not None and f.accepted_on is None:
        problems.append(_("A referral is accepted before it starts."))
    if (f.ended_on is None) != (outcome is None):
        problems.append(_("An ended referral needs its outcome, and an outcome its end "
                          "date."))
    if outcome is not None and outcome not in REFERRAL_OUTCOMES:
        problems.append(_("Choose the outcome."))
    return problems


def label(table: dict[str, str], code: str | None) -> str:
    if code is None:
        return ""
    return _(table[code]) if code in table else code
