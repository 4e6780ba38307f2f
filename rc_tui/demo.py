"""The demo database: clearly fictional, deterministic data and shown demo logins.

``rc-tui demo`` creates it if missing and opens the app; the login screen of a demo
database lists these logins (and only a demo database does).

Everything here is synthetic: names are random combinations from short lists of common
names, identity numbers are random but valid (correct Luhn digit), dates are derived from
the fixed :data:`BASE_DATE` and every choice comes from ``random.Random(seed)``, so two demo
databases made with the same arguments hold the same people, cases and texts.

Two generators:

* :func:`generate` goes through the service layer as the demo caseworker ``anna`` (every
  row validated and access-logged like a real registration). Used up to
  :data:`BULK_THRESHOLD` persons.
* :func:`generate_bulk` writes rows directly with SQLAlchemy Core in large batches (one
  access-log entry sums it up). For load tests: 100,000 persons and 1,000,000 notes.
"""

from __future__ import annotations

import contextlib
import random
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.orm import Session

from rc_tui.domain import identity
from rc_tui.domain.instruments.content import Content, Incident
from rc_tui.domain.instruments.library import Library, load_library
from rc_tui.domain.instruments.model import Instrument, Item, answer_keys
from rc_tui.domain.instruments.scoring import score, visible_items
from rc_tui.services import accounts
from rc_tui.services.access import Level
from rc_tui.services.accounts import ValidationError
from rc_tui.services.assessments import AssessmentService
from rc_tui.services.cases import CaseService, IntakeInput, MemberInput, case_search_numbers
from rc_tui.services.casework import CaseworkService, DecisionInput, PlanItemInput
from rc_tui.services.people import PersonInput, apply_input, index_person, validate
from rc_tui.services.records import RecordService
from rc_tui.services.samrad import ActionInput, Participant, PersonMinutes, Review, SamradService
from storage import audit, files, integrity
from storage.errors import VaultError
from storage.models import (
    Assignment,
    Case,
    CaseMember,
    ChildReport,
    Intake,
    JournalNote,
    Person,
    Relation,
    User,
)
from storage.roles import Role
from storage.vault import Vault

DEFAULT_PERSONS = 60
#: Above this many persons ``ensure_demo`` uses :func:`generate_bulk`.
BULK_THRESHOLD = 2000
#: Journal notes per person when ``ensure_demo`` uses the bulk generator.
BULK_NOTES_PER_PERSON = 10
#: Rows per transaction in :func:`generate_bulk`.
BATCH = 5000
#: The demo caseworkers' caseload in a bulk demo (the most recent open cases).
ASSIGNED_CASES = 40
#: All demo dates lie before this day (never "today": the demo is the same every time).
BASE_DATE = date(2026, 1, 5)
DEMO_SEED = 20260105
#: The caseworker the demo data is registered by (victims' and children's tracks).
DEMO_CASEWORKER = "anna"
#: The manager who assigns perpetrator tracks, and the caseworker who gets them.
DEMO_MANAGER = "chef"
DEMO_PERPETRATOR_WORKER = "per"

#: username, display name, role, passphrase (fictional; shown on the demo login screen)
DEMO_USERS: list[tuple[str, str, Role, str]] = [
    ("anna", "Anna Demo-Handläggare", Role.CASEWORKER, "demo-blå-kanot"),
    ("per", "Per Demo-Behandlare", Role.CASEWORKER, "demo-grön-spade"),
    ("siri", "Siri Demo-Nattpersonal", Role.SHELTER, "demo-röd-lykta"),
    ("dagny", "Dagny Demo-Dagpersonal", Role.SHELTER, "demo-grå-lykta"),
    ("chef", "Cecilia Demo-Chef", Role.MANAGER, "demo-gul-fyrbåk"),
    ("admin", "Demo-Administratör", Role.ADMIN, "demo-vit-nyckel"),
]


class NotADemoDatabase(VaultError):
    """Demo data is only ever written into a database created as a demo."""

    code = "not_a_demo_database"


def default_demo_path() -> Path:
    return files.default_data_dir() / "demo" / "rc-tui-demo.db"


def ensure_demo(
    path: Path, *, persons: int | None = None, notes: int | None = None,
    progress: Callable[[str], None] = print,
) -> bool:
    """Create the demo database at ``path`` unless it exists. Returns True if created.

    Up to :data:`BULK_THRESHOLD` persons the data goes through the service layer
    (:func:`generate`); above it, or when ``notes`` is given, :func:`generate_bulk` writes
    ``notes`` journal notes (default :data:`BULK_NOTES_PER_PERSON` per person). If the
    generation fails, the half-made database is removed so the next attempt starts over.
    """
    if path.exists() or files.keyfile_path(path).exists():
        return False
    count = persons if persons is not None else DEFAULT_PERSONS
    admin = next(u for u in DEMO_USERS if u[2] is Role.ADMIN)
    manager = next(u for u in DEMO_USERS if u[0] == DEMO_MANAGER)
    logins = [(u, p, r.value) for u, _n, r, p in DEMO_USERS]
    progress("Skapar demodatabas (krypteringsnycklar tar några sekunder)…")
    Vault.create(path, admin[0], admin[1], admin[3], manager[0], manager[1], manager[3],
                 demo=True, demo_logins=logins).close(None)
    vault: Vault | None = None
    try:
        # as in a real installation: the administrator adds the users (pending, no data
        # key), and the manager's next login enrols them
        with Vault.unlock(path, admin[0], admin[3]) as admin_vault:
            for username, name, role, phrase in DEMO_USERS:
                if username not in (admin[0], manager[0]):
                    accounts.add_user(admin_vault, username, name, role, phrase,
                                      must_change=False)
        vault = Vault.unlock(path, manager[0], manager[3])
        if notes is None and count <= BULK_THRESHOLD:
            generate(vault, count)
        else:
            note_count = notes if notes is not None else BULK_NOTES_PER_PERSON * count
            progress(f"Skapar {count} fiktiva personer och {note_count} journalanteckningar…")
            generate_bulk(vault, count, note_count, progress=progress)
    except BaseException:
        if vault is not None:
            vault.close(None)
        for p in files.sidecar_paths(path):
            with contextlib.suppress(OSError):
                p.unlink()
        raise
    vault.close(None)
    return True


# --------------------------------------------------------------------------- word lists
# Common names, combined at random: the people are fictional.

WOMEN = [
    "Maria", "Elin", "Sara", "Emma", "Johanna", "Karin", "Linnea", "Ida", "Malin", "Jenny",
    "Frida", "Sofia", "Hanna", "Lina", "Matilda", "Camilla", "Helena", "Therese", "Josefin",
    "Amanda", "Åsa", "Ingrid", "Märta", "Lena", "Eva", "Annika", "Petra", "Susanne",
]
MEN = [
    "Erik", "Johan", "Anders", "Lars", "Mikael", "Daniel", "Fredrik", "Jonas", "Mattias",
    "Niklas", "Patrik", "Henrik", "Oskar", "Viktor", "Emil", "Björn", "Örjan", "Kristoffer",
    "Tobias", "Sebastian", "Magnus", "Stefan", "Peter", "Thomas",
]
GIRLS = ["Alva", "Elsa", "Maja", "Wilma", "Astrid", "Vera", "Selma", "Ella", "Alice", "Saga",
         "Ebba", "Stella", "Lilly", "Juni", "Tyra", "Nora"]
BOYS = ["Liam", "Noah", "William", "Hugo", "Lucas", "Elias", "Nils", "Olle", "Alve", "Ture",
        "Melvin", "Sixten", "Vincent", "Theo", "Leo", "Charlie"]
FAMILY = [
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson",
    "Persson", "Svensson", "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson",
    "Bengtsson", "Jönsson", "Lindberg", "Lindström", "Lindqvist", "Lindgren", "Berg",
    "Bergström", "Axelsson", "Lundberg", "Lundgren", "Mattsson", "Berglund", "Fredriksson",
    "Sandberg", "Henriksson", "Sjöberg", "Forsberg", "Åberg", "Ström", "Holm", "Ek", "Öberg",
    "Nyström", "Håkansson", "Dahl", "Sundqvist", "Wikström",
]
INTL_WOMEN = ["Amira", "Fatima", "Leyla", "Yasmin", "Dragana", "Agnieszka", "Nour", "Hodan",
              "Mariam", "Elif", "Shirin", "Ana"]
INTL_MEN = ["Ahmed", "Omar", "Mehmet", "Dariusz", "Goran", "Ali", "Samir", "Hassan", "Karim",
            "Reza", "Tomasz", "Milan"]
INTL_FAMILY = ["Hassan", "Yilmaz", "Nowak", "Kovačević", "Mohammed", "Haddad", "Rahimi",
               "Petrović", "Kowalski", "Abdi", "Hussein", "Demir", "Ahmadi", "Farah"]
INTL_LANGUAGES = ["arabiska", "somaliska", "persiska", "polska", "turkiska", "bosniska",
                  "tigrinja", "dari"]
ALIASES_VICTIM = ["Sol", "Kvinnan i chatten", "M.", "Stjärnan", "Hon som ringde", "L."]
ALIASES_OTHER = ["Mormor", "Väninnan", "Grannen", "Syster", "Kollegan", "Farmor"]
ALIASES_PERP = ["Micke", "Danne", "Jocke", "Kicken", "Frasse"]
SAFE_TIMES = ["Vardagar 9–11", "Efter 14 när barnen är på förskolan", "Tisdagar och torsdagar",
              "Ring inte på kvällar", "Bara sms, svarar samma dag"]
PROTECTED_ADDRESS = "Post via mottagningen (skyddade uppgifter)"

REFERRERS: dict[str, list[str]] = {
    "self": [""],
    "police": ["Polisen, Demo-polisområdet", "Brottsofferutredare, Demo-polisen"],
    "social": ["Barn och unga, Demo-kommunen", "Ekonomiskt bistånd, Demo-kommunen"],
    "health": ["Vårdcentralen Demo-Norr", "Kvinnokliniken, Demo-sjukhuset", "BVC Demo-Söder"],
    "school": ["Kurator, Demo-skolan", "Förskolan Demo-Solrosen"],
    "voluntary": ["Kvinnojouren Demo", "Brottsofferjouren Demo"],
    "authority": ["Försäkringskassan (demo)", "Arbetsförmedlingen (demo)"],
}
CHANNEL_WEIGHTS = {"self": 35, "police": 25, "social": 12, "health": 12, "school": 6,
                   "voluntary": 6, "authority": 4}
RECEIVING_UNITS = ["Barn och unga, mottagningsgruppen (Demo-kommunen)",
                   "Socialtjänstens mottagning för barn, Demo-kommunen"]

WHAT_HAPPENED = [
    "{Hon} berättar att {partnern} har slagit {henne} och hotat att ta barnen.",
    "Grannar ringde polisen efter skrik och bråk i lägenheten på natten.",
    "{Hon} har blivit kontrollerad i flera år: telefon, pengar och vilka {hon} träffar.",
    "{Partnern} har hotat {henne} till livet via sms efter separationen.",
    "{Hon} söker stöd efter att {partnern} tagit stryptag under ett gräl.",
    "Skolan är orolig: barnet har berättat om våld mellan de vuxna hemma.",
    "{Hon} berättar om psykiskt våld och att {partnern} följer efter {henne}.",
    "Ekonomiskt våld: {partnern} har tagit lån i {hennes} namn.",
]
NOTE_TEXTS: dict[str, list[str]] = {
    "contact": [
        "Första samtalet. {Hon} berättar om kontroll och hot under lång tid. Vi gör en "
        "säkerhetsplan tillsammans och bokar stödsamtal.",
        "Första kontakt på mottagningen. {Hon} vill ha stöd men inte polisanmäla nu. "
        "Information om skyddat boende och brottsofferjouren given.",
    ],
    "phone": [
        "Telefonsamtal på överenskommen säker tid. {Hon} sover bättre och barnen är lugnare.",
        "Kort samtal. {Hon} vill flytta fram mötet med familjerätten en vecka.",
        "{Hon} ringer upprörd efter sms från {partnern}. Vi går igenom säkerhetsplanen igen.",
    ],
    "support_talk": [
        "Stödsamtal om hur våldet har påverkat {henne} och barnen. {Hon} är orolig inför "
        "umgänget.",
        "Stödsamtal om normalisering av våld. {Hon} vill fortsätta med samtal varannan vecka.",
        "Stödsamtal med tolk. {Hon} beskriver att {hon} känner sig tryggare i det nya boendet.",
    ],
    "home_visit": [
        "Hembesök tillsammans med kollega. Lugnt i hemmet. Vi går igenom larmtelefon och "
        "kontaktvägar.",
    ],
    "note": [
        "Samverkan med polisen inför förhör, enligt samtycke.",
        "Kontakt med skyddat boende om plats. Inget beslut ännu.",
        "Avstämning med kollega om fortsatt planering. Nästa samtal bokat.",
    ],
}
CHILD_NOTES = [
    "Barnsamtal med {namn} tillsammans med kollega. {namn} ritar och berättar att det är "
    "skönt i skolan.",
    "Barnsamtal med {namn}. {namn} berättar om bråk hemma och att hen ibland inte kan sova.",
]
PERPETRATOR_NOTES = [
    "Första samtalet på behandlingsenheten. {Hon} vill ha hjälp att sluta använda våld "
    "men motivationen bedöms som osäker.",
    "Behandlingssamtal om kontroll och svartsjuka. {Hon} har skrivit ned svåra situationer "
    "under veckan enligt överenskommelse.",
    "Behandlingssamtal. {Hon} tar delvis ansvar för våldet men lägger skulden på "
    "{partnern}. Vi arbetar vidare med våldets konsekvenser för barnen.",
]
PRONOUNS = {
    "female": {"hon": "hon", "henne": "henne", "hennes": "hennes"},
    "male": {"hon": "han", "henne": "honom", "hennes": "hans"},
}

# Bulk journal notes: an opening, one to three middle sentences, a closing. RARE_SENTENCES
# come about once in 50,000 notes (the benchmark looks for one of their words).
BULK_OPENINGS: list[tuple[str, str]] = [
    ("support_talk", "Stödsamtal med klienten."),
    ("support_talk", "Uppföljande samtal på mottagningen."),
    ("phone", "Telefonsamtal på överenskommen säker tid."),
    ("phone", "Kort avstämning via telefon."),
    ("home_visit", "Hembesök tillsammans med kollega."),
    ("contact", "Samtal med tolk på plats."),
    ("contact", "Planerat möte enligt överenskommelse."),
    ("note", "Anteckning efter samverkansmöte."),
]
BULK_MIDDLES = [
    "Klienten berättar om fortsatt kontroll och hot.",
    "Vi går igenom säkerhetsplanen och uppdaterar kontaktvägar.",
    "Barnen har börjat sova bättre enligt klienten.",
    "Klienten är orolig inför umgänget med den andra föräldern.",
    "Klienten vill inte polisanmäla just nu.",
    "Vi pratar om våldets konsekvenser för barnen.",
    "Samverkan med förskolan diskuteras och klienten samtycker.",
    "Klienten har fått en tid hos familjerätten.",
    "Partnern har tagit lån i klientens namn.",
    "Klienten känner sig tryggare i boendet.",
    "Larmpaket från polisen är beställt.",
    "Vi går igenom vad som händer efter en orosanmälan.",
    "Klienten har ont i axeln efter händelsen i helgen och har sökt vård.",
    "Skyddat boende erbjuds men klienten tackar nej.",
    "Kontakt med brottsofferjouren förmedlas.",
    "Klienten berättar om hot och kontroll via sociala medier.",
    "Vi pratar om stöd i kontakten med Försäkringskassan.",
    "Klienten har sökt ny lägenhet genom bostadsförmedlingen.",
    "Samtal om sömn, mat och vardagsrutiner.",
    "Klienten har haft kontakt med advokat inför vårdnadstvisten.",
]
BULK_CLOSINGS = [
    "Nytt samtal bokat nästa vecka.",
    "Uppföljning om två veckor.",
    "Klienten hör av sig vid behov.",
    "Planeringen stäms av med kollega.",
    "Samtalet avslutas lugnt.",
]
RARE_SENTENCES = [
    "Klienten har börjat på en keramikkurs och tycker om det.",
    "Klienten nämner att grannen är biodlare och har hjälpt till.",
    "Klienten har anmält sig till kanotpaddling med en väninna.",
]
RARE_ONE_IN = 50_000


# --------------------------------------------------------------------------- building blocks


class _IdNumbers:
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
class _Member:
    role: str
    data: PersonInput


@dataclass(frozen=True)
class _Family:
    opened: datetime
    channel: str
    referrer: str
    what_happened: str
    danger: bool
    partner_kind: str
    perpetrator_is_parent: bool
    members: list[_Member]

    def index_of(self, role: str) -> list[int]:
        return [i for i, m in enumerate(self.members) if m.role == role]


@dataclass(frozen=True)
class _Shape:
    perpetrator: bool
    children: int
    other: bool

    @property
    def size(self) -> int:
        return 1 + self.perpetrator + self.children + self.other


def _shapes(rng: random.Random, persons: int) -> list[_Shape]:
    """Family sizes adding up to exactly ``persons`` (the last family may be cut short)."""
    shapes: list[_Shape] = []
    left = persons
    while left > 0:
        perp = rng.random() < 0.95
        children = rng.choices([0, 1, 2, 3], weights=[35, 30, 25, 10])[0]
        other = rng.random() < 0.1
        shape = _Shape(perp, children, other)
        while shape.size > left:  # trim: other, children, perpetrator
            if shape.other:
                shape = _Shape(shape.perpetrator, shape.children, False)
            elif shape.children:
                shape = _Shape(shape.perpetrator, shape.children - 1, False)
            else:
                shape = _Shape(False, 0, False)
        shapes.append(shape)
        left -= shape.size
    return shapes


def _fill(template: str, gender: str, partner: str) -> str:
    words = PRONOUNS.get(gender, PRONOUNS["female"])
    values = {**words, **{k.capitalize(): v.capitalize() for k, v in words.items()},
              "partnern": partner, "Partnern": partner.capitalize()}
    return template.format(**values)


def _family(rng: random.Random, ids: _IdNumbers, shape: _Shape, opened: datetime,
            *, protected: bool) -> _Family:
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

    members: list[_Member] = []
    victim_birth = _birth(rng, 19, 68)
    if rng.random() < 0.06:  # an anonymous contact: alias only
        victim = PersonInput(alias=rng.choice(ALIASES_VICTIM), gender=victim_gender,
                             may_text=True)
    else:
        victim = adult(victim_gender, victim_family, victim_birth, victim=True)
    members.append(_Member("victim", victim))
    if shape.perpetrator:
        perp_birth = _birth(rng, 19, 68)
        members.append(_Member("perpetrator",
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
        members.append(_Member("child", child))
    if shape.other:
        members.append(_Member("other", PersonInput(alias=rng.choice(ALIASES_OTHER))))

    channels = [c for c in CHANNEL_WEIGHTS if c != "school" or shape.children]
    channel = rng.choices(channels, weights=[CHANNEL_WEIGHTS[c] for c in channels])[0]
    partner_kind = "partner" if rng.random() < 0.45 else "former_partner"
    partner_word = "partnern" if partner_kind == "partner" else "expartnern"
    return _Family(
        opened=opened, channel=channel, referrer=rng.choice(REFERRERS[channel]),
        what_happened=_fill(rng.choice(WHAT_HAPPENED), victim_gender, partner_word),
        danger=rng.random() < 0.15, partner_kind=partner_kind,
        perpetrator_is_parent=rng.random() < 0.7, members=members,
    )


def _opened(index: int, count: int, span_days: int, rng: random.Random) -> datetime:
    """Families open in order (so case numbers follow dates) over ``span_days`` up to a week
    before BASE_DATE, in working hours on a weekday (a weekend moves back to the Friday)."""
    day = BASE_DATE - timedelta(days=7 + span_days - (span_days * index) // max(1, count))
    day -= timedelta(days=max(0, day.weekday() - 4))
    return datetime(day.year, day.month, day.day, rng.randrange(8, 17), rng.randrange(60))


def _require_demo(vault: Vault) -> None:
    if not vault.demo:
        raise NotADemoDatabase("demo data is only written into a demo database")


# --------------------------------------------------------------------------- service layer


class _Clock:
    """A settable clock, so every date the services record is fixed (deterministic)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@contextlib.contextmanager
def _as_user(vault: Vault, username: str) -> Iterator[Vault]:
    """The demo installation opened as ``username`` with the demo passphrase (``vault``
    itself when it is theirs already; administrators see no case content)."""
    if vault.user.username == username:
        yield vault
        return
    phrase = next(u[3] for u in DEMO_USERS if u[0] == username)
    other = Vault.unlock(vault.path, username, phrase)
    try:
        yield other
    finally:
        other.close()


def generate(vault: Vault, persons: int, *, seed: int = DEMO_SEED) -> None:
    """Fill the demo with about ``persons`` synthetic persons through the service layer.

    Families of a victim, usually a perpetrator, 0-3 children and sometimes an alias-only
    other person; relations, consents, child welfare reports (a few left missing, so the
    due list has items) and signed journal notes. Registered by the demo caseworker
    ``anna`` (unlocked here with her demo passphrase when ``vault`` is someone else's).
    """
    _require_demo(vault)
    if persons <= 0:
        return
    rng = random.Random(seed)  # noqa: S311 - reproducible fiction, not secrets
    ids = _IdNumbers(rng)
    shapes = _shapes(rng, persons)
    families = [
        _family(rng, ids, shape, _opened(i, len(shapes), 240, rng),
                protected=i == 1 or rng.random() < 0.05)
        for i, shape in enumerate(shapes)
    ]
    # One child report is always left missing (the due list shows it): in the last family
    # with children; others are left missing at random.
    last_with_children = max((i for i, f in enumerate(families) if f.index_of("child")),
                             default=-1)
    registered: list[tuple[_Family, int, list[int]]] = []
    with _as_user(vault, DEMO_CASEWORKER) as worker:
        for i, fam in enumerate(families):
            case_id, person_ids = _register(worker, rng, fam,
                                            force_missing_report=i == last_with_children)
            registered.append((fam, case_id, person_ids))
    _perpetrator_tracks(vault, registered, random.Random(seed + 1))  # noqa: S311
    _shelter(vault, registered, random.Random(seed + 4))  # noqa: S311
    _assessments(vault, registered, random.Random(seed + 2))  # noqa: S311
    _casework(vault, registered, random.Random(seed + 3))  # noqa: S311
    _samrad(vault, registered)


RATIONALES = [
    "Samlad bedömning utifrån samtal med den våldsutsatta, polisens uppgifter och "
    "tidigare journal. Riskfaktorerna hänger ihop med separationen.",
    "Bedömningen bygger på två samtal och uppgifter från förskolan. Osäkerhet kring "
    "vapeninnehav kvarstår.",
    "Våldet har minskat sedan flytten till skyddat boende; kontaktförbud gäller.",
    "Flera allvarliga riskfaktorer samtidigt; personens egen rädsla är stark.",
]
DEVIATIONS = [
    "Poängen underskattar risken: hot via sms senaste veckan, inte med i formuläret.",
    "Flera faktorer gäller tiden före separationen; skyddet är nu starkare.",
]


def _fill_answers(inst: Instrument, rng: random.Random, bias: float, day: date
                  ) -> dict[str, str]:
    """Plausible answers for every item shown (sub-items once their parent opens them)."""
    answers: dict[str, str] = {}
    for _round in range(4):
        for item in visible_items(inst, answers):
            for key in answer_keys(item):
                if key in answers:
                    continue
                value = _fill_one(item, rng, bias, day)
                if value is not None:
                    answers[key] = value
    return answers


def _fill_one(item: Item, rng: random.Random, bias: float, day: date) -> str | None:
    roll = rng.random()
    if item.type == "yes_no":
        return "unknown" if roll < 0.05 else ("yes" if rng.random() < bias else "no")
    if item.type == "presence":
        if roll < 0.06:
            return "insufficient"
        pick = rng.random()
        return "present" if pick < bias * 0.7 else ("partly" if pick < bias else "absent")
    if item.type == "scale":
        return str(min(item.maximum, item.minimum + int(rng.random() * bias * 2
                                                          * (item.maximum - item.minimum + 1))))
    if item.type == "choice":
        return rng.choice(item.options).id
    if item.type == "number":
        return str(rng.randrange(0, 10))
    if item.type == "date":
        return (day - timedelta(days=rng.randrange(3, 400))).isoformat()
    return None


def _sign_demo(svc: AssessmentService, assessment_id: int, answers: dict[str, str],
               rng: random.Random, incidents: list[Incident] | None = None) -> None:
    view = svc.get(assessment_id)
    inst = view.instrument
    content = Content(answers=answers, incidents=incidents or [])
    result = score(inst, answers)
    judgement: dict[str, str] = {}
    for dim in inst.judgement:
        ids = dim.level_ids()
        guess = result.suggested if dim is inst.main and result.suggested else ids[
            min(len(ids) - 1, int(rng.random() * len(ids)))]
        judgement[dim.id] = guess
    reason = ""
    if result.suggested and rng.random() < 0.15:
        ids = inst.main.level_ids()
        pos = ids.index(result.suggested)
        judgement[inst.main.id] = ids[min(len(ids) - 1, pos + 1)] if pos < len(ids) - 1 \
            else ids[pos - 1]
        reason = rng.choice(DEVIATIONS)
    svc.sign(assessment_id, view.version, content, judgement, rng.choice(RATIONALES), reason,
             training_confirmed=True)


def _acute_assessment(worker: Vault, clock: _Clock, person: int, case_id: int,
                      intake_id: int, old_answers: dict[str, bool | None]) -> None:
    """The acute screening at intake, signed with the answers drawn for the family."""
    svc = AssessmentService(worker, screen="demo", clock=clock)
    inst = _library().get("rc-acute")
    answers = {key: {True: "yes", False: "no"}.get(value, "unknown")  # type: ignore[arg-type]
               for key, value in old_answers.items()}
    aid = svc.start(person, inst, case_id=case_id, intake_id=intake_id)
    _sign_demo(svc, aid, answers, random.Random(person))  # noqa: S311


_LIBRARY: list[Library] = []


def _library() -> Library:
    if not _LIBRARY:
        _LIBRARY.append(load_library(None))
    return _LIBRARY[0]


def _assessments(vault: Vault, registered: list[tuple[_Family, int, list[int]]],
                 rng: random.Random) -> None:
    """Risk assessments over time: a danger assessment history (with a trend) and a
    violence mapping for some victims, a child assessment for some children (by anna),
    a perpetrator assessment for the perpetrator tracks per has; a draft or two."""
    lib = _library()
    with _as_user(vault, DEMO_CASEWORKER) as worker:
        clock = _Clock(registered[0][0].opened)
        svc = AssessmentService(worker, screen="demo", clock=clock)
        for index, (fam, case_id, pids) in enumerate(registered):
            if rng.random() > 0.5 and index > 2:
                continue
            victim = pids[0]
            when = fam.opened + timedelta(days=2, hours=3)
            clock.now = when
            mapping = lib.get("rc-violence-mapping")
            aid = svc.start(victim, mapping, case_id=case_id)
            _sign_demo(svc, aid, _fill_answers(mapping, rng, 0.5, when.date()), rng)
            danger = lib.get("rc-danger-victim")
            bias = 0.25 + rng.random() * 0.4
            for _round in range(rng.randrange(1, 4)):
                clock.now = when = when + timedelta(days=rng.randrange(10, 40))
                if when.date() >= BASE_DATE:
                    break
                aid = svc.start(victim, danger, case_id=case_id)
                incidents = [Incident((when.date() - timedelta(days=d)).isoformat(),
                                      rng.randrange(1, 6), "")
                             for d in sorted(rng.sample(range(5, 300), rng.randrange(1, 5)))]
                _sign_demo(svc, aid, _fill_answers(danger, rng, bias, when.date()), rng,
                           incidents)
                bias = max(0.05, min(0.9, bias + rng.choice((-0.15, -0.1, 0.1, 0.15))))
            for child_index in fam.index_of("child"):
                if rng.random() < 0.5:
                    child_inst = lib.get("rc-child")
                    clock.now = fam.opened + timedelta(days=4)
                    aid = svc.start(pids[child_index], child_inst, case_id=case_id)
                    _sign_demo(svc, aid, _fill_answers(child_inst, rng, 0.4,
                                                       clock.now.date()), rng)
            if index == 0:
                clock.now = datetime.combine(BASE_DATE, datetime.min.time()) - timedelta(
                    hours=20)
                aid = svc.start(victim, danger, case_id=case_id)
                view = svc.get(aid)
                partial = dict(list(_fill_answers(danger, rng, 0.4,
                                                  clock.now.date()).items())[:6])
                svc.save_draft(aid, view.version, Content(answers=partial))
    with _as_user(vault, DEMO_PERPETRATOR_WORKER) as worker:
        svc = AssessmentService(worker, screen="demo", clock=clock)
        perp_inst = lib.get("rc-perpetrator")
        for fam, case_id, pids in registered:
            for perp_index in fam.index_of("perpetrator"):
                perp = pids[perp_index]
                with svc.read() as s:
                    level = svc.access.level(s, perp)
                if level < Level.FULL or rng.random() < 0.4:
                    continue
                clock.now = fam.opened + timedelta(days=12)
                aid = svc.start(perp, perp_inst, case_id=case_id)
                _sign_demo(svc, aid, _fill_answers(perp_inst, rng, 0.45, clock.now.date()),
                           rng)


FINDINGS = {
    "protection_short": "Bor hos sin syster sedan polisanmälan. Kontaktförbud är sökt.",
    "housing_long": "Behöver egen bostad; har stått i bostadskö i två år.",
    "financial": "Ekonomin är delad med expartnern; behöver stöd att söka bistånd.",
    "practical": "Vill ha hjälp inför rättegången och med vårdnadsfrågan.",
    "talks": "Vill ha stödsamtal, helst på förmiddagar.",
}
CHILD_FINDINGS = {
    "child_view": "Barnet säger att hen vill bo kvar med mamma och inte träffa pappa nu.",
    "support_needs": "Behöver stödsamtal i grupp för barn som upplevt våld.",
}


def _casework(vault: Vault, registered: list[tuple[_Family, int, list[int]]],
              rng: random.Random) -> None:
    """Investigations, decisions (granted, partly, refused, an emergency decision), action
    plans and follow-ups for the victims with a consent to investigation; a child's
    investigation; one closed track."""
    with _as_user(vault, DEMO_CASEWORKER) as worker:
        clock = _Clock(registered[0][0].opened)
        svc = CaseworkService(worker, screen="demo", clock=clock)
        assessments = AssessmentService(worker, screen="demo", clock=clock)
        closed_one = False
        for index, (fam, case_id, pids) in enumerate(registered):
            victim = pids[0]
            clock.now = fam.opened + timedelta(days=3, hours=4)
            if index == 2:  # an emergency decision on a weekend, before any investigation
                svc.record_decision(DecisionInput(
                    victim, "protected_housing", "granted",
                    "Akut skyddsbehov efter hot med kniv; ingen plats i Siri i natt.",
                    "sol_brottsoffer", emergency=True, case_id=case_id,
                    period_start=clock.now.date(),
                    period_end=clock.now.date() + timedelta(days=14),
                    provider="Jourboende via socialjouren"))
                continue
            try:
                inv_id = svc.start_investigation(victim, "adult", case_id=case_id)
            except ValidationError:
                continue  # no consent to an investigation: nothing more here
            signed = [r.id for r in assessments.history(victim) if r.status == "signed"]
            areas = dict(rng.sample(sorted(FINDINGS.items()), rng.randrange(2, 5)))
            inv = svc.investigation(inv_id)
            conclude = rng.random() < 0.7
            clock.now += timedelta(days=rng.randrange(10, 30))
            svc.save_investigation(inv_id, inv.version, areas, signed[-2:],
                                   "Behov av skydd och stödsamtal; ekonomiskt stöd via "
                                   "försörjningsstöd." if conclude else "",
                                   conclude=conclude)
            if not conclude:
                continue
            talks = svc.record_decision(DecisionInput(
                victim, "support_talks", "granted",
                "Behov av stöd att bearbeta våldet och planera för säkerheten.",
                "sol_bistand", case_id=case_id, period_start=clock.now.date(),
                period_end=clock.now.date() + timedelta(days=180),
                provider="Nexus, stödsamtal (inte utredaren)"))
            if rng.random() < 0.4:
                svc.record_decision(DecisionInput(
                    victim, "financial_referral", "refused" if rng.random() < 0.5
                    else "partly",
                    "Behovet tillgodoses genom försörjningsstöd som redan är beviljat.",
                    "sol_bistand", case_id=case_id))
            start = clock.now.date()
            svc.add_plan_item(victim, PlanItemInput(
                "goal", "Känna sig trygg i sitt boende", "person", "Den våldsutsatta",
                start, start + timedelta(days=180), "ongoing"), case_id=case_id)
            svc.add_plan_item(victim, PlanItemInput(
                "action", "Stödsamtal varannan vecka", "unit", "Nexus stödsamtal", start,
                start + timedelta(days=90), "ongoing", talks.id,
                "Samtal tisdagar 10–11, säker väg in via personalingången."), case_id=case_id)
            svc.add_plan_item(victim, PlanItemInput(
                "action", "Ansöka om kontaktförbud", "agency", "Polisen", start,
                start + timedelta(days=14), "done" if rng.random() < 0.6 else "planned"),
                case_id=case_id)
            if rng.random() < 0.5:
                for fu in svc.followups(victim):
                    if fu.done_at is None:
                        clock.now = datetime.combine(fu.due_on, datetime.min.time()) + \
                            timedelta(hours=10)
                        svc.record_followup(fu.id, fu.version, "continue",
                                            "Samtalen hjälper; fortsätter som planerat.")
                        break
            if not closed_one and rng.random() < 0.3:
                clock.now += timedelta(days=30)
                svc.close_track(case_id, victim, "Behoven är tillgodosedda; har flyttat och "
                                "har stöd av kvinnojouren.")
                closed_one = True
        # a reported child: the child's need of protection is investigated
        for fam, case_id, pids in registered:
            kids = fam.index_of("child")
            if not kids:
                continue
            child = pids[kids[0]]
            clock.now = fam.opened + timedelta(days=6)
            with contextlib.suppress(ValidationError):
                inv_id = svc.start_investigation(child, "child", case_id=case_id)
                inv = svc.investigation(inv_id)
                svc.save_investigation(inv_id, inv.version, CHILD_FINDINGS, [], "")
                break


def _samrad(vault: Vault, registered: list[tuple[_Family, int, list[int]]]) -> None:
    """Two families discussed in a samråd chaired by the manager: one approved (its actions
    in the victim's plan), a follow-up one not yet approved (on the chair's due list)."""
    chosen = [(fam, case_id, pids) for fam, case_id, pids in registered
              if fam.index_of("perpetrator")][:2]
    if not chosen:
        return
    with _as_user(vault, DEMO_MANAGER) as chef:
        for number, (fam, case_id, pids) in enumerate(chosen):
            clock = _Clock(fam.opened + timedelta(days=20))
            svc = SamradService(chef, screen="demo", clock=clock)
            sid = svc.request(case_id, "Polisen, relationsvåldsgruppen", clock.now.date(),
                              "Nexus, rum 2")
            people = [Participant("participant", "centre", "ordförande", "Cecilia"),
                      Participant("participant", "police", "utredare"),
                      Participant("apology", "school", "kurator")]
            victim = PersonMinutes(
                pids[0], "Polisen har en ny anmälan om hot. Centret har pågående stödsamtal.",
                "Hög risk den närmaste månaden; ökad risk vid umgänge.", "danger",
                "Fara för hennes liv enligt polisens bedömning; samtycke kunde inte inhämtas i "
                "tid.", (ActionInput("Ansöka om kontaktförbud", "police", 1,
                                     clock.now.date() + timedelta(days=7)),
                         ActionInput("Uppdatera säkerhetsplanen med henne", "centre", 2,
                                     clock.now.date() + timedelta(days=10))))
            version = svc.save(sid, svc.get(sid).version, people, [victim], {})
            svc.approve(sid, version)
            if number == 0:
                clock.now += timedelta(days=45)
                follow = svc.request(case_id, "Nexus", clock.now.date(), "Nexus, rum 2")
                view = svc.get(follow)
                reviews = {a.id: Review("done" if a.agency == "police" else "changed",
                                        "Klart." if a.agency == "police" else
                                        "Hon har flyttat till skyddat boende.")
                           for a in view.outstanding}
                svc.save(follow, view.version, people[:2], [], reviews)


SHELTER_PLACES = [("Rum 1", "1A"), ("Rum 1", "1B"), ("Rum 2", "2A"), ("Rum 2", "2B"),
                  ("Rum 3", "3A"), ("Rum 3", "3B"), ("Rum 3", "3C"), ("Rum 4", "4A"),
                  ("Rum 5 (anpassat)", "5A")]
HOUSING_PLACES = [("Lägenheten", "L1"), ("Lägenheten", "L2"), ("Lägenheten", "L3")]
#: (author, hours before 08.00 today, about the anonymous woman?, text)
SHIFT_NOTES = [
    ("dagny", 20.0, False, "Möte med skolan om barnen i rum 2 på torsdag."),
    ("dagny", 18.0, False, "Hantverkare kommer till rum 4 på måndag, nyckel hos dagpersonalen."),
    ("siri", 11.0, False, "Lugn kväll. Larmet testat 21.00, fungerar."),
    ("siri", 8.1, True, "Kom 23.40 via polisen med två barn. Fick rum 3 direkt, sover nu."),
    ("siri", 4.8, False, "Barnen i rum 2 vaknade 03.00, lugnade sig efter en stund."),
    ("siri", 3.7, False, "Samtal från okänt nummer 04.15, ingen svarade. Rutinen följd."),
    ("siri", 1.2, False, "Frukost framdukad. Överlämning till dagpersonalen."),
]
TURNED_AWAY = [
    (["no_place"], "other_shelter", "Kvinnojouren i grannkommunen"),
    (["substance_use"], "health", "Beroendemottagningen"),
    (["accessibility"], "other_shelter", "Boende med hiss i regionen"),
    (["male"], "on_call", "Socialjouren ordnade hotellrum"),
    (["no_place"], "womens_shelter", "Tjejjouren"),
    (["older", "accessibility"], "other", "Äldreförvaltningen"),
    (["no_place"], "on_call", ""),
    (["psychiatric"], "health", "Psykiatriska akuten"),
]


def _shelter(vault: Vault, registered: list[tuple[_Family, int, list[int]]],
             rng: random.Random) -> None:
    """The shelter and the temporary housing as they stand today: places (one out of use),
    stays of known women and their children (two left earlier, one of them not yet
    followed up), an anonymous woman admitted last night with two children, a planned
    arrival, turned-away requests over the year and the shift log of the last two days.
    Dates follow the day the demo is made, so the board is current when it is opened."""
    from rc_tui.services.shelter import AdmissionInput, ShelterService, TurnedAwayInput

    today = date.today()
    now = datetime.combine(today, datetime.min.time()).replace(hour=8)
    clock = _Clock(now)
    women = [(fam, person_ids) for fam, _case, person_ids in registered
             if fam.members[0].data.gender == "female"][-4:]
    with _as_user(vault, DEMO_MANAGER) as manager:
        svc = ShelterService(manager, screen="demo", clock=clock)
        ids = [svc.add_place("shelter", room, label) for room, label in SHELTER_PLACES]
        flat = [svc.add_place("perpetrator_housing", room, label)
                for room, label in HOUSING_PLACES]
        svc.set_out_of_use(ids[7], today - timedelta(days=5), None,
                           "Vattenskada, hantverkare nästa vecka")
        for number, (fam, person_ids) in enumerate(women):
            children = [person_ids[i] for i in fam.index_of("child")]
            if number < 2:  # stayed earlier and left
                clock.now = fam.opened + timedelta(days=1)
                result = svc.admit(AdmissionInput(
                    "shelter", None, "unit", clock.now, place_id=ids[number],
                    expected_end=clock.now.date() + timedelta(days=30),
                    existing_person_id=person_ids[0], existing_child_ids=children))
                clock.now += timedelta(days=28 + number * 9)
                svc.depart(result.stay_id, 1, clock.now, ["own_housing", "relatives"][number])
                if number == 0:
                    clock.now += timedelta(days=12)
                    svc.record_departure_followup(result.stay_id, 2,
                                                  "Nådd per telefon. Trygg i egen bostad.")
            else:  # staying now
                clock.now = now - timedelta(days=12 if number == 2 else 3)
                svc.admit(AdmissionInput(
                    "shelter", None, "police" if number == 2 else "self", clock.now,
                    place_id=ids[2] if number == 2 else ids[0],
                    expected_end=today + timedelta(days=5 if number == 2 else 40),
                    existing_person_id=person_ids[0], existing_child_ids=children))
        clock.now = now
        perpetrators = [pids[fam.index_of("perpetrator")[0]] for fam, _c, pids in registered
                        if fam.index_of("perpetrator")]
        if perpetrators:
            svc.admit(AdmissionInput("perpetrator_housing", None, "unit",
                                     now - timedelta(days=20), place_id=flat[0],
                                     expected_end=today + timedelta(days=40),
                                     existing_person_id=perpetrators[-1]))
    with _as_user(vault, "siri") as siri:
        svc = ShelterService(siri, screen="demo", clock=clock)
        clock.now = now - timedelta(hours=8, minutes=20)  # 23.40 last night
        anonymous = svc.admit(AdmissionInput(
            "shelter", PersonInput(alias="Linnea", gender="female", birth_year=1991),
            "police", clock.now, place_id=ids[4], expected_end=today + timedelta(days=30),
            children=[PersonInput(alias="Linneas son", gender="male", birth_year=2017),
                      PersonInput(alias="Linneas dotter", gender="female", birth_year=2021)],
            note="Kom med polisen efter misshandel i hemmet. Vill vara anonym."))
        clock.now = now
        svc.admit(AdmissionInput(
            "shelter", PersonInput(alias="Maja", gender="female"), "on_call",
            now + timedelta(days=2, hours=6), place_id=ids[8], planned=True,
            expected_end=today + timedelta(days=32)))
        for days_ago in range(340, 0, -29):
            reasons, referred, note = TURNED_AWAY[days_ago % len(TURNED_AWAY)]
            clock.now = now - timedelta(days=days_ago, hours=rng.randrange(0, 12))
            row = svc.register_turned_away(TurnedAwayInput(
                "shelter", clock.now, reasons, referred,
                contact=rng.choice(["", "Sara", "Okänd kvinna", "Mina"]),
                reach=rng.choice(["", "Via socialjouren", "Sms efter kl 18"]),
                children=rng.randrange(0, 3), referred_note=note))
            if days_ago > 30:
                clock.now += timedelta(days=2)
                svc.record_turned_away_followup(
                    row, 1, rng.choice(["safe", "safe", "supported", "declined"]))
        clock.now = now - timedelta(days=1)
        svc.register_turned_away(TurnedAwayInput(
            "shelter", clock.now, ["no_place"], "other_shelter", contact="Okänd kvinna",
            reach="Via socialjouren", children=1, referred_note="Skyddat boende i regionen"))
    for username, hours, about, body in SHIFT_NOTES:
        with _as_user(vault, username) as staff:
            clock.now = now - timedelta(hours=hours)
            ShelterService(staff, screen="demo", clock=clock).write_entry(
                "shelter", body, person_id=anonymous.person_id if about else None)


def _perpetrator_tracks(vault: Vault, registered: list[tuple[_Family, int, list[int]]],
                        rng: random.Random) -> None:
    """The manager assigns the perpetrator's track of most cases to the perpetrator-service
    caseworker ``per``, who writes a few signed notes there: the compartments of the
    need-to-know rules (anna sees that the perpetrator exists, per sees that track)."""
    chosen = [(fam, case_id, person_ids[fam.index_of("perpetrator")[0]])
              for fam, case_id, person_ids in registered
              if fam.index_of("perpetrator") and rng.random() < 0.6]
    if not chosen:
        return
    clock = _Clock(chosen[0][0].opened)
    with _as_user(vault, DEMO_MANAGER) as manager:
        cases = CaseService(manager, screen="demo", clock=clock)
        for fam, case_id, perp in chosen:
            clock.now = fam.opened + timedelta(days=1)
            member = next(m for m in cases.detail(case_id).members if m.person.id == perp)
            cases.assign(member.member_id, DEMO_PERPETRATOR_WORKER)
    with _as_user(vault, DEMO_PERPETRATOR_WORKER) as worker:
        records = RecordService(worker, screen="demo", clock=clock)
        for fam, case_id, perp in chosen:
            perp_index = fam.index_of("perpetrator")[0]
            gender = fam.members[perp_index].data.gender
            partner = "partnern" if fam.partner_kind == "partner" else "expartnern"
            when = fam.opened + timedelta(days=rng.randrange(3, 10), hours=2)
            for template in rng.sample(PERPETRATOR_NOTES, rng.randrange(1, 3)):
                clock.now = min(when, datetime.combine(BASE_DATE, datetime.min.time()))
                records.add_note(perp, "support_talk", _fill(template, gender, partner),
                                 sign=True, case_id=case_id)
                when += timedelta(days=rng.randrange(7, 15))


def _register(worker: Vault, rng: random.Random, fam: _Family, *,
              force_missing_report: bool) -> tuple[int, list[int]]:
    """One family's intake and records, as the demo caseworker; (case id, person ids)."""
    clock = _Clock(fam.opened)
    cases = CaseService(worker, screen="demo", clock=clock)
    records = RecordService(worker, screen="demo", clock=clock)
    result = cases.register_intake(IntakeInput(
        occurred_at=fam.opened - timedelta(hours=rng.randrange(1, 48)), channel=fam.channel,
        what_happened=fam.what_happened, immediate_danger=fam.danger,
        members=[MemberInput(m.role, m.data) for m in fam.members],
        referrer_name=fam.referrer))
    pid = result.person_ids
    victim = pid[0]
    victim_data = fam.members[0].data
    if rng.random() < 0.7:
        answers: dict[str, bool | None] = {
            key: (rng.random() < 0.3) if rng.random() < 0.9 else None
            for key in ("threat_to_kill", "strangulation", "weapon", "escalation",
                        "separation", "fear", "children_at_risk")}
        _acute_assessment(worker, clock, victim, result.case_id, result.intake_id, answers)
    perps = [pid[i] for i in fam.index_of("perpetrator")]
    children = [(pid[i], fam.members[i].data) for i in fam.index_of("child")]
    for perp in perps:
        cases.add_relation(result.case_id, victim, perp, fam.partner_kind)
    for child, _data in children:
        cases.add_relation(result.case_id, victim, child, "parent_of")
        if perps and fam.perpetrator_is_parent:
            cases.add_relation(result.case_id, perps[0], child, "parent_of")

    # Consent: to the investigation, and to exchanging information with the police.
    clock.now += timedelta(minutes=40)
    if rng.random() < 0.72:
        records.record_consent(victim, "investigation", "given",
                               "written" if rng.random() < 0.6 else "oral",
                               note="Samtycke inhämtat vid första samtalet.")
    else:
        complete = rng.random() < 0.7
        records.record_consent(
            victim, "investigation", "declined", "oral", safety_advice_given=True,
            other_actors_info_given=complete or rng.random() < 0.5,
            offer_to_return_given=complete,
            note="Vill inte ha någon utredning nu. Information om kvinnojour och skyddat "
                 "boende given.")
    if fam.channel == "police" or rng.random() < 0.35:
        state = "given" if rng.random() < 0.7 else "declined"
        records.record_consent(victim, "info_exchange", state, "written", agency="police")
        if state == "given" and rng.random() < 0.1:
            clock.now += timedelta(days=9)
            records.record_consent(victim, "info_exchange", "withdrawn", "oral",
                                   agency="police", note="Återkallat i telefonsamtal.")

    # Child welfare reports: made without delay, or a reasoned decision that none is needed.
    for index, (child, _data) in enumerate(children):
        if (force_missing_report and index == 0) or rng.random() < 0.12:
            continue
        if rng.random() < 0.75:
            records.record_child_report(
                child, result.case_id, "reported",
                "Barnet har bevittnat våld i hemmet.", report_date=fam.opened.date(),
                receiving_unit=rng.choice(RECEIVING_UNITS))
        else:
            records.record_child_report(
                child, result.case_id, "not_needed",
                "Barnet är redan aktuellt hos Barn och unga; pågående utredning sedan "
                "tidigare, handläggaren informerad.")

    # Journal notes, signed: the victim's track and sometimes a child talk.
    partner = "partnern" if fam.partner_kind == "partner" else "expartnern"
    gender = victim_data.gender
    when = fam.opened + timedelta(hours=1)
    kinds = ["contact", *rng.choices(["phone", "support_talk", "home_visit", "note"],
                                     weights=[3, 4, 1, 2], k=rng.randrange(1, 5))]
    for kind in kinds:
        clock.now = min(when, datetime.combine(BASE_DATE, datetime.min.time()))
        body = _fill(rng.choice(NOTE_TEXTS[kind]), gender, partner)
        records.add_note(victim, kind, body, sign=True, case_id=result.case_id)
        when += timedelta(days=rng.randrange(3, 15), hours=rng.randrange(0, 5))
    for child, data in children:
        if rng.random() < 0.3:
            clock.now = min(when, datetime.combine(BASE_DATE, datetime.min.time()))
            body = rng.choice(CHILD_NOTES).format(namn=data.given_name or "barnet")
            records.add_note(child, "support_talk", body, sign=True, case_id=result.case_id)
    return result.case_id, pid


# --------------------------------------------------------------------------- bulk


@dataclass
class BulkResult:
    persons: int = 0
    cases: int = 0
    notes: int = 0
    persons_s: float = 0.0
    notes_s: float = 0.0


class _Capture:
    """Stands in for a Session in ``people.index_person``: keeps the statement and values it
    would write to person_fts, so the bulk path indexes with exactly the same tokens."""

    def __init__(self) -> None:
        self.statement: Any = None
        self.rows: list[dict[str, Any]] = []

    def execute(self, statement: Any, params: dict[str, Any] | None = None) -> None:
        sql = str(getattr(statement, "text", statement))
        if sql.lstrip().upper().startswith("INSERT INTO PERSON_FTS"):
            self.statement = statement
            self.rows.append(dict(params or {}))


def _table(model: type[Any]) -> Table:
    return cast(Table, model.__table__)


def _next_id(s: Session, column: Any) -> int:
    return int(s.scalar(select(func.coalesce(func.max(column), 0))) or 0) + 1


class _CaseNumbers:
    """RC-YYYY-NNNN, counting on from what the database already holds for each year."""

    def __init__(self, s: Session) -> None:
        self.next: dict[int, int] = {}
        for (last,) in s.execute(select(func.max(Case.case_number)).where(
                Case.case_number.like("RC-____-%")).group_by(func.substr(Case.case_number, 4, 4))):
            self.next[int(last[3:7])] = int(last.rsplit("-", 1)[1]) + 1

    def make(self, year: int) -> str:
        number = self.next.get(year, 1)
        if number > 9999:
            raise ValueError(f"more than 9999 demo cases in {year}")
        self.next[year] = number + 1
        return f"RC-{year}-{number:04d}"


def _bulk_note(rng: random.Random) -> tuple[str, str]:
    kind, opening = rng.choice(BULK_OPENINGS)
    parts = [opening, *rng.sample(BULK_MIDDLES, rng.randrange(1, 4))]
    if rng.randrange(RARE_ONE_IN) == 0:
        parts.append(rng.choice(RARE_SENTENCES))
    parts.append(rng.choice(BULK_CLOSINGS))
    return kind, " ".join(parts)


# C901: one deterministic pass that writes families, cases, notes and search rows in
# batches; splitting it would pass the generator state through every helper
def generate_bulk(  # noqa: C901
    vault: Vault, persons: int, notes: int, seed: int = 7, *,
    progress: Callable[[str], None] | None = None,
) -> BulkResult:
    """Write ``persons`` synthetic persons (in families, with cases, members, relations and
    intakes) and ``notes`` signed journal notes straight into a demo database, with their
    search entries, in transactions of :data:`BATCH` rows. Deterministic for a given
    ``seed``. Refuses any database that was not created as a demo.

    One access-log entry (``demo_generated``) records the generation; the rows are
    attributed to the demo caseworker ``anna`` when she exists. Her caseload is the
    :data:`ASSIGNED_CASES` most recent open cases (victims', children's and other persons'
    tracks; the perpetrators' go to ``per``); nobody is assigned to the other cases.
    """
    _require_demo(vault)
    say = progress or (lambda _msg: None)
    result = BulkResult()
    rng = random.Random(seed)  # noqa: S311 - reproducible fiction, not secrets
    ids = _IdNumbers(rng)
    shapes = _shapes(rng, persons) if persons > 0 else []
    span_days = max(240, -(-len(shapes) // 4000) * 365)  # at most ~4,000 cases per year
    t0 = time.perf_counter()
    with vault.session() as s:
        numbers = _CaseNumbers(s)
        author = s.scalar(select(User.id).where(User.username == DEMO_CASEWORKER))
        next_person = _next_id(s, Person.id)
        next_case = _next_id(s, Case.id)
        next_member = _next_id(s, CaseMember.id)
        next_relation = _next_id(s, Relation.id)
        next_intake = _next_id(s, Intake.id)
        next_note = _next_id(s, JournalNote.id)
    author_id = author if author is not None else vault.user.id
    author_name = DEMO_CASEWORKER if author is not None else vault.user.username
    targets: list[tuple[int, int, datetime]] = []  # person, case, opened: for the notes
    weights: list[float] = []
    recent: deque[list[tuple[int, str]]] = deque(maxlen=ASSIGNED_CASES)  # open cases' members

    buf: dict[str, list[dict[str, Any]]] = {k: [] for k in (
        "persons", "cases", "case_fts", "members", "relations", "intakes", "reports")}
    capture = _Capture()

    def flush() -> None:
        if not buf["persons"]:
            return
        with vault.session(write=True) as s:
            s.execute(insert(_table(Person)), buf["persons"])
            s.execute(insert(_table(Case)), buf["cases"])
            s.execute(insert(_table(CaseMember)), buf["members"])
            if buf["relations"]:
                s.execute(insert(_table(Relation)), buf["relations"])
            s.execute(insert(_table(Intake)), buf["intakes"])
            if buf["reports"]:
                s.execute(insert(_table(ChildReport)), buf["reports"])
            s.execute(capture.statement, capture.rows)
            s.execute(text("INSERT INTO case_fts (rowid, numbers) VALUES (:id, :n)"),
                      buf["case_fts"])
        result.persons += len(buf["persons"])
        result.cases += len(buf["cases"])
        for rows in buf.values():
            rows.clear()
        capture.rows.clear()
        say(f"  {result.persons} / {persons} personer")

    person_columns = [c.key for c in Person.__table__.columns]
    weight_of = {"victim": 3.0, "perpetrator": 1.5, "child": 0.6, "other": 0.3}
    for i, shape in enumerate(shapes):
        opened = _opened(i, len(shapes), span_days, rng)
        fam = _family(rng, ids, shape, opened, protected=rng.random() < 0.05)
        closed = opened.date() < BASE_DATE - timedelta(days=365) and rng.random() < 0.8
        case_id, next_case = next_case, next_case + 1
        number = numbers.make(opened.year)
        buf["cases"].append({
            "id": case_id, "case_number": number, "status": "closed" if closed else "open",
            "opened_at": opened, "closed_at": opened + timedelta(days=120) if closed else None,
            "close_reason": "Avslutat enligt plan." if closed else None,
            "created_by_id": author_id, "version": 1})
        buf["case_fts"].append({"id": case_id, "n": case_search_numbers(number)})
        person_ids: list[int] = []
        members: list[tuple[int, str]] = []
        for m in fam.members:
            number_parsed, problems = validate(m.data, BASE_DATE)
            if problems:
                raise ValueError(f"invalid demo person: {problems}")
            p = Person(id=next_person, created_at=opened, updated_at=opened,
                       created_by_id=author_id, version=1)
            apply_input(p, m.data, number_parsed)
            index_person(cast(Session, capture), p)
            buf["persons"].append({k: getattr(p, k) for k in person_columns})
            member_id, next_member = next_member, next_member + 1
            buf["members"].append({"id": member_id, "case_id": case_id,
                                   "person_id": next_person, "role": m.role,
                                   "added_at": opened, "added_by_id": author_id})
            members.append((member_id, m.role))
            if m.role == "child" and rng.random() < 0.9:  # a few reports are missing
                reported = rng.random() < 0.75
                buf["reports"].append({
                    "child_person_id": next_person, "case_id": case_id,
                    "decision": "reported" if reported else "not_needed",
                    "report_date": opened.date() if reported else None,
                    "receiving_unit": rng.choice(RECEIVING_UNITS) if reported else None,
                    "reason": "Barnet har bevittnat våld i hemmet." if reported else
                    "Barnet är redan aktuellt hos Barn och unga.",
                    "decided_by_id": author_id, "created_at": opened})
            targets.append((next_person, case_id, opened))
            weights.append(weight_of[m.role])
            person_ids.append(next_person)
            next_person += 1
        if not closed:
            recent.append(members)
        victim = person_ids[0]
        rels: list[tuple[int, int, str]] = []
        perps = [person_ids[k] for k in fam.index_of("perpetrator")]
        for perp in perps:
            rels.append((victim, perp, fam.partner_kind))
        for k in fam.index_of("child"):
            rels.append((victim, person_ids[k], "parent_of"))
            if perps and fam.perpetrator_is_parent:
                rels.append((perps[0], person_ids[k], "parent_of"))
        for a, b, kind in rels:
            buf["relations"].append({"id": next_relation, "case_id": case_id,
                                     "from_person_id": a, "to_person_id": b, "kind": kind,
                                     "created_at": opened})
            next_relation += 1
        buf["intakes"].append({
            "id": next_intake, "case_id": case_id, "contact_person_id": victim,
            "occurred_at": opened - timedelta(hours=2), "channel": fam.channel,
            "referrer_name": fam.referrer or None, "what_happened": fam.what_happened,
            "immediate_danger": fam.danger, "created_by_id": author_id,
            "created_at": opened})
        next_intake += 1
        if len(buf["persons"]) >= BATCH:
            flush()
    flush()
    result.persons_s = time.perf_counter() - t0

    # Journal notes, spread over the persons by role, dated between the case's opening and
    # BASE_DATE; a few are unsigned drafts.
    t1 = time.perf_counter()
    end = datetime.combine(BASE_DATE, datetime.min.time())
    cumulative: list[float] = []
    total = 0.0
    for w in weights:
        total += w
        cumulative.append(total)
    written = 0
    while written < notes and targets:
        size = min(BATCH, notes - written)
        picks = rng.choices(targets, cum_weights=cumulative, k=size)
        rows: list[dict[str, Any]] = []
        fts: list[dict[str, Any]] = []
        for person_id, case_id, opened in picks:
            kind, body = _bulk_note(rng)
            span = max(0.0, (end - opened).total_seconds())
            created = opened + timedelta(seconds=int(rng.random() * span))
            rows.append({"id": next_note, "person_id": person_id, "case_id": case_id,
                         "note_type": kind, "body": body, "author_id": author_id,
                         "created_at": created,
                         "signed_at": created if rng.random() < 0.97 else None,
                         "corrects_id": None, "version": 1})
            fts.append({"id": next_note, "b": body})
            next_note += 1
        with vault.session(write=True) as s:
            s.execute(insert(_table(JournalNote)), rows)
            s.execute(text("INSERT INTO note_fts (rowid, body) VALUES (:id, :b)"), fts)
            # each signed note is sealed in the log, as signing through the service does
            sealed = integrity.content_hashes(
                s, "journal_note", [r["id"] for r in rows if r["signed_at"] is not None])
            audit.append_many(s, [
                {"action": "sign", "user_id": author_id, "username": author_name,
                 "person_id": r["person_id"], "record_type": "journal_note",
                 "record_id": r["id"], "content_hash": sealed[r["id"]], "screen": "demo",
                 "ts": r["signed_at"]}
                for r in rows if r["id"] in sealed])
        written += size
        if written % (BATCH * 20) == 0 or written == notes:
            say(f"  {written} / {notes} journalanteckningar")
    result.notes = written
    result.notes_s = time.perf_counter() - t1

    with vault.session(write=True) as s:
        perp_worker = s.scalar(select(User.id).where(User.username == DEMO_PERPETRATOR_WORKER))
        assignments = [
            {"case_member_id": member_id, "user_id": user_id, "assigned_by_id": author_id,
             "assigned_at": end, "ended_at": None}
            for case_members in recent for member_id, role in case_members
            for user_id in [perp_worker if role == "perpetrator" else author]
            if user_id is not None]
        if assignments:
            s.execute(insert(_table(Assignment)), assignments)
        audit.append(s, "demo_generated", user_id=vault.user.id, username=vault.user.username,
                     screen="demo", reason=f"{result.persons} persons, {result.notes} notes")
    return result
