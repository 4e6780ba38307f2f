"""Retention rules as data: known answers on a fixed day."""

from __future__ import annotations

from datetime import date

import pytest

from rc_tui.domain import retention as r

TODAY = date(2026, 12, 7)


def facts(**kw: object) -> r.Facts:
    base: dict[str, object] = {"kind": "person_record",
                               "events": {"last_entry": date(2021, 12, 7)}}
    base.update(kw)
    return r.Facts(**base)  # type: ignore[arg-type]


def test_the_shipped_rules_load_with_references_marked_for_verification() -> None:
    rules = r.rules()
    assert rules.kinds["person_record"].years == 5
    assert rules.kinds["person_record"].starts == ("last_entry", "stay_end")
    assert rules.birth_days == {5, 15, 25}
    for rule in rules.kinds.values():
        assert "to be verified before going live" in rule.legal_ref
    assert "to be verified before going live" in rules.birth_days_ref
    assert "art. 18" in rules.restricted_ref
    assert "to be verified before going live" in rules.restricted_ref


def test_five_years_after_the_last_entry_to_the_day() -> None:
    rules = r.rules()
    due = r.evaluate(facts(), rules, TODAY)
    assert due.verdict is r.Verdict.DUE and due.due_on == TODAY
    assert r.evaluate(facts(events={"last_entry": date(2021, 12, 8)}), rules,
                      TODAY).verdict is r.Verdict.NOT_YET


def test_the_latest_start_event_counts_and_an_ongoing_stay_never_starts_it() -> None:
    rules = r.rules()
    later_stay = facts(events={"last_entry": date(2019, 1, 1), "stay_end": date(2022, 3, 1)})
    result = r.evaluate(later_stay, rules, TODAY)
    assert result.verdict is r.Verdict.NOT_YET and result.start == date(2022, 3, 1)
    ongoing = facts(events={"last_entry": date(2010, 1, 1), "stay_end": None})
    assert r.evaluate(ongoing, rules, TODAY).verdict is r.Verdict.ONGOING


@pytest.mark.parametrize(("kw", "verdict"), [
    ({"restricted": True}, r.Verdict.RESTRICTED),
    ({"family_restricted": True}, r.Verdict.FAMILY_RESTRICTED),
    # a restriction is counted as such, whatever else would keep the record
    ({"restricted": True, "open_case": True, "keep_decision": True}, r.Verdict.RESTRICTED),
    ({"family_restricted": True, "birth_date": date(1980, 3, 15)},
     r.Verdict.FAMILY_RESTRICTED),
    ({"open_case": True}, r.Verdict.OPEN_CASE),
    ({"family_open_case": True}, r.Verdict.FAMILY_OPEN_CASE),
    ({"keep_decision": True}, r.Verdict.KEEP_DECISION),
    ({"birth_date": date(1980, 3, 15)}, r.Verdict.BIRTH_DAY),
    ({"birth_date": date(1980, 3, 16)}, r.Verdict.DUE),
])
def test_exceptions(kw: dict[str, object], verdict: r.Verdict) -> None:
    old = {"last_entry": date(2001, 1, 1)}
    assert r.evaluate(facts(events=old, **kw), r.rules(), TODAY).verdict is verdict


def test_other_kinds_start_from_their_own_event() -> None:
    rules = r.rules()
    request = r.Facts("turned_away", {"request_date": date(2021, 12, 6)})
    assert r.evaluate(request, rules, TODAY).due
    entry = r.Facts("shift_log", {"written": date(2022, 1, 1)})
    assert not r.evaluate(entry, rules, TODAY).due


def test_leap_day() -> None:
    assert r.add_years(date(2020, 2, 29), 5) == date(2025, 2, 28)


@pytest.mark.parametrize("raw", [
    "[kinds.person_record]\nyears = 0\nstarts = ['last_entry']",
    "[kinds.person_record]\nyears = 5\nstarts = ['whenever']",
    "[kinds.person_record]\nyears = 5\nstarts = ['last_entry']",  # kinds missing
])
def test_bad_rule_data_is_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="retention"):
        r.parse_rules(raw)
