"""The person view: a tab per part of the record, each filled when first shown."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Footer, Static, TabbedContent, TabPane

from rc_tui.domain.casework import (
    FOLLOWUP_OUTCOMES,
    OUTCOMES,
    PLAN_KINDS,
    PLAN_STATUSES,
    catalog,
    intervention_label,
)
from rc_tui.domain.casework import label as cw_label
from rc_tui.domain.vocab import (
    AGENCIES,
    CASE_STATUSES,
    CHILD_REPORT_DECISIONS,
    CONSENT_KINDS,
    CONSENT_METHODS,
    CONSENT_STATES,
    GENDERS,
    MEMBER_ROLES,
    NOTE_TYPES,
    PROTECTION_LEVELS,
    label,
)
from rc_tui.i18n import _
from rc_tui.services.accounts import ValidationError, error_text
from rc_tui.services.assessments import AssessmentRow, AssessmentService
from rc_tui.services.casework import (
    CaseworkService,
    DecisionView,
    FollowUpView,
    InvestigationView,
    PlanItemView,
)
from rc_tui.services.people import PeopleService, PersonDetail
from rc_tui.services.records import Note, RecordService
from rc_tui.services.shelter import ShelterService, stay_line
from screens.assessment import (
    LEVEL_ROWS,
    AssessmentReadScreen,
    AssessmentScreen,
    InstrumentChooser,
    trend_chart,
)
from screens.base import RcScreen
from screens.casework import (
    CloseDialog,
    DecisionLetterScreen,
    DecisionScreen,
    FollowUpDialog,
    InvestigationScreen,
    PlanItemDialog,
    TemplateDialog,
)
from screens.components import AppHeader, Plain, cell
from screens.person.child_report_dialog import ChildReportDialog
from screens.person.consent_dialog import ConsentDialog
from screens.person.edit import PersonEditScreen
from screens.person.emergency import EmergencyAccessScreen
from screens.person.export_dialog import ExportDialog
from screens.person.note import NoteScreen
from storage.errors import VaultError


def protection_banner(level: str) -> Static:
    """The protection level, unmistakable, wherever the person appears."""
    text = Text("")
    shown = level not in ("none", "")  # "": withheld (the family compartment)
    if shown:
        text = Text(f" ⚠ {label(PROTECTION_LEVELS, level).upper()} – "
                    + _("protected personal data: never disclose address or identity") + " ",
                    style="bold reverse red")
    banner = Static(text, classes="protection", markup=False)
    banner.display = shown
    return banner


def _yn(value: bool) -> str:
    return _("yes") if value else _("no")


class PersonScreen(RcScreen):
    BINDINGS = [
        Binding("e", "edit", "Edit", id="person.edit"),
        Binding("c", "consent", "Consent", id="person.consent"),
        Binding("o", "child_report", "Child report", id="person.child-report"),
        Binding("j", "new_note", "Journal note", id="person.new-note"),
        Binding("s", "sign", "Sign note", id="person.sign"),
        Binding("r", "correct", "Correct note", id="person.correct"),
        Binding("v", "reveal", "Reveal identity", id="person.reveal"),
        Binding("x", "export", "Export journal", id="person.export"),
        Binding("a", "new_assessment", "New assessment", id="person.new-assessment"),
        Binding("1", "tab('overview')", "Overview", show=False, id="person.tab-overview"),
        Binding("2", "tab('journal')", "Journal", show=False, id="person.tab-journal"),
        Binding("3", "tab('assessments')", "Assessments", show=False, id="person.tab-assessments"),
        Binding("4", "tab('investigation')", "Investigation", show=False,
                id="person.tab-investigation"),
        Binding("5", "tab('plans')", "Plans", show=False, id="person.tab-plans"),
        Binding("6", "tab('decisions')", "Decisions", show=False, id="person.tab-decisions"),
        Binding("7", "tab('samrad')", "Samråd", show=False, id="person.tab-samrad"),
        Binding("u", "investigate", "Investigate", show=False, id="person.investigate"),
        Binding("b", "decide", "Decision", show=False, id="person.decide"),
        Binding("p", "plan_item", "Plan", show=False, id="person.plan-item"),
        Binding("z", "close_track", "Close/reopen track", show=False, id="person.close-track"),
        Binding("n", "emergency", "Emergency access", id="person.emergency"),
        Binding("escape", "app.pop_screen", "Back", id="person.back"),
    ]

    def __init__(self, person_id: int, tab: str | None = None,
                 detail: PersonDetail | None = None) -> None:
        super().__init__()
        self.person_id = person_id
        self.initial_tab = tab or "overview"
        self.detail = detail
        self.notes: list[Note] = []
        self.assessments: list[AssessmentRow] = []
        self.investigations: list[InvestigationView] = []
        self.plan_items: list[PlanItemView] = []
        self.decisions: list[DecisionView] = []
        self.followups: list[FollowUpView] = []
        self._stale = False
        self.loaded: set[str] = set()

    def compose(self) -> ComposeResult:
        vault = self.shell.vault
        assert vault is not None
        if self.detail is None:
            self.detail = PeopleService(vault, screen="person").get(self.person_id)
        d = self.detail
        yield AppHeader("rc-tui", self.shell.user_line(), demo=self.shell.is_demo)
        yield protection_banner(d.data.protection_level)
        name = d.display_name
        if d.risk:
            name += "   " + _("Risk: {level}", level=d.risk)
        yield Plain(name, id="person-name", classes="person-name", one_line=True)
        if d.restricted or d.identity_hidden:
            with VerticalScroll(id="restricted"):
                if d.restricted:
                    yield Plain(_("You do not work with this person's own track: you see "
                                  "only that the person is in the family (compartment). "
                                  "Nothing of their record is shown."), classes="hint")
                    yield Plain(_("If you need to work with it: ask a manager to assign "
                                  "you (T on the case), or take emergency access (N, "
                                  "logged and reviewed)."), classes="hint")
                if d.identity_hidden and not d.restricted:
                    yield Plain(_("Protected identity: name and identity number are "
                                  "withheld. V reveals them (logged and reviewed)."),
                                classes="hint")
                yield Plain(_("Cases") + ": " + (", ".join(
                    f"{no} ({label(MEMBER_ROLES, role)})" for _cid, no, role, _st in d.cases)
                    or "–"))
            yield Footer()
            return
        with TabbedContent(initial=self.initial_tab, id="tabs"):
            with TabPane(_("Overview"), id="overview"), VerticalScroll():
                yield Plain(self._overview_text(d), id="overview-text")
                yield Static(_("Consent"), classes="panel-title", markup=False)
                yield Plain("", id="consents")
                yield Static(_("Child welfare reports"), classes="panel-title", markup=False)
                yield Plain("", id="child-reports")
                yield Static(_("Stays"), classes="panel-title", markup=False)
                yield Plain("", id="stays")
            with TabPane(_("Journal"), id="journal"), Vertical():
                yield DataTable(id="notes", cursor_type="row", zebra_stripes=True)
                with VerticalScroll(id="note-view"):
                    yield Plain("", id="note-text")
            with TabPane(_("Assessments"), id="assessments"), Vertical():
                if d.full_access:
                    yield Plain("", id="trend", classes="trend")
                    yield DataTable(id="assessments-table", cursor_type="row",
                                    zebra_stripes=True)
                    yield Plain(_("a = new assessment, Enter = open (a draft of yours "
                                  "opens for editing)"), classes="hint")
                else:
                    yield Plain(_("Risk assessments are part of the person's own track; "
                                  "they are not shown here."), classes="empty")
            with TabPane(_("Investigation"), id="investigation"), Vertical():
                if d.full_access:
                    yield DataTable(id="inv-table", cursor_type="row", zebra_stripes=True)
                    yield Plain(_("u = start an investigation, Enter = open"), classes="hint")
                else:
                    yield Plain(_("Investigations are part of the person's own track; they "
                                  "are not shown here."), classes="empty")
            with TabPane(_("Plans"), id="plans"), Vertical():
                if d.full_access or self.shelter_level:
                    yield Plain("", id="plan-warnings", classes="message")
                    yield DataTable(id="plan-table", cursor_type="row", zebra_stripes=True)
                    yield Plain(_("p = new goal or action, Enter = change"), classes="hint")
                else:
                    yield Plain(_("The action plan is part of the person's own track."),
                                classes="empty")
            with TabPane(_("Decisions"), id="decisions"), Vertical():
                if d.full_access:
                    yield DataTable(id="dec-table", cursor_type="row", zebra_stripes=True)
                    yield Static(_("Follow-up"), classes="panel-title", markup=False)
                    yield DataTable(id="fu-table", cursor_type="row", zebra_stripes=True)
                    yield Plain(_("b = new decision, Enter = the decision letter / record "
                                  "the follow-up, z = close or reopen the track"),
                                classes="hint")
                else:
                    yield Plain(_("Decisions are part of the person's own track."),
                                classes="empty")
            with TabPane(_("Samråd"), id="samrad"), VerticalScroll():
                yield Plain(_("Not discussed in a samråd yet."), id="samrad-list",
                            classes="empty")
        yield Footer()

    def _overview_text(self, d: PersonDetail) -> str:
        p = d.data
        lines = [
            f"{_('Identity no.')}: {d.id_number or '–'}"
            + (f"   {_('Born')}: {d.birth_date.isoformat()}" if d.birth_date
               else (f"   {_('Birth year')}: {p.birth_year}" if p.birth_year else "")),
            f"{_('Gender')}: {label(GENDERS, p.gender)}   {_('Protection')}: "
            f"{label(PROTECTION_LEVELS, p.protection_level)}",
            f"{_('Language')}: {p.language or '–'}   {_('Interpreter')}: "
            f"{_yn(p.interpreter_needed)}",
            f"{_('Accessibility needs')}: {p.accessibility_needs or '–'}",
            f"{_('Safe contact')}: {_('call')} {_yn(p.may_call)}, {_('text')} "
            f"{_yn(p.may_text)}, {_('letters')} {_yn(p.may_letter)}",
            f"{_('Safe times')}: {p.safe_times or '–'}",
            f"{_('Safe address')}: {p.safe_address or _('none')}",
            "",
            _("Cases") + ": " + (", ".join(
                f"{no} ({label(MEMBER_ROLES, role)}, {label(CASE_STATUSES, status)})"
                for _cid, no, role, status in d.cases) or "–"),
        ]
        return "\n".join(lines)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        d = self.detail
        if d is None:
            return True
        if action == "reveal":
            return d.identity_hidden and not d.restricted
        if action == "emergency":
            return d.restricted
        if d.restricted or d.identity_hidden:
            return action not in {"edit", "consent", "child_report", "new_note", "sign",
                                  "correct", "tab", "export", "new_assessment",
                                  "investigate", "decide", "plan_item", "close_track"}
        if action == "plan_item":
            return d.full_access or self.shelter_level
        if action in ("new_assessment", "investigate", "decide", "close_track"):
            return d.full_access
        return True

    def action_export(self) -> None:
        self.app.push_screen(ExportDialog(self.person_id))

    def action_emergency(self) -> None:
        self.app.push_screen(EmergencyAccessScreen(self.person_id))

    def action_reveal(self) -> None:
        vault = self.shell.vault
        assert vault is not None
        PeopleService(vault, screen="person").reveal(self.person_id)
        self.shell.open_person(self.person_id, replace_top=True)

    def on_mount(self) -> None:
        if self.detail is not None and (self.detail.restricted or self.detail.identity_hidden):
            return
        self.query_one("#notes", DataTable).add_columns(
            _("Date"), _("Type"), _("Author"), _("Signed"), _("Text"))
        if self.detail is not None and self.detail.full_access:
            self.query_one("#assessments-table", DataTable).add_columns(
                _("Date"), _("Instrument"), _("Level"), _("Status"), _("By"))
            self.refresh_assessments()
            self.query_one("#inv-table", DataTable).add_columns(
                _("Started"), _("Kind"), _("Days"), _("Status"), _("Investigator"))
            self.query_one("#plan-table", DataTable).add_columns(
                _("Kind"), _("Goal or action"), _("Responsible"), _("Due"), _("Status"))
            self.query_one("#dec-table", DataTable).add_columns(
                _("Date"), _("Intervention"), _("Decision"), _("Period"), _("By"))
            self.query_one("#fu-table", DataTable).add_columns(
                _("Due"), _("What"), _("Outcome"))
            self._ensure(self.initial_tab)
        elif self.shelter_level:
            self.query_one("#plan-table", DataTable).add_columns(
                _("Kind"), _("Goal or action"), _("Responsible"), _("Due"), _("Status"))
            self._ensure(self.initial_tab)
        self.refresh_records()

    #: tab -> the loader that fills it; tabs are filled when first shown, so opening a
    #: person reads (and access-logs) only what is looked at
    LAZY = {"assessments": "assessments", "investigation": "casework", "plans": "casework",
            "decisions": "casework", "samrad": "samrad"}

    @property
    def shelter_level(self) -> bool:
        """Shelter staff: the person's record without investigations, assessments or
        decisions – but with the action plan they write for every woman and child."""
        d = self.detail
        return d is not None and not (d.full_access or d.restricted or d.identity_hidden)

    def _ensure(self, tab: str) -> None:
        part = self.LAZY.get(tab)
        if self.shelter_level and tab == "plans" and "plan" not in self.loaded:
            self.loaded.add("plan")
            self.refresh_plan()
            return
        if part is None or part in self.loaded or self.detail is None \
                or not self.detail.full_access:
            return
        self.loaded.add(part)
        {"assessments": self.refresh_assessments, "casework": self.refresh_casework,
         "samrad": self.refresh_samrad}[part]()

    @on(TabbedContent.TabActivated)
    def _tab_shown(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id:
            self._ensure(event.pane.id)

    def refresh_casework(self) -> None:
        vault = self.shell.vault
        assert vault is not None
        svc = CaseworkService(vault, screen="person")
        today = date.today()
        self.investigations = svc.investigations(self.person_id)
        table = self.query_one("#inv-table", DataTable)
        table.clear()
        for inv in reversed(self.investigations):
            status = _("open") if inv.open else _("concluded {when}",
                                                  when=f"{inv.concluded_at:%Y-%m-%d}")
            table.add_row(cell(inv.started_on.isoformat()),
                          cell(str(catalog().templates[inv.template].label), 30),
                          cell(str(inv.days_open(today))), cell(status), cell(inv.investigator),
                          key=str(inv.id))
        self.refresh_plan(svc)
        self.query_one("#plan-warnings", Plain).set_text("\n".join(svc.warnings(self.person_id)))
        self.decisions = svc.decisions(self.person_id)
        table = self.query_one("#dec-table", DataTable)
        table.clear()
        for dec in reversed(self.decisions):
            period = f"{dec.period_start or ''}–{dec.period_end or ''}" if (
                dec.period_start or dec.period_end) else ""
            what = intervention_label(dec.intervention) + (
                " (" + _("emergency") + ")" if dec.emergency else "")
            table.add_row(cell(f"{dec.decided_at:%Y-%m-%d}"), cell(what, 36),
                          cell(cw_label(OUTCOMES, dec.outcome)), cell(period),
                          cell(dec.decided_by, 20), key=str(dec.id))
        self.followups = svc.followups(self.person_id)
        table = self.query_one("#fu-table", DataTable)
        table.clear()
        for fu in self.followups:
            overdue = fu.done_at is None and fu.due_on < today
            outcome = cw_label(FOLLOWUP_OUTCOMES, fu.outcome) if fu.outcome else (
                _("overdue") if overdue else _("due"))
            table.add_row(Text(fu.due_on.isoformat(), style="bold red" if overdue else ""),
                          cell(fu.what, 40), cell(outcome), key=str(fu.id))

    def refresh_plan(self, svc: CaseworkService | None = None) -> None:
        vault = self.shell.vault
        assert vault is not None
        svc = svc or CaseworkService(vault, screen="person")
        today = date.today()
        self.plan_items = svc.plan(self.person_id)
        table = self.query_one("#plan-table", DataTable)
        table.clear()
        for item in self.plan_items:
            p = item.data
            overdue = p.due_on is not None and p.due_on < today and p.status in (
                "planned", "ongoing")
            table.add_row(cell(cw_label(PLAN_KINDS, p.kind)), cell(p.text, 40),
                          cell(p.responsible, 20),
                          Text((p.due_on.isoformat() if p.due_on else "–")
                               + (" !" if overdue else ""),
                               style="bold red" if overdue else ""),
                          cell(cw_label(PLAN_STATUSES, p.status)), key=str(item.id))

    def refresh_samrad(self) -> None:
        from rc_tui.services.samrad import SamradService

        vault = self.shell.vault
        assert vault is not None and self.detail is not None
        svc = SamradService(vault, screen="person")
        lines = []
        for case_id, number, _role, _status in self.detail.cases:
            for row in svc.for_case(case_id):
                state = _("approved") if row.approved else _("not approved")
                lines.append(f"{row.meeting_on}  {number}  {row.requested_by}  ({state})")
        if lines:
            lines.append("")
            lines.append(_("Open the case (its number) and press M for the samråd, K for the "
                           "coordination view."))
            self.query_one("#samrad-list", Plain).set_text("\n".join(lines))

    def _case_for_new(self) -> int | None:
        assert self.detail is not None
        open_cases = [cid for cid, _no, _role, status in self.detail.cases if status == "open"]
        return open_cases[0] if open_cases else None

    def action_investigate(self) -> None:
        assert self.detail is not None
        roles = {role for _cid, _no, role, _st in self.detail.cases}

        def chosen(template: str | None) -> None:
            vault = self.shell.vault
            if template is None or vault is None:
                return
            try:
                new_id = CaseworkService(vault, screen="person").start_investigation(
                    self.person_id, template, case_id=self._case_for_new())
            except ValidationError as exc:
                self.app.notify("\n".join(exc.reasons), markup=False, severity="warning")
                return
            self._stale = True
            self.app.push_screen(InvestigationScreen(new_id))

        self.app.push_screen(TemplateDialog("child" if "child" in roles else "adult"), chosen)

    def action_decide(self) -> None:
        self._stale = True
        self.app.push_screen(DecisionScreen(self.person_id, self._case_for_new()))

    def action_plan_item(self, item: PlanItemView | None = None) -> None:
        if self.shelter_level:
            self.app.push_screen(PlanItemDialog(self.person_id, self._case_for_new(), item,
                                                []), self._after_casework)
            return
        self._ensure("decisions")  # the decisions an item may rest on
        decisions = [(d.id, f"{d.decided_at:%Y-%m-%d} {intervention_label(d.intervention)}")
                     for d in self.decisions if d.outcome != "refused"]
        self.app.push_screen(PlanItemDialog(self.person_id, self._case_for_new(), item,
                                            decisions), self._after_casework)

    def action_close_track(self) -> None:
        vault = self.shell.vault
        assert vault is not None and self.detail is not None
        svc = CaseworkService(vault, screen="person")
        tracks = svc.tracks(self.person_id)
        if not tracks:
            return
        track = next((t for t in tracks if not t.closed), tracks[-1])
        reopen = track.closed
        title = (_("Reopen the track in {case}", case=track.case_number) if reopen
                 else _("Close the track in {case}", case=track.case_number))
        self.app.push_screen(CloseDialog(title, lambda reason: svc.close_track(
            track.case_id, self.person_id, reason, reopen=reopen)), self._reload)

    def _after_casework(self, changed: object = None) -> None:
        self._stale = True

    def on_screen_resume(self) -> None:
        """Back from a casework form (which may have replaced itself, e.g. a decision by
        its letter): show what changed."""
        if self._stale and self.app.screen is self and self.detail is not None \
                and self.detail.full_access:
            self._stale = False
            if "casework" in self.loaded:
                self.refresh_casework()
        elif self._stale and self.app.screen is self and self.shelter_level:
            self._stale = False
            self.refresh_plan()

    @on(DataTable.RowSelected, "#inv-table")
    def _open_investigation(self, event: DataTable.RowSelected) -> None:
        self._stale = True
        self.app.push_screen(InvestigationScreen(int(str(event.row_key.value))))

    @on(DataTable.RowSelected, "#plan-table")
    def _open_plan_item(self, event: DataTable.RowSelected) -> None:
        item_id = int(str(event.row_key.value))
        item = next((i for i in self.plan_items if i.id == item_id), None)
        if item is not None:
            self.action_plan_item(item)

    @on(DataTable.RowSelected, "#dec-table")
    def _open_decision(self, event: DataTable.RowSelected) -> None:
        self.app.push_screen(DecisionLetterScreen(int(str(event.row_key.value)),
                                                  self.person_id))

    @on(DataTable.RowSelected, "#fu-table")
    def _open_followup(self, event: DataTable.RowSelected) -> None:
        fu_id = int(str(event.row_key.value))
        fu = next((f for f in self.followups if f.id == fu_id), None)
        if fu is not None and fu.done_at is None:
            self.app.push_screen(FollowUpDialog(fu), self._after_casework)

    def refresh_assessments(self) -> None:
        vault = self.shell.vault
        assert vault is not None
        rows = AssessmentService(vault, screen="person").history(self.person_id)
        self.assessments = rows
        table = self.query_one("#assessments-table", DataTable)
        table.clear()
        for r in reversed(rows):
            when = r.signed_at or r.created_at
            status = _("signed") if r.status == "signed" else _("draft")
            if r.superseded:
                status += " (" + _("replaced") + ")"
            table.add_row(cell(f"{when:%Y-%m-%d}"), cell(r.title, 40), cell(r.level_label),
                          cell(status), cell(r.assessor, 24), key=str(r.id))
        signed = sorted((r for r in rows if r.status == "signed" and r.signed_at
                         and r.in_trend and not r.superseded and r.level in LEVEL_ROWS),
                        key=lambda r: (r.signed_at, r.id))
        points = [(r.signed_at.date(), r.level) for r in signed if r.signed_at]
        trend = trend_chart([(d, lv) for d, lv in points if lv is not None])
        self.query_one("#trend", Plain).set_text(
            (_("Risk level over time") + "\n" + trend) if trend
            else _("No risk assessments yet."))

    @on(DataTable.RowSelected, "#assessments-table")
    def _open_assessment(self, event: DataTable.RowSelected) -> None:
        assessment_id = int(str(event.row_key.value))
        row = next((r for r in self.assessments if r.id == assessment_id), None)
        if row is None:
            return
        vault = self.shell.vault
        assert vault is not None
        if row.status == "draft" and row.mine:
            self.app.push_screen(AssessmentScreen(assessment_id,
                                                  after=self._back_from_assessment))
        else:
            self.app.push_screen(AssessmentReadScreen(assessment_id,
                                                      after=self._back_from_assessment))

    def _back_from_assessment(self) -> None:
        self.app.pop_screen()
        self.call_after_refresh(self._after_assessment)

    def _after_assessment(self) -> None:
        vault = self.shell.vault
        if vault is None or self.detail is None:
            return
        self.refresh_assessments()
        current = AssessmentService(vault, screen="person").current_level(self.person_id)
        name = self.detail.display_name
        if current is not None:
            name += "   " + _("Risk: {level}", level=current.short())
        self.query_one("#person-name", Plain).set_text(name)
        self.action_tab("assessments")

    def action_new_assessment(self) -> None:
        assert self.detail is not None
        roles = {role for _cid, _no, role, _st in self.detail.cases}
        targets = {"victim" if r == "victim" else r for r in roles}
        library = self.shell.instrument_library()

        def chosen(instrument_id: str | None) -> None:
            vault = self.shell.vault
            if instrument_id is None or vault is None:
                return
            case_ids = [cid for cid, _no, _role, status in (self.detail.cases if self.detail
                                                            else []) if status == "open"]
            new_id = AssessmentService(vault, screen="person").start(
                self.person_id, library.get(instrument_id),
                case_id=case_ids[0] if case_ids else None)
            self.app.push_screen(AssessmentScreen(new_id, after=self._back_from_assessment))

        self.app.push_screen(InstrumentChooser(library, targets), chosen)

    def refresh_records(self) -> None:
        vault = self.shell.vault
        assert vault is not None
        records = RecordService(vault, screen="person")
        consent_lines = []
        for c in records.consents(self.person_id):
            what = label(CONSENT_KINDS, c.kind) + (
                f" – {label(AGENCIES, c.agency)}" if c.agency else "")
            extra = ""
            if c.state == "declined" and c.kind == "investigation":
                extra = (f" ({_('safety advice')} {_yn(c.safety_advice_given)}, "
                         f"{_('other actors')} {_yn(c.other_actors_info_given)}, "
                         f"{_('offer to return')} {_yn(c.offer_to_return_given)})")
            consent_lines.append(
                f"{what}: {label(CONSENT_STATES, c.state)}, {label(CONSENT_METHODS, c.method)}, "
                f"{c.recorded_at:%Y-%m-%d} {c.recorded_by}{extra}")
        self.query_one("#consents", Plain).set_text(
            "\n".join(consent_lines) or _("No consent recorded."))
        report_lines = [
            f"{r.created_at:%Y-%m-%d} {label(CHILD_REPORT_DECISIONS, r.decision)}"
            + (f" {r.report_date} → {r.receiving_unit}" if r.report_date else "")
            + f": {r.reason} ({r.decided_by})"
            for r in records.child_reports(self.person_id)
        ]
        self.query_one("#child-reports", Plain).set_text(
            "\n".join(report_lines) or _("None recorded."))
        self.query_one("#stays", Plain).set_text("\n".join(
            stay_line(st) for st in ShelterService(vault, screen="person").stays_of(
                self.person_id)) or _("None recorded."))
        self.notes = records.journal(self.person_id)
        table = self.query_one("#notes", DataTable)
        table.clear()
        for n in self.notes:
            first = " ".join(n.body.split())
            table.add_row(cell(f"{n.created_at:%Y-%m-%d %H:%M}"), cell(label(NOTE_TYPES,
                          n.note_type)), cell(n.author), cell(_("yes") if n.signed else
                          _("draft")), cell(first, 60), key=str(n.id))
        self._show_note()

    def _selected_note(self) -> Note | None:
        table = self.query_one("#notes", DataTable)
        if not self.notes or table.cursor_row >= len(self.notes):
            return None
        return self.notes[table.cursor_row]

    @on(DataTable.RowHighlighted, "#notes")
    def _show_note(self) -> None:
        note = self._selected_note()
        text = ""
        if note is not None:
            signed = (_("signed {when}", when=f"{note.signed_at:%Y-%m-%d %H:%M}")
                      if note.signed_at else _("draft, not signed"))
            head = (f"{note.created_at:%Y-%m-%d %H:%M} {label(NOTE_TYPES, note.note_type)} – "
                    f"{note.author} – {signed}")
            if note.corrects_id:
                head += " – " + _("corrects note {id}", id=note.corrects_id)
            text = head + "\n\n" + note.body
        self.query_one("#note-text", Plain).set_text(text)

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        table_id = {"journal": "#notes", "assessments": "#assessments-table",
                    "investigation": "#inv-table", "plans": "#plan-table",
                    "decisions": "#dec-table"}.get(tab)
        if table_id and self.query(table_id):
            self.query_one(table_id, DataTable).focus()

    def action_edit(self) -> None:
        assert self.detail is not None
        self.app.push_screen(PersonEditScreen(self.detail), self._reload)

    def action_consent(self) -> None:
        self.app.push_screen(ConsentDialog(self.person_id), self._after)

    def action_child_report(self) -> None:
        assert self.detail is not None
        cases = [(cid, no) for cid, no, role, status in self.detail.cases
                 if role == "child" and status == "open"]
        if not cases:
            self.app.notify(_("Only for a child in an open case."), markup=False)
            return
        self.app.push_screen(ChildReportDialog(self.person_id, cases[0][0], cases[0][1]),
                             self._after)

    def action_new_note(self) -> None:
        self.app.push_screen(NoteScreen(self.person_id), self._after_note)

    def action_sign(self) -> None:
        note = self._selected_note()
        vault = self.shell.vault
        if note is None or vault is None or note.signed:
            return
        try:
            RecordService(vault, screen="journal").sign(note.id)
        except VaultError as exc:
            self.app.notify(error_text(exc), markup=False, severity="error")
        self.refresh_records()

    def action_correct(self) -> None:
        note = self._selected_note()
        if note is None:
            return
        if not note.signed:
            self.app.push_screen(NoteScreen(self.person_id, draft=note), self._after_note)
        else:
            self.app.push_screen(NoteScreen(self.person_id, corrects=note), self._after_note)

    def _after(self, changed: bool | None) -> None:
        if changed:
            self.refresh_records()

    def _after_note(self, changed: bool | None) -> None:
        if changed:
            self.refresh_records()
            self.action_tab("journal")

    def _reload(self, changed: bool | None) -> None:
        if changed:
            self.shell.open_person(self.person_id, replace_top=True)
