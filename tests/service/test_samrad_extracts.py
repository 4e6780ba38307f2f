"""Samråd extracts per receiving agency: a person is in an agency's extract only when their
consent covers that agency or the recorded legal ground does (each ground's scope is
data: which agencies, and whether only those present). Present and absent agencies, under
consent, under each shipped ground, and a ground with partial consent; an approved samråd
keeps the rules it was approved under – read-only in the database and sealed into the
access-log chain with the approval; samråd approved before migration 0012 keep the rules
as first shipped, and their seals still match."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from rc_tui.domain import samrad as rules
from rc_tui.domain.vocab import AGENCIES
from rc_tui.services.records import RecordService
from rc_tui.services.samrad import Participant, PersonMinutes, SamradService
from storage.models import Samrad
from storage.vault import Vault
from tests.conftest import ANNA, ANNA_PASS, create
from tests.service.test_access import (  # noqa: F401 - fixtures
    CHEF,
    CHEF_PASS,
    NOW,
    Family,
    as_user,
    family,
)
from tests.service.test_samrad import MEETING, at

SHARED = "Hon har hotats med kniv i helgen."
#: at the table: the centre, the police and a voluntary organisation; everyone else absent
PRESENT = [Participant("participant", "centre", "chair"), Participant("participant", "police"),
           Participant("participant", "voluntary")]

#: per shipped ground: the agencies whose extract holds the person (no consent at all)
GROUND_EXTRACTS = {
    # those at the table who need it to act: both present agencies, no absent one
    "danger": {"police", "voluntary"},
    # the authorities with a right to it, when present: the police only (the prosecutor and
    # the social services were not there; the voluntary organisation is no authority)
    "duty": {"police"},
    # police and prosecutor only, present or not – never the voluntary organisation
    "crime": {"police", "prosecutor"},
    # the child unit (other social-services units), though absent
    "child": {"social"},
}


def _consent(v: Vault, person: int, *agencies: str) -> None:
    for agency in agencies:
        RecordService(v).record_consent(person, "info_exchange", "given", "written",
                                        agency=agency)


def _minutes(chef: Vault, family: Family, ground: str | None = None) -> tuple[
        SamradService, int]:
    svc = SamradService(chef, clock=at(NOW))
    sid = svc.request(family.case_id, "Polisen", MEETING)
    svc.save(sid, svc.get(sid).version, PRESENT, [PersonMinutes(
        family.victim, SHARED, "", ground, "Skäl: akut fara." if ground else "")], {})
    return svc, sid


def _holding(svc: SamradService, sid: int) -> set[str]:
    """The agencies whose extract holds the victim's part of the minutes."""
    return {agency for agency in AGENCIES if SHARED in svc.minutes_text(sid, agency)}


def test_shipped_grounds_all_have_a_tested_scope() -> None:
    assert set(rules.data().legal_grounds) == set(GROUND_EXTRACTS)


@pytest.mark.parametrize("ground", sorted(GROUND_EXTRACTS))
def test_extract_under_each_shipped_ground(family: Family, as_user: Callable[[str, str], Vault],
                                           ground: str) -> None:
    svc, sid = _minutes(as_user(CHEF, CHEF_PASS), family, ground)
    assert _holding(svc, sid) == GROUND_EXTRACTS[ground]
    left_out = svc.minutes_text(sid, "school")
    assert SHARED not in left_out and "1 person utelämnad:" in left_out
    # the centre's own copy holds everything and says which extracts hold her, and why
    own = svc.minutes_text(sid)
    assert SHARED in own
    basis = next(m.basis for m in svc.get(sid).members if m.person_id == family.victim)
    assert {a for a, b in basis.items() if b} == GROUND_EXTRACTS[ground]
    assert set(basis.values()) <= {"ground", ""}
    assert "I utdrag för: " in own and "rättslig grund" in own


def test_extract_under_consent_present_and_absent(
        family: Family, as_user: Callable[[str, str], Vault]) -> None:
    # consent to the two present agencies and to the absent prosecutor; not to the
    # absent health care
    _consent(as_user(ANNA, ANNA_PASS), family.victim, "police", "voluntary", "prosecutor")
    svc, sid = _minutes(as_user(CHEF, CHEF_PASS), family)
    assert _holding(svc, sid) == {"police", "voluntary", "prosecutor"}
    basis = next(m.basis for m in svc.get(sid).members if m.person_id == family.victim)
    assert basis["prosecutor"] == "consent" and basis["health"] == ""
    # a consent withdrawn later takes her out of that agency's extract
    RecordService(as_user(ANNA, ANNA_PASS)).record_consent(
        family.victim, "info_exchange", "withdrawn", "written", agency="prosecutor")
    assert _holding(svc, sid) == {"police", "voluntary"}


def test_extract_with_a_ground_and_partial_consent(
        family: Family, as_user: Callable[[str, str], Vault]) -> None:
    # she consented to the voluntary organisation only; the crime ground covers the
    # police (present) and the prosecutor (absent) – nobody else
    _consent(as_user(ANNA, ANNA_PASS), family.victim, "voluntary")
    svc, sid = _minutes(as_user(CHEF, CHEF_PASS), family, "crime")
    assert _holding(svc, sid) == {"police", "prosecutor", "voluntary"}
    basis = next(m.basis for m in svc.get(sid).members if m.person_id == family.victim)
    assert (basis["police"], basis["prosecutor"], basis["voluntary"], basis["school"]) == (
        "ground", "ground", "consent", "")
    own = svc.minutes_text(sid)
    assert "polis (rättslig grund)" in own and "ideell organisation (samtycke)" in own


def test_an_approved_samrad_keeps_the_rules_it_was_approved_under(
        family: Family, as_user: Callable[[str, str], Vault],
        monkeypatch: pytest.MonkeyPatch) -> None:
    chef = as_user(CHEF, CHEF_PASS)
    svc, approved = _minutes(chef, family, "crime")
    svc.approve(approved, svc.get(approved).version)
    _svc, open_sid = _minutes(chef, family, "crime")
    # the rule data changes: the crime ground now covers every agency
    shipped = rules.data()
    wider = dict(shipped.legal_grounds)
    wider["crime"] = dataclasses.replace(wider["crime"],
                                         scope=rules.GroundScope(None, False))
    monkeypatch.setattr(rules, "data", lambda: dataclasses.replace(
        shipped, legal_grounds=wider))
    assert SHARED in svc.minutes_text(open_sid, "voluntary")  # not approved: today's rules
    assert _holding(svc, approved) == {"police", "prosecutor"}  # approved: its own rules
    # an insider cannot rewrite the stored rules of approved minutes
    with pytest.raises(DatabaseError, match="read-only"), chef.session(write=True) as s:
        s.execute(text("UPDATE samrad SET extract_rules = '{\"crime\": {\"agencies\": "
                       "\"*\", \"present\": false}}' WHERE id = :i"), {"i": approved})


def test_a_ground_without_a_scope_covers_no_agency() -> None:
    assert rules._scope({}) == rules.GroundScope(frozenset(), True)
    assert rules.extract_basis({}, "crime", "police", set(), {}) == ""  # unknown rules
    assert rules.extract_basis({}, None, "police", {"police"}, rules.current_rules()) == ""
    with pytest.raises(ValueError):
        rules._scope({"agencies": "police"})


def test_samrad_approved_before_the_rules_were_stored_keep_the_first_rules(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Migration 0012 leaves samråd approved before it without stored rules (their sealed
    hash stays as it was): they are read under the scopes as first shipped – frozen, not
    whatever the rule data says later."""
    legacy = Samrad(approved_at=NOW, extract_rules=None)
    first = rules.rules_from_json(rules.LEGACY_RULES)
    assert SamradService._extract_rules(legacy) == first == rules.current_rules()
    monkeypatch.setattr(rules, "data", lambda: dataclasses.replace(
        rules.SamradData({}, ()), legal_grounds={}))
    assert SamradService._extract_rules(legacy) == first
    assert SamradService._extract_rules(Samrad(approved_at=None)) == {}  # today's rules


def test_stored_rules_are_sealed_with_the_approval(
        family: Family, as_user: Callable[[str, str], Vault]) -> None:
    """An insider holding the key drops the trigger, widens the stored rules and puts the
    trigger back: the check finds the approved minutes changed."""
    from storage import integrity

    chef = as_user(CHEF, CHEF_PASS)
    svc, sid = _minutes(chef, family, "crime")
    svc.approve(sid, svc.get(sid).version)
    with chef.session() as s:
        assert integrity.verify_sealed(s) == []
    with chef.session(write=True) as s:
        trigger = s.execute(text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND "
                                 "name = 'samrad_update_approved'")).scalar_one()
        s.execute(text("DROP TRIGGER samrad_update_approved"))
        s.execute(text("UPDATE samrad SET extract_rules = :r WHERE id = :i"), {
            "r": '{"crime": {"agencies": "*", "present": false}}', "i": sid})
        s.execute(text(trigger))
    with chef.session() as s:
        assert integrity.verify_sealed(s) == [
            f"approved samråd minutes {sid} was changed after it was sealed"]


def test_migration_from_0010_keeps_sealed_samrad_intact(tmp_path: Path) -> None:
    """A samråd approved and sealed at 0010: after 0012 it has no stored rules and its
    seal still matches."""
    from alembic import command

    from storage import audit, db, integrity, schema

    path = tmp_path / "old.db"
    v = create(path)
    key = bytes(v._data_key)
    v.close(None)
    path.unlink()
    engine = db.make_engine(path, key)
    with engine.begin() as conn:
        cfg = schema.alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0010")
        conn.execute(text(
            "INSERT INTO users (id, username, display_name, role, status, "
            "must_change_passphrase, created_at, version) VALUES "
            "(1, 'chef', 'Chef', 'manager', 'active', 0, '2026-01-01', 1)"))
        conn.execute(text("INSERT INTO cases (id, case_number, status, opened_at, version) "
                          "VALUES (1, 'RC-2026-0001', 'open', '2026-01-01', 1)"))
        conn.execute(text(
            "INSERT INTO samrad (id, case_id, requested_by, requested_at, meeting_on, place, "
            "chair_id, repeat, approved_at, created_at, updated_at, version) VALUES "
            "(1, 1, 'x', '2026-01-01', '2026-01-02', '', 1, 0, '2026-01-03', '2026-01-01', "
            "'2026-01-01', 2)"))
        audit.append_many(conn, [{"action": "sign", "record_type": "samrad", "record_id": 1,
                                  "content_hash": integrity.content_hash(conn, "samrad", 1)}])
    with engine.begin() as conn:
        cfg = schema.alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        stored = conn.execute(text("SELECT extract_rules FROM samrad")).scalar()
        problems = integrity.verify_sealed(conn)
    engine.dispose()
    assert stored is None and problems == []
