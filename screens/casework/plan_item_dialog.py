"""A goal or action of the person's plan."""

from __future__ import annotations

from dataclasses import replace

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Label, Static

from rc_tui.domain.casework import (
    PLAN_KINDS,
    PLAN_STATUSES,
    RESPONSIBLE_KINDS,
    label,
)
from rc_tui.i18n import _
from rc_tui.services.casework import (
    PlanItemInput,
    PlanItemView,
)
from screens.base import RcModal, discard_binding
from screens.casework.common import _date, _svc
from screens.components import KeyChoice, Plain, SafeInput, SafeTextArea
from screens.components.key_bar import KeyBar


class PlanItemDialog(RcModal):
    """A goal or an action of the action plan (new, or changed)."""

    DRAFT = "plan_item"

    def draft_context(self) -> tuple[str, int | None]:
        return f"{self.person_id}:{self.item.id if self.item else 'new'}", self.person_id

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="plan-item-dialog.save"),
        Binding("escape", "back", "Back", id="plan-item-dialog.back"),
        discard_binding("plan-item-dialog"),
    ]

    def __init__(self, person_id: int, case_id: int | None, item: PlanItemView | None,
                 decisions: list[tuple[int, str]]) -> None:
        super().__init__()
        self.person_id = person_id
        self.case_id = case_id
        self.item = item
        self.decisions = decisions

    def field_order(self) -> tuple[str, ...]:
        order = ["kind", "text", "rkind", "responsible", "start", "due", "status"]
        if self.decisions:
            order.append("decision")
        return (*order, "implementation")

    def compose(self) -> ComposeResult:
        d = self.item.data if self.item else PlanItemInput("action", "")
        with VerticalScroll(classes="dialog wide"):
            yield Static(_("Action plan"), classes="form-title", markup=False)
            if self.item and self.item.source_ref:
                yield Plain(_("From: {source}", source=self.item.source_ref), classes="hint")
            yield KeyChoice([("m", "goal", label(PLAN_KINDS, "goal")),
                             ("a", "action", label(PLAN_KINDS, "action"))], d.kind, id="kind")
            yield Label(_("Goal or action"), classes="field-label")
            yield SafeInput(d.text, id="text", max_length=2000)
            yield Label(_("Responsible"), classes="field-label")
            yield KeyChoice([("e", "unit", label(RESPONSIBLE_KINDS, "unit")),
                             ("y", "agency", label(RESPONSIBLE_KINDS, "agency")),
                             ("p", "person", label(RESPONSIBLE_KINDS, "person"))],
                            d.responsible_kind, id="rkind")
            yield SafeInput(d.responsible, id="responsible", max_length=300,
                            placeholder=_("which unit, agency or person"))
            yield Label(_("Start (YYYY-MM-DD)"), classes="field-label")
            yield SafeInput(d.start_on.isoformat() if d.start_on else "", id="start",
                            max_length=10)
            yield Label(_("Due (YYYY-MM-DD)"), classes="field-label")
            yield SafeInput(d.due_on.isoformat() if d.due_on else "", id="due", max_length=10)
            yield Label(_("Status"), classes="field-label")
            yield KeyChoice([("p", "planned", label(PLAN_STATUSES, "planned")),
                             ("g", "ongoing", label(PLAN_STATUSES, "ongoing")),
                             ("k", "done", label(PLAN_STATUSES, "done")),
                             ("s", "cancelled", label(PLAN_STATUSES, "cancelled"))],
                            d.status, id="status")
            if self.decisions:
                yield Label(_("Rests on the decision"), classes="field-label")
                yield KeyChoice([("0", "", _("none"))] + [
                    (str(i + 1), str(did), text)
                    for i, (did, text) in enumerate(self.decisions[:9])],
                    str(d.decision_id) if d.decision_id else "", id="decision")
            yield Label(_("Implementation plan (the provider's)"), classes="field-label")
            yield SafeTextArea(d.implementation, id="implementation", classes="short")
            yield Plain("", id="message", classes="message")
        yield KeyBar()

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#kind"))

    def submit_form(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        problems: list[str] = []
        start = _date(self.query_one("#start", SafeInput).value, _("Start"), problems)
        due = _date(self.query_one("#due", SafeInput).value, _("Due"), problems)
        if problems:
            self.query_one("#message", Plain).set_text("\n".join(problems))
            return
        decision = self.query_one("#decision", KeyChoice).value if self.decisions else ""
        data = PlanItemInput(
            self.query_one("#kind", KeyChoice).value or "",
            self.query_one("#text", SafeInput).value,
            self.query_one("#rkind", KeyChoice).value or "",
            self.query_one("#responsible", SafeInput).value, start, due,
            self.query_one("#status", KeyChoice).value or "planned",
            int(decision) if decision else None,
            self.query_one("#implementation", SafeTextArea).text)
        svc = _svc(self)
        item = self.item
        if self.attempt(lambda: svc.update_plan_item(item.id, item.version, data) if item
                        else svc.add_plan_item(self.person_id, data, case_id=self.case_id),
                        on_conflict=lambda: self._conflict(data)):
            self.dismiss(True)

    def _conflict(self, mine: PlanItemInput) -> None:
        """The item was changed elsewhere meanwhile: read as stored now (in a thread),
        then both versions side by side."""
        assert self.item is not None
        person_id, item_id = self.person_id, self.item.id
        self.load(lambda session: next((i for i in session.casework("casework").plan(
            person_id) if i.id == item_id), None),
            lambda fresh: self._show_conflict(fresh, mine), key="conflict")

    def _show_conflict(self, fresh: PlanItemView | None, mine: PlanItemInput) -> None:
        from screens.conflict import ConflictScreen, differing

        svc = _svc(self)
        if fresh is None:
            return
        self.item = fresh
        theirs = fresh.data
        rows = differing([
            (_("Goal or action"), theirs.text, mine.text),
            (_("Responsible"), theirs.responsible, mine.responsible),
            (_("Start"), theirs.start_on, mine.start_on),
            (_("Due"), theirs.due_on, mine.due_on),
            (_("Status"), label(PLAN_STATUSES, theirs.status), label(PLAN_STATUSES,
                                                                     mine.status)),
            (_("Implementation plan"), theirs.implementation, mine.implementation),
        ])

        def chosen(choice: str | None) -> None:
            if choice == "mine":
                kept = replace(mine, decision_id=mine.decision_id or theirs.decision_id)
                if self.attempt(lambda: svc.update_plan_item(fresh.id, fresh.version, kept)):
                    self.dismiss(True)
            elif choice == "theirs":
                self.dismiss(True)

        self.app.push_screen(ConflictScreen(_("Action plan"), rows), chosen)
