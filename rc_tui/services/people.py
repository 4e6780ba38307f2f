"""Persons: registration, duplicates, the person view, changes (with optimistic locking)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Protocol

from sqlalchemy import or_, select, text
from sqlalchemy.orm import Session

from rc_tui.domain import identity, similarity
from rc_tui.domain.vocab import GENDERS, MEMBER_ROLES, PROTECTION_LEVELS, label
from rc_tui.i18n import _
from rc_tui.services.access import AccessPolicy, Capability, Level
from rc_tui.services.base import Service
from rc_tui.services.errors import ValidationError, VaultError
from rc_tui.services.risk import current_level
from storage.models import Person, PersonRestriction

MAX_TEXT = 100_000  # characters in any one free-text field
MAX_NAME = 200


@dataclass(frozen=True)
class PersonInput:
    """What a form collects about a person. Strings as typed; '' means not given."""

    given_name: str = ""
    family_name: str = ""
    alias: str = ""
    id_number: str = ""
    birth_year: int | None = None
    gender: str = "unknown"
    language: str = ""
    interpreter_needed: bool = False
    accessibility_needs: str = ""
    may_call: bool = False
    may_text: bool = False
    may_letter: bool = False
    safe_times: str = ""
    safe_address: str = ""
    protection_level: str = "none"


#: The protection level as shown to a user who may not see the person (the family
#: compartment, or the anonymous hit for a complete identity number): withheld.
WITHHELD = ""


@dataclass(frozen=True)
class PersonSummary:
    """One line about a person, for lists and search results. For a user who may only
    know that the person exists (``Level.EXISTS``): the name (unless protected) and
    nothing else – no identity-number fragment, birth date, risk or protection level."""

    id: int
    display_name: str
    masked_id: str
    birth: str
    protection_level: str
    identity_hidden: bool = False
    #: the current risk level and its date, for users with full access ("" otherwise)
    risk: str = ""

    @property
    def protected(self) -> bool:
        return self.protection_level not in ("none", WITHHELD)


@dataclass(frozen=True)
class PersonDetail:
    id: int
    version: int
    data: PersonInput
    display_name: str
    id_number: str
    masked_id: str
    birth_date: date | None
    cases: list[tuple[int, str, str, str]] = field(default_factory=list)  # id, no, role, status
    created_at: datetime | None = None
    #: Level.EXISTS: another member's compartment - only that the person exists is shown
    restricted: bool = False
    #: protected identity, not assigned and not revealed: name and number withheld
    identity_hidden: bool = False
    #: Level.FULL: the whole record, risk assessments included (not shelter staff)
    full_access: bool = False
    #: the current risk level and its date ("" when none, or not for this user)
    risk: str = ""
    #: the record is restricted while a dispute is examined (read-only; not in search
    #: but for managers) – shown to those who see more than that the person exists
    record_restricted: bool = False


def display_name(given: str | None, family: str | None, alias: str | None) -> str:
    name = " ".join(p for p in (given or "", family or "") if p.strip()).strip()
    if name and alias:
        return f"{name} «{alias}»"
    return name or (f"«{alias}»" if alias else _("(no name)"))


def _clean(text_value: str) -> str | None:
    value = text_value.strip()
    return value or None


def validate(data: PersonInput, today: date) -> tuple[identity.IdentityNumber | None, list[str]]:
    """The registration rules; returns the parsed identity number and translated problems."""
    problems: list[str] = []
    if not (data.given_name.strip() or data.family_name.strip() or data.alias.strip()):
        problems.append(_("Enter a name or an alias."))
    for value in (data.given_name, data.family_name, data.alias):
        if len(value) > MAX_NAME:
            problems.append(_("A name may have at most {n} characters.", n=MAX_NAME))
            break
    for value in (data.accessibility_needs, data.safe_times, data.safe_address, data.language):
        if len(value) > MAX_TEXT:
            problems.append(_("A text may have at most {n} characters.", n=MAX_TEXT))
            break
    number: identity.IdentityNumber | None = None
    if data.id_number.strip():
        try:
            number = identity.parse_identity_number(data.id_number, today)
        except identity.IdentityNumberError as exc:
            problems.append(exc.reason)
    if data.birth_year is not None and not 1890 <= data.birth_year <= today.year:
        problems.append(_("The birth year must be between 1890 and {year}.", year=today.year))
    if data.gender not in GENDERS:
        problems.append(_("Unknown gender code."))
    if data.protection_level not in PROTECTION_LEVELS:
        problems.append(_("Unknown protection level."))
    return number, problems


def apply_input(person: Person, data: PersonInput, number: identity.IdentityNumber | None) -> None:
    person.given_name = _clean(data.given_name)
    person.family_name = _clean(data.family_name)
    person.alias = _clean(data.alias)
    person.id_number = number.canonical if number else None
    person.id_kind = number.kind if number else None
    person.birth_date = number.birth_date if number else None
    person.birth_year = number.birth_date.year if number else data.birth_year
    person.gender = data.gender
    person.language = _clean(data.language)
    person.interpreter_needed = data.interpreter_needed
    person.accessibility_needs = _clean(data.accessibility_needs)
    person.may_call = data.may_call
    person.may_text = data.may_text
    person.may_letter = data.may_letter
    person.safe_times = _clean(data.safe_times)
    person.safe_address = _clean(data.safe_address)
    person.protection_level = data.protection_level


def to_input(p: Person) -> PersonInput:
    return PersonInput(
        given_name=p.given_name or "", family_name=p.family_name or "", alias=p.alias or "",
        id_number=p.id_number or "", birth_year=p.birth_year, gender=p.gender or "unknown",
        language=p.language or "", interpreter_needed=p.interpreter_needed,
        accessibility_needs=p.accessibility_needs or "", may_call=p.may_call,
        may_text=p.may_text, may_letter=p.may_letter, safe_times=p.safe_times or "",
        safe_address=p.safe_address or "", protection_level=p.protection_level,
    )


class PersonRow(Protocol):
    """What a line about a person is made of (``summary``): a ``Person``, or these columns
    read alone (a search's hits: no whole rows loaded for one line each)."""

    @property
    def id(self) -> int: ...

    @property
    def given_name(self) -> str | None: ...

    @property
    def family_name(self) -> str | None: ...

    @property
    def alias(self) -> str | None: ...

    @property
    def id_number(self) -> str | None: ...

    @property
    def birth_date(self) -> date | None: ...

    @property
    def birth_year(self) -> int | None: ...

    @property
    def protection_level(self) -> str: ...


def masked_id(p: PersonRow) -> str:
    if p.id_number:
        return f"{p.id_number[2:8]}-****"
    return ""


def summary(p: PersonRow) -> PersonSummary:
    birth = p.birth_date.isoformat() if p.birth_date else (str(p.birth_year) if p.birth_year
                                                            else "")
    return PersonSummary(p.id, display_name(p.given_name, p.family_name, p.alias),
                         masked_id(p), birth, p.protection_level)


def display_names(s: Session, person_ids: Iterable[int]) -> dict[int, str]:
    """Person id -> display name, in one query (due lists name many persons: one query
    per row was most of their cost). Callers check access first; a person not found is
    left out."""
    ids = set(person_ids)
    if not ids:
        return {}
    return {pid: display_name(given, family, alias) for pid, given, family, alias in s.execute(
        select(Person.id, Person.given_name, Person.family_name, Person.alias)
        .where(Person.id.in_(ids)))}


def summary_for(access: AccessPolicy, s: Session, p: PersonRow, *,
                case_id: int | None = None, risk: bool = True) -> PersonSummary:
    """``summary`` as this user may see it: protected identities are withheld from
    everyone not assigned to the person (unless revealed with the explicit key), and a
    user who may only know that the person exists (the family compartment) gets the name
    and nothing more – not even the protection level. ``case_id``: the summary is for
    that case's own list (see ``hidden_name``). ``risk=False``: without the current risk
    level (one query per person; search results do not show it)."""
    level = access.level(s, p.id)
    sees_person = level >= Level.SHELTER
    if access.identity_visible(s, p):
        if not sees_person:
            return PersonSummary(p.id, display_name(p.given_name, p.family_name, p.alias),
                                 "", "", WITHHELD)
        shown = summary(p)
        if risk and level >= Level.FULL:
            current = current_level(s, p.id)
            if current is not None:
                shown = replace(shown, risk=current.short())
        return shown
    return PersonSummary(p.id, hidden_name(access, s, p, case_id), "", "",
                         p.protection_level if sees_person else WITHHELD, True)


def hidden_name(access: AccessPolicy, s: Session, p: PersonRow,
                case_id: int | None = None) -> str:
    """What stands for a person whose identity this user may not see: "Protected person"
    and, to tell two of them apart, the person's role in the first case of theirs this
    user may see and its number – never a database id, nothing the user could not read
    in that case's member list anyway. In a list of the case itself (``case_id``), which
    shows each member's role beside the name, "Protected person" alone."""
    title = _("Protected person") if p.protection_level != "none" else _("Person")
    if case_id is not None:
        return title
    for member_case, number, role in s.execute(text(
            "SELECT c.id, c.case_number, m.role FROM case_members m "
            "JOIN cases c ON c.id = m.case_id WHERE m.person_id = :p "
            "ORDER BY c.opened_at, m.id"), {"p": p.id}):
        if access.case_visible(s, member_case):
            return _("{title} ({role} in {case})", title=title,
                     role=label(MEMBER_ROLES, role), case=number)
    return title


def search_numbers(id_number: str | None) -> list[str]:
    """The tokens of an identity number in the search index (``search_tokens``)."""
    if not id_number:
        return []
    try:
        return identity.parse_identity_number(id_number, date.max).search_tokens()
    except identity.IdentityNumberError:
        return [id_number.replace("-", "")]


#: made once: building a ``text()`` parses its statement for parameters, a tenth of the
#: bulk demo's work per person
_FTS_DELETE = text("DELETE FROM person_fts WHERE rowid = :id")
_FTS_INSERT = text("INSERT INTO person_fts (rowid, names, numbers) VALUES (:id, :n, :d)")


def index_person(s: Session, p: Person) -> None:
    """Keep the person's search entry (inside the encrypted database) up to date."""
    names = " ".join(x for x in (p.given_name, p.family_name, p.alias) if x)
    numbers = search_numbers(p.id_number)
    s.execute(_FTS_DELETE, {"id": p.id})
    s.execute(_FTS_INSERT, {"id": p.id, "n": names, "d": " ".join(numbers)})


class PeopleService(Service):
    #: set by ``find_duplicates``: matches this user may not see (never shown, only counted)
    hidden_duplicates: int = 0

    def create_in(self, s: Session, data: PersonInput) -> Person:
        """Create a person inside the caller's transaction (validated, indexed, logged)."""
        self.require(Capability.CASE_CONTENT)
        number, problems = validate(data, self.today())
        if problems:
            raise ValidationError(problems)
        now = self.clock()
        person = Person(created_at=now, updated_at=now, created_by_id=self.user.id)
        apply_input(person, data, number)
        s.add(person)
        s.flush()
        index_person(s, person)
        self.log(s, "create", person_id=person.id, record_type="person", record_id=person.id)
        return person

    def find_duplicates(self, data: PersonInput) -> list[PersonSummary]:
        """Existing persons with the same identity number, or a similar name and the same
        birth date – offered instead of registering the person twice."""
        self.require(Capability.CASE_CONTENT)
        number, _problems = validate(data, self.today())
        birth = number.birth_date if number else None
        conditions = []
        if number:
            conditions.append(Person.id_number == number.canonical)
        if birth:
            conditions.append(Person.birth_date == birth)
        if not conditions:
            return []
        found: list[PersonSummary] = []
        self.hidden_duplicates = 0
        typed_name = f"{data.given_name or data.alias} {data.family_name}"
        with self.read() as s:
            # Family members this user only knows exist (name and role, no birth date):
            # offered on the name alone, whatever birth date was typed – were the offer
            # to depend on the birth date, typing guesses would confirm it.
            known_by_name = {
                pid for pid in self.access.peer_persons(s)
                if self.access.level(s, pid) == Level.EXISTS}
            candidates = list(s.scalars(select(Person).where(or_(*conditions)).limit(200)))
            seen = {p.id for p in candidates}
            candidates += [p for p in s.scalars(select(Person).where(
                Person.id.in_(known_by_name - seen)))]
            for p in candidates:
                same_number = number is not None and p.id_number == number.canonical
                if p.id in known_by_name:
                    similar = similarity.name_similarity(
                        typed_name, f"{p.given_name or p.alias or ''} {p.family_name or ''}"
                    ) >= similarity.DEFAULT_THRESHOLD
                else:
                    similar = similarity.is_probable_duplicate(
                        data.given_name or data.alias, data.family_name, birth,
                        p.given_name or p.alias or "", p.family_name or "", p.birth_date)
                if not (same_number or similar):
                    continue
                level = self.access.level(s, p.id)
                # the identity number is part of the whole record: for anyone who may see
                # less, a match on the number alone (e.g. one made up from the birth date)
                # must not confirm whose number it is – counted as hidden, like a person
                # the user may not see at all
                offered = similar or level >= Level.FULL
                if (offered and level >= Level.EXISTS
                        and self.access.identity_visible(s, p)):
                    found.append(summary_for(self.access, s, p))
                    self.log(s, "duplicate_hit", person_id=p.id, record_type="person",
                             record_id=p.id)
                else:
                    # someone this user may not see: never show who, never link to them;
                    # counted so the screen can say so, and flagged for the log review
                    self.hidden_duplicates += 1
                    self.log(s, "duplicate_hidden", person_id=p.id, record_type="person",
                             record_id=p.id, flagged=True)
        return found

    def get(self, person_id: int) -> PersonDetail:
        """The person as this user may see them (``NoAccess`` when not at all)."""
        self.require(Capability.CASE_CONTENT)
        return self.reading(lambda s: self._get(s, person_id))

    def _get(self, s: Session, person_id: int) -> PersonDetail:
        """``get`` in the read transaction ``s`` (see ``Service.reading``)."""
        p = s.get(Person, person_id)
        if p is None:
            raise VaultError("not found")
        level = self.require_person(s, person_id, Level.EXISTS)
        rows = s.execute(text(
            "SELECT c.id, c.case_number, m.role, c.status FROM case_members m "
            "JOIN cases c ON c.id = m.case_id WHERE m.person_id = :p ORDER BY c.opened_at"
        ), {"p": person_id}).all()
        # the person's own memberships: shelter staff see a resident's case numbers
        # (for her child reports), not the case itself
        cases = [(r[0], r[1], r[2], r[3]) for r in rows
                 if level >= Level.SHELTER or self.access.case_visible(s, r[0])]
        hidden = not self.access.identity_visible(s, p)
        restricted = level == Level.EXISTS
        self.log(s, "view", person_id=p.id, record_type="person", record_id=p.id,
                 reason="compartment" if restricted else None)
        if hidden or restricted:
            shown = summary_for(self.access, s, p)
            # the family compartment: name and role only (not even the protection
            # level); a manager who has not revealed a protected identity: no name
            data = PersonInput(
                given_name="" if hidden else (p.given_name or ""),
                family_name="" if hidden else (p.family_name or ""),
                alias="" if hidden else (p.alias or ""),
                gender="unknown" if restricted else (p.gender or "unknown"),
                protection_level=WITHHELD if restricted else p.protection_level)
            return PersonDetail(
                id=p.id, version=p.version, data=data, display_name=shown.display_name,
                id_number="", masked_id="" if hidden or restricted else masked_id(p),
                birth_date=None,
                cases=cases, created_at=None, restricted=restricted, identity_hidden=hidden)
        full = level >= Level.FULL
        current = current_level(s, p.id) if full else None
        under_restriction = s.scalar(select(PersonRestriction.id).where(
            PersonRestriction.person_id == p.id,
            PersonRestriction.lifted_at.is_(None)).limit(1)) is not None
        return PersonDetail(
            id=p.id, version=p.version, data=to_input(p),
            display_name=display_name(p.given_name, p.family_name, p.alias),
            id_number=p.id_number or "", masked_id=masked_id(p), birth_date=p.birth_date,
            cases=cases, created_at=p.created_at, full_access=full,
            risk=current.short() if current else "",
            record_restricted=under_restriction,
        )

    def reveal(self, person_id: int) -> None:
        """Show a protected identity to this user for this session (explicit, logged).

        Only with full access (a manager, or emergency access): a colleague who works with
        another member of the family never gets a protected identity this way."""
        with self.write() as s:
            self.require_person(s, person_id, Level.FULL)
            self.access.grants.revealed.add(person_id)
            self.log(s, "reveal", person_id=person_id, record_type="person",
                     record_id=person_id, flagged=True)

    def emergency_access(self, person_id: int, reason: str) -> None:
        """Access for this session without need-to-know: reason required, logged, flagged
        for review."""
        self.require(Capability.CASE_CONTENT)
        if len(reason.strip()) < 10:
            raise ValidationError([_("State the reason (at least 10 characters).")])
        if len(reason) > 2000:
            raise ValidationError([_("A text may have at most {n} characters.", n=2000)])
        with self.write() as s:
            if s.get(Person, person_id) is None:
                raise VaultError("not found")
            self.access.grants.emergency.add(person_id)
            self.log(s, "emergency", person_id=person_id, record_type="person",
                     record_id=person_id, reason=reason.strip(), flagged=True)

    def update(self, person_id: int, version: int, data: PersonInput) -> int:
        """Save changes if nobody else changed the person since ``version``; new version.
        Earlier names and identity numbers are kept in the person's history."""
        from rc_tui.services.record_rights import record_name_changes

        self.require(Capability.CASE_CONTENT)
        number, problems = validate(data, self.today())
        if problems:
            raise ValidationError(problems)
        with self.versioned(f"person {person_id}") as (s, same_version):
            p = s.get(Person, person_id)
            if p is None:
                raise VaultError("not found")
            self.require_person(s, person_id, Level.SHELTER)
            same_version(p, version)
            with s.no_autoflush:  # the earlier names and number are kept (rectification)
                apply_input(p, data, number)
                record_name_changes(s, p, by_id=self.user.id, at=self.clock(), kind="edit")
            p.updated_at = self.clock()
            s.flush()
            index_person(s, p)
            self.log(s, "change", person_id=p.id, record_type="person", record_id=p.id)
            return p.version

    def summaries(self, person_ids: list[int]) -> list[PersonSummary]:
        self.require(Capability.CASE_CONTENT)
        if not person_ids:
            return []
        with self.read() as s:
            people = {p.id: p for p in s.scalars(select(Person).where(Person.id.in_(person_ids)))}
            return [summary_for(self.access, s, people[i]) for i in person_ids
                    if i in people and self.access.level(s, i) >= Level.EXISTS]



