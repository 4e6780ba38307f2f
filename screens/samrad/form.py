"""The samråd form: participants, discussion, agreed actions, approval (autosaved)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Label, Static

from rc_tui.domain import samrad as rules
from rc_tui.domain.casework import label as cw_label
from rc_tui.domain.vocab import AGENCIES, MEMBER_ROLES, label
from rc_tui.i18n import _, _n
from rc_tui.services.accounts import ValidationError, error_text
from rc_tui.services.samrad import (
    ActionInput,
    Participant,
    PersonMinutes,
    Review,
    SamradView,
    agency_label,
    extract_line,
    present_agencies,
)
from screens.autosave import RecordAutosave
from screens.base import OPEN_GROUP, RcScreen, refusal_text
from screens.components import (
    AppHeader,
    EntryList,
    KeyChoice,
    Plain,
    SafeInput,
    SafeTextArea,
)
from screens.components.key_bar import KeyBar
from screens.confirm import AskDialog
from screens.samrad.action_dialog import ActionDialog
from screens.samrad.common import _svc
from screens.samrad.minutes import MinutesScreen
from screens.samrad.participant_dialog import ParticipantDialog
from storage.errors import ConflictError, VaultError

if TYPE_CHECKING:
    from rc_tui.services.session import UserSession


class SamradScreen(RecordAutosave, RcScreen):
    """The meeting: the chair types the minutes live, person by person. Everything is saved
    a moment after it is typed (and before the session locks)."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="samrad.save"),
        Binding("ctrl+t", "approve", "Approve", priority=True, id="samrad.approve"),
        Binding("ctrl+o", "minutes", "Minutes", id="samrad.minutes"),
        Binding("escape", "leave", "Back", id="samrad.leave"),
    ]

    def __init__(self, samrad_id: int) -> None:
        super().__init__()
        self.samrad_id = samrad_id
        self.view: SamradView | None = None
        self.participants: list[Participant] = []
        self.actions: dict[int, list[ActionInput]] = {}
        self.full_members: list[int] = []

    def field_order(self) -> tuple[str, ...]:
        order = ["participants"]
        if self.view is not None:
            order += [f"rev-{a.id}" for a in self.view.outstanding]
            for pid in self.full_members:
                order += [f"ground-{pid}", f"why-{pid}", f"info-{pid}", f"risk-{pid}",
                          f"acts-{pid}"]
        return tuple(order)

    def compose(self) -> ComposeResult:
        view = self.view
        yield AppHeader("rc-tui", self.shell.user_line(), demo=self.shell.is_demo)
        if view is None:  # being read (``on_mount``): the form is built when it is there
            yield Plain(_("Reading…"), id="reading", classes="hint", one_line=True)
            yield KeyBar()
            return
        head = _("Samråd {date} – case {case} – requested by {who}",
                 date=view.meeting_on.isoformat(), case=view.case_number, who=view.requested_by)
        if view.repeat:
            head += " – " + _("REPEAT (within 12 months)")
        yield Plain(head, classes="person-name", one_line=True)
        yield Plain("", id="message", classes="message")
        grounds = rules.data().legal_grounds
        with VerticalScroll(id="samrad-form", classes="form-scroll"):
            yield Static(_("Participants, observers, apologies"), classes="panel-title",
                         markup=False)
            yield EntryList("participant", id="participants", editable=False)
            if view.outstanding:
                yield Static(_("Actions from the previous samråd"), classes="panel-title",
                             markup=False)
                for a in view.outstanding:
                    yield Plain(f"{a.person_name}: {a.what} ({agency_label(a.agency)})"
                                + (f", {a.due_on}" if a.due_on else ""), classes="item-text")
                    yield KeyChoice([("k", "done", _("done")),
                                     ("a", "changed", _("circumstances changed")),
                                     ("e", "not_acted", _("agency did not act"))],
                                    a.review.outcome if a.review else None, id=f"rev-{a.id}")
            for m in view.members:
                title = f"{m.name} ({label(MEMBER_ROLES, m.role)})"
                yield Static(title, classes="panel-title section-title", markup=False)
                if not m.full:
                    yield Plain(_("Another compartment: you do not work with this person's "
                                  "track, so nothing of it is shown or recorded here."),
                                classes="hint")
                    continue
                pid = m.person_id
                minutes = m.minutes or PersonMinutes(pid)
                yield Plain("", id=f"cov-{pid}", classes="hint")
                yield Label(_("Legal ground for sharing without consent (0 = none)"),
                            classes="field-label")
                yield KeyChoice([("0", "", _("none"))] + [
                    (str(i + 1), code, str(g.label)) for i, (code, g) in
                    enumerate(grounds.items())], minutes.legal_ground or "",
                    id=f"ground-{pid}", vertical=True)
                yield SafeInput(minutes.ground_rationale, id=f"why-{pid}", max_length=2000,
                                placeholder=_("why (required with a legal ground)"))
                yield Label(_("Information shared"), classes="field-label")
                yield SafeTextArea(minutes.info_shared, id=f"info-{pid}", classes="short")
                yield Label(_("Joint view of risk"), classes="field-label")
                yield SafeTextArea(minutes.risk_view, id=f"risk-{pid}", classes="short")
                yield Label(_("Agreed actions (what, agency, order, by when)"),
                            classes="field-label")
                entries = EntryList("action", id=f"acts-{pid}", editable=False)
                entries.person_id = pid  # type: ignore[attr-defined]
                yield entries
            if view.hidden_members:
                yield Plain(_n("{n} more member of the family exists.",
                               "{n} more members of the family exist.", view.hidden_members,
                               n=view.hidden_members), classes="hint")
        yield KeyBar()

    def on_mount(self) -> None:
        """Read the meeting in a thread (keys typed meanwhile wait for the form)."""
        samrad_id = self.samrad_id
        self.load(lambda session: session.samrad("samrad").get(samrad_id), self._loaded,
                  failed=self._unavailable, group=OPEN_GROUP)

    async def _loaded(self, view: SamradView) -> None:
        self.view = view
        self.participants = list(view.participants)
        self.full_members = [m.person_id for m in view.members if m.full]
        self.actions = {m.person_id: list(m.minutes.actions) for m in view.members
                        if m.minutes}
        await self.recompose()
        self._refresh_lists()
        self.set_focus(self.query_one("#participants"))

    def _unavailable(self, exc: Exception) -> bool:
        """Gone, no access any more, the database busy too long: say so and go back."""
        self.app.notify(refusal_text(exc), markup=False, severity="error", timeout=8)
        self.app.pop_screen()
        return True

    def _refresh_lists(self) -> None:
        assert self.view is not None
        self.query_one("#participants", EntryList).set_lines([
            f"{cw_label(rules.PARTICIPANT_KINDS, p.kind)}: {agency_label(p.agency)}"
            + (f" ({p.role})" if p.role else "") + (f" {p.name}" if p.name else "")
            + (" – " + _("undertaking") if p.undertaking else "")
            for p in self.participants])
        self._refresh_coverage()
        for m in self.view.members:
            if not m.full:
                continue
            self.query_one(f"#acts-{m.person_id}", EntryList).set_lines([
                f"{a.order_no}. {a.what} – {agency_label(a.agency)}"
                + (f", {a.due_on}" if a.due_on else "") for a in self.actions.get(
                    m.person_id, [])])

    def _refresh_coverage(self) -> None:
        """Per person: the consent per agency present, and – under the legal ground as
        chosen now – which agencies' extracts will hold the person, and why."""
        assert self.view is not None
        if self.view.approved:
            return  # approved: the minutes screen shows the extracts as approved
        agencies = present_agencies(self.participants)
        extract_rules = rules.current_rules()
        for m in self.view.members:
            if not m.full:
                continue
            covered = rules.coverage(m.consents, agencies)
            text = _("Consent to information exchange: ") + (", ".join(
                f"{agency_label(a)} {'✓' if ok else '✗'}" for a, ok in covered.items())
                or _("no other agency present"))
            if not all(covered.values()):
                text += " – " + _("not covered: record the consent, or a legal ground")
            ground = self.query_one(f"#ground-{m.person_id}", KeyChoice).value or None
            text += "\n" + extract_line({
                agency: rules.extract_basis(m.consents, ground, agency, agencies,
                                            extract_rules) for agency in AGENCIES})
            self.query_one(f"#cov-{m.person_id}", Plain).set_text(text)

    # -- editing
    def choice_made(self, choice: Any) -> None:
        self._refresh_coverage()
        self._changed()

    @on(SafeInput.Changed)
    @on(SafeTextArea.Changed)
    def _typed(self) -> None:
        self._changed()

    def _changed(self) -> None:
        if self.view is not None:
            self.mark_changed()

    @on(EntryList.Act)
    def _entry(self, event: EntryList.Act) -> None:
        entries = event.entries
        if entries.kind == "participant":
            if event.action == "remove":
                del self.participants[event.index]
                self._refresh_lists()
                self._changed()
            elif event.action == "add":
                self.app.push_screen(ParticipantDialog(draft_key=(str(self.samrad_id), None)),
                                     self._add_participant)
            return
        pid = getattr(entries, "person_id", 0)
        acts = self.actions.setdefault(pid, [])
        if event.action == "remove":
            del acts[event.index]
            self.actions[pid] = [ActionInput(a.what, a.agency, i + 1, a.due_on)
                                 for i, a in enumerate(acts)]
            self._refresh_lists()
            self._changed()
        elif event.action == "add":
            def keep(action: ActionInput | None) -> None:
                if action is not None:
                    acts.append(action)
                    self._refresh_lists()
                    self._changed()
            self.app.push_screen(ActionDialog(len(acts) + 1, draft_key=(
                f"{self.samrad_id}:{pid}", pid or None)), keep)

    def _add_participant(self, participant: Participant | None) -> None:
        if participant is not None:
            self.participants.append(participant)
            self._refresh_lists()
            self._changed()

    def _collect(self) -> tuple[list[PersonMinutes], dict[int, Review]]:
        assert self.view is not None
        persons = []
        for pid in self.full_members:
            persons.append(PersonMinutes(
                pid, self.query_one(f"#info-{pid}", SafeTextArea).text,
                self.query_one(f"#risk-{pid}", SafeTextArea).text,
                self.query_one(f"#ground-{pid}", KeyChoice).value or None,
                self.query_one(f"#why-{pid}", SafeInput).value,
                tuple(self.actions.get(pid, []))))
        reviews = {}
        for a in self.view.outstanding:
            outcome = self.query_one(f"#rev-{a.id}", KeyChoice).value
            if outcome:
                reviews[a.id] = Review(outcome)
        return persons, reviews

    def _store(self) -> bool:
        """The save the user asked for, on the UI thread (it gives way to lock, quick-hide
        and quit: ``RcApp.interrupt_database_wait``)."""
        if self.view is None:
            return False
        self.stop_autosave()
        persons, reviews = self._collect()
        edits = self._edits
        try:
            version = _svc(self).save(self.samrad_id, self.view.version, self.participants,
                                      persons, reviews)
        except (ValidationError, VaultError) as exc:
            self.autosave_failed(exc)
            return False
        self.autosaved(version)
        if self._edits == edits:
            self.dirty = False
        return True

    def save_on_close(self) -> Callable[[UserSession], object] | None:
        """The unsaved minutes, read now and saved by the shell's closing thread when the
        session locks or ends (the UI thread does not wait for the database)."""
        if not self.dirty or self.autosaving:
            return None  # (an autosave in flight holds the version: it saves them)
        return self.autosave_job()

    # -- the timed autosave (``RecordAutosave``): in a thread worker
    def autosave_job(self) -> Callable[[UserSession], int] | None:
        if self.view is None or not self.query("#message"):
            return None
        persons, reviews = self._collect()
        samrad_id, version, participants = (self.samrad_id, self.view.version,
                                            list(self.participants))
        return lambda session: session.samrad("samrad").save(
            samrad_id, version, participants, persons, reviews)

    def autosaved(self, result: Any) -> None:
        if self.view is not None:
            self.view = replace(self.view, version=int(result))
        if self.query("#message"):
            self.query_one("#message", Plain).set_text(_("Saved."))

    def autosave_failed(self, exc: Exception) -> None:
        if self.query("#message"):
            self.query_one("#message", Plain).set_text(
                "\n".join(exc.reasons) if isinstance(exc, ValidationError)
                else error_text(exc) if isinstance(exc, VaultError) else str(exc))

    def action_save(self) -> None:
        self.after_autosave(self._store)

    def action_approve(self) -> None:
        """Approved minutes cannot change: one question first (one key)."""
        def ask() -> None:
            if self.view is None or not self._store():
                return

            def answered(yes: bool | None) -> None:
                if yes:
                    self._approve()

            self.app.push_screen(AskDialog(_("Approve the minutes? y/n")), answered)

        self.after_autosave(ask)

    def _approve(self) -> None:
        if self.view is None:
            return
        try:
            count = _svc(self).approve(self.samrad_id, self.view.version)
        except ValidationError as exc:
            self.query_one("#message", Plain).set_text("\n".join(exc.reasons))
            return
        except (ConflictError, VaultError) as exc:
            self.query_one("#message", Plain).set_text(error_text(exc))
            return
        self.app.notify(_n("Minutes approved; {n} action added to the action plans.",
                           "Minutes approved; {n} actions added to the action plans.", count,
                           n=count), markup=False)
        self.app.switch_screen(MinutesScreen(self.samrad_id))

    def action_minutes(self) -> None:
        def show() -> None:
            if self.dirty:
                self._store()
            self.app.push_screen(MinutesScreen(self.samrad_id))

        self.after_autosave(show)

    def action_leave(self) -> None:
        def leave() -> None:
            if self.dirty and self.view is not None:
                self._store()
            if not self.dirty:
                self.app.pop_screen()

        self.after_autosave(leave)
