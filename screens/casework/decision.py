"""Recording a decision on an intervention (granted, partly, refused)."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Label, Static

from rc_tui.domain.casework import (
    OUTCOMES,
    catalog,
    intervention_label,
    interventions_for,
    label,
)
from rc_tui.i18n import _
from rc_tui.services.accounts import ValidationError, error_text
from rc_tui.services.casework import (
    DecisionInput,
)
from screens.base import RcScreen, discard_binding
from screens.casework.common import KEYS, _date, _svc
from screens.casework.decision_letter import DecisionLetterScreen
from screens.components import AppHeader, KeyChoice, Plain, SafeInput, SafeTextArea
from screens.components.key_bar import KeyBar
from screens.confirm import AskDialog
from storage.errors import VaultError


class DecisionScreen(RcScreen):
    """Record an assistance decision (it cannot be changed afterwards)."""

    DRAFT = "decision"

    BINDINGS = [Binding("ctrl+s", "save", "Record decision", priority=True, id="decision.save"),
                Binding("escape", "back", "Back", id="decision.back"),
        discard_binding("decision")]

    def __init__(self, person_id: int, case_id: int | None,
                 roles: tuple[str, ...] = ()) -> None:
        """``roles``: the person's member roles (in the case): only the interventions
        for them are offered."""
        super().__init__()
        self.person_id = person_id
        self.case_id = case_id
        self.codes = interventions_for(roles)
        self.bases = list(catalog().legal_bases)

    def field_order(self) -> tuple[str, ...]:
        return ("intervention", "outcome", "reasons", "basis", "emergency", "start", "end",
                "provider", "provider-user")

    def compose(self) -> ComposeResult:
        yield AppHeader("rc-tui", self.shell.user_line(), demo=self.shell.is_demo)
        with VerticalScroll(classes="form-scroll", id="decision-form"):
            yield Static(_("Assistance decision"), classes="form-title", markup=False)
            yield Label(_("Intervention"), classes="field-label")
            yield KeyChoice([(KEYS[i], code, intervention_label(code))
                             for i, code in enumerate(self.codes)], id="intervention",
                            vertical=True)
            yield Label(_("Decision"), classes="field-label")
            yield KeyChoice([("b", "granted", label(OUTCOMES, "granted")),
                             ("d", "partly", label(OUTCOMES, "partly")),
                             ("a", "refused", label(OUTCOMES, "refused"))], id="outcome")
            yield Label(_("Reasons"), classes="field-label")
            yield SafeTextArea("", id="reasons", classes="short")
            yield Label(_("Legal basis"), classes="field-label")
            yield KeyChoice([(str(i + 1), code, str(catalog().legal_bases[code]))
                             for i, code in enumerate(self.bases)], id="basis",
                            vertical=True)
            yield Label(_("Emergency decision (evening/weekend, before an investigation)?"),
                        classes="field-label")
            yield KeyChoice([("j", "yes", _("yes")), ("n", "no", _("no"))], "no",
                            id="emergency", aliases={"y": "yes"})
            yield Label(_("Period from (YYYY-MM-DD)"), classes="field-label")
            yield SafeInput("", id="start", max_length=10)
            yield Label(_("Period to (YYYY-MM-DD)"), classes="field-label")
            yield SafeInput("", id="end", max_length=10)
            yield Label(_("Provider (unit or organisation)"), classes="field-label")
            yield SafeInput("", id="provider", max_length=300)
            yield Label(_("Provided by a colleague (username, optional)"),
                        classes="field-label")
            yield SafeInput("", id="provider-user", max_length=32)
            yield Plain("", id="message", classes="message")
        yield KeyBar()

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#intervention"))

    def choice_made(self, choice: Any) -> None:
        if choice.id == "intervention" and choice.value in catalog().interventions:
            basis = self.query_one("#basis", KeyChoice)
            if basis.value is None:
                basis.value = catalog().interventions[choice.value].legal_basis

    def submit_form(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        """A decision cannot be changed once recorded: one question first (one key)."""
        def answered(yes: bool | None) -> None:
            if yes:
                self._record()

        self.app.push_screen(AskDialog(_("Record the decision? y/n")), answered)

    def _record(self) -> None:
        problems: list[str] = []
        start = _date(self.query_one("#start", SafeInput).value, _("Period from"), problems)
        end = _date(self.query_one("#end", SafeInput).value, _("Period to"), problems)
        if problems:
            self.query_one("#message", Plain).set_text("\n".join(problems))
            return
        data = DecisionInput(
            person_id=self.person_id, case_id=self.case_id,
            intervention=self.query_one("#intervention", KeyChoice).value or "",
            outcome=self.query_one("#outcome", KeyChoice).value or "",
            reasons=self.query_one("#reasons", SafeTextArea).text,
            legal_basis=self.query_one("#basis", KeyChoice).value or "",
            emergency=self.query_one("#emergency", KeyChoice).value == "yes",
            period_start=start, period_end=end,
            provider=self.query_one("#provider", SafeInput).value.strip(),
            provider_user=self.query_one("#provider-user", SafeInput).value.strip())
        try:
            result = _svc(self).record_decision(data)
        except ValidationError as exc:
            self.query_one("#message", Plain).set_text("\n".join(exc.reasons))
            return
        except VaultError as exc:
            self.query_one("#message", Plain).set_text(error_text(exc))
            return
        # said above the letter, not in toasts: a 12-second warning covered the appeal text
        notes = list(result.warnings)
        if result.followup_due:
            notes.append(_("Decision recorded; follow-up due {date}.",
                           date=result.followup_due.isoformat()))
        self.app.switch_screen(DecisionLetterScreen(result.id, self.person_id, notes))
