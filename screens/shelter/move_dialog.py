"""Moving a resident (and the children without a bed of their own) to another place."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Label

from rc_tui.i18n import _
from rc_tui.services.shelter import BoardLine, ResidentLine
from screens.base import FormDialog
from screens.casework import KEYS
from screens.components import KeyChoice, Plain
from screens.components.key_bar import KeyBar
from screens.shelter.common import _svc


class MoveDialog(FormDialog):
    FIELD_ORDER = ("place",)

    def __init__(self, resident: ResidentLine, free: list[BoardLine]) -> None:
        super().__init__()
        self.resident = resident
        self.free = free[:len(KEYS)]

    def compose(self) -> ComposeResult:
        r = self.resident
        with VerticalScroll(classes="dialog"):
            yield Plain(_("Move {name} from {place}", name=r.name, place=r.place or "–"),
                        classes="form-title")
            yield Label(_("To the free place"), classes="field-label")
            yield KeyChoice([(KEYS[i], str(x.place_id), f"{x.room} {x.label}")
                             for i, x in enumerate(self.free)], id="place", vertical=True)
            yield Plain("", id="message", classes="message")
        yield KeyBar()

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#place"))

    def action_save(self) -> None:
        place = self.query_one("#place", KeyChoice).value
        if not place:
            self.query_one("#message", Plain).set_text(_("Choose the place."))
            return
        r = self.resident
        if self.attempt(lambda: _svc(self).move(r.stay_id, r.version, int(place))):
            self.app.notify(_("{name} moved.", name=r.name), markup=False)
            self.dismiss(True)
