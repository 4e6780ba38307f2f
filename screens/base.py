"""Base screens: translated key bindings, typed access to the app shell, and type-ahead
safe forms."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual.actions import SkipAction
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, DataTable, Input, Select, TextArea

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
    """Enter moves to the next field of the form; on the last field it submits.

    Moving on is a *priority* binding, so it runs as the key is dispatched: keys typed
    ahead (a fast typist, or keys that arrive in one burst over a slow SSH link) land in
    the next field, never in the previous one – a passphrase cannot end up in the visible
    username field. Enter on a last text field goes through the field itself, after the
    keys before it, so the form is submitted with everything that was typed.

    ``FIELD_ORDER`` lists widget ids; hidden or disabled fields are skipped. Forms whose
    order depends on their content override ``field_order()``.
    """

    FIELD_ORDER: ClassVar[tuple[str, ...]] = ()
    focused: Any

    def field_order(self) -> tuple[str, ...]:
        return self.FIELD_ORDER

    def _next_field(self, current: str) -> Any | None:
        order = self.field_order()
        for name in order[order.index(current) + 1:]:
            widget = cast(Any, self).query_one(f"#{name}")
            if widget.display and not widget.disabled and widget.parent.display:
                return widget
        return None

    def advance_from(self, widget: Any) -> None:
        """Move from ``widget`` to the next field, or submit after the last one."""
        if widget.id not in self.field_order():
            return
        nxt = self._next_field(widget.id)
        if nxt is None:
            self.submit_form()
        else:
            cast(Any, self).set_focus(nxt)

    def action_field_enter(self) -> None:
        focused = self.focused
        if (focused is None or focused.id not in self.field_order()
                or isinstance(focused, (TextArea, Select, Button, DataTable))):
            raise SkipAction()
        if self._next_field(focused.id) is None and isinstance(focused, Input):
            raise SkipAction()  # delivered in order to the field -> Input.Submitted
        self.advance_from(focused)

    def on_select_changed(self, event: Select.Changed) -> None:
        """A choice made with the keyboard moves on to the next field, like Enter."""
        select = event.select
        if select.id in self.field_order() and select.has_focus_within:
            nxt = self._next_field(select.id)
            if nxt is not None:
                cast(Any, self).set_focus(nxt)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id in self.field_order() and self._next_field(event.input.id) is None:
            event.stop()
            self.submit_form()

    def submit_form(self) -> None:
        """Called by Enter on the last field (and by the form's button)."""

    def attempt(self, action: Callable[[], object]) -> bool:
        """Run a service call; show its refusal (rules or storage) in ``#message``."""
        from rc_tui.services.accounts import ValidationError, error_text
        from storage.errors import VaultError

        try:
            action()
        except ValidationError as exc:
            message = "\n".join(exc.reasons)
        except VaultError as exc:
            message = error_text(exc)
        else:
            return True
        cast(Any, self).query_one("#message").set_text(message)
        return False

    def choice_made(self, choice: Any) -> None:
        """A one-key choice changed (called at once, before focus moves on)."""


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


class FormDialog(RcModal):
    """A dialog form: Ctrl+S saves (as does Enter on the last field), Esc cancels.
    Subclasses implement ``action_save`` and dismiss with True when something changed."""

    BINDINGS = [Binding("ctrl+s", "save", "Save"), Binding("escape", "cancel", "Cancel")]

    def submit_form(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        raise NotImplementedError

    def action_cancel(self) -> None:
        self.dismiss(False)
