"""Places of the shelter (Siri) and of the perpetrator service's temporary housing: the
occupancy rules, as plain Python over dates (no database, no clock).

A booking holds one place from its first night (``start``) up to, not including, the day it
ends: the actual departure when there is one, else the expected end, else open. A planned
booking (an arrival that has not happened yet) holds the place like an actual one, so two
women are never promised the same bed. A place out of use (repairs) cannot be booked for the
days it is out of use.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from rc_tui.i18n import N_, _

FACILITIES: dict[str, str] = {"shelter": N_("shelter (Siri)"),
                              "perpetrator_housing": N_("temporary housing (perpetrators)")}
#: the intervention (casework.toml) a temporary-housing stay executes; a current stay counts
#: as it for the coordination rules
HOUSING_INTERVENTION = "perpetrator_housing"
BOARD_STATES: dict[str, str] = {"free": N_("free"), "occupied": N_("occupied"),
                                "planned": N_("arrival planned"),
                                "out_of_use": N_("out of use")}


@dataclass(frozen=True)
class OutOfUse:
    start: date
    end: date | None  # first day back in use; None: until further notice
    reason: str = ""


@dataclass(frozen=True)
class Place:
    id: int
    facility: str
    label: str
    out_of_use: tuple[OutOfUse, ...] = ()
    room: str = ""


@dataclass(frozen=True)
class Booking:
    id: int
    place_id: int
    start: date
    expected_end: date | None = None
    departed: date | None = None
    arrived: bool = True  # False: a planned arrival

    @property
    def end(self) -> date | None:
        """The first day the place is free again (None: open)."""
        return self.departed or self.expected_end


def _overlaps(a_start: date, a_end: date | None, b_start: date, b_end: date | None) -> bool:
    """Half-open intervals [start, end); None is open-ended."""
    return (b_end is None or a_start < b_end) and (a_end is None or b_start < a_end)


def out_of_use_on(place: Place, day: date) -> OutOfUse | None:
    for period in place.out_of_use:
        if _overlaps(period.start, period.end, day, day + timedelta(days=1)):
            return period
    return None


def holds(booking: Booking, day: date) -> bool:
    return _overlaps(booking.start, booking.end, day, day + timedelta(days=1))


def booking_problems(new: Booking, place: Place, bookings: list[Booking]) -> list[str]:
    """Why ``new`` cannot be made: dates, double booking, or the place out of use."""
    problems: list[str] = []
    if new.place_id != place.id:
        problems.append(_("The booking is for another place."))
    end = new.end
    if end is not None and end <= new.start:
        problems.append(_("The stay ends before it starts."))
        return problems
    for other in bookings:
        if other.id == new.id or other.place_id != place.id:
            continue
        if _overlaps(new.start, end, other.start, other.end):
            problems.append(_("{place} is already taken from {start} (no double booking).",
                              place=place.label, start=other.start.isoformat()))
            break
    for period in place.out_of_use:
        if _overlaps(new.start, end, period.start, period.end):
            problems.append(_("{place} is out of use from {start}{reason}.", place=place.label,
                              start=period.start.isoformat(),
                              reason=f" ({period.reason})" if period.reason else ""))
            break
    return problems


@dataclass(frozen=True)
class BoardRow:
    place: Place
    state: str  # free | occupied | planned | out_of_use
    booking: Booking | None
    next_arrival: Booking | None


def board(places: list[Place], bookings: list[Booking], day: date) -> list[BoardRow]:
    """Who is where on ``day``, what is planned, what is free or out of use."""
    rows: list[BoardRow] = []
    for place in places:
        mine = sorted((b for b in bookings if b.place_id == place.id), key=lambda b: b.start)
        now = next((b for b in mine if holds(b, day)), None)
        upcoming = next((b for b in mine if b.start > day and not b.arrived), None)
        if now is not None:
            state = "occupied" if now.arrived else "planned"
        elif out_of_use_on(place, day) is not None:
            state = "out_of_use"
        else:
            state = "free"
        rows.append(BoardRow(place, state, now, upcoming))
    return rows


def seat_children(free_by_room: dict[str, list[int]], families: list[tuple[str, int]]
                  ) -> tuple[list[int | None], int]:
    """Children take beds: each child without a place of its own takes the next free bed
    of its mother's room (``families``: the mother's room per child, in board order).
    Returns, per child, the bed it takes (``None``: the room is full), and how many
    children have no bed – so "3 of 8 free" never hides a room with two women and three
    children in it."""
    free = {room: list(beds) for room, beds in free_by_room.items()}
    taken: list[int | None] = []
    for room, _child in families:
        beds = free.get(room, [])
        taken.append(beds.pop(0) if beds else None)
    return taken, sum(1 for bed in taken if bed is None)


def free_places(rows: list[BoardRow], facility: str) -> int:
    return sum(1 for r in rows if r.place.facility == facility and r.state == "free")


def movements(bookings: list[Booking], day: date, days: int = 7
              ) -> tuple[list[Booking], list[Booking]]:
    """Planned arrivals and expected departures within ``days`` from ``day``."""
    until = day + timedelta(days=days)
    arrivals = [b for b in bookings if not b.arrived and day <= b.start < until]
    departures = [b for b in bookings if b.arrived and b.departed is None
                  and b.expected_end is not None and day <= b.expected_end < until]
    return (sorted(arrivals, key=lambda b: b.start),
            sorted(departures, key=lambda b: b.expected_end or day))


# ---------------------------------------------------------------------- admissions

ARRIVED_VIA: dict[str, str] = {
    "self": N_("on her own"),
    "police": N_("police"),
    "unit": N_("a social services unit"),
    "on_call": N_("on-call social services (socialjouren)"),
    "other": N_("other"),
}

#: the same codes in the temporary housing's words (he/him)
ARRIVED_VIA_HOUSING: dict[str, str] = {
    "self": N_("on his own"),
    "police": N_("police"),
    "unit": N_("his caseworker or a social services unit"),
    "on_call": N_("on-call social services (socialjouren)"),
    "other": N_("other"),
}


def arrived_via(facility: str) -> dict[str, str]:
    """How a resident came, in the facility's own words."""
    return ARRIVED_VIA_HOUSING if facility == "perpetrator_housing" else ARRIVED_VIA


#: where a resident went when she left
DESTINATIONS: dict[str, str] = {
    "own_housing": N_("own housing"),
    "other_shelter": N_("another shelter"),
    "relatives": N_("relatives or friends"),
    "perpetrator": N_("back to the perpetrator"),
    "hospital": N_("hospital or care"),
    "unknown": N_("unknown"),
    "other": N_("other"),
}

#: what the shelter could not meet
TURNED_AWAY_REASONS: dict[str, str] = {
    "no_place": N_("no place free"),
    "substance_use": N_("active substance use"),
    "accessibility": N_("accessibility needs"),
    "male": N_("a man"),
    "older": N_("an older person's care needs"),
    "too_young": N_("under 18"),
    "psychiatric": N_("psychiatric care needs"),
    "other": N_("other need"),
}

#: where a turned-away person was referred
REFERRALS: dict[str, str] = {
    "other_shelter": N_("another shelter"),
    "womens_shelter": N_("a women's or girls' shelter (voluntary)"),
    "on_call": N_("on-call social services"),
    "nexus": N_("Nexus"),
    "health": N_("health care"),
    "police": N_("police"),
    "none": N_("nowhere (declined)"),
    "other": N_("other"),
}

TURNED_AWAY_OUTCOMES: dict[str, str] = {
    "safe": N_("reached: she has a safe place"),
    "supported": N_("reached: support arranged"),
    "not_reached": N_("not reached"),
    "declined": N_("reached: declined further contact"),
}

#: the outcome of a follow-up after a departure, in the facility's words
HOUSING_FOLLOWUP_OUTCOMES: dict[str, str] = {
    "safe": N_("reached: he has somewhere to live"),
    "supported": N_("reached: support arranged"),
    "not_reached": N_("not reached"),
    "declined": N_("reached: declined further contact"),
}


def followup_outcomes(facility: str) -> dict[str, str]:
    return HOUSING_FOLLOWUP_OUTCOMES if facility == "perpetrator_housing" \
        else TURNED_AWAY_OUTCOMES


#: follow-up attempts in all (a departure, a turned-away request) before it is closed as
#: not reached
FOLLOWUP_ATTEMPTS = 3
#: days after an attempt that did not reach her for the next one
FOLLOWUP_RETRY_DAYS = 2

#: days after admission for the action plan of the woman and of each child
PLAN_DAYS = 7
#: days after a departure for the follow-up contact
DEPARTURE_FOLLOWUP_DAYS = 14
#: days after a turned-away request for the follow-up
TURNED_AWAY_FOLLOWUP_DAYS = 2


def plan_due(admitted: date) -> date:
    return admitted + timedelta(days=PLAN_DAYS)


#: days before a stay in the temporary housing ends that planning where he moves is due
HOUSING_END_NOTICE_DAYS = 7


def housing_end_due(expected_end: date) -> date:
    return expected_end - timedelta(days=HOUSING_END_NOTICE_DAYS)


def departure_followup_due(departed: date) -> date:
    return departed + timedelta(days=DEPARTURE_FOLLOWUP_DAYS)


def turned_away_followup_due(requested: date) -> date:
    return requested + timedelta(days=TURNED_AWAY_FOLLOWUP_DAYS)


def reason_codes(value: str) -> list[str]:
    """The stored comma-separated reasons as codes (unknown ones kept)."""
    return [code for code in value.split(",") if code]


@dataclass(frozen=True)
class TurnedAwayFact:
    requested: date
    reasons: tuple[str, ...]
    referred_to: str
    followed_up: bool
    outcome: str | None = None


@dataclass(frozen=True)
class TurnedAwayStats:
    total: int
    by_reason: dict[str, int]
    by_referral: dict[str, int]
    followed_up: int
    not_reached: int


def turned_away_stats(facts: list[TurnedAwayFact], year: int) -> TurnedAwayStats:
    """The register's count for one calendar year: requests, per reason (a request with two
    reasons counts under both), per referral, and how many were followed up."""
    rows = [f for f in facts if f.requested.year == year]
    by_reason: dict[str, int] = {}
    by_referral: dict[str, int] = {}
    for f in rows:
        for code in f.reasons:
            by_reason[code] = by_reason.get(code, 0) + 1
        by_referral[f.referred_to] = by_referral.get(f.referred_to, 0) + 1
    return TurnedAwayStats(len(rows), by_reason, by_referral,
                           sum(1 for f in rows if f.followed_up),
                           sum(1 for f in rows if f.outcome == "not_reached"))


# ---------------------------------------------------------------------- shift log

SHIFTS: dict[str, str] = {"day": N_("day"), "evening": N_("evening"), "night": N_("night")}
#: shift starts (hour of day): day 07–15, evening 15–22, night 22–07
DAY_START, EVENING_START, NIGHT_START = 7, 15, 22
#: how far back the handover looks for unread entries
HANDOVER_DAYS = 14


def shift_of(hour: int) -> str:
    if DAY_START <= hour < EVENING_START:
        return "day"
    if EVENING_START <= hour < NIGHT_START:
        return "evening"
    return "night"
