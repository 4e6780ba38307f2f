"""Age rules, intake warnings and duplicate detection."""

from __future__ import annotations

from datetime import date

import pytest

from rc_tui import i18n
from rc_tui.domain import ages
from rc_tui.domain.ages import age_from_year, age_on, intake_warnings
from rc_tui.domain.similarity import is_probable_duplicate, name_similarity, normalize_name

TODAY = date(2025, 6, 15)

UNDER_13 = ages.WARN_UNDER_13_OWN_CONTACT
INVESTIGATION = ages.WARN_CHILD_INVESTIGATION
SHELTER = ages.WARN_SHELTER
PERPETRATOR = ages.WARN_PERPETRATOR_SERVICE


def test_age_on() -> None:
    assert age_on(date(2007, 6, 15), TODAY) == 18
    assert age_on(date(2007, 6, 16), TODAY) == 17
    assert age_on(TODAY, TODAY) == 0
    # born on a leap day: a year older on 1 March in non-leap years
    assert age_on(date(2008, 2, 29), date(2025, 2, 28)) == 16
    assert age_on(date(2008, 2, 29), date(2025, 3, 1)) == 17
    assert age_on(date(2008, 2, 29), date(2024, 2, 29)) == 16
    with pytest.raises(ValueError):
        age_on(date(2025, 6, 16), TODAY)


def test_age_from_year_is_the_youngest_possible() -> None:
    assert age_from_year(2007, TODAY) == 17
    assert age_from_year(2007, date(2025, 12, 31)) == 18
    assert age_from_year(2025, TODAY) == 0
    assert age_from_year(2024, TODAY) == 0
    assert age_from_year(1925, TODAY) == 99
    with pytest.raises(ValueError):
        age_from_year(2026, TODAY)


def _warnings(age: int | None, role: str, *, gender: str | None = "female",
              contacted_on_own: bool = False, shelter: bool = False) -> list[str]:
    return intake_warnings(age, role, gender=gender, contacted_on_own=contacted_on_own,
                           shelter=shelter)


def _ids(*msgids: str) -> list[str]:
    return [i18n._(m) for m in msgids]


@pytest.mark.parametrize(("age", "role", "gender", "own", "shelter", "expected"), [
    # adults: nothing to warn about
    (30, "victim", "female", True, True, []),
    (45, "perpetrator", "male", True, False, []),
    (18, "victim", "female", True, True, []),
    (None, "victim", "unknown", True, False, []),
    # contacting on one's own from 13
    (12, "other", "female", True, False, [UNDER_13]),
    (12, "other", "female", False, False, []),
    (13, "other", "female", True, False, []),
    (0, "other", None, True, False, [UNDER_13]),
    # children as victim or perpetrator
    (17, "victim", "female", False, False, [INVESTIGATION]),
    (12, "victim", "male", True, False, [UNDER_13, INVESTIGATION]),
    (16, "perpetrator", "male", False, False, [INVESTIGATION, PERPETRATOR]),
    (17, "child", "female", False, False, []),
    # the shelter
    (35, "victim", "male", False, True, [SHELTER]),
    (35, "other", "male", False, True, [SHELTER]),
    (None, "victim", "male", False, True, [SHELTER]),
    (16, "victim", "female", False, True, [INVESTIGATION, SHELTER]),
    (16, "other", "female", False, True, [SHELTER]),
    (8, "child", "male", False, True, []),  # an accompanying boy is fine
    (None, "child", "male", False, True, []),
    (20, "child", "male", False, True, [SHELTER]),  # an adult son is not an accompanying child
    (20, "child", "female", False, True, []),
    (40, "victim", "other", False, True, []),
    (40, "victim", None, False, True, []),
    (12, "victim", "female", True, True, [UNDER_13, INVESTIGATION, SHELTER]),
])
def test_intake_warnings(age: int | None, role: str, gender: str | None, own: bool,
                         shelter: bool, expected: list[str]) -> None:
    got = _warnings(age, role, gender=gender, contacted_on_own=own, shelter=shelter)
    assert got == _ids(*expected)


def test_intake_warnings_in_english() -> None:
    i18n.set_language("en")
    assert _warnings(16, "perpetrator", gender="male") == [
        "Investigation and coordination are for adults (18+); a child's situation goes to the "
        "child unit.",
        "The perpetrator service is for adults 18+.",
    ]
    assert _warnings(30, "victim", gender="male", shelter=True) == [
        "The shelter takes women 18+ and their children."
    ]


def test_intake_warnings_refuse_unknown_values() -> None:
    with pytest.raises(ValueError):
        _warnings(30, "witness")
    with pytest.raises(ValueError):
        _warnings(30, "victim", gender="f")
    with pytest.raises(ValueError):
        _warnings(-1, "victim")


# --- similarity ---------------------------------------------------------------------------

def test_normalize_name() -> None:
    assert normalize_name("  Anna \t  MARIA\nSvensson ") == "anna maria svensson"
    # decomposed "Å" (A + ring) becomes the same as the precomposed letter
    assert normalize_name("A\u030asa") == normalize_name("Åsa") == "åsa"
    assert normalize_name("Åsa") != normalize_name("Asa")
    assert normalize_name("ÄNGSTRÖM") == "ängström"
    assert normalize_name("   ") == ""


def test_name_similarity() -> None:
    assert name_similarity("Anna Svensson", "anna  svensson") == 1.0
    assert name_similarity("Anna Svensson", "Svensson Anna") == 1.0
    assert name_similarity("Anna Svensson", "Ana Svenson") > 0.85
    assert name_similarity("Anna Svensson", "Erik Johansson") < 0.6
    assert name_similarity("", "Anna") == 0.0
    assert name_similarity("", "") == 0.0
    assert 0.0 <= name_similarity("Åsa Öberg", "Asa Oberg") < 1.0
    assert name_similarity("Lisa Berg", "Lina Berg") == name_similarity("Lina Berg", "Lisa Berg")


def test_is_probable_duplicate() -> None:
    born = date(1985, 3, 12)
    assert is_probable_duplicate("Anna", "Svensson", born, "anna", "SVENSSON", born)
    assert is_probable_duplicate("Anna", "Svensson", born, "Svensson", "Anna", born)
    assert is_probable_duplicate("Anna", "Svensson", born, "Ana", "Svenson", born)
    assert is_probable_duplicate("Anna-Karin", "Ek", born, "Anna Karin", "Ek", born)
    # names alone are not enough: the birth date must be known and equal
    assert not is_probable_duplicate("Anna", "Svensson", born, "Anna", "Svensson",
                                     date(1985, 3, 13))
    assert not is_probable_duplicate("Anna", "Svensson", None, "Anna", "Svensson", born)
    assert not is_probable_duplicate("Anna", "Svensson", None, "Anna", "Svensson", None)
    assert not is_probable_duplicate("Anna", "Svensson", born, "Erik", "Johansson", born)
    assert not is_probable_duplicate("", "", born, "", "", born)
    assert is_probable_duplicate("Anna", "Svensson", born, "Erik", "Johansson", born,
                                 threshold=0.0)
    assert not is_probable_duplicate("Anna", "Svensson", born, "Ana", "Svenson", born,
                                     threshold=1.0)
    with pytest.raises(ValueError):
        is_probable_duplicate("a", "b", born, "a", "b", born, threshold=1.5)
