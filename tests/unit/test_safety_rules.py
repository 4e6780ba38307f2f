"""Partner-contact and safety-plan rules as plain Python (frozen dates)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from rc_tui.domain.ages import ROLES
from rc_tui.domain.safety import (
    MAX_ATTEMPTS,
    ContactFacts,
    contact_problems,
    partner_contact_due,
    read_snapshot,
    review_problems,
    snapshot,
    templates,
)

OPENED = date(2026, 3, 2)
NOW = datetime(2026, 3, 20, 10)


def at(day: int) -> datetime:
    return datetime(2026, 3, day, 14)


def test_a_contact_is_due_two_weeks_after_the_track_opened_until_she_is_reached() -> None:
    assert partner_contact_due(OPENED, []) == date(2026, 3, 16)
    assert partner_contact_due(OPENED, [ContactFacts("not_reached", at(17))]) == \
        date(2026, 3, 24)
    for done in ("reached", "declined"):
        assert partner_contact_due(OPENED, [ContactFacts("not_reached", at(17)),
                                            ContactFacts(done, at(19))]) is None
    attempts = [ContactFacts("not_reached", at(10 + i)) for i in range(MAX_ATTEMPTS)]
    assert partner_contact_due(OPENED, attempts) is None
    # the order they come in does not matter: the latest attempt counts
    two = [ContactFacts("not_reached", at(18)), ContactFacts("not_reached", at(11))]
    assert partner_contact_due(OPENED, two) == date(2026, 3, 25)


def test_her_answers_are_asked_only_when_she_was_reached() -> None:
    assert contact_problems("not_reached", "", "", "", NOW, NOW) == []
    assert contact_problems("declined", "", "", "", NOW, NOW) == []
    assert len(contact_problems("reached", "", "", "", NOW, NOW)) == 3
    assert contact_problems("reached", "unsafe", "great", "yes", NOW, NOW) == []
    assert len(contact_problems("maybe", "", "", "", NOW, NOW)) == 1
    assert len(contact_problems("declined", "", "", "", NOW + timedelta(hours=1), NOW)) == 1


def test_the_templates_offer_a_childs_sections_by_age() -> None:
    data = templates()
    assert set(data) == {"adult", "partner", "child"}
    for template in data.values():
        assert template.sections and set(template.roles) <= set(ROLES)
        assert template.review_days > 0
    child = data["child"]
    ids = {age: [s.id for s in child.sections_for(age)] for age in (3, 6, 10, 16)}
    assert "child_code_word" not in ids[3] and "child_call" not in ids[3]
    assert "child_call" in ids[6] and "child_phone" not in ids[6]
    assert "child_phone" in ids[10] and "child_school" in ids[10]
    assert "child_school" not in ids[16]
    assert [s.id for s in child.sections_for(None)] == [s.id for s in child.sections]
    adult = [s.id for s in data["adult"].sections]
    assert {"warning_signs", "safe_places", "code_word", "escape_bag", "children",
            "digital", "police"} <= set(adult)


def test_a_plan_keeps_its_sections_and_reads_bad_ones_as_none() -> None:
    stored = snapshot(templates()["child"], 6)
    title, sections = read_snapshot(stored)
    assert title == "Säkerhetsplan för barn"
    assert [s.id for s in sections] == [s.id for s in templates()["child"].sections_for(6)]
    for junk in ("", "{", "[]", '{"title": 1}', '{"title": ["a", "b"], "sections": [1]}'):
        assert read_snapshot(junk) == ("", ())


def test_a_signed_plan_is_reviewed_after_today() -> None:
    today = date(2026, 3, 20)
    assert review_problems(None, today)
    assert review_problems(today, today)
    assert review_problems(today + timedelta(days=1), today) == []
