"""The person view and its forms: details, consent, child welfare report, journal."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Footer, Label, Static, TabbedContent, TabPane

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
from rc_tui.services.people import PeopleService, PersonDetail, PersonInput
from rc_tui.services.records import Note, RecordService
from rc_tui.services.shelter import ShelterService, stay_line
from screens.assessment import (
    LEVEL_ROWS,
    AssessmentReadScreen,
    AssessmentScreen,
    InstrumentChooser,
    trend_chart,
)
from screens.base import RcModal, RcScreen
from screens.casework import (
    CloseDialog,
    DecisionLetterScreen,
    DecisionScreen,
    FollowUpDialog,
    InvestigationScreen,
    PlanItemDialog,
    TemplateDialog,
)
from screens.export import PlaintextExportDialog
from screens.intake import GENDER_KEYS, yes_no
from screens.widgets import AppHeader, KeyChoice, Plain, SafeInput, SafeTextArea, cell
from storage.errors import ConflictError, VaultError

PROTECTION_KEYS = [("0", "none"), ("1", "sekretessmarkering"), ("2", "skyddad_folkbokforing"),
                   ("3", "fingerade")]
NOTE_KEYS = [("k", "contact"), ("t", "phone"), ("s", "support_talk"), ("h", "home_visit"),
             ("v", "incident"), ("a", "note")]


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


class PersonEditScreen(RcScreen):
    DRAFT = "person_edit"

    def draft_context(self) -> tuple[str, int | None]:
        return str(self.detail.id), self.detail.id

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="person-edit.save"),
        Binding("escape", "cancel", "Cancel", id="person-edit.cancel"),
    ]
    FIELD_ORDER = ("given", "family", "alias", "idno", "year", "gender", "language",
                   "interpreter", "access", "call", "text", "letter", "times", "address",
                   "protection")

    def __init__(self, detail: PersonDetail) -> None:
        super().__init__()
        self.detail = detail

    def compose(self) -> ComposeResult:
        p = self.detail.data
        yield AppHeader("rc-tui", self.shell.user_line(), demo=self.shell.is_demo)
        with VerticalScroll(classes="form-scroll"):
            yield Static(_("Edit person"), classes="form-title", markup=False)
            for fid, title, value in (
                ("given", _("Given name"), p.given_name), ("family", _("Family name"),
                                                           p.family_name),
                ("alias", _("Alias"), p.alias), ("idno", _("Identity no."), p.id_number),
                ("year", _("Birth year (without identity no.)"),
                 str(p.birth_year) if p.birth_year and not p.id_number else ""),
            ):
                with Horizontal(classes="row"):
                    yield Label(title, classes="row-label")
                    yield SafeInput(value, id=fid, max_length=200)
            with Horizontal(classes="row"):
                yield Label(_("Gender"), classes="row-label")
                yield KeyChoice([(k, v, label(GENDERS, v)) for k, v in GENDER_KEYS],
                                p.gender, id="gender")
            with Horizontal(classes="row"):
                yield Label(_("Language"), classes="row-label")
                yield SafeInput(p.language, id="language", max_length=200)
            with Horizontal(classes="row"):
                yield Label(_("Interpreter"), classes="row-label")
                yield KeyChoice(yes_no(), "yes" if p.interpreter_needed else "no",
                                id="interpreter")
            with Horizontal(classes="row"):
                yield Label(_("Accessibility needs"), classes="row-label")
                yield SafeInput(p.accessibility_needs, id="access", max_length=2000)
            for fid, title, allowed in (("call", _("May we call?"), p.may_call),
                                        ("text", _("May we text?"), p.may_text),
                                        ("letter", _("May we send letters?"), p.may_letter)):
                with Horizontal(classes="row"):
                    yield Label(title, classes="row-label")
                    yield KeyChoice(yes_no(), "yes" if allowed else "no", id=fid)
            with Horizontal(classes="row"):
                yield Label(_("Safe times"), classes="row-label")
                yield SafeInput(p.safe_times, id="times", max_length=2000)
            with Horizontal(classes="row"):
                yield Label(_("Safe address"), classes="row-label")
                yield SafeInput(p.safe_address, id="address", max_length=2000,
                                placeholder=_("empty: no safe address"))
            with Horizontal(classes="row"):
                yield Label(_("Protection"), classes="row-label")
                yield KeyChoice([(k, v, label(PROTECTION_LEVELS, v)) for k, v in
                                 PROTECTION_KEYS], p.protection_level, id="protection")
            yield Plain(_("Ctrl+S saves."), classes="hint")
            yield Plain("", id="message", classes="message")
        yield Footer()

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#given", SafeInput))

    def submit_form(self) -> None:
        self.action_save()

    def _value(self, fid: str) -> str:
        return self.query_one(f"#{fid}", SafeInput).value

    def _yes(self, fid: str) -> bool:
        return self.query_one(f"#{fid}", KeyChoice).value == "yes"

    def action_save(self) -> None:
        vault = self.shell.vault
        assert vault is not None
        year_text = self._value("year").strip()
        if year_text and not year_text.isdigit():
            self.query_one("#message", Plain).set_text(_("The birth year is four digits."))
            return
        data = PersonInput(
            given_name=self._value("given"), family_name=self._value("family"),
            alias=self._value("alias"), id_number=self._value("idno"),
            birth_year=int(year_text) if year_text else None,
            gender=self.query_one("#gender", KeyChoice).value or "unknown",
            language=self._value("language"), interpreter_needed=self._yes("interpreter"),
            accessibility_needs=self._value("access"), may_call=self._yes("call"),
            may_text=self._yes("text"), may_letter=self._yes("letter"),
            safe_times=self._value("times"), safe_address=self._value("address"),
            protection_level=self.query_one("#protection", KeyChoice).value or "none",
        )
        try:
            PeopleService(vault, screen="person_edit").update(self.detail.id,
                                                              self.detail.version, data)
        except ValidationError as exc:
            self.query_one("#message", Plain).set_text("\n".join(exc.reasons))
            return
        except ConflictError:
            self._conflict(data)
            return
        except VaultError as exc:
            self.query_one("#message", Plain).set_text(error_text(exc))
            return
        self.dismiss(True)

    def _conflict(self, mine: PersonInput) -> None:
        """Someone saved this person meanwhile: both versions side by side."""
        from screens.conflict import ConflictScreen, differing

        vault = self.shell.vault
        assert vault is not None
        fresh = PeopleService(vault, screen="person_edit").get(self.detail.id)
        theirs = fresh.data
        contact = _("Safe contact")
        rows = differing([
            (_("Given name"), theirs.given_name, mine.given_name),
            (_("Family name"), theirs.family_name, mine.family_name),
            (_("Alias"), theirs.alias, mine.alias),
            (_("Identity no."), theirs.id_number, mine.id_number),
            (_("Birth year"), theirs.birth_year, mine.birth_year),
            (_("Gender"), label(GENDERS, theirs.gender), label(GENDERS, mine.gender)),
            (_("Language"), theirs.language, mine.language),
            (_("Interpreter"), theirs.interpreter_needed, mine.interpreter_needed),
            (_("Accessibility needs"), theirs.accessibility_needs, mine.accessibility_needs),
            (f"{contact}: {_('call')}", theirs.may_call, mine.may_call),
            (f"{contact}: {_('text')}", theirs.may_text, mine.may_text),
            (f"{contact}: {_('letters')}", theirs.may_letter, mine.may_letter),
            (_("Safe times"), theirs.safe_times, mine.safe_times),
            (_("Safe address"), theirs.safe_address, mine.safe_address),
            (_("Protection"), label(PROTECTION_LEVELS, theirs.protection_level),
             label(PROTECTION_LEVELS, mine.protection_level)),
        ])
        self.detail = fresh  # from now on the form saves against what is stored

        def chosen(choice: str | None) -> None:
            if choice == "mine":
                if self.attempt(lambda: PeopleService(vault, screen="person_edit").update(
                        fresh.id, fresh.version, mine)):
                    self.dismiss(True)
            elif choice == "theirs":
                self.dismiss(True)

        self.app.push_screen(ConflictScreen(fresh.display_name, rows), chosen)

    def action_cancel(self) -> None:
        self.dismiss(False)


class ConsentDialog(RcModal):
    DRAFT = "consent"

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="consent-dialog.save"),
        Binding("escape", "cancel", "Cancel", id="consent-dialog.cancel"),
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
                yield Label(_("With"), classes="field-label")
                yield KeyChoice([(str(i + 1), code, label(AGENCIES, code))
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
        yield Footer()

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
        vault = self.shell.vault
        assert vault is not None
        kind = self.query_one("#kind", KeyChoice).value or ""
        if self.attempt(lambda: RecordService(vault, screen="consent").record_consent(
                self.person_id, kind, self.query_one("#state", KeyChoice).value or "",
                self.query_one("#method", KeyChoice).value or "",
                agency=self.query_one("#agency", KeyChoice).value
                if kind == "info_exchange" else None,
                safety_advice_given=self.query_one("#advice", KeyChoice).value == "yes",
                other_actors_info_given=self.query_one("#actors", KeyChoice).value == "yes",
                offer_to_return_given=self.query_one("#offer", KeyChoice).value == "yes",
                note=self.query_one("#note", SafeInput).value,
        )):
            self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)


class ChildReportDialog(RcModal):
    DRAFT = "child_report"

    def draft_context(self) -> tuple[str, int | None]:
        return f"{self.child_id}:{self.case_id}", self.child_id

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="child-report-dialog.save"),
        Binding("escape", "cancel", "Cancel", id="child-report-dialog.cancel"),
    ]

    def __init__(self, child_id: int, case_id: int, case_number: str) -> None:
        super().__init__()
        self.child_id = child_id
        self.case_id = case_id
        self.case_number = case_number

    def field_order(self) -> tuple[str, ...]:
        return ("decision", "date", "unit", "reason")

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Plain(_("Child welfare report – {case}", case=self.case_number),
                        classes="form-title")
            yield Plain(_("A report is required whether or not the parent agrees."),
                        classes="hint")
            yield KeyChoice([("a", "reported", label(CHILD_REPORT_DECISIONS, "reported")),
                             ("i", "not_needed", label(CHILD_REPORT_DECISIONS, "not_needed"))],
                            id="decision")
            with Vertical(id="report-box"):
                yield Label(_("Date of the report"), classes="field-label")
                yield SafeInput(date.today().isoformat(), id="date", max_length=10)
                yield Label(_("Receiving unit"), classes="field-label")
                yield SafeInput(id="unit", max_length=200)
            yield Label(_("Reason"), classes="field-label")
            yield SafeInput(id="reason", max_length=5000)
            yield Plain("", id="message", classes="message")
        yield Footer()

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#decision", KeyChoice))

    def choice_made(self, choice: KeyChoice) -> None:
        if choice.id == "decision":
            self.query_one("#report-box").display = choice.value != "not_needed"

    def submit_form(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        vault = self.shell.vault
        assert vault is not None
        decision = self.query_one("#decision", KeyChoice).value or ""
        report_date = None
        if decision == "reported":
            try:
                report_date = date.fromisoformat(self.query_one("#date", SafeInput).value.strip())
            except ValueError:
                self.query_one("#message", Plain).set_text(_("Write the date as YYYY-MM-DD."))
                return
        if self.attempt(lambda: RecordService(vault, screen="child_report").record_child_report(
                self.child_id, self.case_id, decision,
                self.query_one("#reason", SafeInput).value, report_date=report_date,
                receiving_unit=self.query_one("#unit", SafeInput).value)):
            self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)


class NoteScreen(RcScreen):
    """Write a journal note; Ctrl+S saves a draft, Ctrl+T saves and signs (read-only after)."""

    DRAFT = "note"

    def draft_context(self) -> tuple[str, int | None]:
        which = (f"draft{self.draft.id}" if self.draft else
                 f"corrects{self.corrects.id}" if self.corrects else "new")
        return f"{self.person_id}:{which}", self.person_id

    BINDINGS = [Binding("ctrl+s", "save", "Save draft", id="note.save"),
                Binding("ctrl+t", "sign", "Save and sign", id="note.sign"),
                Binding("escape", "cancel", "Cancel", id="note.cancel")]

    def __init__(self, person_id: int, *, draft: Note | None = None,
                 corrects: Note | None = None) -> None:
        super().__init__()
        self.person_id = person_id
        self.draft = draft
        self.corrects = corrects

    def field_order(self) -> tuple[str, ...]:
        return ("type", "body")

    def compose(self) -> ComposeResult:
        yield AppHeader("rc-tui", self.shell.user_line(), demo=self.shell.is_demo)
        with Vertical(id="note-form"):
            title = (_("Correction of note {id}", id=self.corrects.id) if self.corrects
                     else _("Journal note"))
            yield Plain(title, classes="form-title")
            if self.corrects:
                yield Plain(self.corrects.body, classes="hint", id="corrected")
            current = self.draft.note_type if self.draft else (
                "correction" if self.corrects else None)
            options = [(k, v, label(NOTE_TYPES, v)) for k, v in NOTE_KEYS]
            if self.corrects:
                options = [("r", "correction", label(NOTE_TYPES, "correction"))]
            yield KeyChoice(options, current, id="type")
            yield SafeTextArea(self.draft.body if self.draft else "", id="body")
            yield Plain(_("Ctrl+S saves a draft; Ctrl+T saves and signs – a signed note "
                          "cannot be changed, only corrected by a new note."), classes="hint")
            yield Plain("", id="message", classes="message")
        yield Footer()

    def on_mount(self) -> None:
        target = "#body" if self.draft or self.corrects else "#type"
        self.set_focus(self.query_one(target))

    def action_save(self) -> None:
        self._store(sign=False)

    def action_sign(self) -> None:
        self._store(sign=True)

    def _store(self, *, sign: bool) -> None:
        vault = self.shell.vault
        assert vault is not None
        records = RecordService(vault, screen="journal")
        body = self.query_one("#body", SafeTextArea).text
        note_type = self.query_one("#type", KeyChoice).value or ""

        def store() -> None:
            if self.draft is not None:
                records.edit_draft(self.draft.id, self.draft.version, body)
                if sign:
                    records.sign(self.draft.id)
            else:
                records.add_note(self.person_id, note_type, body, sign=sign,
                                 corrects_id=self.corrects.id if self.corrects else None)

        if self.attempt(store, on_conflict=lambda: self._conflict(records, body, sign)):
            self.dismiss(True)

    def _conflict(self, records: RecordService, body: str, sign: bool) -> None:
        """The draft was saved elsewhere meanwhile (another session of the author)."""
        from screens.conflict import ConflictScreen, differing

        assert self.draft is not None
        fresh = next((n for n in records.journal(self.person_id) if n.id == self.draft.id),
                     None)
        if fresh is None or fresh.signed:
            self.query_one("#message", Plain).set_text(
                _("The note was signed in another session meanwhile; it cannot change. "
                  "Your text is still here: write it as a correction."))
            return
        self.draft = fresh

        def chosen(choice: str | None) -> None:
            if choice == "mine":
                self._store(sign=sign)
            elif choice == "theirs":
                self.dismiss(True)

        self.app.push_screen(ConflictScreen(_("Journal note"), differing(
            [(_("Text"), fresh.body, body)])), chosen)

    def action_cancel(self) -> None:
        self.dismiss(False)



class EmergencyAccessScreen(RcScreen):
    """No access (need-to-know). Emergency access: a reason, logged and flagged."""

    BINDINGS = [Binding("escape", "app.pop_screen", "Back", id="emergency-access.back")]
    FIELD_ORDER = ("reason",)

    def __init__(self, person_id: int) -> None:
        super().__init__()
        self.person_id = person_id

    def compose(self) -> ComposeResult:
        yield AppHeader("rc-tui", self.shell.user_line(), demo=self.shell.is_demo)
        with VerticalScroll(), Vertical(classes="form-box"):
            yield Static(_("No access"), classes="form-title alert", markup=False)
            yield Plain(_("You are not assigned to this person. If there is a real need (for "
                          "example on call, or danger now), you may take emergency access "
                          "for this session: state the reason. It is logged and reviewed by "
                          "a manager."), classes="hint")
            yield Label(_("Reason for emergency access"), classes="field-label")
            yield SafeInput(id="reason", max_length=2000)
            yield Plain("", id="message", classes="message")
        yield Footer()

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#reason", SafeInput))

    def submit_form(self) -> None:
        vault = self.shell.vault
        assert vault is not None
        if self.attempt(lambda: PeopleService(vault, screen="emergency").emergency_access(
                self.person_id, self.query_one("#reason", SafeInput).value)):
            self.shell.open_person(self.person_id, replace_top=True)


class ExportDialog(PlaintextExportDialog):
    """Writing the journal to a file: an explicit, logged choice, with a warning."""

    def __init__(self, person_id: int) -> None:
        super().__init__(person_id, _("Export the journal"),
                         f"rc-tui-journal-{person_id}.txt",
                         lambda svc: svc.journal_text(person_id), record_type="journal")
