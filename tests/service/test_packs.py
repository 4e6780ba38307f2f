"""Outage packs (rc_tui.services.packs): made with the access policy and nothing more, only
the user's passphrase opens one and only until its expiry, writes become operations (the
rest is refused), and the merge replays them through the services – conflicts, lost access
and revoked users included, never twice."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from rc_tui.services.access import Level
from rc_tui.services.cases import CaseService, IntakeInput, MemberInput
from rc_tui.services.casework import CaseworkService
from rc_tui.services.casework.plans import PlanItemInput
from rc_tui.services.errors import PermissionDenied, ValidationError, VaultError
from rc_tui.services.home import HomeService
from rc_tui.services.packs import PackMergeService, PackService
from rc_tui.services.packs.create import DERIVED, LEFT_OUT, TABLES
from rc_tui.services.people import PeopleService, PersonInput
from rc_tui.services.records import RecordService
from rc_tui.services.shelter import AdmissionInput, ShelterService
from storage import audit
from storage.errors import (
    OfflineRefused,
    PackExpired,
    PackMerged,
    UnknownUser,
    WrongPassphrase,
)
from storage.models import (
    AccessLog,
    Assignment,
    Base,
    Case,
    CaseMember,
    JournalNote,
    Pack,
    Person,
    ShiftEntry,
    ShiftRead,
)
from storage.models import PackOperation as Op
from storage.pack import PackVault, RecordingVault, open_pack
from storage.vault import Vault
from tests.conftest import Templates
from tests.service.test_leak_scan import build_small_demo, flat, role_view

USERS = {"anna": "demo-blå-kanot", "per": "demo-grön-spade", "siri": "demo-röd-lykta",
         "chef": "demo-gul-fyrbåk", "admin": "demo-vit-nyckel"}


@pytest.fixture
def demo(tmp_path: Path, templates: Templates) -> Path:
    path = tmp_path / "demo.db"
    templates.copy("demo-16", path, build_small_demo)  # the leak scan's demo
    return path


def make(demo: Path, user: str, out: Path, **kw: Any) -> Path:
    with Vault.unlock(demo, user, USERS[user]) as v:
        PackService(v, screen="test").create(out, USERS[user], **kw)
    return out


def pack_text(pack: PackVault) -> list[str]:
    """Every text cell of every table in the pack, read as an insider with the passphrase
    and Python would (plain SQL, no service in between)."""
    cells: list[str] = []
    with pack.session() as s:
        names = [r[0] for r in s.execute(text(
            "SELECT name FROM sqlite_master WHERE type = 'table'"))]
        for name in names:
            for row in s.execute(text(f'SELECT * FROM "{name}"')):
                cells += [flat(v) for v in row if isinstance(v, str)]
    return cells


# ---------------------------------------------------------------------- making a pack

def test_every_table_is_decided_on() -> None:
    """A new table is either copied by a rule or left out with a reason – never copied
    because nobody thought of it."""
    decided = set(TABLES) | set(DERIVED) | set(LEFT_OUT)
    assert set(Base.metadata.tables) <= decided, set(Base.metadata.tables) - decided
    assert not set(TABLES) & set(LEFT_OUT)


@pytest.mark.parametrize("user", ["anna", "per", "siri"])
def test_a_pack_holds_only_the_users_compartment(demo: Path, tmp_path: Path,
                                                 user: str) -> None:
    out = make(demo, user, tmp_path / f"{user}.pack")
    with Vault.unlock(demo, user, USERS[user]) as v:
        view = role_view(v)  # the leak scan's secrets: what this role may not see
        with v.session() as s:
            registry = s.scalar(select(Pack))
            logged = set(s.scalars(select(AccessLog.person_id).where(
                AccessLog.action == "pack_create", AccessLog.person_id.is_not(None))))
    assert view.forbidden
    pack = open_pack(out, user, USERS[user])
    try:
        cells = pack_text(pack)
        leaks = [what for secret, what in view.forbidden.items()
                 if any(secret in c for c in cells)]
        assert not leaks, leaks[:10]
        with pack.session() as s:
            persons = set(s.scalars(select(Person.id)))
            notes = list(s.scalars(select(JournalNote.body)))
            whole = set(s.scalars(select(CaseMember.person_id).where(
                CaseMember.person_id.in_(select(JournalNote.person_id)))))
            peers = [p for p in s.scalars(select(Person)) if view.levels[p.id] < Level.SHELTER]
        # the same policy: every person at least known to exist; those known only to exist
        # by their name and nothing else; every table's rows only where the level reaches
        assert persons and all(view.levels[p] >= Level.EXISTS for p in persons)
        assert all(view.levels[p] >= Level.SHELTER for p in whole)
        blank = ("id_number", "birth_date", "birth_year", "gender", "language",
                 "accessibility_needs", "safe_times", "safe_address")
        assert all(getattr(p, c) is None for p in peers for c in blank)
        assert all(view.identity[p.id] for p in peers)
        with pack.session() as s:
            for name, (column, needed) in TABLES.items():
                if name == "persons":  # above: by name only, or at their level
                    continue
                owners = s.execute(text(f"SELECT {column} FROM {name}")).scalars()
                assert all(view.levels[o] >= needed for o in owners), name
        # the database knows: the registry and one access-log entry per person in it
        assert registry is not None and registry.user_id == pack.user.id
        assert logged == persons
        with pack.session() as s:  # the full-text indexes delete for real, as the database's
            assert ("secure-delete", 1) in s.execute(text(
                "SELECT k, v FROM note_fts_config")).all()
        if user == "siri":  # the shelter's board: its residents and the shift log
            assert ShelterService(pack).board("shelter").residents
    finally:
        pack.close(None)
    # byte scan: no plaintext of what the pack holds, in the pack or its key file
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir()
                   if p.name.startswith(f"{user}.pack") and p.is_file())
    values = [n for n in notes if len(n) >= 12][:20]
    with open_pack(out, user, USERS[user]) as again, again.session() as s:
        values += [x for p in s.scalars(select(Person))
                   for x in (p.given_name, p.family_name, p.alias, p.id_number) if x
                   and len(x) >= 5]
    assert values
    found = [x for x in values if x.encode() in raw or flat(x)[:20].encode() in raw]
    assert not found, found[:5]


def test_a_shelter_workers_pack_holds_no_case_she_does_not_see_as_a_case(
        demo: Path, tmp_path: Path) -> None:
    """Night staff see residents, not their cases: no case row (closure reasons), closure
    or assignment (who works which track) of a case the app does not show her goes into
    her pack – the leak scan's text check cannot tell, the demo's closures being empty."""
    from rc_tui.services.access import AccessPolicy, grants_for

    out = make(demo, "siri", tmp_path / "siri.pack")
    with Vault.unlock(demo, "siri", USERS["siri"]) as v, v.session() as s:
        policy = AccessPolicy(v.user, grants_for(v))
        visible = {c for c in s.scalars(select(Case.id)) if policy.case_visible(s, c)}
    with open_pack(out, "siri", USERS["siri"]) as pack, pack.session() as s:
        assert set(s.scalars(text("SELECT id FROM cases"))) <= visible
        assert set(s.scalars(text("SELECT case_id FROM closures"))) <= visible
        assert not list(s.execute(text(
            "SELECT a.id FROM assignments a JOIN case_members m ON m.id = a.case_member_id "
            "WHERE m.case_id NOT IN (SELECT id FROM cases)")))
        assert s.scalar(text("SELECT count(*) FROM persons")) > 0  # the residents are there


def test_only_the_users_passphrase_opens_it_until_it_expires(demo: Path,
                                                             tmp_path: Path) -> None:
    with Vault.unlock(demo, "anna", USERS["anna"]) as v, pytest.raises(WrongPassphrase):
        PackService(v).create(tmp_path / "other.pack", "någon annans fras")  # hers only
    assert not (tmp_path / "other.pack").exists()
    with pytest.raises(ValidationError):  # no longer than the setting's range allows
        make(demo, "anna", tmp_path / "long.pack", days=30)
    assert not (tmp_path / "long.pack").exists()
    out = make(demo, "anna", tmp_path / "anna.pack", days=2)
    with pytest.raises(WrongPassphrase):
        open_pack(out, "anna", USERS["per"])
    with pytest.raises(UnknownUser):  # no slot for anyone else, the manager included
        open_pack(out, "chef", USERS["chef"])
    later = (datetime.now() + timedelta(days=2, hours=1)).timestamp()
    with pytest.raises(PackExpired):
        open_pack(out, "anna", USERS["anna"], clock=lambda: later)
    from rc_tui.services.accounts import error_text

    assert "rc-tui pack create" in error_text(PackExpired())
    with open_pack(out, "anna", USERS["anna"]) as pack, pack.session() as s:
        # the refusal is in the pack's own access log
        assert s.scalar(select(AccessLog.id).where(AccessLog.action == "pack_expired"))


# ---------------------------------------------------------------------- working in a pack

def _first_full(v: Vault) -> int:
    with v.session() as s:
        return int(s.scalars(select(CaseMember.person_id).join(
            Assignment, Assignment.case_member_id == CaseMember.id).where(
            Assignment.user_id == v.user.id, Assignment.ended_at.is_(None))
            .order_by(CaseMember.person_id)).first() or 0)


def test_writes_become_operations_and_the_rest_is_refused(demo: Path,
                                                          tmp_path: Path) -> None:
    out = make(demo, "anna", tmp_path / "anna.pack")
    with open_pack(out, "anna", USERS["anna"]) as pack:
        pid = _first_full(pack)
        assert HomeService(pack).due_items() is not None
        note = RecordService(pack).add_note(pid, "contact", "Samtal under avbrottet.",
                                            sign=True)
        with pytest.raises(OfflineRefused):
            CaseworkService(pack).add_plan_item(pid, PlanItemInput(kind="goal", text="Mål"))
        with pack.session() as s:
            ops = list(s.scalars(select(Op)))
            assert s.get(JournalNote, note) is not None
        assert [(o.service, o.method) for o in ops] == [("RecordService", "add_note")]
        assert ops[0].result == str(note)
        # the pack's schema is the database's, its log a chain of its own, and the copied
        # signed records carry their seals: `rc-tui check` holds for a pack too
        report = pack.check()
        assert report.ok, report.problems


# ---------------------------------------------------------------------- merging

def _intake(name: str) -> IntakeInput:
    return IntakeInput(occurred_at=datetime(2026, 12, 6, 22, 0), channel="self",
                       what_happened="Kom under avbrottet.", immediate_danger=False,
                       members=[MemberInput("victim", PersonInput(given_name=name,
                                                                  family_name="Avbrott",
                                                                  birth_year=1990,
                                                                  gender="female"))])


def _merge(demo: Path, out: Path, user: str = "anna", *, as_user: str | None = None) -> Any:
    pack = open_pack(out, user, USERS[user], expired_ok=True)
    try:
        with RecordingVault.unlock(demo, as_user or user, USERS[as_user or user]) as shared:
            return PackMergeService(shared).merge(pack)
    finally:
        pack.close(None)


def _notes(demo: Path, *bodies: str) -> list[int]:
    """How many journal notes of the database have each of ``bodies``."""
    with Vault.unlock(demo, "chef", USERS["chef"]) as v, v.session() as s:
        return [len(list(s.scalars(select(JournalNote.id).where(JournalNote.body == body))))
                for body in bodies]


def test_merge_replays_appends_once_with_the_packs_access_log(demo: Path,
                                                              tmp_path: Path) -> None:
    out = make(demo, "anna", tmp_path / "anna.pack")
    with open_pack(out, "anna", USERS["anna"]) as pack:
        pid = _first_full(pack)
        draft = RecordService(pack).add_note(pid, "contact", "Utkast i avbrottet.")
        RecordService(pack).sign(draft)
        made = CaseService(pack).register_intake(_intake("Ny"))
        # a note on the person the pack's own intake made: translated to the merged id
        RecordService(pack).add_note(made.person_ids[0], "contact", "Om den nya.", sign=True)
        with pack.session(write=True) as s:  # an insider writes into the pack's own log
            audit.append(s, "view", username="chef", person_id=pid, screen="forged")
    report = _merge(demo, out)
    assert [i.outcome for i in report.items] == ["merged"] * 4, report.items
    assert report.log_entries > 0
    with Vault.unlock(demo, "chef", USERS["chef"]) as v, v.session() as s:
        signed = s.scalar(select(JournalNote).where(JournalNote.body == "Utkast i avbrottet."))
        assert signed is not None and signed.signed_at is not None
        new = s.scalar(select(JournalNote).where(JournalNote.body == "Om den nya."))
        assert new is not None
        assert s.get(Person, new.person_id).given_name == "Ny"  # type: ignore[union-attr]
        assert s.scalar(select(Pack.status)) == "merged"
        # the pack's own access log came along, marked with the pack
        assert s.scalar(select(AccessLog.id).where(AccessLog.screen.like("pack %"),
                                                   AccessLog.action == "login"))
        assert s.scalar(select(AccessLog.id).where(AccessLog.action == "pack_merge"))
        forged = s.scalar(select(AccessLog).where(AccessLog.screen.like("pack % forged")))
        assert forged is not None and forged.username == "anna"
    with pytest.raises(PackMerged):
        _merge(demo, out)
    assert _notes(demo, "Om den nya.") == [1]


def test_a_merge_that_stopped_resumes_without_applying_anything_twice(
        demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = make(demo, "anna", tmp_path / "anna.pack")
    with open_pack(out, "anna", USERS["anna"]) as pack:
        pid = _first_full(pack)
        for n in range(3):
            RecordService(pack).add_note(pid, "contact", f"Anteckning {n} i avbrottet.",
                                         sign=True)
    from rc_tui.services.packs import merge as merge_module

    real = merge_module.codec

    class StopAfterTheSecond:
        """The connection goes again just after the second note was written here."""

        calls = 0

        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

        def dumps(self, value: Any) -> str:
            StopAfterTheSecond.calls += 1
            if StopAfterTheSecond.calls == 2:
                raise KeyboardInterrupt
            return real.dumps(value)

    monkeypatch.setattr(merge_module, "codec", StopAfterTheSecond())
    with pytest.raises(KeyboardInterrupt):
        _merge(demo, out)
    monkeypatch.setattr(merge_module, "codec", real)
    assert _notes(demo, "Anteckning 1 i avbrottet.") == [1]  # written with its merge entry
    report = _merge(demo, out)
    assert [i.outcome for i in report.items] == ["merged"] * 3
    assert _notes(demo, *(f"Anteckning {n} i avbrottet." for n in range(3))) == [1, 1, 1]


def test_an_edit_changed_meanwhile_is_a_conflict_and_nothing_is_overwritten(
        demo: Path, tmp_path: Path) -> None:
    out = make(demo, "anna", tmp_path / "anna.pack")
    with open_pack(out, "anna", USERS["anna"]) as pack:
        pid = _first_full(pack)
        people = PeopleService(pack)
        data, version = _person_input(pack, pid)
        version = people.update(pid, version, dataclasses.replace(data, language="finska"))
        # a second edit in the pack rests on the pack's own first one
        people.update(pid, version, dataclasses.replace(data, language="finska",
                                                         safe_times="efter 18"))
    report = _merge(demo, out)
    assert [i.outcome for i in report.items] == ["merged", "merged"]
    # now the other way round: the database changes first
    out2 = make(demo, "anna", tmp_path / "anna2.pack")
    with open_pack(out2, "anna", USERS["anna"]) as pack:
        data, version = _person_input(pack, pid)
        PeopleService(pack).update(pid, version, dataclasses.replace(data, language="arabiska"))
    with Vault.unlock(demo, "chef", USERS["chef"]) as chef:
        data, version = _person_input(chef, pid)
        PeopleService(chef).update(pid, version, dataclasses.replace(data, language="somaliska"))
    report = _merge(demo, out2)
    (item,) = report.items
    assert item.outcome == "conflict"
    assert ("language", "arabiska", "somaliska") in item.sides
    with Vault.unlock(demo, "chef", USERS["chef"]) as chef, chef.session() as s:
        assert s.get(Person, pid).language == "somaliska"  # type: ignore[union-attr]
    with Vault.unlock(demo, "chef", USERS["chef"]) as chef:
        (row,) = [r for r in PackService(chef).packs() if r.uid == report.uid]
        assert row.open_items == 1


def _person_input(v: Vault, pid: int) -> tuple[PersonInput, int]:
    from rc_tui.services.people import to_input

    with v.session() as s:
        p = s.get(Person, pid)
        assert p is not None
        return to_input(p), p.version


def test_lost_access_is_refused_and_listed_and_a_revoked_users_pack_needs_a_manager(
        demo: Path, tmp_path: Path) -> None:
    out = make(demo, "anna", tmp_path / "anna.pack")
    with open_pack(out, "anna", USERS["anna"]) as pack:
        pid = _first_full(pack)
        RecordService(pack).add_note(pid, "contact", "Efter att ärendet flyttats.", sign=True)
    with Vault.unlock(demo, "chef", USERS["chef"]) as chef, chef.session(write=True) as s:
        # meanwhile the person's track went to somebody else
        s.execute(text("UPDATE assignments SET ended_at = :t WHERE case_member_id IN "
                       "(SELECT id FROM case_members WHERE person_id = :p)"),
                  {"t": datetime(2026, 12, 6), "p": pid})
    with Vault.unlock(demo, "admin", USERS["admin"]) as admin:
        admin.revoke_user("anna")
    with pytest.raises(UnknownUser):  # her own login no longer opens the database
        _merge(demo, out)
    with pytest.raises(PermissionDenied):  # another caseworker may not approve
        _merge(demo, out, as_user="per")
    with RecordingVault.unlock(demo, "chef", USERS["chef"]) as shared:
        # as in the app: the manager's session, the pack opened with its user's passphrase
        report = PackMergeService(shared).merge_file(out, USERS["anna"])
    assert report.approved_by == "chef"
    (item,) = report.items
    assert item.outcome == "merged"  # the manager sees every case: merged on approval
    assert _notes(demo, "Efter att ärendet flyttats.") == [1]


def test_an_operation_written_into_the_file_about_someone_outside_the_pack_is_refused(
        demo: Path, tmp_path: Path) -> None:
    """The pack's holder writes operations into the file by hand (her passphrase opens it):
    about a person the pack was not made with – by id, and through one of his notes – and
    a manager approves the merge after she was revoked. Neither reaches him, though the
    manager's rights would: a merge never goes beyond the persons the pack holds."""
    import json

    from rc_tui.services.packs import codec
    from storage.models import Pack
    from storage.pack import utcnow

    out = make(demo, "anna", tmp_path / "anna.pack")
    with Vault.unlock(demo, "chef", USERS["chef"]) as chef:
        with chef.session() as s:
            held = set(json.loads(s.scalar(select(Pack.persons)) or "[]"))
            other = s.scalar(select(Person.id).where(Person.id.not_in(held)))
            assert other is not None
        data, version = _person_input(chef, other)
        note = RecordService(chef, screen="test").add_note(other, "contact", "Chefens anteckning.")
    with Vault.unlock(demo, "admin", USERS["admin"]) as admin:
        admin.revoke_user("anna")
    with open_pack(out, "anna", USERS["anna"], expired_ok=True) as pack, \
            pack.session(write=True) as s:
        s.add(Op(created_at=utcnow(), service="PeopleService", method="update",
                 args=codec.dumps({"person_id": other, "version": version,
                                   "data": dataclasses.replace(data, alias="Utbytt")}),
                 base_version=version))
        s.add(Op(created_at=utcnow(), service="RecordService", method="sign",
                 args=codec.dumps({"note_id": note})))
    with RecordingVault.unlock(demo, "chef", USERS["chef"]) as shared:
        report = PackMergeService(shared).merge_file(out, USERS["anna"])
    assert [i.outcome for i in report.items] == ["refused", "refused"], report.items
    with Vault.unlock(demo, "chef", USERS["chef"]) as chef, chef.session() as s:
        person = s.get(Person, other)
        assert person is not None and person.alias != "Utbytt"
        assert s.get(JournalNote, note).signed_at is None


def test_an_operation_about_a_person_the_user_lost_access_to_is_refused(
        demo: Path, tmp_path: Path) -> None:
    out = make(demo, "anna", tmp_path / "anna.pack")
    with open_pack(out, "anna", USERS["anna"]) as pack:
        pid = _first_full(pack)
        RecordService(pack).add_note(pid, "contact", "Skrivet utan behörighet nu.", sign=True)
    with Vault.unlock(demo, "chef", USERS["chef"]) as chef, chef.session(write=True) as s:
        s.execute(text("UPDATE assignments SET ended_at = :t WHERE case_member_id IN "
                       "(SELECT id FROM case_members WHERE person_id = :p)"),
                  {"t": datetime(2026, 12, 6), "p": pid})
    report = _merge(demo, out)
    (item,) = report.items
    assert item.outcome == "refused"
    assert _notes(demo, "Skrivet utan behörighet nu.") == [0]
    with Vault.unlock(demo, "chef", USERS["chef"]) as chef:
        rows = PackService(chef).packs()  # the manager sees every pack and what is open
        assert [r.open_items for r in rows if r.uid == report.uid] == [1]
    with Vault.unlock(demo, "per", USERS["per"]) as per:
        assert PackService(per).packs() == []  # another caseworker: only their own


def test_a_night_worker_pack_carries_the_shift_log_and_an_admission(
        demo: Path, tmp_path: Path) -> None:
    out = make(demo, "siri", tmp_path / "siri.pack")
    with open_pack(out, "siri", USERS["siri"]) as pack:
        shelter = ShelterService(pack)
        board = shelter.board("shelter")
        free = next(line.place_id for line in board.lines if line.state == "free")
        entry = shelter.write_entry("shelter", "Lugn natt under avbrottet.")
        shelter.mark_read([entry])  # the handover, of an entry made in the pack
        shelter.admit(AdmissionInput(facility="shelter", person=PersonInput(
            alias="Nattgäst", gender="female"), arrived_via="police",
            admitted_at=datetime(2026, 12, 6, 23, 30), place_id=free))
    report = _merge(demo, out, "siri")
    assert [i.outcome for i in report.items] == ["merged"] * 3, report.items
    with Vault.unlock(demo, "chef", USERS["chef"]) as chef, chef.session() as s:
        assert s.scalar(select(Person.id).where(Person.alias == "Nattgäst"))
        merged = s.scalar(select(ShiftEntry.id).where(
            ShiftEntry.body == "Lugn natt under avbrottet."))
        assert s.scalar(select(ShiftRead.id).where(ShiftRead.entry_id == merged))


def test_the_pack_command(demo: Path, tmp_path: Path) -> None:
    from tests.cli_runner import run_cli

    out = tmp_path / "anna.pack"
    code, _said, err = run_cli("settings", "--db", demo, "--user", "admin", "--pack-days", "3",
                               stdin=USERS["admin"] + "\n")
    assert code == 0, err
    code, said, err = run_cli("pack", "create", "--db", demo, "--user", "anna", "--out", out,
                              stdin=USERS["anna"] + "\n")
    assert code == 0, err
    assert str(out) in said
    with open_pack(out, "anna", USERS["anna"]) as pack, pack.session() as s:
        # the count said is what the pack holds (the demo's old records included)
        assert f"{s.scalar(select(func.count()).select_from(Person))} personer" in said
    with open_pack(out, "anna", USERS["anna"]) as pack:  # the administrators' setting
        left = pack.info.expires_at - datetime.now(UTC).replace(tzinfo=None)
        assert timedelta(days=2.9) < left < timedelta(days=3)
    code, _said, err = run_cli("pack", "create", "--db", demo, "--user", "anna", "--out", out,
                               stdin=USERS["anna"] + "\n")
    assert code == 1 and "finns redan" in err
    with open_pack(out, "anna", USERS["anna"]) as pack:
        RecordService(pack).add_note(_first_full(pack), "contact", "Från kommandot.", sign=True)
    code, said, err = run_cli("pack", "list", "--db", demo, "--user", "chef",
                              stdin=USERS["chef"] + "\n")
    assert code == 0 and "\tanna\t" in said and "\tissued\t" in said
    code, said, err = run_cli("pack", "merge", "--db", demo, "--user", "anna", out,
                              stdin=USERS["anna"] + "\n")
    assert code == 0, err
    assert "RecordService.add_note\tmerged" in said and "1 ändring införd" in said
    code, said, err = run_cli("pack", "merge", "--db", demo, "--user", "anna", out,
                              stdin=USERS["anna"] + "\n")
    assert code == 1 and "redan infört" in err
    code, _said, err = run_cli("--pack", tmp_path / "nothing.pack", stdin="")
    assert code == 4 and "inget avbrottspaket" in err


def test_a_partner_contact_attempt_in_the_perpetrator_workers_pack(demo: Path,
                                                                   tmp_path: Path) -> None:
    from rc_tui.services.safety import PartnerContactService
    from rc_tui.services.safety.partner import PartnerContactInput

    out = make(demo, "per", tmp_path / "per.pack")
    with open_pack(out, "per", USERS["per"]) as pack:
        man = _first_full(pack)
        contacts = PartnerContactService(pack)
        (her, *_rest) = contacts.partners(man)  # known in his case by her name only
        contacts.record(PartnerContactInput(man, her.person_id, "not_reached",
                                            datetime.now(UTC).replace(tzinfo=None)
                                            - timedelta(hours=1)))
    report = _merge(demo, out, "per")
    assert [i.outcome for i in report.items] == ["merged"], report.items
    with Vault.unlock(demo, "chef", USERS["chef"]) as chef:
        assert any(c.outcome == "not_reached"
                   for c in PartnerContactService(chef).for_partner(her.person_id))


def test_an_intake_of_someone_the_database_knows_is_merged_as_a_possible_duplicate(
        demo: Path, tmp_path: Path) -> None:
    out = make(demo, "anna", tmp_path / "anna.pack")
    with Vault.unlock(demo, "chef", USERS["chef"]) as chef, chef.session() as s:
        known = s.scalar(select(Person).where(Person.id_number.is_not(None),
                                              Person.protection_level == "none"))
        assert known is not None
        number, known_id = known.id_number, known.id
    with open_pack(out, "anna", USERS["anna"]) as pack:
        CaseService(pack).register_intake(dataclasses.replace(_intake("Samma"), members=[
            MemberInput("victim", PersonInput(given_name="Samma", family_name="Person",
                                              id_number=str(number), gender="female"))]))
    report = _merge(demo, out)
    (item,) = report.items
    assert item.outcome == "duplicate" and str(known_id) in item.detail
    assert known_id in dict(item.persons)  # offered by name, as she may see them
    with Vault.unlock(demo, "chef", USERS["chef"]) as chef, chef.session() as s:
        # merged all the same (nothing typed in the outage is lost), offered for linking
        assert s.scalar(select(Person.id).where(Person.given_name == "Samma"))


def test_migration_0020_from_the_previous_schema(installed: Path) -> None:
    """A database at the revision before 0020 (the later tables dropped, as the tests
    rewind) gets the registry, the operations and the merges at the next login, its users
    intact."""
    from storage import db, schema
    from tests.conftest import ANNA, ANNA_PASS, drop_tables_added_after

    previous = schema.KNOWN_REVISIONS[schema.KNOWN_REVISIONS.index("0020") - 1]
    with Vault.unlock(installed, ANNA, ANNA_PASS) as v:
        key = bytes(v._data_key)
    with db.raw_connection(installed, key) as conn:
        drop_tables_added_after(conn, previous)
        conn.execute(f"UPDATE alembic_version SET version_num = '{previous}'")
    with Vault.unlock(installed, ANNA, ANNA_PASS) as v, v.session() as s:
        assert s.execute(text("SELECT count(*) FROM packs")).scalar() == 0
        assert s.execute(text("SELECT count(*) FROM pack_operations")).scalar() == 0
        assert s.execute(text("SELECT count(*) FROM pack_merges")).scalar() == 0
        assert s.execute(text("SELECT count(*) FROM users")).scalar() == 3


def test_a_restricted_record_stays_restricted_in_a_pack_and_at_the_merge(
        demo: Path, tmp_path: Path) -> None:
    from rc_tui.services.record_rights import RecordRightsService
    from storage.errors import RecordRestricted

    with Vault.unlock(demo, "anna", USERS["anna"]) as v:
        pid = _first_full(v)
    before = make(demo, "anna", tmp_path / "before.pack")
    with open_pack(before, "anna", USERS["anna"]) as pack:
        RecordService(pack).add_note(pid, "contact", "Skrivet innan begränsningen.", sign=True)
    with Vault.unlock(demo, "chef", USERS["chef"]) as chef:
        RecordRightsService(chef).restrict(pid, "Hon bestrider uppgifterna om adressen.")
    after = make(demo, "anna", tmp_path / "after.pack")
    with open_pack(after, "anna", USERS["anna"]) as pack:
        with pytest.raises(RecordRestricted):  # the pack refuses as the database does
            RecordService(pack).add_note(pid, "contact", "Efter begränsningen.", sign=True)
        assert "bestrider" not in " ".join(pack_text(pack))  # the reason stays home
    (item,) = _merge(demo, before).items  # made before it: refused at the merge, listed
    assert item.outcome == "refused"
    assert _notes(demo, "Skrivet innan begränsningen.") == [0]


def _conflicted(demo: Path, tmp_path: Path) -> tuple[int, str]:
    """A pack whose edit of a person's language ran into the manager's change meanwhile."""
    out = make(demo, "anna", tmp_path / "conflict.pack")
    with open_pack(out, "anna", USERS["anna"]) as pack:
        pid = _first_full(pack)
        data, version = _person_input(pack, pid)
        PeopleService(pack).update(pid, version, dataclasses.replace(data, language="arabiska"))
    _chef_sets(demo, pid, language="somaliska")
    with Vault.unlock(demo, "chef", USERS["chef"]) as chef:
        uid = [r.uid for r in PackService(chef).packs()][-1]
    with RecordingVault.unlock(demo, "anna", USERS["anna"]) as shared:
        report = PackMergeService(shared).merge_file(out, USERS["anna"])
    assert [i.outcome for i in report.items] == ["conflict"]
    return pid, uid


def _chef_sets(demo: Path, pid: int, **changes: Any) -> None:
    with Vault.unlock(demo, "chef", USERS["chef"]) as chef:
        data, version = _person_input(chef, pid)
        PeopleService(chef).update(pid, version, dataclasses.replace(data, **changes))


def _language(demo: Path, pid: int) -> str | None:
    with Vault.unlock(demo, "chef", USERS["chef"]) as chef, chef.session() as s:
        return s.get(Person, pid).language  # type: ignore[union-attr]


def test_a_conflict_is_decided_explicitly_and_a_change_meanwhile_is_a_new_conflict(
        demo: Path, tmp_path: Path) -> None:
    pid, uid = _conflicted(demo, tmp_path)
    with RecordingVault.unlock(demo, "anna", USERS["anna"]) as shared:
        merges = PackMergeService(shared)
        (seen,) = merges.conflicts(uid)  # both sides, the database's as stored now
        assert (seen.person_id, seen.pack.language, seen.database.language) == \
            (pid, "arabiska", "somaliska")
        _chef_sets(demo, pid, language="tigrinja")  # changed again while she looks
        again = merges.resolve(uid, seen.op_id, "pack", seen.version)
        assert again is not None and again.database.language == "tigrinja"
        assert _language(demo, pid) == "tigrinja"  # nothing overwritten
        assert merges.conflicts(uid) == [again]  # still open
        assert merges.resolve(uid, again.op_id, "pack", again.version) is None
        assert merges.conflicts(uid) == []
    assert _language(demo, pid) == "arabiska"  # applied explicitly, on the current version
    with Vault.unlock(demo, "chef", USERS["chef"]) as v, v.session() as s:
        assert s.scalar(select(AccessLog.id).where(
            AccessLog.action == "change", AccessLog.username == "anna",
            AccessLog.person_id == pid, AccessLog.screen == "pack_merge"))
        assert s.scalar(select(AccessLog.id).where(AccessLog.action == "pack_merge_resolved"))
        (row,) = [r for r in PackService(v).packs() if r.uid == uid]
        assert row.open_items == 0
    with RecordingVault.unlock(demo, "anna", USERS["anna"]) as shared, \
            pytest.raises(VaultError):  # decided once
        PackMergeService(shared).resolve(uid, again.op_id, "database", again.version)


def test_keeping_the_databases_value_writes_nothing_and_only_the_packs_user_decides(
        demo: Path, tmp_path: Path) -> None:
    pid, uid = _conflicted(demo, tmp_path)
    with RecordingVault.unlock(demo, "per", USERS["per"]) as other, \
            pytest.raises(PermissionDenied):  # another caseworker's pack
        PackMergeService(other).conflicts(uid)
    with RecordingVault.unlock(demo, "anna", USERS["anna"]) as shared:
        merges = PackMergeService(shared)
        (seen,) = merges.conflicts(uid)
        assert merges.resolve(uid, seen.op_id, "database", seen.version) is None
        assert merges.conflicts(uid) == []
    assert _language(demo, pid) == "somaliska"
