"""The rules of session series, re-contact, groups and referrals, and the templates and
lists per track, as plain tests with frozen dates. No clock, no database."""

from __future__ import annotations

from datetime import date, timedelta

from rc_tui.domain.casework import catalog, interventions_for, templates_for
from rc_tui.domain.sessions import (
    Attempt,
    Attendance,
    ReferralFacts,
    SessionKind,
    dropped_out_on,
    kinds_for,
    names_another_member,
    recontact_due,
    referral_due,
    referral_kinds_for,
    referral_step_problems,
    session_catalog,
)

D = date(2026, 3, 2)  # a Monday
MI = session_catalog().kinds["mi"]


def att(*codes: str, start: date = D) -> list[Attendance]:
    """Weekly sessions from ``start``: a = attended, c = cancelled, n = no-show."""
    names = {"a": "attended", "c": "cancelled", "n": "no_show"}
    return [Attendance(start + timedelta(weeks=i), names[c]) for i, c in enumerate(codes)]


def test_templates_per_track() -> None:
    assert templates_for(["perpetrator"]) == ["perpetrator"]
    assert templates_for(["victim"]) == ["adult"]
    assert templates_for(["child"]) == ["child"]
    assert templates_for([]) == ["adult", "child", "perpetrator"]
    areas = [code for code, _t in catalog().templates["perpetrator"].areas]
    assert areas == ["violence", "motivation", "substance_use", "mental_health", "housing",
                     "work", "children"]


def test_lists_per_track() -> None:
    victim, perpetrator = interventions_for(["victim"]), interventions_for(["perpetrator"])
    assert not {"perpetrator_talks", "perpetrator_programme", "perpetrator_housing"} & set(
        victim)
    assert not {"shelter_placement", "protected_housing"} & set(perpetrator)
    assert "group_perpetrator" not in kinds_for(["victim"])
    assert "group_siri" not in kinds_for(["perpetrator"])
    assert "support" not in kinds_for(["perpetrator"]) and "mi" in kinds_for(["perpetrator"])
    assert "programme" in referral_kinds_for(["perpetrator"])
    assert "programme" not in referral_kinds_for(["victim"])


def test_two_no_shows_in_a_row_is_a_drop_out() -> None:
    today = D + timedelta(weeks=4)
    assert dropped_out_on(MI, D, att("a", "n"), today) is None
    assert dropped_out_on(MI, D, att("a", "n", "n"), today) == D + timedelta(weeks=2)
    # a cancelled session neither breaks nor makes a streak
    assert dropped_out_on(MI, D, att("n", "c", "n"), today) == D + timedelta(weeks=2)
    # an attended session in between does
    assert dropped_out_on(MI, D, att("n", "a", "n"), today) is None


def test_weeks_without_a_session_is_a_drop_out() -> None:
    sessions = att("a")
    assert dropped_out_on(MI, D, sessions, D + timedelta(weeks=4)) is None
    assert dropped_out_on(MI, D, sessions, D + timedelta(weeks=4, days=1)) == \
        D + timedelta(weeks=4)
    # a series never attended counts from its start
    assert dropped_out_on(MI, D, [], D + timedelta(days=29)) == D + timedelta(weeks=4)
    # a rule of 0 is off
    off = SessionKind("x", MI.label, "x", False, 0, 0)
    assert dropped_out_on(off, D, att("n", "n", "n"), D + timedelta(weeks=52)) is None


def test_recontact_due_attempts_and_reaching_him() -> None:
    sessions = att("a", "n", "n")
    dropped = D + timedelta(weeks=2)
    today = dropped + timedelta(days=1)
    due = recontact_due(MI, D, sessions, [], today)
    assert due is not None and due.due == dropped and due.attempts == 0 and not due.exhausted
    # not reached: the next attempt is due retry_days later
    retry = session_catalog().retry_days
    tried = [Attempt(today, False)]
    due = recontact_due(MI, D, sessions, tried, today)
    assert due is not None and due.due == today + timedelta(days=retry) and due.attempts == 1
    tried += [Attempt(today + timedelta(days=3), False), Attempt(today + timedelta(days=6),
                                                                   False)]
    due = recontact_due(MI, D, sessions, tried, today + timedelta(days=6))
    assert due is not None and due.exhausted
    # reached: contact re-established, nothing due – until he drops out again
    reached = [*tried, Attempt(today + timedelta(days=7), True)]
    assert recontact_due(MI, D, sessions, reached, today + timedelta(days=8)) is None
    later = [*sessions, *att("n", "n", start=today + timedelta(days=8))]
    again = recontact_due(MI, D, later, reached, today + timedelta(days=20))
    assert again is not None and again.dropped_on == today + timedelta(days=15)
    assert again.attempts == 0  # the attempts before the earlier drop-out do not count
    # an ended series is never due
    assert recontact_due(MI, D, sessions, [], today, ended=True) is None


def test_a_group_note_may_name_no_other_member() -> None:
    others = ["Lina Berg", "Sara"]
    assert names_another_member("Lina talade om sin vecka.", others)
    assert names_another_member("ber\u200bg gick", ["Berg"])  # an invisible character hides nothing
    assert names_another_member("BERG var inte där", others)
    assert not names_another_member("Gruppen talade om gränser och trygghet.", others)
    assert not names_another_member("Bergsklättring", others)  # whole words only


def test_referral_due_and_steps() -> None:
    sent = ReferralFacts("treatment", D, None, None, None)
    kind = session_catalog().referral_kinds["treatment"]
    assert referral_due(sent) == ("answer", D + timedelta(days=kind.answer_days))
    accepted = ReferralFacts("treatment", D, D + timedelta(days=5), None, None)
    assert referral_due(accepted) == ("start", D + timedelta(days=5 + kind.start_days))
    started = ReferralFacts("treatment", D, D + timedelta(days=5), D + timedelta(days=9),
                            None)
    assert referral_due(started) is None
    assert referral_step_problems(started, None) == []
    backwards = ReferralFacts("treatment", D, D - timedelta(days=1), None, None)
    assert referral_step_problems(backwards, None)
    ended = ReferralFacts("treatment", D, None, None, D + timedelta(days=3))
    assert referral_step_problems(ended, None)  # an end needs its outcome
    assert referral_step_problems(ended, "declined") == []
    assert referral_step_problems(ended, "bogus")
    assert referral_step_problems(ReferralFacts("x", D, None, D, None), None)  # not accepted
