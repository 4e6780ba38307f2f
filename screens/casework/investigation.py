"""An investigation: its headings filled in, concluded when done."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Label, Static

from rc_tui.domain.casework import (
    catalog,
)
from rc_tui.i18n import _
from rc_tui.services.accounts import ValidationError, error_text
from rc_tui.services.casework import (
    InvestigationView,
)
from screens.base import OPEN_GROUP, RcScreen, refusal_text
from screens.casework.common import _svc
from screens.components import AppHeader, KeyChoice, Plain, SafeTextArea
from screens.components.key_bar import KeyBar
from screens.confirm import AskDialog
from storage.errors import ConflictError, VaultError

if TYPE_CHECKING:
    from rc_tui.services.session import UserSession


class InvestigationScreen(RcScreen):
    """The findings per need area, the assessments it rests on, the conclusion."""

    BINDINGS = [Binding("ctrl+s", "save", "Save", id="investigation.save"),
                Binding("ctrl+t", "conclude", "Conclude (sign)", priority=True,
                        id="investigation.conclude"),
                Binding("escape", "leave", "Back", id="investigation.leave")]

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
        view = self.view
        yield AppHeader("rc-tui", self.shell.user_line(), demo=self.shell.is_demo)
        if view is None:  # being read (``on_mount``): the form is built when it is there
            yield Plain(_("Reading…"), id="reading", classes="hint", one_line=True)
            yield KeyBar()
            return
        template = catalog().templates[view.template]
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
        yield KeyBar()

    def on_mount(self) -> None:
        """Read the investigation and the person's signed assessments in a thread (keys
        typed meanwhile wait for the form)."""
        investigation_id = self.investigation_id

        def fetch(session: UserSession) -> tuple[InvestigationView, list[tuple[int, str]]]:
            view = session.casework("casework").investigation(investigation_id)
            rows = session.assessments("casework").history(view.person_id)
            return view, [(r.id, f"{(r.signed_at or r.created_at):%Y-%m-%d} {r.title} – "
                                 f"{r.level_label}") for r in rows if r.status == "signed"]

        def failed(exc: Exception) -> bool:
            self.app.notify(refusal_text(exc), markup=False, severity="error", timeout=8)
            self.app.pop_screen()
            return True

        self.load(fetch, self._loaded, failed=failed, group=OPEN_GROUP)

    async def _loaded(self, data: tuple[InvestigationView, list[tuple[int, str]]]) -> None:
        self.view, self.assessments = data
        self.refresh_bindings()
        await self.recompose()
        order = self.field_order()
        if order:
            self.set_focus(self.query_one(f"#{order[0]}"))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("save", "conclude"):
            return self.view is not None and self.view.open  # (none while being read)
        return True

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

    def save_on_close(self) -> Callable[[UserSession], object] | None:
        """What is typed, read now and saved by the shell's closing thread when the session
        locks or ends (nothing typed is lost; the UI thread does not wait for it)."""
        if not self._changed():
            return None
        assert self.view is not None
        findings, chosen, conclusion = self._values()
        investigation_id, version = self.investigation_id, self.view.version
        return lambda session: session.casework("casework").save_investigation(
            investigation_id, version, findings, chosen, conclusion, conclude=False)

    def action_save(self) -> None:
        if self._store(False):
            self.app.notify(_("Investigation saved."), markup=False)

    def action_conclude(self) -> None:
        """Concluding signs the investigation for good: one question first (one key)."""
        def answered(yes: bool | None) -> None:
            if yes and self._store(True):
                self.app.notify(_("Investigation concluded."), markup=False)
                self.app.pop_screen()

        self.app.push_screen(AskDialog(_("Conclude and sign? y/n")), answered)

    def action_leave(self) -> None:
        if self._changed() and not self._store(False):
            return
        self.app.pop_screen()
