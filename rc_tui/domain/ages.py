"""Age rules from the municipal report (plain Python; warnings never block registration).

* Anyone may get information.
* From 13 a person may contact the centre on their own.
* Investigation and coordination are for adults (18+); a child's situation goes to the
  child unit.
* The shelter takes women 18+ and their children.
* The perpetrator service is for adults 18+.
"""

from __future__ import annotations

from datetime import date

from rc_tui.i18n import N_, _

OWN_CONTACT_AGE = 13
ADULT_AGE = 18

ROLES = ("victim", "perpetrator", "child", "other")
GENDERS = ("female", "male", "other", "unknown")

WARN_UNDER_13_OWN_CONTACT = N_(
    "From 13 a person may contact the centre on their own; a younger child needs an adult."
)
WARN_CHILD_INVESTIGATION = N_(
    "Investigation and coordination are for adults (18+); a child's situation goes to the "
    "child unit."
)
WARN_SHELTER = N_("The shelter takes women 18+ and their children.")
WARN_PERPETRATOR_SERVICE = N_("The perpetrator service is for adults 18+.")


def age_on(birth: date, today: date) -> int:
    """Completed years on ``today`` (someone born on 29 February turns a year older on
    1 March in non-leap years). Raises ValueError when ``birth`` is after ``today``."""
    if birth > today:
        raise ValueError("birth date is after today")
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def age_from_year(birth_year: int, today: date) -> int:
    """The youngest age someone born in ``birth_year`` can have on ``today`` (as if born on
    31 December), never below 0. Raises ValueError for a year after ``today``'s."""
    if birth_year > today.year:
        raise ValueError("birth year is after today")
    if birth_year == today.year:
        return 0
    return age_on(date(birth_year, 12, 31), today)


def intake_warnings(
    age: int | None,
    role: str,
    *,
    gender: str | None,
    contacted_on_own: bool,
    shelter: bool = False,
) -> list[str]:
    """Translated warnings for an intake; empty when nothing stands out. Never blocking.

    ``age`` None means unknown: age-based warnings are then left out. ``role`` is one of
    :data:`ROLES`, ``gender`` one of :data:`GENDERS` or None. An accompanying child in the
    shelter is a person with role ``"child"`` under 18 (or of unknown age).
    """
    if role not in ROLES:
        raise ValueError(f"unknown role: {role!r}")
    if gender is not None and gender not in GENDERS:
        raise ValueError(f"unknown gender: {gender!r}")
    if age is not None and age < 0:
        raise ValueError("age must not be negative")

    minor = age is not None and age < ADULT_AGE
    warnings: list[str] = []
    if contacted_on_own and age is not None and age < OWN_CONTACT_AGE:
        warnings.append(_(WARN_UNDER_13_OWN_CONTACT))
    if minor and role in ("victim", "perpetrator"):
        warnings.append(_(WARN_CHILD_INVESTIGATION))
    if shelter:
        accompanying_child = role == "child" and not (age is not None and age >= ADULT_AGE)
        if not accompanying_child and (minor or gender == "male"):
            warnings.append(_(WARN_SHELTER))
    if minor and role == "perpetrator":
        warnings.append(_(WARN_PERPETRATOR_SERVICE))
    return warnings
