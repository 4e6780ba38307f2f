"""The board's statistics: every figure on a hand-built data set with known answers
(frozen dates), small counts never leaving the service, and managers only – also for an
insider who calls the service with their own vault."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rc_tui.domain.periods import parse_period
from rc_tui.domain.suppression import protect_table
from rc_tui.services import statistics
from rc_tui.services.statistics import StatisticsService, StatReport, StatTable
from storage.errors import NoAccess
from storage.models import (
    AccessLog,
    Assessment,
    Case,
    CaseMember,
    Decision,
    FollowUp,
    Intake,
    Investigation,
    PartnerContact,
    Person,
    Recontact,
    Referral,
    Samrad,
    SamradAction,
    SamradParticipant,
    SeriesMember,
    SeriesSession,
    SessionAttendance,
    SessionSeries,
    Stay,
    TurnedAway,
    User,
)
from storage.roles import Role
from storage.vault import Vault
from tests.conftest import ADMIN, ADMIN_PASS, ANNA, ANNA_PASS, MANAGER, MANAGER_PASS

SIRI, SIRI_PASS = "siri", "nattens långa fras"
NOW = datetime(2026, 7, 15, 10, 0)


def _person(s: Session, gender: str, birth: date | None, created: datetime) -> int:
    p = Person(given_name="X", gender=gender, birth_date=birth, created_at=created,
               updated_at=created)
    s.add(p)
    s.flush()
    return p.id


def build(s: Session) -> None:
    """2026-H1 beside 2025-H1 (the numbers the tests expect are in the comments)."""
    anna = s.scalar(select(User.id).where(User.username == ANNA))
    assert anna is not None
    case = Case(case_number="S-1", opened_at=datetime(2026, 1, 10))
    old_case = Case(case_number="S-0", opened_at=datetime(2025, 2, 1))
    s.add_all([case, old_case])
    s.flush()
    added = datetime(2026, 2, 1, 9)
    victims = []
    # 2026-H1 victims: 3 women 30 (25-34), 2 women 38 (35-44), 1 woman of unknown age;
    # the first was registered in 2025 (known), the others in 2026 (new)
    for i, birth in enumerate([date(1995, 3, 1)] * 3 + [date(1988, 1, 1)] * 2 + [None]):
        created = datetime(2025, 6, 1) if i == 0 else added
        victims.append(_person(s, "female", birth, created))
    man = _person(s, "male", date(1986, 1, 1), added)  # 40: 35-44, new
    child = _person(s, "female", date(2020, 6, 1), added)  # 5: 0-5, new
    for pid in victims:
        s.add(CaseMember(case_id=case.id, person_id=pid, role="victim", added_at=added))
    s.add(CaseMember(case_id=case.id, person_id=man, role="perpetrator", added_at=added))
    s.add(CaseMember(case_id=case.id, person_id=child, role="child", added_at=added))
    # 2025-H1: 7 women 35 (35-44), all new
    for _i in range(7):
        pid = _person(s, "female", date(1990, 1, 1), datetime(2025, 3, 1))
        s.add(CaseMember(case_id=old_case.id, person_id=pid, role="victim",
                         added_at=datetime(2025, 3, 1)))
    # intakes: 2026-H1 police 5, self 2 (the case's first on 10 January); 2025-H1 police 6
    for i, channel in enumerate(["police"] * 5 + ["self"] * 2):
        s.add(Intake(case_id=case.id, contact_person_id=victims[0], channel=channel,
                     occurred_at=datetime(2026, 1, 10 + i), created_at=datetime(2026, 1, 10)))
    for i in range(6):
        s.add(Intake(case_id=old_case.id, contact_person_id=victims[0], channel="police",
                     occurred_at=datetime(2025, 2, 1 + i), created_at=datetime(2025, 2, 1)))
    # five adult investigations started 10 February (31 days after the first intake),
    # concluded after 30, 40, 50, 60, 70 days (median 50, 90th percentile 66); four wrote
    # about short-term protection, two about housing in the short term
    for i, days in enumerate([30, 40, 50, 60, 70]):
        findings = {"protection_short": "skrivet" if i < 4 else "  ",
                    "housing_short": "skrivet" if i < 2 else ""}
        inv = Investigation(person_id=victims[i], case_id=case.id, template="adult",
                            investigator_id=anna, started_on=date(2026, 2, 10),
                            ended_on=date(2026, 2, 10) + timedelta(days=days),
                            findings=json.dumps(findings), created_at=added, updated_at=added)
        s.add(inv)
        s.flush()
        # decided 20 March: 38 days after the start; granted 5 times
        s.add(Decision(person_id=victims[i], case_id=case.id, investigation_id=inv.id,
                       intervention="support_talks", outcome="granted", reasons="-",
                       legal_basis="sol", legal_text="-", decided_by_id=anna,
                       decided_at=datetime(2026, 3, 20, 10)))
    # a child's investigation open since 5 January: past four months on 30 June
    s.add(Investigation(person_id=child, case_id=case.id, template="child",
                        investigator_id=anna, started_on=date(2026, 1, 5), created_at=added,
                        updated_at=added))
    # two emergency decisions: the child's (her investigation is open: not waiting) and
    # the man's (no investigation of him: still waiting on 30 June)
    for pid, day in ((child, datetime(2026, 3, 1, 9)), (man, datetime(2026, 5, 10, 9))):
        s.add(Decision(person_id=pid, case_id=case.id, intervention="practical_support",
                       outcome="granted", reasons="-", legal_basis="sol", legal_text="-",
                       emergency=True, decided_by_id=anna, decided_at=day))
    # violence mappings signed in the period (no level): physical 6, psychological 5,
    # sexual 1 – the first woman's earlier mapping (economic) is not her latest
    _mapping(s, victims[0], {"economic": "yes"}, datetime(2026, 1, 20))
    for i, pid in enumerate(victims):
        _mapping(s, pid, {"physical": "yes", "psychological": "yes" if i < 5 else "no",
                          "sexual": "yes" if i == 5 else "unknown"}, datetime(2026, 2, 2))
    # the shelter: five women 1-11 March (10 nights each: 50), all came with the police,
    # all went to their own housing, two followed up; one child with the first
    first_stay = None
    for i in range(5):
        stay = Stay(person_id=victims[i], facility="shelter", admitted_at=datetime(2026, 3, 1),
                    departed_at=datetime(2026, 3, 11), arrived_via="police",
                    destination="own_housing",
                    followed_up_at=datetime(2026, 3, 20) if i < 2 else None,
                    followup_outcome=("safe", "supported")[i] if i < 2 else None)
        s.add(stay)
        s.flush()
        first_stay = first_stay or stay.id
    s.add(Stay(person_id=child, facility="shelter", accompanying_id=first_stay,
               admitted_at=datetime(2026, 3, 1), departed_at=datetime(2026, 3, 11)))
    _support_and_coordination(s, anna, case.id, victims, man)
    # six turned away (no place), two of them also for substance use, all referred on
    for i in range(6):
        s.add(TurnedAway(facility="shelter", requested_at=datetime(2026, 4, 1 + i),
                         reasons="no_place,substance_use" if i < 2 else "no_place",
                         referred_to="other_shelter", followup_due=date(2026, 4, 3 + i),
                         created_at=datetime(2026, 4, 1 + i)))


def _support_and_coordination(s: Session, anna: int, case_id: int, victims: list[int],
                              man: int) -> None:
    """Partner contacts, sessions, re-contacts, referrals, follow-ups, samråd and risk."""
    at = datetime(2026, 3, 2, 10)
    # partner contacts: reached 5, declined 1, not reached 2; his track (1 February) made
    # one due on 15 February
    for outcome in ["reached"] * 5 + ["declined"] + ["not_reached"] * 2:
        s.add(PartnerContact(person_id=victims[0], perpetrator_id=man, case_id=case_id,
                             contacted_at=at, outcome=outcome, recorded_by_id=anna,
                             created_at=at))
    # one series, six sessions: attended 5, no-show 1; two re-contacts, one reached
    series = SessionSeries(kind="mi", leader_id=anna, started_on=date(2026, 3, 1),
                           created_at=at)
    s.add(series)
    s.flush()
    # he was reached again on 20 April and has not come since: dropped out on 18 May
    # (four weeks without an attended session)
    s.add(SeriesMember(series_id=series.id, person_id=man, joined_on=date(2026, 3, 1)))
    # another member left on 10 March before the rule would have said he dropped out
    # (four weeks from the start: 29 March): leaving is no drop-out
    s.add(SeriesMember(series_id=series.id, person_id=victims[1], joined_on=date(2026, 3, 1),
                       left_on=date(2026, 3, 10)))
    for i, attendance in enumerate(["attended"] * 5 + ["no_show"]):
        session = SeriesSession(series_id=series.id, held_on=date(2026, 3, 1 + 5 * i),
                                recorded_by_id=anna, recorded_at=at)
        s.add(session)
        s.flush()
        s.add(SessionAttendance(session_id=session.id, person_id=man, attendance=attendance))
    for reached in (True, False):
        s.add(Recontact(series_id=series.id, person_id=man, attempted_on=date(2026, 4, 20),
                        reached=reached, by_id=anna, created_at=at))
    # referrals: treatment 6 (sent in March), ended in May: completed 5, dropped out 1
    for i in range(6):
        s.add(Referral(person_id=man, case_id=case_id, kind="treatment", to_whom="-",
                       sent_on=date(2026, 3, 3), created_by_id=anna, created_at=at,
                       updated_at=at, ended_on=date(2026, 5, 1),
                       outcome="completed" if i < 5 else "dropped_out"))
    # follow-ups done: need met 5, continue 1
    for outcome in ["need_met"] * 5 + ["continue"]:
        s.add(FollowUp(person_id=victims[0], kind="intervention", due_on=date(2026, 5, 1),
                       done_at=datetime(2026, 5, 2), outcome=outcome, created_at=at))
    # samråd: two held (one a repeat) with the police taking part in both, health in one;
    # the second reviewed six police actions of the first: done 5, not acted 1
    meetings = []
    for i in range(2):
        meeting = Samrad(case_id=case_id, requested_by="police", requested_at=at,
                         meeting_on=date(2026, 4, 1 + 14 * i), chair_id=anna,
                         repeat=i == 1, created_at=at, updated_at=at)
        s.add(meeting)
        s.flush()
        meetings.append(meeting.id)
        s.add(SamradParticipant(samrad_id=meeting.id, kind="participant", agency="police"))
        if i == 0:
            s.add(SamradParticipant(samrad_id=meeting.id, kind="participant", agency="health"))
    for outcome in ["done"] * 5 + ["not_acted"]:
        s.add(SamradAction(samrad_id=meetings[0], person_id=victims[0], what="-",
                           agency="police", outcome=outcome, reviewed_in_id=meetings[1]))
    s.flush()
    for i, meeting_id in enumerate(meetings):  # approved: the minutes are read-only now
        row = s.get(Samrad, meeting_id)
        assert row is not None
        row.approved_at = datetime(2026, 4, 2 + 14 * i)
        s.flush()
    # risk: six women's latest signed levels – high 5 (one of them low before), medium 1
    for i, level in enumerate(["high"] * 5 + ["medium"]):
        if i == 0:
            _assessment(s, victims[i], "low", datetime(2026, 2, 1))
        _assessment(s, victims[i], level, datetime(2026, 3, 1 + i))


def _mapping(s: Session, person: int, answers: dict[str, str], signed: datetime) -> None:
    s.add(Assessment(person_id=person, instrument_id="rc-violence-mapping",
                     instrument_version="1", instrument_title="-", definition="{}",
                     definition_sha256="0" * 64, answers=json.dumps(answers), signed_at=signed,
                     created_at=signed, updated_at=signed))


def _assessment(s: Session, person: int, level: str, signed: datetime) -> None:
    s.add(Assessment(person_id=person, instrument_id="rc-danger-victim", instrument_version="1",
                     instrument_title="-", definition="{}", definition_sha256="0" * 64,
                     level=level, signed_at=signed, created_at=signed, updated_at=signed))


@pytest.fixture
def db(installed: Path) -> Iterator[Path]:
    with Vault.unlock(installed, ADMIN, ADMIN_PASS) as admin:
        admin.add_user(SIRI, "Siri", Role.SHELTER, SIRI_PASS, must_change=False)
    with Vault.unlock(installed, MANAGER, MANAGER_PASS) as v, v.session(write=True) as s:
        build(s)
    yield installed


def report(v: Vault, period: str = "2026-H1") -> StatReport:
    return StatisticsService(v, clock=lambda: NOW).report(period)


def table(r: StatReport, key: str) -> StatTable:
    return next(t for sec in r.sections for t in sec.tables if t.key == key)


def figure(r: StatReport, key: str) -> tuple[str, str]:
    f = next(f for sec in r.sections for f in sec.figures if f.key == key)
    return f.now, f.before


def test_the_raw_counts_of_the_hand_built_year(db: Path) -> None:
    """Every count before suppression (they never leave the service; checked here)."""
    with Vault.unlock(db, MANAGER, MANAGER_PASS) as v, v.session() as s:
        now = statistics._collect(s, parse_period("2026-H1"))
        before = statistics._collect(s, parse_period("2025-H1"))
    female = 0
    assert now.tables["people.victim"][female] == [0, 0, 3, 2, 0, 0, 0, 1]
    assert sum(map(sum, now.tables["people.victim"])) == 6
    assert now.tables["people.victim.new"] == [[5, 1]]
    assert now.tables["people.perpetrator"][1] == [0, 0, 0, 1, 0, 0, 0, 0]
    assert now.tables["people.child"][female] == [1, 0, 0, 0, 0]
    assert before.tables["people.victim"][female] == [0, 0, 0, 7, 0, 0, 0, 0]
    assert before.tables["people.victim.new"] == [[7, 0]]
    # intakes by month and channel: all seven in January, the year before all in February
    assert now.tables["people.intakes_monthly"] == [[2, 5, 0, 0, 0, 0, 0]] + [[0] * 7] * 5
    assert before.tables["people.intakes_monthly"][1] == [0, 6, 0, 0, 0, 0, 0]
    assert sum(map(sum, before.tables["people.intakes_monthly"])) == 6
    assert now.counts["people.mapped"] == 6
    assert now.tables["people.violence"] == [[6, 5, 1, 0, 0, 0, 0]]
    assert now.values["lead.intake_to_start"] == [31.0] * 5
    assert now.values["lead.start_to_decision"] == [38.0] * 5
    assert sorted(now.values["lead.investigation_days"]) == [30, 40, 50, 60, 70]
    assert now.counts["lead.child_past_four_months"] == 1
    assert now.counts["lead.emergency_decisions"] == 2
    assert now.counts["lead.emergency_waiting"] == 1
    assert now.counts["shelter.adults.stays"] == 5
    assert now.counts["shelter.adults.nights"] == 50
    assert now.counts["shelter.children.stays"] == 1
    assert now.counts["shelter.children.nights"] == 10
    assert now.counts["shelter.followed_up"] == 2
    assert now.tables["shelter.followups"] == [[1, 1, 0, 0, 3]]
    # ten nights in March each (of 31): five women, one child; no other month
    occupancy = now.months["shelter.adults.occupancy"]
    assert [n for n, _ids, _days in occupancy] == [0, 0, 50, 0, 0, 0]
    assert [len(ids) for _n, ids, _days in occupancy] == [0, 0, 5, 0, 0, 0]
    assert [d for _n, _ids, d in occupancy] == [31, 28, 31, 30, 31, 30]
    assert [n for n, _i, _d in now.months["shelter.children.occupancy"]] == [0, 0, 10, 0, 0, 0]
    assert now.tables["shelter.arrivals"] == [[0, 5, 0, 0, 0, 0]]
    assert now.tables["shelter.departures"] == [[5, 0, 0, 0, 0, 0, 0]]
    assert now.tables["shelter.turned_away.reasons"] == [[6, 2, 0, 0, 0, 0, 0, 0]]
    assert now.tables["shelter.turned_away.referred"] == [[6, 0, 0, 0, 0, 0, 0, 0]]
    assert before.counts["shelter.adults.stays"] == 0
    areas = [key for key, _label in statistics._need_areas()]
    found = dict(zip(areas, now.tables["needs.areas"][0], strict=True))
    assert found["adult:protection_short"] == 4 and found["adult:housing_short"] == 2
    assert sum(found.values()) == 6
    decisions = now.tables["needs.decisions"]
    assert decisions[2] == [5, 0, 0] and sum(map(sum, decisions)) == 7  # support talks
    assert now.tables["needs.followups"] == [[5, 1, 0, 0]]
    assert now.counts["partner.due"] == 1
    assert now.tables["partner.outcomes"] == [[5, 1, 2]]
    assert now.counts["sessions.held"] == 6
    assert now.tables["sessions.attendance"] == [[5, 0, 1]]
    assert now.tables["sessions.recontacts"] == [[1, 1]]
    assert now.tables["referrals.kinds"] == [[6, 0, 0, 0, 0]]
    assert now.tables["referrals.outcomes"] == [[5, 1, 0, 0, 0]]
    assert now.counts["sessions.dropouts"] == 1
    assert before.counts["sessions.dropouts"] == 0
    assert (now.counts["samrad.held"], now.counts["samrad.repeats"]) == (2, 1)
    assert now.tables["samrad.agencies"] == [[2, 1, 0, 0, 0, 0, 0]]
    actions = now.tables["samrad.actions"]
    assert actions[0] == [5, 0, 1] and sum(map(sum, actions)) == 6
    assert now.tables["risk.levels"] == [[0, 1, 5, 0]]  # the mappings set no level
    # first assessment 5, raised 1 (the first woman: low in February, high in March)
    assert now.tables["risk.changes"] == [[5, 1, 0, 0, 0]]
    assert before.tables["risk.levels"] == [[0, 0, 0, 0]]


def test_every_figure_leaves_through_the_suppression_rule(db: Path) -> None:
    with Vault.unlock(db, MANAGER, MANAGER_PASS) as v:
        r = report(v)
    assert (r.period, r.previous, r.k) == ("2026-H1", "2025-H1", 5)
    victims = table(r, "people.victim")
    assert victims.now.total == "6" and victims.before.total == "7"
    # the small cells are "<5", and the women's row (all of them) cannot give one away
    assert victims.now.cells[0][2:4] == ("<5", "<5")
    assert victims.now == statistics._figures(protect_table(
        [[0, 0, 3, 2, 0, 0, 0, 1], [0] * 8, [0] * 8, [0] * 8], 5, known_total=True))
    assert victims.before.cells[0][3] == "7"
    assert victims.change.total == "-1"
    assert victims.change.cells[0][3] == "x"  # "<5" beside 7: no change shown
    # 5 new and 1 known out of the 6 shown beside: hiding the 5 would not help (6 - x
    # with x 0 or 5 and more leaves 1), so the split is withheld
    new = table(r, "people.victim.new")
    assert new.withheld and new.now.cells == (("x", "x"),) and new.now.total == "6"
    assert new.before.cells == (("7", "0"),)
    assert table(r, "people.perpetrator").withheld  # one man: his table is withheld
    assert table(r, "people.perpetrator").now.total == "<5"
    # the channels of the half-year are the column totals of the months' table, protected
    # with it: self 2 and police 5 in January of 7 – the 5 is hidden with the 2, and so
    # are the columns' totals (the police column would give the 5 back)
    monthly = table(r, "people.intakes_monthly")
    assert monthly.now.cells[0] == ("<5", "x", "0", "0", "0", "0", "0")
    assert monthly.now.row_totals == ("7", "0", "0", "0", "0", "0")
    channels = table(r, "people.channels")
    assert channels.now.cells == (monthly.now.col_totals,) == (("x", "x", "0", "0", "0", "0",
                                                                "0"),)
    assert channels.now.total == "7" and channels.before.cells[0][1] == "6"
    assert table(r, "people.violence").now.cells == (("6", "5", "<5", "0", "0", "0", "0"),)
    assert figure(r, "people.mapped") == ("6", "0")
    assert figure(r, "lead.intake_to_start.0.5") == ("31", "x")
    assert figure(r, "lead.start_to_decision.0.9") == ("38", "x")
    assert figure(r, "lead.investigation_days.0.5") == ("50", "x")
    assert figure(r, "lead.investigation_days.0.9") == ("66", "x")
    assert figure(r, "lead.child_past_four_months") == ("<5", "0")
    assert figure(r, "shelter.adults.stays") == ("5", "0")
    assert figure(r, "shelter.adults.nights") == ("50", "0")
    assert figure(r, "shelter.children.stays") == ("<5", "0")
    # the child's ten nights are one child's stay: not shown
    assert figure(r, "shelter.children.nights") == ("x", "0")
    # 50 nights over the 181 nights of the half-year; one child: not shown
    places = [f for sec in r.sections for f in sec.figures if sec.key == "shelter"]
    assert [f.now for f in places if "per night" in f.label or "per natt" in f.label] == [
        "0.3", "x"]
    assert [f.before for f in places if "per natt" in f.label] == ["0", "0"]
    assert table(r, "shelter.followups").now.cells == (("<5", "<5", "0", "0", "<5"),)
    assert table(r, "shelter.followups").now.total == "5"
    # March: 50 nights of five women over 31 nights; the child's ten nights are hers
    occupancy = table(r, "shelter.occupancy")
    assert occupancy.now.cells == (("0", "0"), ("0", "0"), ("1.6", "x"), ("0", "0"),
                                   ("0", "0"), ("0", "0"))
    assert occupancy.change.cells[2] == ("+1.6", "x")
    assert figure(r, "lead.emergency_decisions") == ("<5", "0")
    assert figure(r, "lead.emergency_waiting") == ("<5", "0")
    assert figure(r, "sessions.dropouts") == ("<5", "0")
    assert table(r, "referrals.outcomes").now.cells == (("x", "<5", "0", "0", "0"),)
    assert table(r, "shelter.arrivals").now.cells == (("0", "5", "0", "0", "0", "0"),)
    assert table(r, "shelter.turned_away.reasons").now.cells == (
        ("6", "<5", "0", "0", "0", "0", "0", "0"),)
    assert table(r, "shelter.turned_away.reasons").now.total == "x"  # they do not add up
    # support talks granted 5 and practical support (the emergencies) 2 of 7 granted:
    # the 5 goes with the 2
    decisions = table(r, "needs.decisions")
    assert decisions.now.cells[2] == ("x", "0", "0") and decisions.now.cells[7][0] == "<5"
    # 1 medium beside 5 high of 6: hiding the 5 is not enough (6 - x, x 0 or 5+, is 1),
    # and the total of 6 persons is shown by the changes too: both tables are withheld
    for key in ("risk.levels", "risk.changes"):
        assert table(r, key).withheld and table(r, key).now.total == "6"
        assert set(table(r, key).now.cells[0]) == {"x"}
    assert table(r, "partner.outcomes").now.cells == (("5", "<5", "<5"),)
    assert figure(r, "sessions.held") == ("6", "0")
    assert figure(r, "samrad.held") == ("<5", "0")
    assert table(r, "samrad.agencies").now.cells == (("<5", "<5", "0", "0", "0", "0", "0"),)
    assert table(r, "needs.followups").now.cells[0][:2] == ("x", "<5")


def test_no_small_count_is_in_the_report(db: Path) -> None:
    """Whatever the table, no text of the report is a count from 1 to 4."""
    with Vault.unlock(db, MANAGER, MANAGER_PASS) as v:
        r = report(v)
    texts = []
    for sec in r.sections:
        for t in sec.tables:
            for fig in (t.now, t.before, t.change):
                texts += [c for row in fig.cells for c in row]
                texts += [*fig.row_totals, *fig.col_totals, fig.total]
        texts += [x for f in sec.figures for x in (f.now, f.before)]
    assert not {"1", "2", "3", "4"} & set(texts)


def test_the_k_setting_is_used(db: Path) -> None:
    with Vault.unlock(db, ADMIN, ADMIN_PASS) as admin:
        admin.set_setting("suppression_k", 8)
    with Vault.unlock(db, MANAGER, MANAGER_PASS) as v:
        r = report(v)
    assert r.k == 8
    assert figure(r, "shelter.adults.stays") == ("<8", "0")
    assert table(r, "people.victim").now.total == "<8"


def test_managers_only_and_one_log_entry_per_report(db: Path) -> None:
    with Vault.unlock(db, MANAGER, MANAGER_PASS) as v:
        report(v)
        report(v, "2026-05")
        with v.session() as s:
            assert s.scalar(select(func.count(AccessLog.id)).where(
                AccessLog.record_type == "statistics", AccessLog.outcome == "ok")) == 2
    for user, pw in ((ANNA, ANNA_PASS), (SIRI, SIRI_PASS)):
        # the insider: their own vault, the service itself, any period
        with Vault.unlock(db, user, pw) as v:
            with pytest.raises(NoAccess):
                report(v)
            with pytest.raises(NoAccess):
                StatisticsService(v).report("2025")
            with v.session() as s:
                denied = s.scalar(select(func.count(AccessLog.id)).where(
                    AccessLog.record_type == "statistics", AccessLog.outcome == "denied"))
                assert denied is not None and denied >= 2


def test_a_period_it_cannot_read_is_refused() -> None:
    for bad in ("2026-H3", "2026-Q5", "2026-13", "26", "2026-1", ""):
        with pytest.raises(ValueError):
            parse_period(bad)
    p = parse_period("2026-Q3")
    assert (p.start, p.end, p.year_before().code) == (date(2026, 7, 1), date(2026, 9, 30),
                                                       "2025-Q3")
    assert parse_period("2024-02").end == date(2024, 2, 29)
    assert parse_period("2026-H2").days == 184



def test_months_not_shown_hold_k_stays_together() -> None:
    """Places per night by month: a month of 1..k-1 stays is hidden, and since the
    period's nights are shown beside them, the hidden months must hold k stays together
    (else their nights are the period's minus the months shown): one more month goes."""
    def month(nights: int, stays: range) -> tuple[int, frozenset[int], int]:
        return (nights, frozenset(stays), 30)

    raw = statistics._Raw({}, {}, {}, {"f": [
        month(60, range(0, 6)), month(20, range(10, 12)), month(90, range(20, 27)),
        month(0, range(0))]})
    empty = statistics._Raw({}, {}, {}, {"f": [month(0, range(0))] * 4})
    t = statistics._Builder(raw, empty, 5).occupancy("o", "-", list("abcd"), [("c", "f")])
    # the 2-stay month is hidden; alone it would be given away: the 6-stay month goes too
    assert [row[0] for row in t.now.cells] == ["x", "x", "3.0", "0"]
    enough = statistics._Raw({}, {}, {}, {"f": [
        month(60, range(0, 6)), month(20, range(10, 12)), month(30, range(12, 15)),
        month(0, range(0))]})
    t = statistics._Builder(enough, empty, 5).occupancy("o", "-", list("abcd"), [("c", "f")])
    # two hidden months of 2 and 3 stays: five stays together, nothing more to hide
    assert [row[0] for row in t.now.cells] == ["2.0", "x", "x", "0"]


def xlsx_sheets(data: bytes) -> dict[str, str]:
    """Each sheet's name and its text: the cells' strings and numbers, read from the
    workbook's XML (no spreadsheet library needed)."""
    import re
    import zipfile
    from io import BytesIO
    from xml.etree import ElementTree

    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    with zipfile.ZipFile(BytesIO(data)) as z:
        assert z.testzip() is None
        shared = [("".join(t.text or "" for t in si.iter(f"{{{ns['m']}}}t")))
                  for si in ElementTree.fromstring(z.read("xl/sharedStrings.xml"))]
        book = ElementTree.fromstring(z.read("xl/workbook.xml"))
        names = [s.get("name") or "" for s in book.iter(f"{{{ns['m']}}}sheet")]
        out = {}
        for i, name in enumerate(names, start=1):
            sheet = ElementTree.fromstring(z.read(f"xl/worksheets/sheet{i}.xml"))
            texts = []
            for c in sheet.iter(f"{{{ns['m']}}}c"):
                v = c.find("m:v", ns)
                if v is not None and v.text is not None:
                    texts.append(shared[int(v.text)] if c.get("t") == "s" else v.text)
            out[name] = "\n".join(texts)
        props = z.read("docProps/core.xml").decode()
    assert not re.search(r"<dc:creator>(?!rc-tui)", props)
    return out


def test_the_xlsx_has_a_sheet_per_area_with_what_the_report_shows(db: Path) -> None:
    from rc_tui.services.statistics_out import render_xlsx

    with Vault.unlock(db, MANAGER, MANAGER_PASS) as v:
        r = report(v)
    sheets = xlsx_sheets(render_xlsx(r))
    assert list(sheets) == [sec.title[:31] for sec in r.sections]
    people = sheets[r.sections[0].title]
    assert "Aktualiseringar per kontaktväg" in people and "<5" in people
    shelter = next(sec.title for sec in r.sections if sec.key == "shelter")
    assert "1.6" in sheets[shelter[:31]]  # March's places per night
    # what was suppressed is not in the file: no count from 1 to 4 as a number anywhere
    for text in sheets.values():
        assert not {"1", "2", "3", "4"} & set(text.split("\n"))


def test_the_board_report_is_a_document_with_tables_and_bars(db: Path) -> None:
    from pypdf import PdfReader

    from rc_tui.services.documents import DocumentRequest, DocumentService

    with Vault.unlock(db, MANAGER, MANAGER_PASS) as v:
        issued = DocumentService(v, clock=lambda: NOW).issue(
            DocumentRequest("board_report", 0, period="2026-H1"))
        with v.session() as s:
            logged = s.scalars(select(AccessLog).where(AccessLog.action == "export")).all()
    assert issued.output == "encrypted_pdf" and issued.path is not None
    reader = PdfReader(str(issued.path))
    assert reader.is_encrypted and reader.decrypt(issued.password or "")
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "2026-H1" in text and "2025-H1" in text
    assert "Aktualiseringar per månad och kontaktväg" in text
    assert "Belagda platser per natt, per månad" in text and "1.6" in text
    # the bars are rectangles drawn on the page, one per shown non-zero figure
    drawn = b"".join(page.get_contents().get_data() for page in reader.pages  # type: ignore[union-attr]
                     if page.get_contents() is not None)
    assert drawn.count(b" re f") + drawn.count(b" re\nf") >= 3
    assert [(e.record_type, e.person_id, e.flagged) for e in logged] == [
        ("board_report", None, True)]
    issued.path.unlink()
    # anyone else: refused (the statistics' own check), nothing written
    with Vault.unlock(db, ANNA, ANNA_PASS) as v, pytest.raises(NoAccess):
        DocumentService(v).issue(DocumentRequest("board_report", 0, period="2026"))


def test_the_ages_counted_by_sqlite_are_the_domain_rule(installed: Path) -> None:
    """The people tables count ages in SQL: the same completed years as
    ``rc_tui.domain.ages`` (29 February, the day before a birthday, a birth year alone,
    a birth after the day), checked against it one person at a time."""
    from rc_tui.domain.ages import age_from_year, age_on

    added = [datetime(2026, 2, 28, 23, 59), datetime(2026, 3, 1, 0, 0),
             datetime(2026, 12, 31, 12, 0), datetime(2026, 6, 15, 8, 0)]
    births: list[tuple[date | None, int | None]] = [
        (date(2008, 2, 29), None), (date(2008, 3, 1), None), (date(2007, 12, 31), None),
        (date(2026, 6, 16), None), (None, 2008), (None, 2026), (None, 2027),
        (date(1961, 6, 15), None), (None, None)]
    with Vault.unlock(installed, MANAGER, MANAGER_PASS) as v, v.session(write=True) as s:
        case = Case(case_number="A-1", opened_at=added[0])
        s.add(case)
        s.flush()
        expected = []
        for when in added:
            for birth, year in births:
                p = Person(given_name="X", gender="female", birth_date=birth, birth_year=year,
                           created_at=when, updated_at=when)
                s.add(p)
                s.flush()
                s.add(CaseMember(case_id=case.id, person_id=p.id, role="victim",
                                 added_at=when))
                try:
                    age = (age_on(birth, when.date()) if birth is not None else
                           age_from_year(year, when.date()) if year is not None else None)
                except ValueError:
                    age = None
                expected.append(age)
    with Vault.unlock(installed, MANAGER, MANAGER_PASS) as v, v.session() as s:
        raw = statistics._Raw({}, {}, {})
        statistics._people(s, parse_period("2026"), raw)
    bands = statistics.ADULT_BANDS
    want = [0] * (len(bands) + 1)
    for age in expected:
        want[statistics._band(bands, age)] += 1
    assert raw.tables["people.victim"][0] == want
    assert raw.tables["people.victim.new"] == [[len(expected), 0]]
    assert want[0] > 0 and want[-1] > 0  # under 18 and not known both occur
