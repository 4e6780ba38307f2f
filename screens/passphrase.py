"""Change one's own passphrase (forced after an administrator set or reset it)."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, Static

from rc_tui.i18n import _
from rc_tui.services import accounts
from screens.base import RcScreen
from screens.components import AppHeader, Handed, Plain, SafeInput
from screens.components.key_bar import KeyBar
from storage.errors import VaultError


class ChangePassphraseScreen(RcScreen):
    BINDINGS = [Binding("escape", "cancel", "Back", id="change-passphrase.cancel")]
    FIELD_ORDER = ("old", "new", "repeat")

    def __init__(self, *, forced: bool = False) -> None:
        super().__init__()
        self.forced = forced

    def compose(self) -> ComposeResult:
        yield AppHeader("rc-tui", self.shell.user_line(), demo=self.shell.is_demo)
        with VerticalScroll(), Vertical(classes="form-box"):
            yield Static(_("Change passphrase"), classes="form-title", markup=False)
            if self.forced:
                yield Plain(_("Your passphrase was set by an administrator. Choose your own "
                              "before you continue."), classes="hint")
            yield Label(_("Current passphrase"), classes="field-label")
            yield SafeInput(password=True, id="old", max_length=1024)
            yield Label(_("New passphrase (at least 12 characters)"), classes="field-label")
            yield SafeInput(password=True, id="new", max_length=1024)
            yield Label(_("Repeat the new passphrase"), classes="field-label")
            yield SafeInput(password=True, id="repeat", max_length=1024)
            yield Button(_("Save"), id="save", variant="primary")
            yield Plain("", id="message", classes="message")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#old", Input).focus()

    def action_cancel(self) -> None:
        if self.forced:
            self.shell.lock("logout")
        else:
            self.dismiss(False)

    @on(Button.Pressed, "#save")
    def submit_form(self) -> None:
        session = self.shell.session
        if session is None:
            return
        old, new, repeat = (self.query_one(f"#{i}", Input).value for i in ("old", "new", "repeat"))
        problems = accounts.new_passphrase_problems(new, repeat, session.user.username)
        if problems:
            self.query_one("#message", Plain).set_text("\n".join(problems))
            return
        self.query_one("#message", Plain).set_text(_("Saving…"))
        self._run(Handed(old, new, repeat))

    @work(thread=True, exclusive=True, group="passphrase")
    def _run(self, secret: Handed) -> None:
        old, new, repeat = secret.take()
        session = self.shell.session
        if session is None:
            return
        try:
            session.accounts().change_own_passphrase(old, new, repeat)
        except accounts.ValidationError as exc:
            self.app.call_from_thread(self._message, "\n".join(exc.reasons))
            return
        except VaultError as exc:
            self.app.call_from_thread(self._message, accounts.error_text(exc))
            return
        self.app.call_from_thread(self._done)

    def _message(self, text: str) -> None:
        self.query_one("#message", Plain).set_text(text)

    def _done(self) -> None:
        self.app.notify(_("Passphrase changed."), markup=False)
        self.dismiss(True)
