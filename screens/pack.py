"""Make an outage pack from the app (``O`` on the home screen): the same as
``rc-tui pack create``, into the user's own data folder."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, Static

from rc_tui.i18n import _, _n
from rc_tui.services import accounts
from screens.base import RcScreen
from screens.components import AppHeader, Handed, Plain, SafeInput
from screens.components.key_bar import KeyBar
from storage.errors import VaultError


class MakePackScreen(RcScreen):
    BINDINGS = [Binding("escape", "cancel", "Back", id="make-pack.cancel")]
    FIELD_ORDER = ("passphrase",)

    def compose(self) -> ComposeResult:
        yield AppHeader("rc-tui", self.shell.user_line(), demo=self.shell.is_demo)
        with VerticalScroll(), Vertical(classes="form-box"):
            yield Static(_("Outage pack"), classes="form-title", markup=False)
            yield Plain(_("Your caseload, encrypted, to work on while the database cannot be "
                          "reached: rc-tui --pack FILE. It opens with your passphrase until "
                          "it expires; what you write in it is merged back with rc-tui pack "
                          "merge."), classes="hint")
            yield Label(_("Your passphrase"), classes="field-label")
            yield SafeInput(password=True, id="passphrase", max_length=1024)
            yield Button(_("Make the pack"), id="make", variant="primary")
            yield Plain("", id="message", classes="message")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#passphrase", Input).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#make")
    def submit_form(self) -> None:
        phrase = self.query_one("#passphrase", Input).value
        if not phrase:
            return
        self.query_one("#message", Plain).set_text(_("Making the pack…"))
        self._run(Handed(phrase))

    @work(thread=True, exclusive=True, group="make-pack")
    def _run(self, secret: Handed) -> None:
        (phrase,) = secret.take()
        session = self.shell.session
        if session is None:
            return
        packs = session.packs("pack")
        try:
            made = packs.create(packs.suggested_path(), phrase)
        except accounts.ValidationError as exc:
            self.app.call_from_thread(self._message, "\n".join(exc.reasons))
            return
        except VaultError as exc:
            self.app.call_from_thread(self._message, accounts.error_text(exc))
            return
        text = _n("Outage pack written to {path} (key file {path}.keys): {n} person, it opens "
                  "with your passphrase until {until} (UTC).",
                  "Outage pack written to {path} (key file {path}.keys): {n} persons, it opens "
                  "with your passphrase until {until} (UTC).",
                  len(made.persons), path=made.path, n=len(made.persons),
                  until=f"{made.expires_at:%Y-%m-%d %H:%M}")
        self.app.call_from_thread(self._message, text)

    def _message(self, text: str) -> None:
        self.query_one("#passphrase", Input).value = ""
        self.query_one("#message", Plain).set_text(text)
