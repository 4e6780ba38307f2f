"""Recording a consent (given, declined, withdrawn) for the person."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Label, Static

from rc_tui.domain.vocab import (
    AGENCIES,
    CONSENT_KINDS,
    CONSENT_METHODS,
    CONSENT_STATES,
    label,
)
from rc_tui.i18n import _
from screens.base import RcModal, discard_binding
from screens.components import KeyChoice, KeyToggles, Plain, SafeInput
from screens.components.key_bar import KeyBar
from screens.intake import yes_no


class ConsentDialog(RcModal):
    DRAFT = "consent"

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="consent-dialog.save"),
        Binding("escape", "back", "Back", id="consent-dialog.back"),
        discard_binding("consent-dialog"),
    ]

    def __init__(self, person_id: int) -> None:
        super().__init__()
        self.person_id = person_id

    def field_order(self) -> tuple[str, ...]:
        return ("kind", "agency", "state", "method", "advice", "actors", "offer", "note")

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Static(_("Record consent"), classes="form-title", markup=False)
            yield Label(_("Consent to"), classes="field-label")
            yield KeyChoice([("u", "investigation", label(CONSENT_KINDS, "investigation")),
                             ("i", "info_exchange", label(CONSENT_KINDS, "info_exchange"))],
                            id="kind")
            with Vertical(id="agency-box"):
                yield Label(_("With (one or more: their keys, then Enter)"),
                            classes="field-label")
                yield KeyToggles([(str(i + 1), code, label(AGENCIES, code))
                                  for i, code in enumerate(AGENCIES)], id="agency")
            yield Label(_("The person has"), classes="field-label")
            yield KeyChoice([("l", "given", label(CONSENT_STATES, "given")),
                             ("a", "declined", label(CONSENT_STATES, "declined")),
                             ("t", "withdrawn", label(CONSENT_STATES, "withdrawn"))], id="state")
            yield Label(_("How"), classes="field-label")
            yield KeyChoice([("m", "oral", label(CONSENT_METHODS, "oral")),
                             ("s", "written", label(CONSENT_METHODS, "written"))], id="method")
            with Vertical(id="declined-box"):
                yield Label(_("Safety advice given?"), classes="field-label")
                yield KeyChoice(yes_no(), id="advice")
                yield Label(_("Information about other actors given?"), classes="field-label")
                yield KeyChoice(yes_no(), id="actors")
                yield Label(_("Offered to come back?"), classes="field-label")
                yield KeyChoice(yes_no(), id="offer")
            yield Label(_("Note"), classes="field-label")
            yield SafeInput(id="note", max_length=2000)
            yield Plain("", id="message", classes="message")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#agency-box").display = False
        self.query_one("#declined-box").display = False
        self.set_focus(self.query_one("#kind", KeyChoice))

    def choice_made(self, choice: KeyChoice) -> None:
        kind = self.query_one("#kind", KeyChoice).value
        state = self.query_one("#state", KeyChoice).value
        self.query_one("#agency-box").display = kind == "info_exchange"
        self.query_one("#declined-box").display = kind == "investigation" and state == "declined"

    def submit_form(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        session = self.shell.session
        assert session is not None
        kind = self.query_one("#kind", KeyChoice).value or ""
        if self.attempt(lambda: session.records("consent").record_consent(
                self.person_id, kind, self.query_one("#state", KeyChoice).value or "",
                self.query_one("#method", KeyChoice).value or "",
                agencies=self.query_one("#agency", KeyToggles).values
                if kind == "info_exchange" else (),
                safety_advice_given=self.query_one("#advice", KeyChoice).value == "yes",
                other_actors_info_given=self.query_one("#actors", KeyChoice).value == "yes",
                offer_to_return_given=self.query_one("#offer", KeyChoice).value == "yes",
                note=self.query_one("#note", SafeInput).value,
        )):
            self.dismiss(True)
