"""Making an outage pack and listing the packs made (the shared database's side).

What goes into a pack is chosen here with the same ``AccessPolicy`` the services answer
every read with – never more: the persons of the user's caseload (their own tracks; for
those who work a board, its current residents) whose record and identity the user may see
(``Level.SHELTER`` or more, identity visible), and of each of them only the tables the
user's level reaches (``TABLES``: ``Level.FULL`` for assessments, investigations,
decisions, plans, safety plans and partner contacts; the last ``JOURNAL_NOTES`` journal
notes). The other members of those cases whom the user only knows to exist
(``Level.EXISTS``) come as they are shown at that level – name and role in the case, and
nothing else (``PEER_COLUMNS``; not at all when their identity is protected): a partner
contact needs her. Every table of the schema is either in ``TABLES`` or in ``LEFT_OUT`` with the
reason (a test keeps the two complete), so a new table is decided on, never copied by
default.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Table, select, true
from sqlalchemy.orm import Session

from rc_tui.i18n import _
from rc_tui.services.access import Capability, Level
from rc_tui.services.base import Service
from rc_tui.services.errors import NoAccess, ValidationError
from storage import audit
from storage.install import SETTING_RANGES
from storage.models import JournalNote, Pack, Person, ShiftEntry, Stay, User
from storage.pack import (
    PackInfo,
    carry_seals,
    check_passphrase,
    copy_rows,
    default_pack_path,
    insert_rows,
    new_pack,
    new_uid,
    table,
)
from storage.roles import Role

#: the last journal notes of each person that go into a pack
JOURNAL_NOTES = 20
#: the days of the shift log that go into a shelter worker's pack
SHIFT_LOG_DAYS = 3

#: table -> (the column naming the person, the level the user needs for that person)
TABLES: dict[str, tuple[str, Level]] = {
    "persons": ("id", Level.SHELTER),
    "consents": ("person_id", Level.SHELTER),
    "child_reports": ("child_person_id", Level.SHELTER),
    "journal_notes": ("person_id", Level.SHELTER),
    "stays": ("person_id", Level.SHELTER),
    "intakes": ("contact_person_id", Level.FULL),
    "assessments": ("person_id", Level.FULL),
    "investigations": ("person_id", Level.FULL),
    "decisions": ("person_id", Level.FULL),
    "plan_items": ("person_id", Level.FULL),
    "followups": ("person_id", Level.FULL),
    "partner_contacts": ("person_id", Level.FULL),
    "safety_plans": ("person_id", Level.FULL),
}
#: what a pack holds of a person the user knows only to exist: the name and nothing else
PEER_COLUMNS = ("id", "given_name", "family_name", "alias", "protection_level", "created_at",
                "updated_at", "version")

#: copied first, in this order (then the rest)
COPY_FIRST = ("users", "persons", "cases", "case_members", "assignments", "relations",
              "intakes", "places", "place_out_of_use", "stays")

#: tables copied by their own rule (``_select``)
DERIVED = {
    "case_members": "the memberships of the persons in the pack, and of the other members "
                    "of their cases (``PEER_COLUMNS``)",
    "cases": "the cases of the copied memberships",
    "assignments": "the assignments of the copied memberships",
    "relations": "relations between two persons in the pack",
    "closures": "closures of a copied case (of the case, or of a person in the pack)",
    "users": "the staff list (names and roles; no case data): records name their authors",
    "places": "the facility's rooms and beds (no case data), for those who work a board",
    "place_out_of_use": "the same",
    "shift_entries": "the last days of the shift log, for shelter staff: entries about "
                     "nobody or about a person in the pack",
    "shift_reads": "the handover marks of the copied entries",
    "person_restrictions": "a restriction not lifted of a person in the pack, without its "
                           "reasons (RESTRICTION_COLUMNS): the pack refuses to add to the "
                           "record as the database does",
}
#: what a pack holds of a restriction: that it is there (its triggers do the rest)
RESTRICTION_COLUMNS = ("id", "person_id", "restricted_at", "restricted_by_id")
#: tables never copied, and why
LEFT_OUT = {
    "meta": "the pack has its own (its id, audit key, expiry)",
    "access_log": "the pack keeps its own access log (merged back)",
    "audit_head": "the same",
    "access_log_reviews": "the log review stays with the database",
    "person_links": "linking records is a manager's act in the database",
    "turned_away": "not anyone's caseload",
    "samrad": "coordination meetings are not held in an outage",
    "samrad_participants": "the same",
    "samrad_persons": "the same",
    "samrad_actions": "the same",
    "drafts": "a user's drafts stay where they were typed",
    "session_series": "talks and groups are recorded once the connection is back",
    "series_members": "the same",
    "series_sessions": "the same",
    "session_attendance": "the same",
    "recontacts": "the same",
    "referrals": "the same",
    "packs": "the registry of packs stays with the database",
    "pack_operations": "filled in the pack",
    "pack_merges": "the registry of merges stays with the database",
    "alembic_version": "written by the pack's own schema upgrade",
    "person_history": "earlier names and identity numbers stay with the database",
    "extract_reviews": "record extracts are made in the database",
    "extract_decisions": "the same",
    "retention_keeps": "keep decisions are a manager's act in the database",
    "retention_culling": "a marker that exists only inside a cull's transaction",
}


@dataclass(frozen=True)
class PackMade:
    uid: str
    path: Path
    expires_at: datetime
    persons: tuple[int, ...]


@dataclass(frozen=True)
class PackRow:
    """A pack in the registry (``pack list``)."""

    uid: str
    username: str
    created_at: datetime
    expires_at: datetime
    persons: int
    status: str
    merged_at: datetime | None
    open_items: int  # conflicts, refusals and duplicates left for a person to decide


def _ids(s: Session, t: Table, where: Any) -> list[int]:
    return list(s.scalars(select(t.c.id).where(where)))


class PackService(Service):
    """``PackService(vault)``: make an outage pack for the signed-in user; list packs."""

    def _caseload(self, s: Session) -> dict[int, Level]:
        """The persons a pack of this user holds, with the user's level for each."""
        wanted = set(self.access.assigned_persons(s))
        if self.access.can(Capability.SHELTER_BOARD) or self.access.can(Capability.RESIDENTS):
            wanted |= set(s.scalars(select(Stay.person_id).where(
                Stay.facility == "shelter", Stay.departed_at.is_(None))))
        if self.access.can(Capability.HOUSING_BOARD):
            wanted |= set(s.scalars(select(Stay.person_id).where(
                Stay.facility == "perpetrator_housing", Stay.departed_at.is_(None))))
        out: dict[int, Level] = {}
        for person in s.scalars(select(Person).where(Person.id.in_(wanted))):
            level = self.access.level(s, person.id)
            if level >= Level.SHELTER and self.access.identity_visible(s, person):
                out[person.id] = level
        return out

    def _select(self, s: Session, levels: dict[int, Level]) -> dict[str, list[int]]:
        """Table -> the row ids that go into the pack."""
        chosen: dict[str, list[int]] = {}
        for name, (column, needed) in TABLES.items():
            persons = [p for p, level in levels.items() if level >= needed]
            t = table(name)
            chosen[name] = _ids(s, t, t.c[column].in_(persons)) if persons else []
        notes: list[int] = []
        for pid in levels:
            notes += s.scalars(select(JournalNote.id).where(JournalNote.person_id == pid)
                               .order_by(JournalNote.created_at.desc(), JournalNote.id.desc())
                               .limit(JOURNAL_NOTES))
        chosen["journal_notes"] = notes
        members = table("case_members")
        # the cases the user may see as cases (a shelter worker sees residents, not their
        # cases: no case row, closure reason or who works which track goes into her pack)
        case_ids = sorted(c for c in set(s.scalars(select(members.c.case_id).where(
            members.c.person_id.in_(list(levels))))) if self.access.case_visible(s, c))
        chosen["case_members"] = _ids(s, members, members.c.person_id.in_(list(levels))
                                      & members.c.case_id.in_(case_ids))
        chosen["cases"] = case_ids
        # the other members of those cases, as the user sees them (``PEER_COLUMNS``)
        peers: list[int] = []
        for member_id, person_id in s.execute(select(members.c.id, members.c.person_id).where(
                members.c.case_id.in_(case_ids), members.c.person_id.not_in(list(levels)))):
            person = s.get(Person, person_id)
            if person is not None and self.access.level(s, person_id) >= Level.EXISTS \
                    and self.access.identity_visible(s, person):
                peers.append(person_id)
                chosen["case_members"].append(member_id)
        chosen["peers"] = sorted(set(peers))
        chosen["assignments"] = _ids(s, table("assignments"),
                                     table("assignments").c.case_member_id.in_(
                                         chosen["case_members"]))
        rel = table("relations")
        chosen["relations"] = _ids(s, rel, rel.c.from_person_id.in_(list(levels))
                                   & rel.c.to_person_id.in_(list(levels)))
        clo = table("closures")
        chosen["closures"] = _ids(s, clo, clo.c.case_id.in_(case_ids) & (
            clo.c.person_id.is_(None) | clo.c.person_id.in_(list(levels))))
        chosen["users"] = list(s.scalars(select(User.id)))
        boards = self.access.can(Capability.SHELTER_BOARD) or \
            self.access.can(Capability.HOUSING_BOARD)
        chosen["places"] = _ids(s, table("places"), true()) if boards else []
        chosen["place_out_of_use"] = _ids(s, table("place_out_of_use"), true()) \
            if boards else []
        entries: list[int] = []
        if self.access.can(Capability.SHIFT_HANDOVER):
            since = self.clock() - timedelta(days=SHIFT_LOG_DAYS)
            entries = list(s.scalars(select(ShiftEntry.id).where(
                ShiftEntry.written_at >= since,
                ShiftEntry.person_id.is_(None) | ShiftEntry.person_id.in_(list(levels)))))
        chosen["shift_entries"] = entries
        reads = table("shift_reads")
        chosen["shift_reads"] = _ids(s, reads, reads.c.entry_id.in_(entries))
        return chosen

    def create(self, out: Path, passphrase: str, *, days: int | None = None) -> PackMade:
        """Make the pack ``out`` (and ``out.keys``) for this user, sealed with
        ``passphrase`` (the user's own: it opens the pack and nothing else does), opening
        for ``days`` (default: the setting ``pack_days``). The registry and the access log
        (one entry per person in it) are written in the transaction the rows are read in."""
        self.require(Capability.CASE_CONTENT)
        valid_days = int(days if days is not None else self.vault.setting("pack_days"))
        lo, hi = SETTING_RANGES["pack_days"]
        if not lo <= valid_days <= hi:
            raise ValidationError([_("A pack opens for 1 to 14 days.")])
        check_passphrase(self.vault, passphrase)  # the user's own, as they logged in with
        settings = {name: self.vault.setting(name)
                    for name in ("idle_timeout_seconds", "session_lifetime_seconds")}
        now = self.clock()
        expires = now + timedelta(days=valid_days)
        info = PackInfo(new_uid(), self.vault.db_id, self.user.username, expires)
        with self.write() as s:
            me = s.get(User, self.user.id)
            if me is None:
                raise NoAccess(None, "pack", None)
            levels = self._caseload(s)
            chosen = self._select(s, levels)
            with new_pack(out, info, passphrase=passphrase, user=me, settings=settings,
                          source=s) as target:
                # what others refer to first (the pack checks no foreign key while it is
                # filled, but the order keeps it readable), the persons by name only too
                for name in (*COPY_FIRST, *[n for n in chosen if n not in COPY_FIRST]):
                    if name == "peers":
                        continue
                    if name == "persons":
                        persons = table("persons")
                        insert_rows(target, "persons", [dict(r) for r in s.execute(
                            select(*[persons.c[c] for c in PEER_COLUMNS]).where(
                                persons.c.id.in_(chosen["peers"]))).mappings()])
                    copy_rows(s, target, name, chosen.get(name, []))
                # last: from here on the restricted persons' rows refuse every insert
                restrictions = table("person_restrictions")
                insert_rows(target, "person_restrictions", [
                    {**dict(r), "reason": "", "lift_reason": ""} for r in s.execute(
                        select(*[restrictions.c[c] for c in RESTRICTION_COLUMNS]).where(
                            restrictions.c.person_id.in_(list(levels)),
                            restrictions.c.lifted_at.is_(None))).mappings()])
                carry_seals(s, target, user_id=self.user.id, username=self.user.username)
                held = sorted(set(levels) | set(chosen["peers"]))
                pack = Pack(uid=info.uid, user_id=self.user.id, created_at=now,
                            expires_at=expires, persons=json.dumps(held), status="issued")
                s.add(pack)
                s.flush()
                self.log(s, "pack_create", record_type="pack", record_id=pack.id,
                         reason=f"{len(held)} persons ({len(chosen['peers'])} by name only), "
                                f"expires {expires:%Y-%m-%d %H:%M}")
                audit.append_many(s, [
                    {"action": "pack_create", "user_id": self.user.id,
                     "username": self.user.username, "screen": self.screen,
                     "person_id": pid, "record_type": "pack", "record_id": pack.id}
                    for pid in held])
        return PackMade(info.uid, Path(out), expires, tuple(held))

    def suggested_path(self) -> Path:
        """Where the app puts a new pack of this user (their own data folder)."""
        self.require(Capability.CASE_CONTENT)  # administrators make no packs
        return default_pack_path(self.user.username, self.clock())

    def packs(self) -> list[PackRow]:
        """The packs of this user; a manager sees every pack (what is outside, until
        when, and what came back)."""
        from storage.models import PackMerge

        self.require(Capability.CASE_CONTENT)
        with self.audited("pack", check=lambda _s: None, action="pack_list") as s:
            query = select(Pack, User.username).join(User, User.id == Pack.user_id)
            if self.user.role is not Role.MANAGER:
                query = query.where(Pack.user_id == self.user.id)
            rows = s.execute(query.order_by(Pack.created_at)).all()
            out: list[PackRow] = []
            for pack, username in rows:
                open_items = len(list(s.scalars(select(PackMerge.id).where(
                    PackMerge.pack_id == pack.id,
                    PackMerge.outcome.in_(("conflict", "refused", "duplicate"))))))
                out.append(PackRow(pack.uid, username, pack.created_at, pack.expires_at,
                                   len(json.loads(pack.persons)), pack.status,
                                   pack.merged_at, open_items))
            return out
