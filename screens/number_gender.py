"""The legal gender a valid identity number encodes, taken as the default in the forms that
register a person (the intake's person form, "add person to the case").

The form shows what was taken under its gender field; a gender key typed in the number
field chooses another (numbers have no letters), and a gender chosen in the gender field
is never overwritten by the number.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, cast

from textual import events

from rc_tui.domain import identity
from rc_tui.domain.vocab import GENDERS, label
from rc_tui.i18n import _
from screens.components import KeyChoice, Plain, SafeInput

GENDER_KEYS = [("k", "female"), ("m", "male"), ("a", "other"), ("?", "unknown")]


class IdentityInput(SafeInput):
    """An identity-number field. Once it holds a valid number, a gender key typed here
    chooses the gender: one key, in the order typed."""

    def on_key(self, event: events.Key) -> None:
        """Runs before Input's own key handling; ``prevent_default`` keeps the letter out
        of the field."""
        char = (event.character or "").lower()
        form = self.screen
        if (char in dict(GENDER_KEYS) and isinstance(form, NumberGenderMixin)
                and form.number_field() is self and form.number_gender() is not None):
            event.stop()
            event.prevent_default()
            form.choose_gender(dict(GENDER_KEYS)[char])


class NumberGenderMixin:
    """For a form with an ``IdentityInput`` (``NUMBER_ID``), a gender ``KeyChoice``
    (``GENDER_ID``) and a ``Plain`` that says where the gender came from (``TAKEN_ID``).
    The form calls ``number_changed`` when the number changes, ``gender_choice_made`` from
    its ``choice_made`` and ``reset_gender`` when it is cleared for the next person."""

    NUMBER_ID: ClassVar[str]
    GENDER_ID: ClassVar[str]
    TAKEN_ID: ClassVar[str]
    #: the gender was chosen by the user (not taken from the number)
    _gender_chosen = False

    def _next_field(self, current: str) -> Any | None:
        """Enter after a valid number adds the person: its gender is known."""
        if current == self.NUMBER_ID and self.number_gender() is not None:
            return None
        return cast(Any, super())._next_field(current)

    def number_field(self) -> SafeInput:
        return cast(SafeInput, cast(Any, self).query_one(f"#{self.NUMBER_ID}", SafeInput))

    def number_gender(self) -> str | None:
        """The legal gender of the valid identity number in the form, if any (a birth
        year, an invalid or an incomplete number: none)."""
        text = self.number_field().value.strip()
        if not text or (text.isdigit() and len(text) == 4):
            return None
        try:
            return identity.parse_identity_number(text, datetime.now().date()).legal_gender
        except identity.IdentityNumberError:
            return None

    def chosen_gender(self) -> str:
        """The gender to store: the field's, else the number's (also when the field has
        not shown it yet, in a burst of keys), else unknown."""
        gender = cast(Any, self).query_one(f"#{self.GENDER_ID}", KeyChoice).value
        return str(gender or self.number_gender() or "unknown")

    def choose_gender(self, value: str) -> None:
        """A gender key typed in the number field."""
        cast(Any, self).query_one(f"#{self.GENDER_ID}", KeyChoice).choose(value)

    def gender_choice_made(self, choice: KeyChoice) -> None:
        if choice.id == self.GENDER_ID:
            self._gender_chosen = choice.value is not None
            cast(Any, self).query_one(f"#{self.TAKEN_ID}", Plain).set_text("")

    def number_changed(self) -> None:
        """A valid number gives the gender field its legal gender, unless the user chose
        one; the line under the field says where it came from."""
        if self._gender_chosen:
            return
        taken = self.number_gender()
        form = cast(Any, self)
        form.query_one(f"#{self.GENDER_ID}", KeyChoice).value = taken
        note = form.query_one(f"#{self.TAKEN_ID}", Plain)
        note.set_text(
            _("Gender from the identity number: {gender} (K, M, A or ? here changes it).",
              gender=label(GENDERS, taken)) if taken else "")
        if taken:  # below the number field: brought into view with it
            form.call_after_refresh(note.scroll_visible, animate=False)

    def reset_gender(self) -> None:
        form = cast(Any, self)
        form.query_one(f"#{self.GENDER_ID}", KeyChoice).value = None
        self._gender_chosen = False
        form.query_one(f"#{self.TAKEN_ID}", Plain).set_text("")
