"""Session series, groups, re-contact and referrals through the services: the MI series
with two no-shows that puts re-contact on the due list, attempts, groups whose members
never see each other, referrals and their follow-ups, the insider who calls the services
with ids outside their access, and the hostile-text corpus through every new form."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from rc_tui.domain.sessions import names_another_member, session_catalog
from rc_tui.services.accounts import ValidationError
from rc_tui.services.base import DueItem
from rc_tui.services.home import HomeService
from rc_tui.services.records import RecordService
from rc_tui.services.referrals import ReferralService, ReferralSteps
from rc_tui.services.sessions import SessionService
from storage.errors import ConflictError, NoAccess
from storage.models import AccessLog
from storage.vault import Vault
from tests.conftest import ANNA, ANNA_PASS, hostile_cases
from tests.service.test_access import (  # noqa: F401 - fixtures
    BO,
    BO_PASS,
    CHEF,
    CHEF_PASS,
    NOW,
    PER,
    PER_PASS,
    SIRI,
    SIRI_PASS,
    Family,
    as_user,
    family,
)

Login = Callable[[str, str], Vault]
TODAY = NOW.date()
START = TODAY - timedelta(weeks=3)


def svc(v: Vault, when: datetime = NOW) -> SessionService:
    return SessionService(v, clock=lambda: when)


def refs(v: Vault, when: datetime = NOW) -> ReferralService:
    return ReferralService(v, clock=lambda: when)


def due(v: Vault, kind: str, when: datetime = NOW) -> list[DueItem]:
    return [d for d in HomeService(v, clock=lambda: when).due_items() if d.kind == kind]


def denied(v: Vault, record_type: str) -> int:
    with v.session() as s:
        return len(list(s.scalars(select(AccessLog.id).where(
            AccessLog.outcome == "denied", AccessLog.record_type == record_type))))


def mi_with_two_no_shows(per_v: Vault, family: Family) -> int:
    per = svc(per_v)
    series = per.start_series(family.perpetrator, "mi", case_id=family.case_id,
                              started_on=START)
    per.record_session(series, START, {family.perpetrator: "attended"}, "Första MI-samtalet.")
    per.record_session(series, START + timedelta(weeks=1), {family.perpetrator: "no_show"})
    per.record_session(series, START + timedelta(weeks=2), {family.perpetrator: "no_show"},
                       "Svarade inte i telefon.")
    return series


def test_mi_series_two_no_shows_put_recontact_on_the_due_list(family: Family,
                                                              as_user: Login) -> None:
    per_v = as_user(PER, PER_PASS)
    series = mi_with_two_no_shows(per_v, family)
    view = svc(per_v).series_for(family.perpetrator)[0]
    assert view.id == series and view.kind == "mi" and view.leads and not view.group
    assert [s.attendance for s in view.sessions] == ["attended", "no_show", "no_show"]
    dropped = START + timedelta(weeks=2)
    assert view.dropped_on == dropped and view.recontact_due == dropped
    # each session went into his journal as a signed note of its own
    notes = [n for n in RecordService(per_v).journal(family.perpetrator)
             if n.note_type == "session"]
    assert len(notes) == 3 and all(n.signed for n in notes)
    assert any("Svarade inte i telefon." in n.body and "uteblev" in n.body for n in notes)
    # re-contact is due for his caseworker (and overdue the day after)
    [item] = due(per_v, "recontact", NOW)
    assert item.person_id == family.perpetrator and item.due == dropped and item.overdue
    assert "återkontakt" in item.title
    # the victim's caseworker is not told (his track is not hers)
    assert due(as_user(ANNA, ANNA_PASS), "recontact") == []
    # an attempt that did not reach him: the next is due after the rule's days
    retry = session_catalog().retry_days
    svc(per_v).record_recontact(series, family.perpetrator, TODAY, False, "Inget svar.")
    [item] = due(per_v, "recontact")
    assert item.due == TODAY + timedelta(days=retry) and not item.overdue
    for i in (1, 2):
        day = TODAY + timedelta(days=retry * i)
        svc(per_v, NOW + timedelta(days=retry * i)).record_recontact(
            series, family.perpetrator, day, False)
    [item] = due(per_v, "recontact", NOW + timedelta(days=7))
    assert "3 försök" in item.title  # the attempts are used up: the caseworker decides
    # reached: contact re-established, nothing due
    later = NOW + timedelta(days=7)
    svc(per_v, later).record_recontact(series, family.perpetrator, later.date(), True,
                                       "Nådd, kommer på torsdag.")
    assert due(per_v, "recontact", later) == []
    view = svc(per_v, later).series_for(family.perpetrator)[0]
    assert [r.reached for r in view.recontacts] == [False, False, False, True]
    # attempts are recorded facts: the database refuses to change them
    with per_v.session(write=True) as s, pytest.raises(DatabaseError):
        s.execute(text("UPDATE recontacts SET reached = 1"))
    with per_v.session(write=True) as s, pytest.raises(DatabaseError):
        s.execute(text("DELETE FROM session_attendance"))
    # an ended series makes nothing due, and takes no more sessions
    with pytest.raises(ConflictError):  # somebody else's change in between
        svc(per_v, later).end_series(series, view.version + 1, "Avslutad.")
    svc(per_v, later).end_series(series, view.version, "Avslutad efter återkontakt.")
    with pytest.raises(ValidationError):
        svc(per_v, later).record_session(series, later.date(), {family.perpetrator:
                                                                "attended"})
    with pytest.raises(ValidationError):
        svc(per_v, later).end_series(series, view.version + 1, "igen")


def test_weeks_without_a_session_is_a_drop_out(family: Family, as_user: Login) -> None:
    per_v = as_user(PER, PER_PASS)
    series = svc(per_v).start_series(family.perpetrator, "treatment", started_on=START)
    svc(per_v).record_session(series, START, {family.perpetrator: "attended"})
    weeks = session_catalog().kinds["treatment"].weeks
    assert due(per_v, "recontact", NOW) == []
    late = datetime.combine(START + timedelta(weeks=weeks, days=1), NOW.time())
    [item] = due(per_v, "recontact", late)
    assert item.due == START + timedelta(weeks=weeks)


def test_kinds_follow_the_role(family: Family, as_user: Login) -> None:
    anna, per = svc(as_user(ANNA, ANNA_PASS)), svc(as_user(PER, PER_PASS))
    with pytest.raises(ValidationError):
        per.start_series(family.perpetrator, "support")  # support talks are the victim's
    with pytest.raises(ValidationError):
        anna.start_series(family.victim, "group_perpetrator", title="Grupp")
    with pytest.raises(ValidationError):
        anna.start_series(family.victim, "group_siri")  # a group needs its name
    with pytest.raises(ValidationError):
        anna.start_series(family.victim, "bogus")
    with pytest.raises(ValidationError):  # the date of a session is not in the future
        anna.record_session(anna.start_series(family.victim, "support"),
                            TODAY + timedelta(days=1), {family.victim: "attended"})


def test_a_group_member_sees_no_other_member(family: Family, as_user: Login) -> None:
    anna_v, per_v = as_user(ANNA, ANNA_PASS), as_user(PER, PER_PASS)
    anna = svc(anna_v)
    group = anna.start_series(family.victim, "group_siri", title="Onsdagsgruppen",
                              case_id=family.case_id, started_on=START)
    anna.join_group(group, family.child, case_id=family.case_id)
    with pytest.raises(ValidationError):
        anna.join_group(group, family.child)  # already in it
    # members only from those the leader may see: not another caseworker's client, not
    # the perpetrator (whom anna sees only as existing), refused and logged
    before = denied(anna_v, "person")
    for outsider in (family.outsider, family.perpetrator):
        with pytest.raises(NoAccess):
            anna.join_group(group, outsider)
    assert denied(anna_v, "person") == before + 2
    # a note naming a member is refused: it goes into every member's own journal
    marks = {family.victim: "attended", family.child: "no_show"}
    with pytest.raises(ValidationError, match="namnge"):
        anna.record_session(group, START, marks, "Ella var ledsen i dag.")
    with pytest.raises(ValidationError):  # every member's attendance
        anna.record_session(group, START, {family.victim: "attended"}, "Tema: gränser.")
    anna.record_session(group, START, marks, "Tema: gränser.")
    view = anna.group(group)
    assert {m.person_id for m in view.members} == {family.victim, family.child}
    assert view.sessions == [(START, 1, 2)]
    # each member's record: their own attendance, no trace of the other
    victim_view = anna.series_for(family.victim)[0]
    assert victim_view.group and [s.attendance for s in victim_view.sessions] == ["attended"]
    child_view = anna.series_for(family.child)[0]
    assert [s.attendance for s in child_view.sessions] == ["no_show"]
    journal = RecordService(anna_v).journal(family.victim)
    [note] = [n for n in journal if n.note_type == "session"]
    assert "Tema: gränser." in note.body and "Ella" not in note.body
    assert "uteblev" not in note.body  # the child's no-show is in the child's journal only
    # the group's own view is its leader's (and a manager's): not another caseworker's
    with pytest.raises(NoAccess):
        svc(per_v).group(group)
    assert {m.person_id for m in svc(as_user(CHEF, CHEF_PASS)).group(group).members} == {
        family.victim, family.child}
    # nor may another caseworker record a session of it, or add a member to it
    with pytest.raises(NoAccess):
        svc(per_v).record_session(group, START, marks)
    with pytest.raises(NoAccess):
        svc(per_v).join_group(group, family.perpetrator)
    assert [g.id for g in anna.my_groups()] == [group]
    assert svc(per_v).my_groups() == []


def test_shelter_staff_hold_siri_groups_for_residents_only(family: Family,
                                                           as_user: Login) -> None:
    siri = svc(as_user(SIRI, SIRI_PASS))
    with pytest.raises(NoAccess):  # not a resident: shelter staff see nothing of her
        siri.start_series(family.victim, "group_siri", title="Siri-gruppen")


def test_insider_cannot_read_outside_their_access(family: Family, as_user: Login) -> None:
    """A caseworker with Python and the project's own API, calling the services with the
    ids of records outside their access: every call refused, every refusal logged."""
    anna_v, per_v, bo_v = (as_user(ANNA, ANNA_PASS), as_user(PER, PER_PASS),
                           as_user(BO, BO_PASS))
    series = mi_with_two_no_shows(per_v, family)
    group = svc(anna_v).start_series(family.victim, "group_siri", title="Gruppen")
    referral = refs(per_v).refer(family.perpetrator, "programme", "MVU-programmet",
                                 "Vill arbeta med sitt våld.")
    anna, bo = svc(anna_v), svc(bo_v)
    before = {t: denied(bo_v, t) for t in ("person", "session_series")}
    with pytest.raises(NoAccess):
        anna.series_for(family.perpetrator)  # his series: anna sees him only as existing
    with pytest.raises(NoAccess):
        bo.series_for(family.victim)
    with pytest.raises(NoAccess):
        bo.group(group)
    with pytest.raises(NoAccess):
        bo.record_recontact(series, family.perpetrator, TODAY, True, "insider")
    with pytest.raises(NoAccess):
        anna.record_session(series, TODAY, {family.perpetrator: "attended"})
    with pytest.raises(NoAccess):
        anna.end_series(series, 1, "insider")
    with pytest.raises(NoAccess):
        refs(anna_v).referrals(family.perpetrator)
    with pytest.raises(NoAccess):
        refs(bo_v).update_referral(referral, 1, ReferralSteps(accepted_on=TODAY))
    with pytest.raises(NoAccess):  # shelter staff: never casework such as referrals
        refs(as_user(SIRI, SIRI_PASS)).referrals(family.victim)
    after = {t: denied(bo_v, t) for t in before}
    assert after["person"] > before["person"]
    assert after["session_series"] == before["session_series"] + 1  # bo's group read
    # nothing of it reached the due lists of those outside
    assert due(anna_v, "recontact") == [] and due(bo_v, "referral") == []
    assert due(bo_v, "recontact") == []


def test_referral_steps_and_follow_ups(family: Family, as_user: Login) -> None:
    per_v = as_user(PER, PER_PASS)
    per = refs(per_v)
    with pytest.raises(ValidationError):
        per.refer(family.perpetrator, "treatment", "  ")
    with pytest.raises(ValidationError):
        refs(as_user(ANNA, ANNA_PASS)).refer(family.victim, "programme", "MVU")  # his only
    sent = TODAY - timedelta(days=20)
    ref = per.refer(family.perpetrator, "substance", "Beroendemottagningen",
                    "Alkohol i samband med våldet.", sent_on=sent, case_id=family.case_id)
    answer_days = session_catalog().referral_kinds["substance"].answer_days
    [item] = due(per_v, "referral")
    assert item.due == sent + timedelta(days=answer_days) and item.overdue
    assert "Beroendemottagningen" in item.title
    [view] = per.referrals(family.perpetrator)
    version = per.update_referral(ref, view.version, ReferralSteps(accepted_on=TODAY))
    [item] = due(per_v, "referral")
    assert item.due == TODAY + timedelta(days=session_catalog().referral_kinds[
        "substance"].start_days)
    with pytest.raises(ValidationError):  # ended without an outcome
        per.update_referral(ref, version, ReferralSteps(ended_on=TODAY))
    with pytest.raises(ValidationError):  # in the future
        per.update_referral(ref, version, ReferralSteps(started_on=TODAY + timedelta(1)))
    version = per.update_referral(ref, version, ReferralSteps(started_on=TODAY))
    assert due(per_v, "referral") == []
    version = per.update_referral(ref, version, ReferralSteps(
        ended_on=TODAY, outcome="completed", outcome_note="Genomförd."))
    [view] = per.referrals(family.perpetrator)
    assert (view.accepted_on, view.started_on, view.ended_on, view.outcome) == (
        TODAY, TODAY, TODAY, "completed")
    with pytest.raises(ValidationError):  # ended: read-only
        per.update_referral(ref, version, ReferralSteps(outcome="other"))


def test_hostile_text_through_every_form(family: Family, as_user: Login) -> None:
    anna_v, per_v = as_user(ANNA, ANNA_PASS), as_user(PER, PER_PASS)
    anna, per, ref = svc(anna_v), svc(per_v), refs(per_v)
    series = per.start_series(family.perpetrator, "kbt", started_on=START)
    group = anna.start_series(family.victim, "group_siri", title="Gruppen",
                              started_on=START)
    anna.join_group(group, family.child)
    cases = [(why, t) for why, t in hostile_cases() if len(t) <= 100_000]
    assert len(cases) > 30
    day = START
    for why, hostile in cases:
        composed = unicodedata.normalize("NFC", hostile)
        blank = not hostile.strip()
        # a session's note into his journal
        session = per.record_session(series, day, {family.perpetrator: "attended"}, hostile)
        line = next(s for s in per.series_for(family.perpetrator)[0].sessions
                    if s.session_id == session)
        assert line.note.endswith("" if blank else composed), why
        # a group's note
        marks = {family.victim: "attended", family.child: "attended"}
        if names_another_member(hostile, ["Åsa", "Öberg", "Ella"]):
            with pytest.raises(ValidationError):
                anna.record_session(group, day, marks, hostile)
        else:
            anna.record_session(group, day, marks, hostile)
        # a re-contact attempt's note
        per.record_recontact(series, family.perpetrator, day, False, hostile)
        assert per.series_for(family.perpetrator)[0].recontacts[-1].note == composed, why
        # a series' title (a group's name)
        if blank or len(hostile) > 200:
            with pytest.raises(ValidationError):
                anna.start_series(family.victim, "group_siri", title=hostile)
        else:
            new = anna.start_series(family.victim, "group_siri", title=hostile)
            assert anna.group(new).title == composed.strip(), why
        # a referral: to whom, why, the outcome's note
        if blank:
            with pytest.raises(ValidationError):
                ref.refer(family.perpetrator, "treatment", hostile, hostile)
        else:
            rid = ref.refer(family.perpetrator, "treatment", hostile, hostile)
            view = next(r for r in ref.referrals(family.perpetrator) if r.id == rid)
            assert (view.to_whom, view.reason) == (composed, composed), why
            ref.update_referral(rid, view.version, ReferralSteps(
                ended_on=TODAY, outcome="other", outcome_note=hostile))
            view = next(r for r in ref.referrals(family.perpetrator) if r.id == rid)
            assert view.outcome_note == composed, why
        # the reason a series ends
        if blank:
            with pytest.raises(ValidationError):
                per.end_series(series, 1, hostile)
        day = min(day + timedelta(days=1), TODAY)
    # the due list's titles hold names and receivers as plain text
    for item in HomeService(per_v, clock=lambda: NOW).due_items():
        assert isinstance(item.title, str)
    assert date.today()  # the clock of the services was frozen throughout


def test_a_leader_who_loses_a_member_sees_nothing_more_of_them(family: Family,
                                                               as_user: Login) -> None:
    """The leader's assignment to a member's track ends: that member leaves the leader's
    view of the group, their re-contact leaves the leader's due list, and recording a
    session for the group is refused (it would write into a journal they may not see)."""
    anna_v = as_user(ANNA, ANNA_PASS)
    anna = svc(anna_v)
    group = anna.start_series(family.victim, "group_siri", title="Gruppen", started_on=START)
    anna.join_group(group, family.child)
    for week in range(3):
        anna.record_session(group, START + timedelta(weeks=week),
                            {family.victim: "attended", family.child: "no_show"})
    assert [d.person_id for d in due(anna_v, "recontact")] == [family.child]
    with anna_v.session(write=True) as s:  # a manager ends anna's assignment to the child
        s.execute(text(
            "UPDATE assignments SET ended_at = :t WHERE user_id = (SELECT id FROM users "
            "WHERE username = :u) AND case_member_id IN (SELECT id FROM case_members "
            "WHERE person_id = :p)"), {"t": NOW, "u": ANNA, "p": family.child})
    assert due(anna_v, "recontact") == []
    assert [m.person_id for m in anna.group(group).members] == [family.victim]
    with pytest.raises(NoAccess):
        anna.record_session(group, TODAY, {family.victim: "attended"})
    with pytest.raises(NoAccess):
        anna.series_for(family.child)


def test_migration_0015_from_the_previous_schema(family: Family) -> None:
    """A database at 0014 (no series, sessions, re-contacts or referrals) gains the tables
    and their read-only triggers, and the series work on it."""
    from storage import db, schema
    from tests.conftest import drop_tables_added_after

    with Vault.unlock(family.path, PER, PER_PASS) as v:
        key = bytes(v._data_key)
    conn = db.connect(family.path, key)
    try:
        drop_tables_added_after(conn, "0014")
        conn.execute("UPDATE alembic_version SET version_num = '0014'")
        conn.commit()
    finally:
        conn.close()
    with Vault.unlock(family.path, PER, PER_PASS) as v:  # migrates
        with v.session() as s:
            assert s.scalar(text("SELECT version_num FROM alembic_version")) == schema.HEAD
            triggers = set(s.scalars(text(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN "
                "('session_attendance', 'recontacts') AND name LIKE '%\\_readonly' "
                "ESCAPE '\\'")))
        assert triggers == {f"{t}_{e}_readonly" for t in ("session_attendance", "recontacts")
                            for e in ("update", "delete")}
        mi_with_two_no_shows(v, family)
        [item] = due(v, "recontact", NOW)
        assert item.person_id == family.perpetrator
        with pytest.raises(DatabaseError), v.session(write=True) as s:
            s.execute(text("UPDATE session_attendance SET attendance = 'attended'"))
