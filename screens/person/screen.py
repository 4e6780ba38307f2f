"""The person view: a tab per part of the record, each filled when first shown."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.lazy import Lazy
from textual.widgets import DataTable, Static, TabbedContent, TabPane, Tabs

from rc_tui.domain.casework import (
    intervention_label,
    templates_for,
)
from rc_tui.domain.vocab import (
    MEMBER_ROLES,
    PROTECTION_LEVELS,
    label,
)
from rc_tui.i18n import _
from rc_tui.services.assessments import for_shelter_staff
from rc_tui.services.capabilities import Capability
from rc_tui.services.casework import (
    DecisionView,
    PlanItemView,
    TrackState,
)
from rc_tui.services.documents import DocumentRequest
from rc_tui.services.people import PersonDetail
from rc_tui.services.records import Note
from rc_tui.services.retention import KeepView
from rc_tui.services.risk import CurrentLevel
from rc_tui.services.safety import SafetyPlanView
from screens.assessment import (
    AssessmentScreen,
    InstrumentChooser,
)
from screens.base import RcScreen, refusal_text
from screens.casework import (
    CloseDialog,
    DecisionScreen,
    InvestigationScreen,
    PlanItemDialog,
    TemplateDialog,
)
from screens.components import AppHeader, Plain
from screens.components.key_bar import KeyBar
from screens.document import DocumentDialog
from screens.person.child_report_dialog import ChildReportDialog
from screens.person.consent_dialog import ConsentDialog
from screens.person.edit import PersonEditScreen
from screens.person.emergency import EmergencyAccessScreen
from screens.person.note import NoteScreen
from screens.person.panes import (
    AssessmentsPane,
    DecisionsPane,
    InvestigationPane,
    JournalPane,
    OverviewPane,
    PersonPane,
    PlansPane,
    SamradPane,
)
from screens.person.partner_contact import PartnerContactDialog
from screens.person.safety_plan import SafetyPlanScreen

if TYPE_CHECKING:
    from rc_tui.services.session import UserSession

if TYPE_CHECKING:
    from rc_tui.services.session import UserSession
    from rc_tui.services.shelter import BoardLine


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


class PersonScreen(RcScreen):
    NAMES_PERSON = True  # its title line names the person

    BINDINGS = [
        Binding("e", "edit", "Edit", id="person.edit"),
        Binding("c", "consent", "Consent", id="person.consent"),
        Binding("o", "child_report", "Child report", id="person.child-report"),
        Binding("j", "new_note", "Journal note", id="person.new-note"),
        Binding("s", "sign", "Sign note", id="person.sign"),
        Binding("r", "correct", "Correct note", id="person.correct"),
        Binding("v", "reveal", "Reveal identity", id="person.reveal"),
        Binding("x", "export", "Journal copy", id="person.export"),
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
        Binding("k", "partner_contact", "Partner contact", show=False,
                id="person.partner-contact"),
        Binding("l", "safety_plan", "Safety plan", show=False, id="person.safety-plan"),
        Binding("m", "sessions", "Talks and referrals", show=False, id="person.sessions"),
        Binding("h", "housing", "Admit to the shelter or the temporary housing", show=False,
                id="person.housing"),
        Binding("i", "link", "Link to known person", show=False, id="person.link"),
        Binding("n", "emergency", "Emergency access", id="person.emergency"),
        Binding("g", "log_extract", "Log extract", show=False, id="person.log-extract"),
        Binding("R", "record_extract", "Record extract", show=False,
                id="person.record-extract"),
        Binding("F", "rectify", "Rectify name or identity number", show=False,
                id="person.rectify"),
        Binding("Y", "restrict", "Restrict record or lift the restriction", show=False,
                id="person.restrict"),
        Binding("f", "keep", "Keep past the retention period", show=False,
                id="person.retention-keep"),
        Binding("escape", "app.pop_screen", "Back", id="person.back"),
    ]

    def __init__(self, person_id: int, tab: str | None = None, *,
                 detail: PersonDetail) -> None:
        """``detail``: read by the shell (in a thread) before it opens the screen."""
        super().__init__()
        self.person_id = person_id
        self.initial_tab = tab or "overview"
        self.detail: PersonDetail | None = detail
        self._stale = False
        self.panes: dict[str, PersonPane] = {}

    def compose(self) -> ComposeResult:
        d = self.detail
        assert d is not None
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
            yield KeyBar()
            return
        # one pane widget per tab; the panes not shown first are mounted after the first
        # paint (Textual's Lazy), and each is filled when its tab is first shown (_ensure)
        titles = {"overview": _("Overview"), "journal": _("Journal"),
                  "assessments": _("Assessments"), "investigation": _("Investigation"),
                  "plans": _("Plans"), "decisions": _("Decisions"), "samrad": _("Samråd")}
        self.panes = {
            "overview": OverviewPane(self.person_id, d),
            "journal": JournalPane(self.person_id, d),
            "assessments": AssessmentsPane(self.person_id, d,
                                           shelter_assess=self.shelter_assess),
            "investigation": InvestigationPane(self.person_id, d),
            "plans": PlansPane(self.person_id, d, shelter_level=self.shelter_level),
            "decisions": DecisionsPane(self.person_id, d),
            "samrad": SamradPane(self.person_id, d),
        }
        with TabbedContent(initial=self.initial_tab, id="tabs"):
            for tab, pane in self.panes.items():
                with TabPane(titles[tab], id=tab):
                    eager = tab in self.EAGER or tab == self.initial_tab
                    yield pane if eager else Lazy(pane)
        yield KeyBar()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "log_extract":  # who has read the record: the manager's
            return self.shell.can(Capability.LOG_EXTRACT)
        if action == "keep":  # retention: the manager's keep decision
            return self.shell.can(Capability.RETENTION)
        d = self.detail
        if d is None:
            return True
        if action in self.RIGHTS:
            return self._rights_offered(action, d)
        if action == "reveal":
            return d.identity_hidden and not d.restricted
        if action == "emergency":
            return d.restricted
        if d.restricted or d.identity_hidden:
            return action not in {"edit", "consent", "child_report", "new_note", "sign",
                                  "correct", "tab", "export", "new_assessment",
                                  "investigate", "decide", "plan_item", "close_track",
                                  "partner_contact", "safety_plan", "sessions", "housing",
                                  "link"}
        if action == "link":
            # a manager, on an anonymous record (an alias alone)
            p = d.data
            return d.full_access and self.shell.can(Capability.LINK_RECORDS) and not (
                d.id_number or p.given_name.strip() or p.family_name.strip())
        if action == "housing":
            return self._admission_facility() is not None
        if action in ("plan_item", "sessions"):
            return d.full_access or self.shelter_level
        if action == "new_assessment":
            return d.full_access or self.shelter_assess
        if action in ("investigate", "decide", "close_track"):
            return d.full_access
        if action == "partner_contact":  # a man in the perpetrator service
            return d.full_access and any(role == "perpetrator" and status == "open"
                                         for _cid, _no, role, status in d.cases)
        if action == "safety_plan":  # a victim, a child or a partner
            return d.full_access and any(role != "perpetrator"
                                         for _cid, _no, role, _st in d.cases)
        return True

    #: the data subject's rights: the record extract, restriction and rectification
    RIGHTS = frozenset({"record_extract", "restrict", "rectify"})

    def _rights_offered(self, action: str, d: PersonDetail) -> bool:
        if action == "record_extract":  # managers and the person's own caseworker
            return (d.full_access and not d.identity_hidden
                    and self.shell.can(Capability.RECORD_EXTRACT))
        if action == "restrict":
            return d.full_access and self.shell.can(Capability.RESTRICT_RECORDS)
        return d.full_access and not d.identity_hidden  # rectify

    def action_partner_contact(self) -> None:
        person_id = self.person_id
        self.load(lambda session: session.partner_contacts("person").partners(person_id),
                  lambda partners: self.app.push_screen(
                      PartnerContactDialog(person_id, partners), self._after),
                  key="partner-contact")

    def action_safety_plan(self) -> None:
        """The plan being written (the user's own), else the newest signed one, else a new
        one."""
        assert self.detail is not None
        person_id, name = self.person_id, self.detail.display_name
        case_id = self._case_for_new()

        def fetch(session: UserSession) -> SafetyPlanView:
            plans = session.safety_plans("person")
            rows = plans.history(person_id)
            mine = [r for r in rows if r.status == "draft" and r.mine]
            signed = [r for r in rows if r.status == "signed" and not r.superseded]
            if mine:
                return plans.get(mine[-1].id)
            if signed:
                return plans.get(signed[-1].id)
            return plans.get(plans.start(person_id, case_id=case_id))

        self.load(fetch, lambda view: self.app.push_screen(
            SafetyPlanScreen(view, name), self._after), key="safety-plan")

    def _admission_facility(self) -> str | None:
        """Where this user may admit this person by the record, if anywhere: the perpetrator
        service its own client to the temporary housing, in his family's case; a manager a
        woman the centre knows to the shelter (shelter staff, who may not see her record
        before she stays, admit her as new, and a manager links the records later). Both
        need the whole record – a stay widens who sees the person."""
        d = self.detail
        if d is None or not d.full_access:
            return None
        open_roles = {role for _c, _n, role, status in d.cases if status == "open"}
        if "perpetrator" in open_roles and self.shell.can(Capability.HOUSING_BOARD):
            return "perpetrator_housing"
        if "victim" in open_roles and self.shell.can(Capability.SHELTER_BOARD):
            return "shelter"
        return None

    def action_housing(self) -> None:
        """Admit the person by the record (the free places first read)."""
        from screens.shelter import AdmissionScreen

        assert self.detail is not None
        known = (self.person_id, self.detail.display_name)
        facility = self._admission_facility()
        if facility is None:
            return

        def fetch(session: UserSession) -> list[BoardLine]:
            view = session.shelter("person").board(facility)
            return [x for x in view.lines if x.state == "free"]

        def show(free: list[BoardLine]) -> None:
            # the overview's stays are read again when the person is admitted
            self.app.push_screen(AdmissionScreen(facility, free, known),
                                 lambda admitted: self.panes["overview"].refresh_data()
                                 if admitted else None)

        self.load(fetch, show, key="housing")

    def action_link(self) -> None:
        """Link this anonymous record to the known person (then show that person)."""
        from screens.shelter.link_dialog import LinkDialog

        assert self.detail is not None

        def linked(known: int | None) -> None:
            if known:
                self.shell.open_person(known)

        self.app.push_screen(LinkDialog(self.person_id, self.detail.display_name), linked)

    def action_export(self) -> None:
        self.app.push_screen(DocumentDialog(DocumentRequest("journal", self.person_id),
                                            _("Journal copy")))

    def action_log_extract(self) -> None:
        self.app.push_screen(DocumentDialog(DocumentRequest("log_extract", self.person_id),
                                            _("Log extract: who has read the record")))

    def action_record_extract(self) -> None:
        """Everything about the person; the passages about others reviewed first."""
        from screens.person.extract_review import ExtractReviewDialog

        person_id = self.person_id
        self.load(lambda session: session.extracts("person").prepare(person_id),
                  lambda draft: self.app.push_screen(ExtractReviewDialog(draft)),
                  key="record-extract")

    def action_rectify(self) -> None:
        from screens.person.rectify_dialog import RectifyDialog

        assert self.detail is not None
        self.app.push_screen(RectifyDialog(self.person_id, self.detail.version),
                             self._reload)

    def action_restrict(self) -> None:
        """Restrict the record while a dispute is examined, or lift the restriction."""
        from screens.casework.close_dialog import CloseDialog

        assert self.detail is not None
        person_id, lift = self.person_id, self.detail.record_restricted
        session = self.shell.session
        assert session is not None
        rights = session.record_rights("person")
        if lift:
            dialog = CloseDialog(_("Lift the restriction of the record"),
                                 lambda reason: rights.lift(person_id, reason),
                                 field=_("Outcome of the examination"),
                                 draft_key=("lift-restriction", person_id))
        else:
            dialog = CloseDialog(_("Restrict the record while a dispute is examined: it "
                                   "can be read but not changed, and is hidden from search "
                                   "(but for managers)"),
                                 lambda reason: rights.restrict(person_id, reason),
                                 field=_("What is disputed"),
                                 draft_key=("restrict", person_id))
        self.app.push_screen(dialog, self._reload)
    def action_keep(self) -> None:
        """A manager keeps the record past its retention period (with the reason), or
        lifts the keep decision in force."""
        from screens.confirm import AskDialog
        from screens.person.keep_dialog import KeepDialog

        person_id, name = self.person_id, self.detail.display_name if self.detail else ""

        def lifted(yes: bool | None) -> None:
            if yes:
                self.load(lambda session: session.retention("person").lift_keep(person_id),
                          lambda _done: self.app.notify(_("The keep decision is lifted."),
                                                        markup=False), key="keep")

        def show(current: tuple[KeepView | None]) -> None:
            view = current[0]
            if view is None:
                self.app.push_screen(KeepDialog(person_id, name))
                return
            self.app.push_screen(AskDialog(_(
                "Kept past the retention period since {date} by {who}: {reason} – Lift the "
                "keep decision? y/n", date=view.decided_at.date().isoformat(),
                who=view.decided_by, reason=view.reason)), lifted)

        self.load(lambda session: (session.retention("person").keep_of(person_id),), show,
                  key="keep")

    def action_emergency(self) -> None:
        self.app.push_screen(EmergencyAccessScreen(self.person_id))

    def action_reveal(self) -> None:
        person_id = self.person_id
        self.load(lambda session: session.people("person").reveal(person_id),
                  lambda _done: self.shell.open_person(person_id, replace_top=True),
                  key="reveal")

    def on_mount(self) -> None:
        if self.detail is None or self.detail.restricted or self.detail.identity_hidden:
            return
        if self.detail.full_access or self.shelter_assess:
            self.panes["assessments"].ensure_loaded()
        if self.detail.full_access or self.shelter_level:
            self._ensure(self.initial_tab)
        self.refresh_records()

    #: tabs filled when first shown, so opening a person reads (and access-logs) only what
    #: is looked at; the overview and journal are filled at once
    LAZY = frozenset({"assessments", "investigation", "plans", "decisions", "samrad"})
    #: panes mounted with the screen (the others after the first paint: Textual's Lazy)
    EAGER = frozenset({"overview", "journal", "assessments"})

    @property
    def shelter_level(self) -> bool:
        """Shelter staff: the person's record without investigations, assessments or
        decisions – but with the action plan they write for every woman and child."""
        d = self.detail
        return d is not None and not (d.full_access or d.restricted or d.identity_hidden)

    @property
    def shelter_assess(self) -> bool:
        """Shelter staff with the organisation's setting on: some of her assessments."""
        session = self.shell.session
        return self.shelter_level and self.shell.can(Capability.RESIDENTS) and (
            session is not None and int(session.setting("shelter_staff_assessments") or 0)
            == 1)

    def _ensure(self, tab: str) -> None:
        pane = self.panes.get(tab)
        if pane is None or self.detail is None:
            return
        if (tab in self.LAZY and self.detail.full_access) or (
                tab == "plans" and self.shelter_level) or (
                tab == "assessments" and self.shelter_assess):
            pane.ensure_loaded()

    @on(TabbedContent.TabActivated)
    def _tab_shown(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id:
            self._ensure(event.pane.id)

    def _case_for_new(self) -> int | None:
        assert self.detail is not None
        open_cases = [cid for cid, _no, _role, status in self.detail.cases if status == "open"]
        return open_cases[0] if open_cases else None

    def action_investigate(self) -> None:
        assert self.detail is not None
        roles = {role for _cid, _no, role, _st in self.detail.cases}

        def chosen(template: str | None) -> None:
            if template is None:
                return
            person_id, case_id = self.person_id, self._case_for_new()

            def started(new_id: int) -> None:
                self._stale = True
                self.app.push_screen(InvestigationScreen(new_id))

            self.load(lambda session: session.casework("person").start_investigation(
                person_id, template, case_id=case_id), started, key="start")

        # only the templates of the person's track (a perpetrator: his needs)
        offered = templates_for(roles)
        suggested = "child" if "child" in roles else offered[0] if offered else "adult"
        self.app.push_screen(TemplateDialog(suggested, offered), chosen)

    def action_decide(self) -> None:
        self._stale = True
        assert self.detail is not None
        case_id = self._case_for_new()
        # the person's role in that case (no open case: every role they have had)
        roles = tuple(role for cid, _no, role, _st in self.detail.cases
                      if case_id is None or cid == case_id)
        self.app.push_screen(DecisionScreen(self.person_id, case_id, roles))

    def action_plan_item(self, item: PlanItemView | None = None) -> None:
        if self.shelter_level:
            self.app.push_screen(PlanItemDialog(self.person_id, self._case_for_new(), item,
                                                []), self.casework_changed)
            return
        # the decisions an item may rest on (read anew: their tab may not be filled yet)
        person_id, case_id = self.person_id, self._case_for_new()

        def chosen(known: list[DecisionView]) -> None:
            decisions = [(d.id, f"{d.decided_at:%Y-%m-%d} "
                                f"{intervention_label(d.intervention)}")
                         for d in known if d.outcome != "refused"]
            self.app.push_screen(PlanItemDialog(person_id, case_id, item, decisions),
                                 self.casework_changed)

        self.load(lambda session: session.casework("person").decisions(person_id), chosen,
                  key="plan-item")

    def action_sessions(self) -> None:
        """Talks, groups and referrals: the series for whoever sees the record (shelter
        staff hold Siri's groups), referrals for the person's own caseworker."""
        from screens.sessions import SessionsScreen

        assert self.detail is not None
        case_id = self._case_for_new()
        roles = tuple(role for cid, _no, role, _st in self.detail.cases
                      if case_id is None or cid == case_id)
        self.app.push_screen(SessionsScreen(self.person_id, self.detail.display_name, roles,
                                            case_id, full=self.detail.full_access))

    def action_close_track(self) -> None:
        session = self.shell.session
        assert session is not None and self.detail is not None
        svc = session.casework("person")
        person_id = self.person_id

        def chosen(tracks: list[TrackState]) -> None:
            if not tracks:
                return
            track = next((t for t in tracks if not t.closed), tracks[-1])
            reopen = track.closed
            title = (_("Reopen the track in {case}", case=track.case_number) if reopen
                     else _("Close the track in {case}", case=track.case_number))
            done = (_("The track in {case} is reopened.", case=track.case_number) if reopen
                    else _("The track in {case} is closed.", case=track.case_number))

            def closed(changed: bool | None) -> None:
                if changed:
                    self.app.notify(done, markup=False)
                self._reload(changed)

            self.app.push_screen(CloseDialog(title, lambda reason: svc.close_track(
                track.case_id, person_id, reason, reopen=reopen),
                draft_key=(f"track{track.case_id}:{person_id}", person_id)),
                closed)

        self.load(lambda session: session.casework("person").tracks(person_id), chosen,
                  key="close-track")

    def casework_changed(self, changed: object = None) -> None:
        self._stale = True

    def on_screen_resume(self) -> None:
        """Back from a casework form (which may have replaced itself, e.g. a decision by
        its letter): show what changed."""
        if self._stale and self.app.screen is self and self.detail is not None \
                and self.detail.full_access:
            self._stale = False
            for tab in ("investigation", "plans", "decisions"):
                if self.panes[tab].loaded:
                    self.panes[tab].refresh_data()
        elif self._stale and self.app.screen is self and self.shelter_level:
            self._stale = False
            self.panes["plans"].refresh_data()

    def back_from_assessment(self) -> None:
        self.app.pop_screen()
        self.call_after_refresh(self._after_assessment)

    def _after_assessment(self) -> None:
        if self.shell.session is None or self.detail is None:
            return
        # the tab (and its table's focus) once the table is filled
        self.panes["assessments"].refresh_data(then=lambda: self.action_tab("assessments"))
        person_id, name = self.person_id, self.detail.display_name

        def show(current: CurrentLevel | None) -> None:
            shown = name
            if current is not None:
                shown += "   " + _("Risk: {level}", level=current.short())
            self.query_one("#person-name", Plain).set_text(shown)

        self.load(lambda session: session.assessments("person").current_level(person_id),
                  show, key="risk")

    def action_new_assessment(self) -> None:
        assert self.detail is not None
        roles = {role for _cid, _no, role, _st in self.detail.cases}
        targets = {"victim" if r == "victim" else r for r in roles}
        library = self.shell.instrument_library()

        def chosen(instrument_id: str | None) -> None:
            if instrument_id is None:
                return
            case_ids = [cid for cid, _no, _role, status in (self.detail.cases if self.detail
                                                            else []) if status == "open"]
            person_id, instrument = self.person_id, library.get(instrument_id)
            case_id = case_ids[0] if case_ids else None
            self.load(lambda session: session.assessments("person").start(
                person_id, instrument, case_id=case_id),
                lambda new_id: self.app.push_screen(
                    AssessmentScreen(new_id, after=self.back_from_assessment)), key="start")

        only = None if self.detail.full_access else for_shelter_staff
        self.app.push_screen(InstrumentChooser(library, targets, only), chosen)

    def refresh_records(self) -> None:
        self.panes["overview"].refresh_data()
        self.panes["journal"].refresh_data()

    def _selected_note(self) -> Note | None:
        return cast(JournalPane, self.panes["journal"]).selected_note()

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        table_id = {"journal": "#notes", "assessments": "#assessments-table",
                    "investigation": "#inv-table", "plans": "#plan-table",
                    "decisions": "#dec-table"}.get(tab)
        if table_id and self.query(table_id):
            self.query_one(table_id, DataTable).focus()
        else:
            # the focus must leave the pane that was shown: Textual brings back the tab
            # of a focused widget (1 and 7 stayed on the journal and decisions tabs)
            self.query_one(TabbedContent).query_one(Tabs).focus()

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
        if note is None or note.signed:
            return
        note_id = note.id

        def refused(exc: Exception) -> bool:
            self.app.notify(refusal_text(exc), markup=False, severity="error")
            self.refresh_records()
            return True

        def answered(yes: bool | None) -> None:
            """Signing cannot be undone: asked once, as in the note form."""
            if yes:
                self.load(lambda session: session.records("journal").sign(note_id),
                          lambda _done: self.refresh_records(), key="sign", failed=refused)

        from screens.confirm import AskDialog

        self.app.push_screen(AskDialog(_("Sign? y/n")), answered)

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
