"""The partner contact (partnerkontakt), from the man's person screen: a narrow form that
writes into **her** record. Once recorded, the man's side sees only its outcome and safety
flag; what she said is read on her own record by her side."""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Label

from rc_tui.domain.safety import FEAR_LEVELS, PARTNER_OUTCOMES, SAFETY_VIEWS
from rc_tui.domain.vocab import label
from rc_tui.i18n import _
from rc_tui.services.safety import PartnerChoice, PartnerContactInput
from screens.base import RcModal, discard_binding
from screens.components import KeyChoice, KeyToggles, Plain, SafeInput, SafeTextArea
from screens.components.key_bar import KeyBar
from screens.confirm import AskDialog
from screens.intake import yes_no

ANONYMOUS = "anonymous"


class PartnerContactDialog(RcModal):
    """Reached / not reached / declined; what she was told; her own view of her safety and
    her fear; whether she wants contact from the victim side; consent to pass on; the
    safety flag his side will see; a note. Ctrl+S records it after one question."""

    DRAFT = "partner_contact"

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="partner-contact.save"),
        Binding("escape", "back", "Back", id="partner-contact.back"),
        discard_binding("partner-contact"),
    ]

    def __init__(self, person_id: int, partners: list[PartnerChoice]) -> None:
        super().__init__()
        self.person_id = person_id  # his: the draft is his caseworker's, about him
        self.partners = partners[:9]

    def field_order(self) -> tuple[str, ...]:
        return ("partner", "alias", "outcome", "when", "informed", "safety", "fear",
                "wants", "consent", "flag", "note")

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Plain(_("Partner contact"), classes="form-title")
            yield Plain(_("What she says is kept in her record, not his: afterwards you "
                          "see only the outcome and the safety flag."), classes="hint")
            yield Label(_("With"), classes="field-label")
            yield KeyChoice([(str(i + 1), str(p.person_id), p.name)
                             for i, p in enumerate(self.partners)]
                            + [("a", ANONYMOUS, _("not known to the centre (anonymous)"))],
                            id="partner", vertical=True)
            with Vertical(id="alias-box"):
                yield Label(_("Alias for her record"), classes="field-label")
                yield SafeInput(_("Partner"), id="alias", max_length=200)
            yield Label(_("Outcome"), classes="field-label")
            yield KeyChoice([("n", "reached", label(PARTNER_OUTCOMES, "reached")),
                             ("i", "not_reached", label(PARTNER_OUTCOMES, "not_reached")),
                             ("a", "declined", label(PARTNER_OUTCOMES, "declined"))],
                            id="outcome")
            yield Label(_("When (YYYY-MM-DD HH:MM)"), classes="field-label")
            yield SafeInput(f"{datetime.now():%Y-%m-%d %H:%M}", id="when", max_length=16)
            with Vertical(id="told-box"):
                yield Label(_("Informed her about (their keys, then Enter)"),
                            classes="field-label")
                yield KeyToggles([("t", "service", _("the perpetrator service")),
                                  ("s", "support", _("support for her"))], id="informed")
            with Vertical(id="answers-box"):
                yield Label(_("Her own view of her safety"), classes="field-label")
                yield KeyChoice([("t", "safe", label(SAFETY_VIEWS, "safe")),
                                 ("o", "unsure", label(SAFETY_VIEWS, "unsure")),
                                 ("r", "unsafe", label(SAFETY_VIEWS, "unsafe"))], id="safety")
                yield Label(_("Her fear"), classes="field-label")
                yield KeyChoice([("i", "none", label(FEAR_LEVELS, "none")),
                                 ("n", "some", label(FEAR_LEVELS, "some")),
                                 ("s", "great", label(FEAR_LEVELS, "great"))], id="fear")
                yield Label(_("Wants contact from the victim side?"), classes="field-label")
                yield KeyChoice(yes_no(), id="wants")
                yield Label(_("Consents to passing it on to the victim side?"),
                            classes="field-label")
                yield KeyChoice(yes_no(), id="consent")
            yield Label(_("Safety concern (the one thing his side sees)?"),
                        classes="field-label")
            yield KeyChoice(yes_no(), id="flag")
            yield Label(_("Note (hers: his side never sees it)"), classes="field-label")
            yield SafeTextArea(id="note", classes="short")
            yield Plain("", id="message", classes="message")
        yield KeyBar()

    def on_mount(self) -> None:
        self.choice_made(self.query_one("#partner", KeyChoice))
        self.set_focus(self.query_one("#partner", KeyChoice))

    def choice_made(self, choice: KeyChoice) -> None:
        partner = self.query_one("#partner", KeyChoice).value
        outcome = self.query_one("#outcome", KeyChoice).value
        self.query_one("#alias-box").display = partner == ANONYMOUS
        self.query_one("#told-box").display = outcome in ("reached", "declined")
        self.query_one("#answers-box").display = outcome == "reached"

    def submit_form(self) -> None:
        self.action_save()

    def _input(self) -> PartnerContactInput | None:
        message = self.query_one("#message", Plain)
        try:
            when = datetime.strptime(self.query_one("#when", SafeInput).value.strip(),
                                     "%Y-%m-%d %H:%M")
        except ValueError:
            message.set_text(_("Write the time as YYYY-MM-DD HH:MM."))
            return None
        partner = self.query_one("#partner", KeyChoice).value
        if partner is None:
            message.set_text(_("Choose whom the contact was with."))
            return None
        informed = self.query_one("#informed", KeyToggles).values

        def choice(wid: str) -> str:
            return self.query_one(f"#{wid}", KeyChoice).value or ""

        return PartnerContactInput(
            perpetrator_id=self.person_id,
            partner_id=None if partner == ANONYMOUS else int(partner),
            outcome=choice("outcome"), contacted_at=when,
            informed_service="service" in informed, informed_support="support" in informed,
            safety_view=choice("safety"), fear=choice("fear"), wants_contact=choice("wants"),
            consent_pass_on=choice("consent") == "yes", safety_flag=choice("flag") == "yes",
            note=self.query_one("#note", SafeTextArea).text,
            alias=self.query_one("#alias", SafeInput).value if partner == ANONYMOUS else "")

    def action_save(self) -> None:
        """Recorded is final (the database refuses changes): asked once."""
        data = self._input()
        if data is None:
            return

        def answered(yes: bool | None) -> None:
            session = self.shell.session
            if not yes or session is None:
                return
            if self.attempt(lambda: session.partner_contacts("partner_contact").record(data)):
                self.dismiss(True)

        self.app.push_screen(AskDialog(_("Record the partner contact? It cannot be changed "
                                         "afterwards. y/n")), answered)
