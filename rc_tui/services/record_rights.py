"""The data subject's rights to rectification and restriction (GDPR art. 16 and 18).

* **Rectification**: a wrong name or identity number is corrected with the earlier value
  kept (``person_history``, read-only), with who corrected it and why; the person form's
  changes of those fields are kept the same way (``record_name_changes``), and a change
  made past the services gets a history row from a database trigger, so no earlier value
  is lost. The history is shown to those who may see the person's identity.
* **Restriction**: a manager restricts a person's record while a dispute is examined. The
  database's triggers then refuse every write about the person – through the services or
  past them – (``RecordRestricted``: "restricted while a dispute is examined"), search
  hides the person from everyone but managers (who see the mark), and the person view
  says so. A manager lifts it with a reason. Both are access-logged and flagged.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import insert, inspect, select, text
from sqlalchemy.orm import Session

from rc_tui.i18n import _
from rc_tui.services.access import Capability, Level
from rc_tui.services.base import Service
from rc_tui.services.errors import ValidationError, VaultError
from rc_tui.services.people import apply_input, index_person, to_input, validate
from storage.models import Person, PersonHistory, PersonRestriction, User

#: the fields whose earlier values are kept (and may be rectified)
FIELDS = ("given_name", "family_name", "alias", "id_number")
REASON_MIN = 10
REASON_MAX = 2000


@dataclass(frozen=True)
class HistoryEntry:
    """An earlier value of a field: ``kind`` is ``rectification`` (with its ``reason``),
    ``edit`` (the person form) or ``unrecorded`` (changed past rc-tui's services: no user,
    no reason)."""

    person_id: int
    field: str
    old_value: str
    new_value: str
    changed_at: datetime
    changed_by: str
    kind: str
    reason: str


@dataclass(frozen=True)
class Restriction:
    """The person's record is restricted (since when, by whom, why)."""

    person_id: int
    since: datetime
    by: str
    reason: str


def restricted_persons(s: Session) -> set[int]:
    """Persons whose record is restricted now (plain SQL: every search asks)."""
    return set(s.scalars(text(
        "SELECT person_id FROM person_restrictions WHERE lifted_at IS NULL")))


def record_name_changes(s: Session, p: Person, *, by_id: int, at: datetime, kind: str,
                        reason: str = "") -> list[str]:
    """Keep the earlier value of each name or identity-number field changed on ``p`` (set
    but not yet flushed): the history row is written *before* the person's row changes, so
    the database trigger sees the change recorded and adds none of its own. Call inside
    ``s.no_autoflush``. Returns the fields changed."""
    changed: list[str] = []
    state = inspect(p)
    for name in FIELDS:
        hist = state.attrs[name].history
        old = hist.deleted[0] if hist.deleted else None
        new = hist.added[0] if hist.added else None
        if hist.has_changes() and old != new:
            s.execute(insert(PersonHistory).values(
                person_id=p.id, field=name, old_value=old, new_value=new, changed_at=at,
                changed_by_id=by_id, kind=kind, reason=reason))
            changed.append(name)
    return changed


def _reason(reason: str) -> str:
    reason = reason.strip()
    if len(reason) < REASON_MIN:
        raise ValidationError([_("State the reason (at least 10 characters).")])
    if len(reason) > REASON_MAX:
        raise ValidationError([_("A text may have at most {n} characters.", n=REASON_MAX)])
    return reason


class RecordRightsService(Service):
    # ------------------------------------------------------------------ restriction
    def restriction(self, person_id: int) -> Restriction | None:
        """The person's restriction now (None: not restricted), for those who see more of
        the person than that they exist."""
        with self.read() as s:
            self.require_person(s, person_id, Level.SHELTER)
            row = s.scalar(select(PersonRestriction).where(
                PersonRestriction.person_id == person_id,
                PersonRestriction.lifted_at.is_(None)))
            if row is None:
                return None
            by = s.get(User, row.restricted_by_id)
            return Restriction(person_id, row.restricted_at, by.display_name if by else "",
                               row.reason)

    def restrict(self, person_id: int, reason: str) -> None:
        """Restrict the person's record (managers) while a dispute is examined."""
        self.require(Capability.RESTRICT_RECORDS)
        reason = _reason(reason)
        with self.write() as s:
            if s.get(Person, person_id) is None:
                raise VaultError("not found")
            self.require_person(s, person_id, Level.FULL)
            if person_id in restricted_persons(s):
                raise ValidationError([_("The record is restricted already.")])
            row = PersonRestriction(person_id=person_id, restricted_at=self.clock(),
                                    restricted_by_id=self.user.id, reason=reason)
            s.add(row)
            s.flush()
            self.log(s, "restrict", person_id=person_id, record_type="restriction",
                     record_id=row.id, reason=reason, flagged=True)

    def lift(self, person_id: int, reason: str) -> None:
        """Lift the restriction (managers), with the outcome of the examination."""
        self.require(Capability.RESTRICT_RECORDS)
        reason = _reason(reason)
        with self.write() as s:
            self.require_person(s, person_id, Level.FULL)
            row = s.scalar(select(PersonRestriction).where(
                PersonRestriction.person_id == person_id,
                PersonRestriction.lifted_at.is_(None)))
            if row is None:
                raise ValidationError([_("The record is not restricted.")])
            # the entry first: the database lets a restriction be lifted only just after
            # a manager's "unrestrict" entry for the person
            self.log(s, "unrestrict", person_id=person_id, record_type="restriction",
                     record_id=row.id, reason=reason, flagged=True)
            row.lifted_at = self.clock()
            row.lifted_by_id = self.user.id
            row.lift_reason = reason
            s.flush()

    # ------------------------------------------------------------------ rectification
    def rectify(self, person_id: int, version: int, field: str, value: str,
                reason: str) -> int:
        """Correct a wrong name or identity number (those with the whole record); the
        earlier value is kept in the history with the reason. Returns the new version."""
        if field not in FIELDS:
            raise ValidationError([_("Only a name, an alias or an identity number is "
                                     "rectified here.")])
        reason = _reason(reason)
        with self.versioned(f"person {person_id}") as (s, same_version):
            p = s.get(Person, person_id)
            if p is None:
                raise VaultError("not found")
            self.require_person(s, person_id, Level.FULL)
            same_version(p, version)
            changes: dict[str, object] = {field: value}
            data = replace(to_input(p), **changes)  # type: ignore[arg-type]
            number, problems = validate(data, self.today())
            if problems:
                raise ValidationError(problems)
            with s.no_autoflush:
                apply_input(p, data, number)
                changed = record_name_changes(s, p, by_id=self.user.id, at=self.clock(),
                                              kind="rectification", reason=reason)
            if not changed:
                raise ValidationError([_("The new value is the same as the old one.")])
            p.updated_at = self.clock()
            s.flush()
            index_person(s, p)
            self.log(s, "rectify", person_id=p.id, record_type="person", record_id=p.id,
                     reason=f"{field}: {reason}", flagged=True)
            return p.version

    def history(self, person_id: int) -> list[HistoryEntry]:
        """The earlier names and identity numbers, newest first – for those who may see
        the person's identity (a protected identity's history is as hidden as the
        identity itself)."""
        with self.read() as s:
            p = s.get(Person, person_id)
            if p is None:
                raise VaultError("not found")
            self.require_person(s, person_id, Level.SHELTER)
            if not self.access.identity_visible(s, p):
                return []
            users = {u.id: u.display_name for u in s.scalars(select(User))}
            rows = s.scalars(select(PersonHistory).where(PersonHistory.person_id == person_id)
                             .order_by(PersonHistory.id.desc())).all()
            if rows:  # what is shown is logged (nothing to show, nothing read)
                self.log(s, "view", person_id=person_id, record_type="person_history",
                         record_id=person_id)
            return [HistoryEntry(person_id, r.field, r.old_value or "", r.new_value or "",
                                 r.changed_at, users.get(r.changed_by_id or 0, ""), r.kind,
                                 r.reason)
                    for r in rows]
