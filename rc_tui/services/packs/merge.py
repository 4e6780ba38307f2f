"""Bringing an outage pack back: its operations replayed through the database's services.

Each recorded operation is called again on the shared database, as the pack's user (or, for
a user revoked since, as the manager who approves it), through the same service method –
so the access rules, the validation and the access log apply as if it were typed there
now. What the merge did with it (``pack_merges``) is written in that call's own
transaction (``RecordingVault.carrying``): a merge that stops half way resumes where it
stopped and never applies an operation twice.

* a versioned edit whose record changed meanwhile is a **conflict**: not applied, kept with
  both sides (``MergeItem.sides``) and the pack's own arguments for the user to decide –
  nothing is overwritten. ``conflicts`` lists those still open, with the database's values
  as they are now; ``resolve`` keeps the database's values, or applies the pack's through
  the normal versioned update resting on the version the user saw (a change made meanwhile
  is a new conflict, never an overwrite);
* an operation the user may no longer do (lost access, the person's track closed) is
  **refused** and listed for a manager;
* an intake is merged and its persons matched against the database's: possible
  **duplicates** are listed;
* records made in the pack get new ids here: later operations that refer to them are
  translated (``IdMap``); one that refers to a record whose own operation was not merged
  is refused, never pointed at whatever has that id here.

Then the pack's own access log is appended to the database's (marked with the pack), and
the pack is marked merged: a second merge is refused.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from rc_tui.services.access import Capability
from rc_tui.services.base import Service
from rc_tui.services.errors import (
    ConflictError,
    NoAccess,
    PermissionDenied,
    ValidationError,
    VaultError,
)
from rc_tui.services.packs import codec
from rc_tui.services.packs.recording import SUPPORTED, OpSpec
from storage import audit
from storage.errors import NotAPack, PackMerged
from storage.models import (
    AccessLog,
    CaseMember,
    Decision,
    JournalNote,
    Pack,
    PackMerge,
    PackOperation,
    Person,
    User,
    UserStatus,
)
from storage.pack import PackInfo, PackVault, RecordingVault, open_pack, pack_info
from storage.roles import Role

if TYPE_CHECKING:
    from rc_tui.services.people import PersonInput, PersonSummary

#: argument names that refer to a record, and its kind
REFS: dict[str, str] = {
    "person_id": "person", "existing_person_id": "person", "perpetrator_id": "person",
    "partner_id": "person", "child_person_id": "person", "existing_child_ids": "person",
    "case_id": "case", "note_id": "journal_note", "corrects_id": "journal_note",
    "decision_id": "decision", "entry_ids": "shift_entry",
}
#: fields of a returned dataclass that name a record made by the call, and its kind
MADE: dict[str, str] = {
    "case_id": "case", "intake_id": "intake", "person_ids": "person", "person_id": "person",
    "child_ids": "person", "stay_id": "stay",
}
#: outcomes left for a person to decide
OPEN = ("conflict", "refused", "duplicate")
#: what the user chose for a conflict: the database's values kept, the pack's applied
RESOLVED = {"database": "kept", "pack": "applied"}


@dataclass(frozen=True)
class MergeItem:
    op_id: int
    what: str  # "RecordService.add_note"
    outcome: str  # merged, conflict, refused, duplicate
    detail: str
    #: a conflict: (field, in the pack, in the database) for each field that differs
    sides: tuple[tuple[str, str, str], ...] = ()
    #: possible duplicates of an intake's persons: (id, name as this user may see it)
    persons: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class PackConflict:
    """An open conflict of a merged pack: the pack's edit of a person and the person as
    stored now. Applying the pack's rests on ``version`` – the one read here."""

    op_id: int
    person_id: int
    name: str
    version: int
    pack: PersonInput
    database: PersonInput


@dataclass(frozen=True)
class MergeReport:
    uid: str
    items: tuple[MergeItem, ...]
    log_entries: int
    approved_by: str | None

    def open_items(self) -> list[MergeItem]:
        return [i for i in self.items if i.outcome in OPEN]


def made_ids(spec: OpSpec, result: Any) -> list[tuple[str, int]]:
    """The records a call made, in order, from what it returned (stored JSON form)."""
    if spec.returns is not None:
        return [(spec.returns, int(result))] if isinstance(result, int) else []
    found: list[tuple[str, int]] = []
    if isinstance(result, dict) and "$t" in result:
        for name, value in dict(result.get("f", {})).items():
            kind = MADE.get(name)
            if kind is None:
                continue
            for v in value if isinstance(value, list) else [value]:
                if isinstance(v, int) and not isinstance(v, bool):
                    found.append((kind, v))
    return found


class IdMap:
    """Records made in the pack -> the same records made here by the merge."""

    def __init__(self) -> None:
        self.made_in_pack: set[tuple[str, int]] = set()
        self.ids: dict[tuple[str, int], int] = {}
        self.versions: dict[tuple[str, int, int], int] = {}

    def learn(self, spec: OpSpec, args: Any, pack_result: Any, here_result: Any) -> None:
        for (kind, old), (_k, new) in zip(made_ids(spec, pack_result),
                                          made_ids(spec, here_result), strict=False):
            self.ids[(kind, old)] = new
        if spec.edits is not None and isinstance(pack_result, int) \
                and isinstance(here_result, int):
            kind, arg = spec.edits
            record = _arg(args, arg)
            if isinstance(record, int):
                self.versions[(kind, self.ids.get((kind, record), record), pack_result)] = \
                    here_result

    def translate(self, value: Any, key: str | None = None) -> Any:
        """``value`` (stored JSON form) with every reference to a record made in the pack
        replaced by the record made here; ``KeyError`` when that one was not merged."""
        kind = REFS.get(key or "")
        if kind is not None and isinstance(value, int) and not isinstance(value, bool):
            if (kind, value) in self.made_in_pack:
                return self.ids[(kind, value)]
            return value
        if isinstance(value, list):
            return [self.translate(v, key) for v in value]
        if isinstance(value, dict):
            if "$t" in value:
                return {"$t": value["$t"], "f": {k: self.translate(v, k)
                                                  for k, v in dict(value["f"]).items()}}
            if "$m" in value and key is None:  # the top level: the call's arguments
                return {"$m": {k: self.translate(v, k) for k, v in dict(value["$m"]).items()}}
        return value


#: the person(s) an existing record of each kind belongs to: (their column, the record's)
_OWNERS: dict[str, tuple[Any, Any]] = {
    "journal_note": (JournalNote.person_id, JournalNote.id),
    "decision": (Decision.person_id, Decision.id),
    "case": (CaseMember.person_id, CaseMember.case_id),
}


def _references(value: Any, key: str | None = None) -> Iterator[tuple[str, int]]:
    """Every record an operation's stored arguments name (``REFS``), as (kind, id)."""
    kind = REFS.get(key or "")
    if kind is not None and isinstance(value, int) and not isinstance(value, bool):
        yield kind, value
    elif isinstance(value, list):
        for v in value:
            yield from _references(v, key)
    elif isinstance(value, dict):
        inner = value.get("f") if "$t" in value else value.get("$m")
        if isinstance(inner, dict):
            for k, v in inner.items():
                yield from _references(v, k)


def _conflict_args(detail: str | None) -> dict[str, Any] | None:
    """The pack's arguments of a person's edit kept with its conflict (decoded)."""
    try:
        stored = json.loads(detail or "")
    except ValueError:
        return None
    args = stored.get("args") if isinstance(stored, dict) else None
    if args is None:
        return None
    kwargs = codec.decode(args)
    return kwargs if isinstance(kwargs.get("person_id"), int) else None


def _arg(args: Any, name: str) -> Any:
    if isinstance(args, dict) and "$m" in args:
        return dict(args["$m"]).get(name)
    return None


def _service(name: str) -> Callable[..., Service]:
    from rc_tui.services.cases import CaseService
    from rc_tui.services.people import PeopleService
    from rc_tui.services.records import RecordService
    from rc_tui.services.safety import PartnerContactService
    from rc_tui.services.shelter import ShelterService

    classes: dict[str, Callable[..., Service]] = {
        "CaseService": CaseService, "PeopleService": PeopleService,
        "RecordService": RecordService, "PartnerContactService": PartnerContactService,
        "ShelterService": ShelterService}
    return classes[name]


class PackMergeService(Service):
    """``PackMergeService(vault)`` on the shared database, opened as a ``RecordingVault``
    by the pack's user (or by the manager who approves a revoked user's pack)."""

    @staticmethod
    def describe(path: Path) -> PackInfo:
        """What the pack's key file says (whose, until when) – no secret, nothing opened."""
        info = pack_info(Path(path))
        if info is None:
            raise NotAPack(str(path))
        return info

    def merge_file(self, path: Path, passphrase: str) -> MergeReport:
        """Open the pack ``path`` with its user's passphrase (expired or not: what was typed
        in it comes back whenever that is), merge it, close it."""
        info = self.describe(path)
        pack = open_pack(Path(path), info.username, passphrase, expired_ok=True)
        try:
            return self.merge(pack)
        finally:
            pack.close("logout")

    def merge(self, pack: PackVault) -> MergeReport:
        vault = self.vault
        if not isinstance(vault, RecordingVault):
            raise VaultError("the merge needs a recording vault")
        info = pack.info
        if info.source_db_id != vault.db_id:
            raise NotAPack("made from another database")
        with pack.session() as ps:
            ops = [(o.id, o.service, o.method, o.args, o.result)
                   for o in ps.scalars(select(PackOperation).order_by(PackOperation.id))]
        approved_by: str | None = None
        with self.write() as s:
            reg = s.scalar(select(Pack).where(Pack.uid == info.uid))
            if reg is None:
                raise NotAPack("not in this database's registry")
            if reg.status == "merged":
                raise PackMerged(info.uid)
            owner = s.get(User, reg.user_id)
            if owner is None or owner.username != info.username:
                raise NotAPack("the pack's user")
            if owner.id != self.user.id:
                # only the pack's own user merges it; a manager approves the pack of a
                # user revoked since (whose own login no longer opens the database)
                if self.user.role is not Role.MANAGER or \
                        owner.status == UserStatus.ACTIVE.value:
                    raise PermissionDenied("pack of another user")
                reg.approved_by_id = self.user.id
                approved_by = self.user.username
                self.log(s, "pack_merge_approved", record_type="pack", record_id=reg.id,
                         reason=f"pack of revoked user {owner.username}", flagged=True)
            pack_id, owner_id, owner_name = reg.id, owner.id, owner.username
            # the persons the pack was made with: no operation may reach anyone else,
            # whatever rows its holder wrote into the file (an approved merge of a revoked
            # user's pack runs with the manager's rights)
            held = {int(p) for p in json.loads(reg.persons or "[]")}
            done = {m.op_id: (m.outcome, m.result, m.detail)
                    for m in s.scalars(select(PackMerge).where(PackMerge.pack_id == pack_id))}
        ids = IdMap()
        for _id, service, method, _args, result in ops:
            spec = SUPPORTED.get((service, method))
            if spec is not None:
                ids.made_in_pack |= set(made_ids(spec, codec.plain(result)))
        items: list[MergeItem] = []
        for op_id, service, method, args, result in ops:
            what = f"{service}.{method}"
            spec = SUPPORTED.get((service, method))
            if op_id in done:
                outcome, here, detail = done[op_id]
                if outcome in ("merged", "duplicate") and spec is not None:
                    ids.learn(spec, codec.plain(args), codec.plain(result), codec.plain(here))
                items.append(MergeItem(op_id, what, outcome, detail or ""))
                continue
            outside = self._outside_pack(args, ids, held)
            if outside is not None:
                items.append(self._settle(pack_id, op_id, what, "refused", outside))
                continue
            items.append(self._replay(pack_id, op_id, what, spec, args, result, ids))
        log_entries = self._merge_log(pack, pack_id, owner_id, owner_name, ids, done)
        with self.write() as s:
            reg = s.get(Pack, pack_id)
            assert reg is not None
            reg.status = "merged"
            reg.merged_at = self.clock()
            reg.merged_by_id = self.user.id
            counts = {o: sum(1 for i in items if i.outcome == o)
                      for o in ("merged", *OPEN)}
            self.log(s, "pack_merge", record_type="pack", record_id=pack_id,
                     reason=", ".join(f"{k} {v}" for k, v in counts.items()),
                     flagged=bool(counts["conflict"] or counts["refused"]))
        return MergeReport(info.uid, tuple(items), log_entries, approved_by)

    # ------------------------------------------------------------------ open conflicts
    def conflicts(self, uid: str) -> list[PackConflict]:
        """The conflicts of the merged pack ``uid`` nobody has decided yet, each with the
        person as stored now (read as this user may see them: ``NoAccess`` on one the user
        can no longer see)."""
        from rc_tui.services.people import PeopleService

        with self.read() as s:
            pack_id = self._own_pack(s, uid)
            rows = [(m.op_id, m.detail) for m in s.scalars(select(PackMerge).where(
                PackMerge.pack_id == pack_id, PackMerge.outcome == "conflict")
                .order_by(PackMerge.op_id))]
        people = PeopleService(self.vault, screen="pack_merge", clock=self.clock)
        out: list[PackConflict] = []
        for op_id, detail in rows:
            kwargs = _conflict_args(detail)
            if kwargs is None:  # not an edit of a person: nothing to apply from here
                continue
            try:
                now = people.get(kwargs["person_id"])
            except NoAccess:  # no longer hers to see (the refusal is logged): a manager's
                continue
            out.append(PackConflict(op_id, now.id, now.display_name, now.version,
                                    kwargs["data"], now.data))
        return out

    def resolve(self, uid: str, op_id: int, choice: str,
                version: int) -> PackConflict | None:
        """Decide the conflict ``op_id`` of the pack ``uid``: ``"database"`` keeps the
        stored values; ``"pack"`` applies the pack's through ``PeopleService.update``
        resting on ``version`` – the database's version the user saw – logged as any
        edit, and the conflict marked decided in that same transaction. When the person
        changed again meanwhile nothing is written: the new conflict is returned."""
        from rc_tui.services.people import PeopleService

        if choice not in RESOLVED:
            raise ValueError(choice)
        with self.read() as s:
            pack_id = self._own_pack(s, uid)
            row = s.scalar(select(PackMerge).where(PackMerge.pack_id == pack_id,
                                                   PackMerge.op_id == op_id,
                                                   PackMerge.outcome == "conflict"))
            if row is None:
                raise VaultError("not found")
            kwargs = _conflict_args(row.detail)
            row_id = row.id
        if kwargs is None:
            raise VaultError("not found")
        person_id: int = kwargs["person_id"]
        people = PeopleService(self.vault, screen="pack_merge", clock=self.clock)
        if choice == "pack":
            vault = self.vault
            if not isinstance(vault, RecordingVault):
                raise VaultError("the merge needs a recording vault")
            with self.read() as s:  # detached, changed, and added again by the update's
                # own transaction: the decision is written with the edit or not at all
                marker = s.get(PackMerge, row_id)
                assert marker is not None
            marker.outcome, marker.at, marker.by_id = RESOLVED[choice], self.clock(), \
                self.user.id
            try:
                with vault.carrying(lambda: marker):
                    people.update(person_id, version, kwargs["data"])
            except ConflictError:
                now = people.get(person_id)
                return PackConflict(op_id, now.id, now.display_name, now.version,
                                    kwargs["data"], now.data)
            with self.write() as s:
                self.log(s, "pack_merge_resolved", person_id=person_id,
                         record_type="pack", record_id=pack_id,
                         reason=f"operation {op_id}: the pack's values applied")
            return None
        with self.write() as s:
            stored = s.get(PackMerge, row_id)
            assert stored is not None
            if stored.outcome != "conflict":
                raise VaultError("not found")
            stored.outcome, stored.at, stored.by_id = RESOLVED[choice], self.clock(), \
                self.user.id
            self.log(s, "pack_merge_resolved", person_id=person_id, record_type="pack",
                     record_id=pack_id, reason=f"operation {op_id}: the database's values kept")
        return None

    def _own_pack(self, s: Any, uid: str) -> int:
        """The registry id of the pack ``uid``, if this user may decide its conflicts: its
        own user, or a manager (who sees every pack and approves a revoked user's)."""
        self.require(Capability.CASE_CONTENT)
        reg = s.scalar(select(Pack).where(Pack.uid == uid))
        if reg is None:
            raise NotAPack("not in this database's registry")
        if reg.user_id != self.user.id and self.user.role is not Role.MANAGER:
            raise PermissionDenied("pack of another user")
        return int(reg.id)

    def _outside_pack(self, args: str, ids: IdMap, held: set[int]) -> str | None:
        """Why the operation reaches beyond the persons the pack was made with (None: it
        does not). A record made in the pack is checked where it was made; an existing
        note, case or decision belongs to the pack when its person (a member) is held."""
        try:
            refs = list(_references(codec.plain(args)))
        except ValueError:
            return "unreadable"
        existing = [(k, v) for k, v in refs if (k, v) not in ids.made_in_pack]
        with self.read() as s:
            for kind, record in existing:
                if kind == "person":
                    persons = {record}
                elif kind in _OWNERS:
                    person, key = _OWNERS[kind]
                    persons = set(s.scalars(select(person).where(key == record)))
                else:  # a shift-log entry marked read: the board's, not a person's record
                    continue
                if not persons & held:
                    return "reaches a record of someone the pack was not made with"
        return None

    def _replay(self, pack_id: int, op_id: int, what: str, spec: OpSpec | None,
                args: str, pack_result: str | None, ids: IdMap) -> MergeItem:
        vault = self.vault
        assert isinstance(vault, RecordingVault)
        if spec is None:
            return self._settle(pack_id, op_id, what, "refused",
                                "not an operation an outage pack may carry")
        service, method = what.split(".", 1)
        stored = codec.plain(args)
        try:
            translated = ids.translate(stored)
        except KeyError:
            return self._settle(pack_id, op_id, what, "refused",
                                "refers to a record whose own operation was not merged")
        if spec.version_arg is not None and spec.edits is not None:
            kind, arg = spec.edits
            record, base = _arg(translated, arg), _arg(translated, spec.version_arg)
            if (kind, record, base) in ids.versions:  # an earlier edit of the pack's own
                translated["$m"][spec.version_arg] = ids.versions[(kind, record, base)]
        try:
            kwargs = codec.decode(translated)
        except (ValueError, TypeError) as exc:
            return self._settle(pack_id, op_id, what, "refused", f"unreadable ({exc})")
        svc = _service(service)(vault, screen="pack_merge", clock=self.clock)
        duplicates = self._duplicates(kwargs) if method == "register_intake" else []
        outcome = "duplicate" if duplicates else "merged"
        detail = ("possible duplicates of persons " + ", ".join(str(d.id) for d in duplicates)
                  if duplicates else "")
        row = PackMerge(pack_id=pack_id, op_id=op_id, outcome=outcome, detail=detail or None,
                        at=self.clock(), by_id=self.user.id)
        try:
            with vault.carrying(lambda: row) as carry:
                result = getattr(svc, method)(**kwargs)
        except ConflictError:
            return self._conflict(pack_id, op_id, what, kwargs, translated)
        except ValidationError as exc:
            return self._settle(pack_id, op_id, what, "refused", "; ".join(exc.reasons))
        except (NoAccess, PermissionDenied) as exc:
            return self._settle(pack_id, op_id, what, "refused",
                                f"no access any more ({exc.code})")
        except VaultError as exc:  # the record restricted meanwhile, a record gone, …
            return self._settle(pack_id, op_id, what, "refused", exc.code)
        here = codec.dumps(result)
        with self.write() as s:
            if carry.written:
                stored_row = s.get(PackMerge, row.id)
                assert stored_row is not None
                stored_row.result = here
            else:  # the call changed nothing here (a note signed already)
                s.add(PackMerge(pack_id=pack_id, op_id=op_id, outcome=outcome, result=here,
                                detail=detail or None, at=self.clock(), by_id=self.user.id))
        ids.learn(spec, stored, codec.plain(pack_result), codec.plain(here))
        return MergeItem(op_id, what, outcome, detail,
                         persons=tuple((d.id, d.display_name) for d in duplicates))

    def _settle(self, pack_id: int, op_id: int, what: str, outcome: str, detail: str,
                sides: tuple[tuple[str, str, str], ...] = (),
                args: Any = None) -> MergeItem:
        with self.write() as s:
            s.add(PackMerge(pack_id=pack_id, op_id=op_id, outcome=outcome, at=self.clock(),
                            by_id=self.user.id,
                            # a conflict keeps the pack's own arguments: applying them later
                            # needs neither the pack nor its passphrase again
                            detail=json.dumps({"text": detail, "sides": sides, "args": args})
                            if sides or args is not None else detail))
            self.log(s, "pack_merge_op", outcome=outcome[:16], record_type="pack",
                     record_id=pack_id, reason=f"operation {op_id} {what}: {outcome}",
                     flagged=outcome == "refused")
        return MergeItem(op_id, what, outcome, detail, sides)

    def _conflict(self, pack_id: int, op_id: int, what: str,
                  kwargs: dict[str, Any], args: Any) -> MergeItem:
        """Both sides of a versioned edit whose record changed meanwhile."""
        from rc_tui.services.people import to_input

        sides: list[tuple[str, str, str]] = []
        person_id, theirs = kwargs.get("person_id"), kwargs.get("data")
        if isinstance(person_id, int) and theirs is not None:
            with self.audited("person", person_id=person_id) as s:
                p = s.get(Person, person_id)
                current = to_input(p) if p is not None else None
            if current is not None:
                for f in dataclasses.fields(theirs):
                    mine, here = getattr(theirs, f.name), getattr(current, f.name)
                    if mine != here:
                        sides.append((f.name, str(mine), str(here)))
        return self._settle(pack_id, op_id, what, "conflict",
                            "changed in the database since the pack was made", tuple(sides),
                            args if what == "PeopleService.update" else None)

    def _duplicates(self, kwargs: dict[str, Any]) -> list[PersonSummary]:
        from rc_tui.services.people import PeopleService

        people = PeopleService(self.vault, screen="pack_merge", clock=self.clock)
        found: dict[int, PersonSummary] = {}
        for member in getattr(kwargs.get("data"), "members", []):
            if member.person is not None:
                found.update((d.id, d) for d in people.find_duplicates(member.person))
        return [found[k] for k in sorted(found)]

    def _merge_log(self, pack: PackVault, pack_id: int, owner_id: int, owner_name: str,
                   ids: IdMap, done: dict[int, Any]) -> int:
        """The pack's own access log, appended to the database's once (op 0 marks it)."""
        if 0 in done:
            return int(done[0][2] or 0)
        uid = pack.info.uid
        with pack.session() as ps:
            rows = list(ps.scalars(select(AccessLog).order_by(AccessLog.id)))
        entries: list[dict[str, Any]] = []
        for r in rows:
            if r.action == "seal_copied":  # the database's own seals, copied in: not news
                continue
            person = r.person_id
            if person is not None and ("person", person) in ids.made_in_pack:
                person = ids.ids.get(("person", person))
            entries.append({
                # whoever an entry of the pack names, the pack's user wrote it (a pack is a
                # file its user holds: they could have written anything into its log)
                "action": r.action, "ts": r.ts, "user_id": owner_id, "username": owner_name,
                "outcome": r.outcome, "person_id": person, "record_type": r.record_type,
                "record_id": None if r.record_type and (
                    r.record_type, r.record_id) in ids.made_in_pack else r.record_id,
                "screen": f"pack {uid[:8]} {r.screen or ''}"[:48],
                "reason": r.reason, "flagged": r.flagged})
        with self.write() as s:
            audit.append_many(s, entries)
            s.add(PackMerge(pack_id=pack_id, op_id=0, outcome="log", detail=str(len(entries)),
                            at=self.clock(), by_id=self.user.id))
        return len(entries)
