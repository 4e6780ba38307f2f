"""Adding a place to a facility (manager)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Label, Static

from rc_tui.domain.shelter import (
    FACILITIES,
)
from rc_tui.i18n import _
from screens.base import FormDialog
from screens.components import (
    Plain,
    SafeInput,
)
from screens.components.key_bar import KeyBar
from screens.shelter.common import _svc


class PlaceDialog(FormDialog):
    """Managers add the places: a bed in a room (or a place in the temporary housing)."""

    FIELD_ORDER = ("room", "label")

    DRAFT = "place"

    def __init__(self, facility: str) -> None:
        super().__init__()
        self.draft_key = (facility, None)
        self.facility = facility

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Static(_("New place: {facility}", facility=_(FACILITIES[self.facility])),
                         classes="form-title", markup=False)
            yield Label(_("Room"), classes="field-label")
            yield SafeInput("", id="room", max_length=200)
            yield Label(_("Place (bed)"), classes="field-label")
            yield SafeInput("", id="label", max_length=200)
            yield Plain("", id="message", classes="message")
        yield KeyBar()

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#room"))

    def action_save(self) -> None:
        room = self.query_one("#room", SafeInput).value
        place = self.query_one("#label", SafeInput).value
        if self.attempt(lambda: _svc(self).add_place(self.facility, room, place)):
            self.dismiss(True)
