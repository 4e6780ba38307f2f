"""Investigation, decisions, action plan, follow-up and closing: the forms.

All forms are keyboard-first like the rest: one key answers a choice and moves on, Enter
moves to the next field, Tab leaves a text box, Ctrl+S saves.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Footer, Label, Static

from rc_tui.domain.casework import (
    FOLLOWUP_OUTCOMES,
    OUTCOMES,
    PLAN_KINDS,
    PLAN_STATUSES,
    RESPONSIBLE_KINDS,
    catalog,
    intervention_label,
    label,
)
from rc_tui.i18n import _
from rc_tui.services.accounts import ValidationError, error_text
from rc_tui.services.assessments import AssessmentService
from rc_tui.services.casework import (
    CaseworkService,
    DecisionInput,
    FollowUpView,
    InvestigationView,
    PlanItemInput,
    PlanItemView,
)
from screens.base import FormDialog, RcModal, RcScreen
from screens.export import PlaintextExportDialog
from screens.widgets import AppHeader, KeyChoice, Plain, SafeInput, SafeTextArea
from storage.errors import ConflictError, VaultError

KEYS = "123456789abcdfghklmnopqrstuvwxyz"


def _date(value: str, what: str, problems: list[str]) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append(_("{what}: a date as YYYY-MM-DD, please.", what=what))
        return None


def _svc(screen: RcScreen | RcModal) -> CaseworkService:
    vault = screen.shell.vault
    assert vault is not None
    return CaseworkService(vault, screen="casework")


# ---------------------------------------------------------------------- investigation

class TemplateDialog(RcModal):
    """Adult or child investigation."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="template-dialog.cancel")]

    def __init__(self, suggested: str) -> None:
        super().__init__()
        self.suggested = suggested

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(_("Start an investigation"), classes="form-title", markup=False)
            yield Plain(_("An adult's investigation starts from the consent recorded; a "
                          "child's need of protection is investigated also without one."),
                        classes="hint")
            yield KeyChoice([("v", "adult", str(catalog().templates["adult"].label)),
                             ("b", "child", str(catalog().templates["child"].label))],
                            self.suggested, id="template")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#template"))

    def choice_made(self, choice: Any) -> None:
        self.dismiss(choice.value)

    def submit_form(self) -> None:
        self.dismiss(self.query_one("#template", KeyChoice).value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class InvestigationScreen(RcScreen):
    """The findings per need area, the assessments it rests on, the conclusion."""

    BINDINGS = [Binding("ctrl+s", "save", "Save", id="investigation.save"),
                Binding("ctrl+t", "conclude", "Conclude (sign)", id="investigation.conclude"),
                Binding("escape", "leave", "Back (saved)", id="investigation.leave")]

    def __init__(self, investigation_id: int) -> None:
        super().__init__()
        self.investigation_id = investigation_id
        self.view: InvestigationView | None = None
        self.assessments: list[tuple[int, str]] = []

    def field_order(self) -> tuple[str, ...]:
        if self.view is None:
            return ()
        areas = catalog().templates[self.view.template].areas
        return (*[f"f-{code}" for code, _t in areas],
                *[f"as-{i}" for i in range(len(self.assessments))], "conclusion")

    def compose(self) -> ComposeResult:
        svc = _svc(self)
        view = self.view = svc.investigation(self.investigation_id)
        vault = self.shell.vault
        assert vault is not None
        rows = AssessmentService(vault, screen="casework").history(view.person_id)
        self.assessments = [(r.id, f"{(r.signed_at or r.created_at):%Y-%m-%d} {r.title} – "
                             f"{r.level_label}") for r in rows if r.status == "signed"]
        template = catalog().templates[view.template]
        yield AppHeader("rc-tui", self.shell.user_line(), demo=self.shell.is_demo)
        yield Plain(f"{template.label} – " + _("started {when} by {who}",
                                               when=view.started_on.isoformat(),
                                               who=view.investigator),
                    classes="person-name", one_line=True)
        readonly = not view.open
        with VerticalScroll(id="investigation-form", classes="form-scroll"):
            if not view.with_consent:
                yield Plain(_("Started without the guardians' consent (a child's need of "
                              "protection)."), classes="hint")
            if readonly:
                yield Plain(_("Concluded {when}: read-only.",
                              when=f"{view.concluded_at:%Y-%m-%d}"), classes="alert")
            for code, title in template.areas:
                yield Label(str(title), classes="field-label", markup=False)
                area = SafeTextArea(view.findings.get(code, ""), id=f"f-{code}",
                                    classes="short")
                area.read_only = readonly
                yield area
            yield Static(_("Risk assessments it rests on (j = yes)"), classes="panel-title",
                         markup=False)
            if not self.assessments:
                yield Plain(_("No signed risk assessment yet."), classes="hint")
            for i, (aid, text) in enumerate(self.assessments):
                yield KeyChoice([("j", "yes", _("yes")), ("n", "no", _("no"))],
                                "yes" if aid in view.assessment_ids else "no", id=f"as-{i}",
                                prefix=text)
            yield Label(_("Conclusion"), classes="field-label")
            conclusion = SafeTextArea(view.conclusion, id="conclusion", classes="short")
            conclusion.read_only = readonly
            yield conclusion
            yield Plain("", id="message", classes="message")
        yield Footer()

    def on_mount(self) -> None:
        order = self.field_order()
        if order:
            self.set_focus(self.query_one(f"#{order[0]}"))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        concluded = self.view is not None and not self.view.open
        return not (action in ("save", "conclude") and concluded)

    def _values(self) -> tuple[dict[str, str], list[int], str]:
        assert self.view is not None
        findings = {code: self.query_one(f"#f-{code}", SafeTextArea).text
                    for code, _t in catalog().templates[self.view.template].areas}
        chosen = [aid for i, (aid, _t) in enumerate(self.assessments)
                  if self.query_one(f"#as-{i}", KeyChoice).value == "yes"]
        return findings, chosen, self.query_one("#conclusion", SafeTextArea).text

    def _changed(self) -> bool:
        if self.view is None or not self.view.open:
            return False
        findings, chosen, conclusion = self._values()
        return ({k: v for k, v in findings.items() if v.strip()} != self.view.findings
                or sorted(chosen) != sorted(self.view.assessment_ids)
                or conclusion != self.view.conclusion)

    def _store(self, conclude: bool) -> bool:
        assert self.view is not None
        findings, chosen, conclusion = self._values()
        try:
            _svc(self).save_investigation(self.investigation_id, self.view.version, findings,
                                          chosen, conclusion, conclude=conclude)
        except ValidationError as exc:
            self.query_one("#message", Plain).set_text("\n".join(exc.reasons))
            return False
        except (ConflictError, VaultError) as exc:
            self.query_one("#message", Plain).set_text(error_text(exc))
            return False
        self.view = _svc(self).investigation(self.investigation_id)
        return True

    def flush_draft(self) -> None:
        """Called before the vault closes (lock, hang-up): nothing typed is lost."""
        if self._changed():
            self._store(False)

    def action_save(self) -> None:
        if self._store(False):
            self.app.notify(_("Investigation saved."), markup=False)

    def action_conclude(self) -> None:
        if self._store(True):
            self.app.notify(_("Investigation concluded."), markup=False)
            self.app.pop_screen()

    def action_leave(self) -> None:
        if self._changed() and not self._store(False):
            return
        self.app.pop_screen()


# ---------------------------------------------------------------------- decisions

class DecisionScreen(RcScreen):
    """Record an assistance decision (it cannot be changed afterwards)."""

    DRAFT = "decision"

    BINDINGS = [Binding("ctrl+s", "save", "Record decision", id="decision.save"),
                Binding("escape", "cancel", "Cancel", id="decision.cancel")]

    def __init__(self, person_id: int, case_id: int | None) -> None:
        super().__init__()
        self.person_id = person_id
        self.case_id = case_id
        self.codes = list(catalog().interventions)
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
        yield Footer()

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
        for warning in result.warnings:
            self.app.notify(warning, markup=False, severity="warning", timeout=12)
        if result.followup_due:
            self.app.notify(_("Decision recorded; follow-up due {date}.",
                              date=result.followup_due.isoformat()), markup=False)
        self.app.switch_screen(DecisionLetterScreen(result.id, self.person_id))

    def action_cancel(self) -> None:
        self.app.pop_screen()


class DecisionLetterScreen(RcScreen):
    """The decision as the person gets it. Writing it to a file is explicit and logged."""

    BINDINGS = [
        Binding("w", "write", "Write to file", id="decision-letter.write"),
        Binding("escape", "back", "Back", id="decision-letter.back"),
    ]

    def __init__(self, decision_id: int, person_id: int) -> None:
        super().__init__()
        self.decision_id = decision_id
        self.person_id = person_id
        self.letter = ""

    def compose(self) -> ComposeResult:
        self.letter = _svc(self).decision_letter(self.decision_id)
        yield AppHeader("rc-tui", self.shell.user_line(), demo=self.shell.is_demo)
        with VerticalScroll(id="letter"):
            yield Plain(self.letter, id="letter-text")
        yield Footer()

    def action_write(self) -> None:
        self.app.push_screen(LetterExportDialog(self.person_id, self.decision_id, self.letter))

    def action_back(self) -> None:
        self.app.pop_screen()


class LetterExportDialog(PlaintextExportDialog):
    def __init__(self, person_id: int, decision_id: int, letter: str) -> None:
        super().__init__(person_id, _("Write the decision letter to a file"),
                         f"rc-tui-beslut-{decision_id}.txt", lambda _svc: letter,
                         record_type="decision_letter", record_id=decision_id)


# ---------------------------------------------------------------------- plan, follow-up

class PlanItemDialog(RcModal):
    """A goal or an action of the action plan (new, or changed)."""

    DRAFT = "plan_item"

    def draft_context(self) -> tuple[str, int | None]:
        return f"{self.person_id}:{self.item.id if self.item else 'new'}", self.person_id

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="plan-item-dialog.save"),
        Binding("escape", "cancel", "Cancel", id="plan-item-dialog.cancel"),
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
        yield Footer()

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
        """The item was changed elsewhere meanwhile: both versions side by side."""
        from screens.conflict import ConflictScreen, differing

        assert self.item is not None
        svc = _svc(self)
        fresh = next((i for i in svc.plan(self.person_id) if i.id == self.item.id), None)
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

    def action_cancel(self) -> None:
        self.dismiss(False)


class FollowUpDialog(FormDialog):
    DRAFT = "followup"

    def draft_context(self) -> tuple[str, int | None]:
        return str(self.followup.id), None

    FIELD_ORDER = ("outcome", "note")

    def __init__(self, followup: FollowUpView) -> None:
        super().__init__()
        self.followup = followup

    def compose(self) -> ComposeResult:
        f = self.followup
        with VerticalScroll(classes="dialog"):
            yield Static(_("Follow-up: {what}", what=f.what), classes="form-title",
                         markup=False)
            yield Plain(_("Due {date}", date=f.due_on.isoformat()), classes="hint")
            yield Label(_("Outcome"), classes="field-label")
            yield KeyChoice([(str(i + 1), code, label(FOLLOWUP_OUTCOMES, code))
                             for i, code in enumerate(FOLLOWUP_OUTCOMES)], id="outcome")
            yield Label(_("What the follow-up found"), classes="field-label")
            yield SafeTextArea("", id="note", classes="short")
            yield Plain("", id="message", classes="message")
        yield Footer()

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#outcome"))

    def action_save(self) -> None:
        svc = _svc(self)
        f = self.followup
        nxt: list[date | None] = []
        if self.attempt(lambda: nxt.append(svc.record_followup(
                f.id, f.version, self.query_one("#outcome", KeyChoice).value or "",
                self.query_one("#note", SafeTextArea).text))):
            if nxt and nxt[0]:
                self.app.notify(_("Next follow-up due {date}.", date=nxt[0].isoformat()),
                                markup=False)
            self.dismiss(True)


class CloseDialog(FormDialog):
    """Close or reopen a person's track, or a whole case, with the reason."""

    FIELD_ORDER = ("reason",)

    def __init__(self, title: str, action: Any, *, field: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.action_fn = action
        self.field_text = field

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Plain(self.title_text, classes="form-title")
            yield Label(self.field_text or _("Reason"), classes="field-label")
            yield SafeTextArea("", id="reason", classes="short")
            yield Plain("", id="message", classes="message")
        yield Footer()

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#reason"))

    def action_save(self) -> None:
        reason = self.query_one("#reason", SafeTextArea).text
        if self.attempt(lambda: self.action_fn(reason)):
            self.dismiss(True)
