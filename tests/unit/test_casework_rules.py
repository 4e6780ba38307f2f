"""The casework rules as plain tests with frozen dates: follow-up dates, the child's
six-month follow-up, appeal information, due investigations (shelter stay, reported
child, emergency decision), the four-month child investigation, the investigator-is-
provider rule, the decision letter and the catalog kept as data. No clock, no database."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from rc_tui import i18n
from rc_tui.domain.casework import (
    CHILD_FOLLOWUP_MONTHS,
    CHILD_INVESTIGATION_DAYS,
    DEFAULT_STAY_DAYS,
    LetterFacts,
    StayFact,
    add_months,
    appeal_needed,
    catalog,
    child_followup_latest,
    child_investigation_overdue,
    decision_letter,
    emergency_needs_investigation,
    followup_due,
    intervention_label,
    investigation_due_after_report,
    investigation_due_after_stay,
    investigator_is_provider,
    legal_basis_label,
)

DECIDED = datetime(2026, 11, 26, 21, 40)  # a Thursday evening: on-call staff


# ---------------------------------------------------------------------- follow-up dates

def test_followup_due_after_the_interval() -> None:
    assert followup_due(date(2026, 11, 26), 30, None) == date(2026, 12, 26)
    assert followup_due(date(2026, 11, 26), 90, None) == date(2027, 2, 24)
    assert followup_due(date(2026, 12, 31), 1, None) == date(2027, 1, 1)


def test_followup_due_is_capped_by_the_period_end() -> None:
    assert followup_due(date(2026, 11, 26), 90, date(2026, 12, 31)) == date(2026, 12, 31)
    # a period ending after the interval does not move it
    assert followup_due(date(2026, 11, 26), 30, date(2027, 6, 30)) == date(2026, 12, 26)
    # exactly on the period end
    assert followup_due(date(2026, 11, 26), 30, date(2026, 12, 26)) == date(2026, 12, 26)


@pytest.mark.parametrize(("start", "months", "expected"), [
    (date(2026, 8, 31), 6, date(2027, 2, 28)),   # month end, common year
    (date(2027, 8, 31), 6, date(2028, 2, 29)),   # month end, leap year
    (date(2024, 2, 29), 12, date(2025, 2, 28)),  # leap day to a common year
    (date(2024, 2, 29), 48, date(2028, 2, 29)),  # leap day to a leap year
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2026, 3, 31), 1, date(2026, 4, 30)),
    (date(2026, 7, 15), 6, date(2027, 1, 15)),   # over the year end
    (date(2026, 12, 31), 12, date(2027, 12, 31)),
    (date(2026, 1, 31), -1, date(2025, 12, 31)),
    (date(2026, 5, 10), 0, date(2026, 5, 10)),
])
def test_add_months(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_child_followup_latest_is_six_months_after() -> None:
    assert CHILD_FOLLOWUP_MONTHS == 6
    assert child_followup_latest(date(2026, 8, 31)) == date(2027, 2, 28)
    assert child_followup_latest(date(2027, 8, 31)) == date(2028, 2, 29)
    assert child_followup_latest(date(2026, 11, 26)) == date(2027, 5, 26)
    assert child_followup_latest(date(2026, 12, 31)) == date(2027, 6, 30)


# ---------------------------------------------------------------------- rules

def test_appeal_needed_for_refusal_and_partial_grant_only() -> None:
    assert appeal_needed("refused")
    assert appeal_needed("partly")
    assert not appeal_needed("granted")
    assert not appeal_needed("unknown")


def test_investigation_due_after_a_shelter_stay() -> None:
    admitted = date(2026, 11, 26)
    fact = StayFact(1, admitted, has_decision=False, has_investigation=False)
    assert DEFAULT_STAY_DAYS == 7
    assert investigation_due_after_stay(fact, DEFAULT_STAY_DAYS) == date(2026, 12, 3)
    assert investigation_due_after_stay(fact, 3) == date(2026, 11, 29)
    assert investigation_due_after_stay(fact, 60) == date(2027, 1, 25)
    # a decision or an investigation: nothing due
    assert investigation_due_after_stay(StayFact(1, admitted, True, False), 7) is None
    assert investigation_due_after_stay(StayFact(1, admitted, False, True), 7) is None
    assert investigation_due_after_stay(StayFact(1, admitted, True, True), 7) is None


def test_investigation_due_after_a_child_report_without_delay() -> None:
    reported = date(2026, 11, 26)
    assert investigation_due_after_report(reported, has_investigation=False) == reported
    assert investigation_due_after_report(reported, has_investigation=True) is None


def test_emergency_decision_needs_an_investigation_the_next_day() -> None:
    assert emergency_needs_investigation(DECIDED, True, []) == date(2026, 11, 27)
    # over a month and a year end
    assert emergency_needs_investigation(datetime(2026, 12, 31, 23, 59), True, []) == \
        date(2027, 1, 1)
    # an ordinary decision: nothing
    assert emergency_needs_investigation(DECIDED, False, []) is None
    # an investigation started: nothing
    assert emergency_needs_investigation(DECIDED, True, [datetime(2026, 11, 27)]) is None
    assert emergency_needs_investigation(DECIDED, True, [datetime(2026, 10, 1)]) is None


def test_child_investigation_overdue_after_120_days() -> None:
    assert CHILD_INVESTIGATION_DAYS == 120
    started = date(2026, 1, 1)
    assert not child_investigation_overdue(started, started)
    assert not child_investigation_overdue(started, date(2026, 5, 1))  # day 120
    assert child_investigation_overdue(started, date(2026, 5, 2))  # day 121
    assert child_investigation_overdue(started, date(2027, 1, 1))


def test_investigator_is_provider() -> None:
    assert investigator_is_provider({1}, {1})
    assert investigator_is_provider({1, 2}, {2, 3})
    assert not investigator_is_provider({1}, {2})
    assert not investigator_is_provider(set(), {1})
    assert not investigator_is_provider({1}, set())


# ---------------------------------------------------------------------- the letter

APPEAL = str(catalog().appeal)


def facts(**changes: object) -> LetterFacts:
    base: dict[str, object] = {
        "person_name": "Åsa Öberg", "case_number": "2026-0042",
        "intervention": "shelter_placement", "outcome": "refused",
        "reasons": "Behovet tillgodoses på annat sätt.",
        "legal_basis": "Socialtjänstlagen (2025:400) – stöd till brottsoffer",
        "decided_at": DECIDED, "decided_by": "Anna Andersson",
        "period_start": date(2026, 11, 26), "period_end": date(2027, 2, 28),
        "provider": "Kvinnojouren", "emergency": False, "appeal_text": APPEAL,
    }
    base.update(changes)
    return LetterFacts(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize("outcome", ["refused", "partly"])
def test_letter_has_appeal_information_for_refusal_and_partial_grant(outcome: str) -> None:
    letter = decision_letter(facts(outcome=outcome))
    assert "Hur du överklagar:" in letter
    assert APPEAL in letter
    assert "överklaga det till förvaltningsrätten" in letter


def test_letter_has_no_appeal_information_for_a_grant() -> None:
    letter = decision_letter(facts(outcome="granted"))
    assert "Hur du överklagar" not in letter
    assert APPEAL not in letter
    assert "förvaltningsrätten" not in letter


def test_letter_contents() -> None:
    f = facts(outcome="partly")
    letter = decision_letter(f)
    assert letter.startswith("BESLUT\n")
    assert "Till: Åsa Öberg" in letter
    assert "Ärende: 2026-0042" in letter
    assert "Beslutsdatum: 2026-11-26" in letter
    assert "Du ansökte om: Placering i skyddat boende" in letter
    assert "Beslut: delvis beviljat" in letter
    assert "Skäl:\nBehovet tillgodoses på annat sätt." in letter
    assert f"Lagrum: {f.legal_basis}" in letter
    assert "Beslutat av: Anna Andersson" in letter
    assert "Period: 2026-11-26 – 2027-02-28" in letter
    assert "Utförs av: Kvinnojouren" in letter
    assert "akut beslut" not in letter
    # the appeal information comes before the signature
    assert letter.index(APPEAL) < letter.index("Beslutat av")


def test_letter_outcome_labels_and_provider_for_refusal() -> None:
    assert "Beslut: beviljat" in decision_letter(facts(outcome="granted"))
    refused = decision_letter(facts(outcome="refused"))
    assert "Beslut: avslag" in refused
    assert "Kvinnojouren" not in refused  # nobody provides what was refused


def test_letter_open_period_and_no_period() -> None:
    open_end = decision_letter(facts(period_end=None, outcome="granted"))
    assert "Period: 2026-11-26 – …" in open_end
    no_period = decision_letter(facts(period_start=None, period_end=None))
    assert "Period" not in no_period


def test_letter_emergency_note() -> None:
    letter = decision_letter(facts(emergency=True, outcome="granted"))
    assert "Detta är ett akut beslut; en utredning av dina behov följer." in letter


def test_letter_in_english() -> None:
    i18n.set_language("en")
    try:
        en_appeal = str(catalog().appeal)
        assert en_appeal.startswith("If you are not satisfied")
        for outcome, shown in (("refused", "refused"), ("partly", "partly granted")):
            letter = decision_letter(facts(outcome=outcome, appeal_text=en_appeal,
                                           emergency=True))
            assert letter.startswith("DECISION\n")
            assert "To: Åsa Öberg" in letter
            assert f"Decision: {shown}" in letter
            assert "You applied for: Placement in protected housing (shelter)" in letter
            assert "How to appeal:" in letter and en_appeal in letter
            assert "Reasons:" in letter and "Legal basis:" in letter
            assert "Decided by: Anna Andersson" in letter
            assert "This is an emergency decision" in letter
        granted = decision_letter(facts(outcome="granted", appeal_text=en_appeal))
        assert "Decision: granted" in granted
        assert "How to appeal" not in granted and en_appeal not in granted
        assert intervention_label("support_talks") == "Support talks"
        assert legal_basis_label("sol_barn").startswith("Social Services Act")
    finally:
        i18n.set_language("sv")
    assert intervention_label("support_talks") == "Stödsamtal"


def test_unknown_codes_are_shown_as_they_are() -> None:
    assert intervention_label("no_such_thing") == "no_such_thing"
    assert legal_basis_label("no_such_basis") == "no_such_basis"
    letter = decision_letter(facts(intervention="retired_code", outcome="granted"))
    assert "Du ansökte om: retired_code" in letter


# ---------------------------------------------------------------------- the catalog

def test_catalog_interventions_refer_to_known_legal_bases() -> None:
    cat = catalog()
    assert cat.interventions and cat.legal_bases
    for code, intervention in cat.interventions.items():
        assert intervention.code == code
        assert intervention.legal_basis in cat.legal_bases, code
        assert intervention.follow_up_days > 0, code
    for wanted in ("shelter_placement", "protected_housing", "support_talks", "treatment",
                   "perpetrator_talks", "perpetrator_programme", "perpetrator_housing",
                   "practical_support", "contact_person", "financial_referral",
                   "housing_referral"):
        assert wanted in cat.interventions


def test_catalog_templates_have_areas() -> None:
    cat = catalog()
    assert set(cat.templates) >= {"adult", "child"}
    for code, template in cat.templates.items():
        assert template.code == code
        assert template.areas, code
        codes = [a for a, _t in template.areas]
        assert len(codes) == len(set(codes)), code
        for _area, texts in template.areas:
            assert texts.sv.strip() and texts.en.strip()


def test_catalog_texts_exist_in_swedish_and_english() -> None:
    cat = catalog()
    texts = [cat.appeal, *cat.legal_bases.values(),
             *(i.label for i in cat.interventions.values()),
             *(t.label for t in cat.templates.values())]
    for t in texts:
        assert t.sv.strip() and t.en.strip()
        assert str(t) == t.sv
    i18n.set_language("en")
    try:
        assert all(str(t) == t.en for t in texts)
    finally:
        i18n.set_language("sv")


def test_interventions_offered_per_member_role() -> None:
    from rc_tui.domain.casework import interventions_for

    everything = list(catalog().interventions)
    victim = interventions_for(["victim"])
    perpetrator = interventions_for(["perpetrator"])
    assert not [c for c in victim if c.startswith("perpetrator_")]
    assert "shelter_placement" in victim and "child_support" not in victim
    assert {"perpetrator_talks", "perpetrator_programme", "perpetrator_housing"} <= set(
        perpetrator)
    assert "shelter_placement" not in perpetrator and "protected_housing" not in perpetrator
    assert "child_support" in interventions_for(["child"])
    assert interventions_for([]) == everything  # no role known: nothing withheld
    # a person in two roles (victim in one case, other in another) gets both lists
    assert set(interventions_for(["victim", "child"])) >= set(victim)
