"""Fictional families: who they are (names, valid identity numbers, protection, contact
wishes), how they came to the centre and when. Both generators draw them the same way."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from rc_tui.demo.base import BASE_DATE
from rc_tui.demo.words import (
    ALIASES_OTHER,
    ALIASES_PERP,
    ALIASES_VICTIM,
    BOYS,
    CHANNEL_WEIGHTS,
    FAMILY,
    GIRLS,
    INTL_FAMILY,
    INTL_LANGUAGES,
    INTL_MEN,
    INTL_WOMEN,
    MEN,
    PRONOUNS,
    PROTECTED_ADDRESS,
    REFERRERS,
    SAFE_TIMES,
    WHAT_HAPPENED,
    WOMEN,
)
from rc_tui.domain import identity
from rc_tui.services.people import PersonInput


class IdNumbers:
    """Valid, unique, random identity numbers (issued form ``YYYYMMDD-NNNN``)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def make(self, birth: date, gender: str, *, coordination: bool = False) -> str:
        rng = self.rng
        day = birth.day + (identity.COORDINATION_DAY_OFFSET if coordination else 0)
        date8 = f"{birth.year:04d}{birth.month:02d}{day:02d}"
        while True:
            digit = rng.randrange(0, 10, 2) if gender == "female" else rng.randrange(1, 10, 2)
            serial = f"{rng.randrange(100):02d}{digit}"
            number = f"{date8}-{serial}{identity.luhn_check_digit(date8[2:] + serial)}"
            if number not in self.used:
                self.used.add(number)
                return number


def _birth(rng: random.Random, min_age: int, max_age: int) -> date:
    """A birth date that makes the person ``min_age``-``max_age`` years old on BASE_DATE."""
    low = min_age * 365 + 30
    high = max(low + 1, max_age * 365 + 330)
    return BASE_DATE - timedelta(days=rng.randrange(low, high))


@dataclass(frozen=True)
class Member:
    role: str
    data: PersonInput


@dataclass(frozen=True)
class Family:
    opened: datetime
    channel: str
    referrer: str
    what_happened: str
    danger: bool
    partner_kind: str
    perpetrator_is_parent: bool
    members: list[Member]

    def index_of(self, role: str) -> list[int]:
        return [i for i, m in enumerate(self.members) if m.role == role]


#: a registered family: the family, its case id and its members' person ids (in order)
Registered = tuple[Family, int, list[int]]


@dataclass(frozen=True)
class Shape:
    perpetrator: bool
    children: int
    other: bool

    @property
    def size(self) -> int:
        return 1 + self.perpetrator + self.children + self.other


def shapes(rng: random.Random, persons: int) -> list[Shape]:
    """Family sizes adding up to exactly ``persons`` (the last family may be cut short)."""
    result: list[Shape] = []
    left = persons
    while left > 0:
        perp = rng.random() < 0.95
        children = rng.choices([0, 1, 2, 3], weights=[35, 30, 25, 10])[0]
        other = rng.random() < 0.1
        shape = Shape(perp, children, other)
        while shape.size > left:  # trim: other, children, perpetrator
            if shape.other:
                shape = Shape(shape.perpetrator, shape.children, False)
            elif shape.children:
                shape = Shape(shape.perpetrator, shape.children - 1, False)
            else:
                shape = Shape(False, 0, False)
        result.append(shape)
        left -= shape.size
    return result


def fill(template: str, gender: str, partner: str) -> str:
    """A text template with the person's pronouns ({hon}, {henne}, ...) and the partner."""
    words = PRONOUNS.get(gender, PRONOUNS["female"])
    values = {**words, **{k.capitalize(): v.capitalize() for k, v in words.items()},
              "partnern": partner, "Partnern": partner.capitalize()}
    return template.format(**values)


def family(rng: random.Random, ids: IdNumbers, shape: Shape, opened: datetime,
           *, protected: bool) -> Family:
    intl = rng.random() < 0.18
    women, men, family_names = (INTL_WOMEN, INTL_MEN, INTL_FAMILY) if intl else (
        WOMEN, MEN, FAMILY)
    victim_gender = "female" if rng.random() < 0.85 else "male"
    same_sex = rng.random() < 0.05
    perp_gender = victim_gender if same_sex else (
        "male" if victim_gender == "female" else "female")
    protection = "none"
    if protected:
        protection = rng.choice(["skyddad_folkbokforing", "sekretessmarkering", "fingerade"])
    victim_family = rng.choice(family_names)
    perp_family = victim_family if rng.random() < 0.3 else rng.choice(family_names)
    language = rng.choice(INTL_LANGUAGES) if intl and rng.random() < 0.7 else ""

    def adult(gender: str, family_name: str, birth: date, *, victim: bool) -> PersonInput:
        given = rng.choice(women if gender == "female" else men)
        roll = rng.random()
        if roll < 0.82:
            number = ids.make(birth, gender, coordination=intl and rng.random() < 0.5)
            year = None
        else:  # no identity number known: birth year only, or nothing
            number, year = "", (birth.year if roll < 0.93 else None)
        alias = "" if victim or rng.random() > 0.15 else rng.choice(ALIASES_PERP)
        return PersonInput(
            given_name=given, family_name=family_name, alias=alias, id_number=number,
            birth_year=year, gender=gender,
            language=language, interpreter_needed=bool(language) and rng.random() < 0.6,
            may_call=victim and rng.random() < 0.7, may_text=victim and rng.random() < 0.8,
            may_letter=victim and not protected and rng.random() < 0.4,
            safe_times=rng.choice(SAFE_TIMES) if victim and rng.random() < 0.6 else "",
            safe_address=PROTECTED_ADDRESS if victim and protected else "",
            protection_level=protection if victim else "none",
        )

    members: list[Member] = []
    victim_birth = _birth(rng, 19, 68)
    if rng.random() < 0.06:  # an anonymous contact: alias only
        victim = PersonInput(alias=rng.choice(ALIASES_VICTIM), gender=victim_gender,
                             may_text=True)
    else:
        victim = adult(victim_gender, victim_family, victim_birth, victim=True)
    members.append(Member("victim", victim))
    if shape.perpetrator:
        perp_birth = _birth(rng, 19, 68)
        members.append(Member("perpetrator",
                              adult(perp_gender, perp_family, perp_birth, victim=False)))
    child_family = rng.choice([victim_family, perp_family])
    oldest_child = min(17, (BASE_DATE - victim_birth).days // 365 - 18)
    for _i in range(shape.children):
        gender = "female" if rng.random() < 0.5 else "male"
        birth = _birth(rng, 0, max(0, oldest_child))
        given = rng.choice(GIRLS if gender == "female" else BOYS)
        if rng.random() < 0.5:
            child = PersonInput(given_name=given, family_name=child_family,
                                id_number=ids.make(birth, gender), gender=gender,
                                protection_level=protection)
        else:
            child = PersonInput(given_name=given, family_name=child_family,
                                birth_year=birth.year, gender=gender,
                                protection_level=protection)
        members.append(Member("child", child))
    if shape.other:
        members.append(Member("other", PersonInput(alias=rng.choice(ALIASES_OTHER))))

    channels = [c for c in CHANNEL_WEIGHTS if c != "school" or shape.children]
    channel = rng.choices(channels, weights=[CHANNEL_WEIGHTS[c] for c in channels])[0]
    partner_kind = "partner" if rng.random() < 0.45 else "former_partner"
    partner_word = "partnern" if partner_kind == "partner" else "expartnern"
    return Family(
        opened=opened, channel=channel, referrer=rng.choice(REFERRERS[channel]),
        what_happened=fill(rng.choice(WHAT_HAPPENED), victim_gender, partner_word),
        danger=rng.random() < 0.15, partner_kind=partner_kind,
        perpetrator_is_parent=rng.random() < 0.7, members=members,
    )


def opened_at(index: int, count: int, span_days: int, rng: random.Random) -> datetime:
    """Families open in order (so case numbers follow dates) over ``span_days`` up to a week
    before BASE_DATE, in working hours on a weekday (a weekend moves back to the Friday)."""
    day = BASE_DATE - timedelta(days=7 + span_days - (span_days * index) // max(1, count))
    day -= timedelta(days=max(0, day.weekday() - 4))
    return datetime(day.year, day.month, day.day, rng.randrange(8, 17), rng.randrange(60))
