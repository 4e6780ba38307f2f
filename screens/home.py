"""Home: my cases and due items (filled by the case features); administration for admins."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Footer, Static

from rc_tui.i18n import _
from rc_tui.services.accounts import Role
from screens.base import RcScreen
from screens.widgets import AppHeader, Plain


class HomeScreen(RcScreen):
    BINDINGS = [
        Binding("u", "users", "Users"),
        Binding("i", "settings", "Settings"),
        Binding("p", "passphrase", "Passphrase"),
        Binding("l", "language", "Svenska/English"),
    ]

    def compose(self) -> ComposeResult:
        shell = self.shell
        yield AppHeader("rc-tui", shell.user_line(), demo=shell.is_demo)
        with VerticalScroll(id="home"):
            if shell.role is Role.ADMIN:
                with Vertical(classes="panel"):
                    yield Static(_("Administration"), classes="panel-title", markup=False)
                    yield Plain(_("Administrators manage users and settings and see no case "
                                  "content."), classes="hint")
                    yield Plain(_("U  Users: add, reset passphrase, revoke"))
                    yield Plain(_("I  Settings: idle lock, session length"))
            else:
                with Vertical(classes="panel", id="my-cases"):
                    yield Static(_("My open cases"), classes="panel-title", markup=False)
                    yield Plain(_("You have no open cases."), classes="empty")
                with Vertical(classes="panel", id="due-items"):
                    yield Static(_("Due items"), classes="panel-title", markup=False)
                    yield Plain(_("Nothing is due."), classes="empty")
            with Vertical(classes="panel"):
                yield Static(_("Keys"), classes="panel-title", markup=False)
                yield Plain(_("Ctrl+L locks at once. Ctrl+G (or F12) hides the screen instantly; "
                              "the same key brings it back. Ctrl+P lists every action."))
        yield Footer()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in {"users", "settings"}:
            return self.shell.role is Role.ADMIN
        return True

    def action_users(self) -> None:
        from screens.users import UsersScreen

        self.app.push_screen(UsersScreen())

    def action_settings(self) -> None:
        from screens.settings import SettingsScreen

        self.app.push_screen(SettingsScreen())

    def action_passphrase(self) -> None:
        from screens.passphrase import ChangePassphraseScreen

        self.app.push_screen(ChangePassphraseScreen())

    def action_language(self) -> None:
        self.shell.toggle_language()
