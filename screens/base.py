"""Base screens: translated key bindings, typed access to the app shell, and type-ahead
safe forms."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual.actions import SkipAction
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Select

from rc_tui.i18n import _

if TYPE_CHECKING:
    from rc_tui.app import RcApp


def translate_bindings(node: DOMNode) -> None:
    """Replace binding descriptions (English message ids) with the current language."""
    bindings = node._bindings
    for key, items in list(bindings.key_to_bindings.items()):
        bindings.key_to_bindings[key] = [
            dataclasses.replace(b, description=_(b.description) if b.description else "")
            for b in items
        ]


class FormMixin:
    """Enter moves to the next field of ``FIELD_ORDER``; on the last it calls ``submit_form``.

    Moving on is a *priority* binding, so it runs as the key is dispatched: keys typed
    ahead (a fast typist, or keys that arrive in one burst over a slow SSH link) land in
    the next field, never in the previous one – a passphrase cannot end up in the visible
    username field. Enter on the last field goes through the field itself, after the keys
    before it, so the form is submitted with everything that was typed.
    """

    FIELD_ORDER: ClassVar[tuple[str, ...]] = ()
    focused: Any

    def action_field_enter(self) -> None:
        focused = self.focused
        if not isinstance(focused, Input) or focused.id not in self.FIELD_ORDER:
            raise SkipAction()
        index = self.FIELD_ORDER.index(focused.id)
        if index + 1 >= len(self.FIELD_ORDER):
            raise SkipAction()  # delivered in order to the field -> Input.Submitted
        nxt = cast(Any, self).query_one(f"#{self.FIELD_ORDER[index + 1]}")
        cast(Any, self).set_focus(nxt)

    def on_select_changed(self, event: Select.Changed) -> None:
        """A choice made with the keyboard moves on to the next field, like Enter."""
        select = event.select
        if select.id in self.FIELD_ORDER and select.has_focus_within:
            index = self.FIELD_ORDER.index(select.id)
            if index + 1 < len(self.FIELD_ORDER):
                nxt = cast(Any, self).query_one(f"#{self.FIELD_ORDER[index + 1]}")
                cast(Any, self).set_focus(nxt)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if self.FIELD_ORDER and event.input.id == self.FIELD_ORDER[-1]:
            event.stop()
            self.submit_form()

    def submit_form(self) -> None:
        """Called by Enter on the last field (and by the form's button)."""


_FORM_BINDINGS: list[BindingType] = [Binding("enter", "field_enter", "", show=False, priority=True)]


class RcScreen(FormMixin, Screen[Any]):
    """A full screen of rc-tui. Subclasses list English binding descriptions."""

    BINDINGS = _FORM_BINDINGS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        translate_bindings(self)

    @property
    def shell(self) -> RcApp:
        return cast("RcApp", self.app)


class RcModal(FormMixin, ModalScreen[Any]):
    BINDINGS = _FORM_BINDINGS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        translate_bindings(self)

    @property
    def shell(self) -> RcApp:
        return cast("RcApp", self.app)
