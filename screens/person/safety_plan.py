"""A safety plan (säkerhetsplan): written section by section with her (or with the child),
signed with a review date, then shown read-only to go through with her again (W prints it
or writes it as an encrypted PDF for her). A signed plan never changes: N makes a new
version of it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Label

from rc_tui.domain.safety import templates
from rc_tui.i18n import _
from rc_tui.services.documents import DocumentRequest
from rc_tui.services.safety import SafetyPlanView
from screens.base import RcScreen, discard_binding
from screens.components import AppHeader, Plain, SafeInput, SafeTextArea
from screens.components.key_bar import KeyBar
from screens.confirm import AskDialog
from screens.document import DocumentDialog

if TYPE_CHECKING:
    from rc_tui.services.session import UserSession


def _field(section_id: str) -> str:
    return f"s-{section_id}"


class SafetyPlanScreen(RcScreen):
    """Ctrl+S saves the plan unsigned, Ctrl+T signs it (after one question); Esc goes back
    keeping what was typed as a draft. A signed plan is shown read-only: N makes a new
    version (the signed one stays as it was), W prints it or writes it out."""

    DRAFT = "safety_plan"

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="safety-plan.save"),
        Binding("ctrl+t", "sign", "Sign", priority=True, id="safety-plan.sign"),
        Binding("n", "new_version", "New version", id="safety-plan.new-version"),
        Binding("w", "write_out", "Print or write", id="safety-plan.write-out"),
        Binding("escape", "back", "Back", id="safety-plan.back"),
        discard_binding("safety-plan"),
    ]

    def __init__(self, view: SafetyPlanView, name: str = "") -> None:
        super().__init__()
        self.view = view
        self.person_id = view.person_id
        self.person_name = name

    def draft_context(self) -> tuple[str, int | None]:
        return f"plan{self.view.id}", self.view.person_id

    def field_order(self) -> tuple[str, ...]:
        if self.view.signed:
            return ()
        return (*[_field(s.id) for s in self.view.sections], "review")

    def compose(self) -> ComposeResult:
        view = self.view
        yield AppHeader("rc-tui", self.shell.user_line(), demo=self.shell.is_demo)
        with VerticalScroll(id="safety-plan", classes="form-scroll"):
            yield Plain(view.title or _("Safety plan"), classes="form-title")
            if view.signed:
                assert view.signed_at is not None
                yield Plain(_("Signed {when} by {who}; review {review}. Read-only: N makes "
                              "a new version.", when=f"{view.signed_at:%Y-%m-%d}",
                              who=view.signed_by, review=str(view.review_on or "–")),
                            classes="hint")
                for section in view.sections:
                    yield Label(section.title, classes="field-label", markup=False)
                    yield Plain(view.texts.get(section.id, "–"), classes="plan-text")
            else:
                if view.supersedes_id:
                    yield Plain(_("A new version of plan {id}: it replaces that one when "
                                  "signed.", id=view.supersedes_id), classes="hint")
                for section in view.sections:
                    yield Label(section.title, classes="field-label", markup=False)
                    yield Plain(section.prompt, classes="hint")
                    yield SafeTextArea(view.texts.get(section.id, ""),
                                       id=_field(section.id), classes="short")
                yield Label(_("Review date (YYYY-MM-DD)"), classes="field-label")
                review = view.review_on or (date.today() + timedelta(
                    days=templates()[view.template].review_days
                    if view.template in templates() else 90))
                yield SafeInput(review.isoformat(), id="review", max_length=10)
            yield Plain("", id="message", classes="message")
        yield KeyBar()

    def on_mount(self) -> None:
        order = self.field_order()
        if order:
            self.set_focus(self.query_one(f"#{order[0]}"))
        else:
            self.set_focus(self.query_one("#safety-plan"))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("save", "sign", "discard_draft"):
            return not self.view.signed
        if action in ("new_version", "write_out"):  # what she takes away is the signed plan
            return self.view.signed
        return True

    def _texts(self) -> dict[str, str]:
        return {s.id: self.query_one(f"#{_field(s.id)}", SafeTextArea).text
                for s in self.view.sections}

    def _review(self) -> date | None:
        typed = self.query_one("#review", SafeInput).value.strip()
        if not typed:
            return None
        try:
            return date.fromisoformat(typed)
        except ValueError:
            self.query_one("#message", Plain).set_text(_("Write the date as YYYY-MM-DD."))
            raise

    def _store(self, *, sign: bool) -> None:
        session = self.shell.session
        assert session is not None
        try:
            review = self._review()
        except ValueError:
            return
        texts = self._texts()
        svc = session.safety_plans("safety_plan")
        plan_id, version = self.view.id, self.view.version

        def store() -> None:
            if sign:
                svc.sign(plan_id, version, texts, review)
            else:
                svc.save(plan_id, version, texts, review)

        if self.attempt(store):
            self.app.notify(_("Safety plan signed.") if sign else _("Safety plan saved."),
                            markup=False)
            self.dismiss(True)

    def action_save(self) -> None:
        self._store(sign=False)

    def action_sign(self) -> None:
        """Signing cannot be undone: one question first (one key)."""
        def answered(yes: bool | None) -> None:
            if yes:
                self._store(sign=True)

        self.app.push_screen(AskDialog(_("Sign? y/n")), answered)

    def action_write_out(self) -> None:
        self.app.push_screen(DocumentDialog(DocumentRequest("safety_plan", self.view.id),
                                            self.view.title or _("Safety plan")))

    def action_new_version(self) -> None:
        plan_id, name = self.view.id, self.person_name

        def opened(view: SafetyPlanView) -> None:
            self.app.switch_screen(SafetyPlanScreen(view, name))

        def fetch(session: UserSession) -> SafetyPlanView:
            plans = session.safety_plans("safety_plan")
            return plans.get(plans.amend(plan_id))

        self.load(fetch, opened, key="new-version")
