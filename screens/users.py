"""Administrator: users and their key slots (add, reset passphrase, revoke)."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, DataTable, Input, Label, Select, Static

from rc_tui.i18n import _
from rc_tui.services import accounts
from rc_tui.services.accounts import Role
from screens.base import RcModal, RcScreen, refusal_text
from screens.components import AppHeader, Handed, Plain, SafeInput, cell
from screens.components.key_bar import KeyBar
from storage.errors import VaultError

if TYPE_CHECKING:
    from rc_tui.services.session import UserSession


class UsersScreen(RcScreen):
    BINDINGS = [
        Binding("a", "add", "Add user", id="users.add"),
        Binding("r", "reset", "Reset passphrase", id="users.reset"),
        Binding("d", "revoke", "Revoke", id="users.revoke"),
        Binding("escape", "app.pop_screen", "Back", id="users.back"),
    ]

    def compose(self) -> ComposeResult:
        yield AppHeader("rc-tui", self.shell.user_line(), demo=self.shell.is_demo)
        with Vertical(id="users"):
            yield Static(_("Users"), classes="form-title", markup=False)
            yield DataTable(id="user-table", cursor_type="row", zebra_stripes=True)
            yield Plain("", id="message", classes="message")
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(_("Username"), _("Name"), _("Role"), _("Status"), _("Created"))
        self.reload()
        table.focus()

    def reload(self) -> None:
        """Read the users (in a thread) and show them."""
        self.load(lambda session: session.accounts().list_users(), self.show)

    def show(self, users: list[Any]) -> None:
        """``users``: the account service's rows (``list_users``)."""
        table = self.query_one(DataTable)
        keep = self._selected()
        table.clear()
        for row in users:
            status = {"active": _("active"), "pending": _("pending")}.get(row.status.value,
                                                                         _("revoked"))
            table.add_row(cell(row.username), cell(row.display_name),
                          cell(accounts.role_label(row.role)), cell(status),
                          cell(row.created_at), key=row.username)
        if keep is not None:
            with contextlib.suppress(Exception):
                table.move_cursor(row=table.get_row_index(keep))

    def _selected(self) -> str | None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return str(key.value) if key.value is not None else None

    def _message(self, text: str) -> None:
        self.query_one("#message", Plain).set_text(text)

    def action_add(self) -> None:
        self.app.push_screen(AddUserDialog(), self._after_change)

    def action_reset(self) -> None:
        username = self._selected()
        if username:
            self.app.push_screen(ResetPassphraseDialog(username), self._after_change)

    def action_revoke(self) -> None:
        username = self._selected()
        session = self.shell.session
        if not username or session is None:
            return
        if username == session.user.username:
            self._message(_("You cannot revoke yourself."))
            return
        question = _("Revoke {user}? The account is blocked at once; the database gets a new "
                     "key with the next transaction of a user who holds the data key.",
                     user=username)
        self.app.push_screen(ConfirmDialog(question), lambda ok: self._revoke(username, ok))

    def _revoke(self, username: str, ok: bool | None) -> None:
        if not ok:
            return

        def revoked(_done: None) -> None:
            self._message(_("{user} revoked. The next transaction of a user who holds the "
                            "data key ends their sessions and gives the database a new key.",
                            user=username))
            self.reload()

        self.load(lambda session: session.accounts().revoke_user(username), revoked,
                  key="revoke", failed=self._refused)

    def _refused(self, exc: Exception) -> bool:
        self._message(refusal_text(exc))
        return True

    def _after_change(self, message: str | None) -> None:
        if message:
            self._message(message)
        self.reload()


class ConfirmDialog(RcModal):
    BINDINGS = [
        Binding("escape", "no", "No", id="confirm-dialog.no"),
        Binding("y", "yes", "Yes", id="confirm-dialog.yes"),
        Binding("j", "yes", "Yes", show=False, id="confirm-dialog.yes-j"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Plain(self.question)
            with Horizontal(classes="buttons"):
                yield Button(_("Yes"), id="yes", variant="error")
                yield Button(_("No"), id="no")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Button.Pressed, "#yes")
    def action_yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#no")
    def action_no(self) -> None:
        self.dismiss(False)


class AddUserDialog(RcModal):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="add-user-dialog.cancel")]
    FIELD_ORDER = ("username", "display-name", "role", "passphrase", "repeat")

    def compose(self) -> ComposeResult:
        roles = [(accounts.role_label(r), r.value) for r in Role]
        with VerticalScroll(classes="dialog"):
            yield Static(_("Add user"), classes="form-title", markup=False)
            yield Label(_("Username"), classes="field-label")
            yield SafeInput(id="username", max_length=64)
            yield Label(_("Name"), classes="field-label")
            yield SafeInput(id="display-name", max_length=200)
            yield Label(_("Role"), classes="field-label")
            yield Select(roles, id="role", value=Role.CASEWORKER.value, allow_blank=False)
            yield Label(_("Temporary passphrase (the user must change it)"),
                        classes="field-label")
            yield SafeInput(password=True, id="passphrase", max_length=1024)
            yield Label(_("Repeat the passphrase"), classes="field-label")
            yield SafeInput(password=True, id="repeat", max_length=1024)
            yield Button(_("Add"), id="add", variant="primary")
            yield Plain("", id="message", classes="message")

    def on_mount(self) -> None:
        self.query_one("#username", Input).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#add")
    def submit_form(self) -> None:
        values = {i.id: i.value for i in self.query(Input) if i.id}
        role = Role(str(self.query_one("#role", Select).value))
        problems = accounts.new_account_problems(values["username"], values["display-name"],
                                                 values["passphrase"], values["repeat"])
        if problems:
            self.query_one("#message", Plain).set_text("\n".join(problems))
            return
        self.query_one("#message", Plain).set_text(_("Saving…"))
        username, name = values["username"], values["display-name"]
        secret = Handed(values.pop("passphrase"))
        values.clear()

        def add(session: UserSession) -> None:
            (phrase,) = secret.take()  # the key slot's Argon2: in the thread
            session.accounts().add_user(username, name, role, phrase)

        self.load(add, lambda _done: self.dismiss(_(
            "{user} added (pending: the account opens once a manager has logged in). The "
            "passphrase must be changed at first login.", user=username)),
            key="add-user", group="add-user", failed=self._fail)

    def _fail(self, exc: Exception) -> bool:
        text = (_("That username is taken.") if isinstance(exc, VaultError)
                and exc.detail == "username taken" else refusal_text(exc))
        self.query_one("#message", Plain).set_text(text)
        return True


class ResetPassphraseDialog(RcModal):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="reset-passphrase-dialog.cancel")]
    FIELD_ORDER = ("passphrase", "repeat")

    def __init__(self, username: str) -> None:
        super().__init__()
        self.username = username

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Plain(_("New passphrase for {user}", user=self.username), classes="form-title")
            yield Plain(_("The user gets a new key slot and must change the passphrase at the "
                          "next login."), classes="hint")
            yield Label(_("Temporary passphrase"), classes="field-label")
            yield SafeInput(password=True, id="passphrase", max_length=1024)
            yield Label(_("Repeat the passphrase"), classes="field-label")
            yield SafeInput(password=True, id="repeat", max_length=1024)
            yield Button(_("Save"), id="save", variant="primary")
            yield Plain("", id="message", classes="message")

    def on_mount(self) -> None:
        self.query_one("#passphrase", Input).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#save")
    def submit_form(self) -> None:
        phrase = self.query_one("#passphrase", Input).value
        repeat = self.query_one("#repeat", Input).value
        problems = accounts.new_passphrase_problems(phrase, repeat, self.username)
        if problems:
            self.query_one("#message", Plain).set_text("\n".join(problems))
            return
        secret, username = Handed(phrase), self.username

        def reset(session: UserSession) -> None:
            (phrase,) = secret.take()  # the new key slot's Argon2: in the thread
            session.accounts().reset_passphrase(username, phrase)

        def refused(exc: Exception) -> bool:
            self.query_one("#message", Plain).set_text(refusal_text(exc))
            return True

        self.load(reset, lambda _done: self.dismiss(_(
            "New passphrase set for {user} (pending until a manager has logged in); it must "
            "be changed at next login.", user=username)), key="reset", group="reset",
            failed=refused)
