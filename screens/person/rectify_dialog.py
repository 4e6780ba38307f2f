"""Rectification: a wrong name, alias or identity number corrected, the earlier value kept
in the person's history with the reason (``rc_tui.services.record_rights``)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Label

from rc_tui.i18n import _
from screens.base import FormDialog
from screens.components import KeyChoice, Plain, SafeInput, SafeTextArea
from screens.components.key_bar import KeyBar


class RectifyDialog(FormDialog):
    """Which field, the right value and why; Ctrl+S corrects it (logged and flagged)."""

    FIELD_ORDER = ("field", "value", "reason")
    DRAFT = "rectify"

    def __init__(self, person_id: int, version: int) -> None:
        super().__init__()
        self.person_id = person_id
        self.version = version
        self.draft_key = ("rectify", person_id)

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Plain(_("Rectify a wrong name or identity number: the earlier value is "
                          "kept in the record's history."), classes="form-title")
            yield Label(_("What is wrong"), classes="field-label")
            yield KeyChoice([("f", "given_name", _("given name")),
                             ("e", "family_name", _("family name")),
                             ("a", "alias", _("alias")),
                             ("p", "id_number", _("identity number"))], id="field")
            yield Label(_("The right value"), classes="field-label")
            yield SafeInput(id="value", max_length=200)
            yield Label(_("Why (what shows it is right)"), classes="field-label")
            yield SafeTextArea("", id="reason", classes="short")
            yield Plain("", id="message", classes="message")
        yield KeyBar()

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#field"))

    def action_save(self) -> None:
        session = self.shell.session
        assert session is not None
        field = self.query_one("#field", KeyChoice).value
        if field is None:
            self.query_one("#message", Plain).set_text(_("Choose what is wrong."))
            return
        value = self.query_one("#value", SafeInput).value
        reason = self.query_one("#reason", SafeTextArea).text
        if self.attempt(lambda: session.record_rights("person").rectify(
                self.person_id, self.version, field, value, reason)):
            self.dismiss(True)
