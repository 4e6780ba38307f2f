"""Administrator settings: idle lock and maximum session length."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, Static

from rc_tui.i18n import _
from rc_tui.services import settings
from screens.base import RcScreen
from screens.components import AppHeader, Plain, SafeInput
from screens.components.key_bar import KeyBar


class SettingsScreen(RcScreen):
    BINDINGS = [Binding("escape", "app.pop_screen", "Back", id="settings.back")]
    FIELD_ORDER = ("idle", "lifetime")

    def compose(self) -> ComposeResult:
        session = self.shell.session
        assert session is not None
        current = session.settings().current()
        yield AppHeader("rc-tui", self.shell.user_line(), demo=self.shell.is_demo)
        with VerticalScroll(), Vertical(classes="form-box"):
            yield Static(_("Settings"), classes="form-title", markup=False)
            yield Label(_("Idle lock after (minutes)"), classes="field-label")
            yield SafeInput(str(current["idle_timeout_seconds"] // 60), id="idle", type="integer",
                        max_length=4)
            yield Label(_("Maximum session length (hours)"), classes="field-label")
            yield SafeInput(str(current["session_lifetime_seconds"] // 3600), id="lifetime",
                        type="integer", max_length=3)
            yield Button(_("Save"), id="save", variant="primary")
            yield Plain("", id="message", classes="message")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#idle", Input).focus()

    @on(Button.Pressed, "#save")
    def submit_form(self) -> None:
        session = self.shell.session
        if session is None:
            return
        message = self.query_one("#message", Plain)
        try:
            idle = int(self.query_one("#idle", Input).value or "0") * 60
            life = int(self.query_one("#lifetime", Input).value or "0") * 3600
            session.settings().set_idle_timeout(idle)
            session.settings().set_session_lifetime(life)
        except ValueError as exc:
            message.set_text(str(exc) if isinstance(exc, settings.SettingError)
                             else _("Enter whole numbers."))
            return
        self.shell.reload_settings()
        message.set_text(_("Saved."))
