"""First run, login and the lock screen. None of them shows any personal data."""

from __future__ import annotations

from pathlib import Path

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, Static

from rc_tui.i18n import _
from rc_tui.services import accounts
from screens.base import RcScreen
from screens.components import AppHeader, Handed, Plain, SafeInput
from screens.components.key_bar import KeyBar
from storage.errors import VaultError


class LoginScreen(RcScreen):
    """Username + passphrase. With ``locked_user`` it is the lock screen of that session."""

    NEEDS_SESSION = False  # shown with no one signed in
    BINDINGS = [Binding("ctrl+q", "app.quit", "Quit", id="login.quit")]
    FIELD_ORDER = ("username", "passphrase")

    def __init__(
        self, db_path: Path, *, demo: bool = False,
        demo_logins: list[tuple[str, str, str]] | None = None,
        locked_user: str | None = None, reason: str | None = None,
    ) -> None:
        super().__init__()
        self.db_path = db_path
        self.demo = demo
        self.demo_logins = demo_logins or []
        self.locked_user = locked_user
        self.reason = reason

    def compose(self) -> ComposeResult:
        yield AppHeader("rc-tui", _("Resource centre – violence in close relationships"),
                        demo=self.demo)
        with VerticalScroll(id="login-wrap"), Vertical(id="login-box", classes="form-box"):
            if self.locked_user:
                yield Static(_("The session is locked"), classes="form-title", markup=False)
                yield Plain(self._lock_reason(), classes="hint")
            else:
                yield Static(_("Log in"), classes="form-title", markup=False)
            yield Label(_("Username"), classes="field-label")
            yield SafeInput(value=self.locked_user or "", id="username", max_length=64,
                        placeholder=_("username"))
            yield Label(_("Passphrase"), classes="field-label")
            yield SafeInput(password=True, id="passphrase", max_length=1024)
            yield Button(_("Unlock") if self.locked_user else _("Log in"), id="login",
                         variant="primary")
            yield Plain("", id="message", classes="message")
            if self.demo and self.demo_logins:
                yield Static(_("Demo logins (fictional data)"), classes="demo-title",
                             markup=False)
                yield Plain("\n".join(
                    f"{username:<7} {phrase:<18} {accounts.role_label(role)}"
                    for username, phrase, role in self.demo_logins), classes="demo-login")
        yield KeyBar()

    def _lock_reason(self) -> str:
        if self.reason == "expired":
            return _("The session reached its maximum length. Enter your passphrase again.")
        if self.reason == "idle":
            return _("Locked after inactivity. Enter your passphrase, or log in as another user "
                     "(which ends the locked session).")
        if self.reason == "key_changed":
            return _("The database key was changed by an administrator. Log in again.")
        if self.reason == "revoked":
            return _("This account has been revoked by an administrator. The session has "
                     "ended and nothing more can be read or saved with it.")
        return _("Enter your passphrase, or log in as another user (which ends the locked "
                 "session).")

    def on_mount(self) -> None:
        target = "#passphrase" if self.locked_user else "#username"
        self.query_one(target, Input).focus()
        # Load the database stack while the user types, so unlocking is only the KDF.
        # Started after the first paint, so it does not delay showing this screen.
        self.call_after_refresh(self.set_timer, 0.25, self._warm_up)

    def _warm_up(self) -> None:
        self.run_worker(accounts.warm_up, thread=True, group="warm-up")

    @on(Button.Pressed, "#login")
    def submit_form(self) -> None:
        username = self.query_one("#username", Input).value
        field = self.query_one("#passphrase", Input)
        phrase = field.value
        field.value = ""  # the field holds no copy while the key is derived, nor after
        if not username.strip():
            self._show(_("Enter your username."))
            self.query_one("#username", Input).focus()
            return
        if not phrase:
            self._show(_("Enter your passphrase."))
            self.query_one("#passphrase", Input).focus()
            return
        self._show(_("Unlocking…"))
        self.query_one("#login", Button).disabled = True
        self._unlock(username, Handed(phrase))

    @work(thread=True, exclusive=True, group="login")
    def _unlock(self, username: str, secret: Handed) -> None:
        # the storage stack is imported here, in the worker, not when the screen is drawn
        from rc_tui.services.session import UserSession

        (phrase,) = secret.take()
        try:
            session = UserSession(
                accounts.login(self.db_path, username, phrase, self.shell.wall_clock))
        except VaultError as exc:
            self.app.call_from_thread(self._failed, accounts.error_text(exc))
            return
        except Exception as exc:  # never a traceback on the login screen
            self.app.call_from_thread(
                self._failed, _("Internal error ({kind}).", kind=type(exc).__name__)
            )
            return
        self.app.call_from_thread(self.shell.on_login, session, self.locked_user)

    def _failed(self, message: str) -> None:
        self._show(message)
        self.query_one("#login", Button).disabled = False
        self.query_one("#passphrase", Input).focus()

    def _show(self, message: str) -> None:
        self.query_one("#message", Plain).set_text(message)


class FormView(VerticalScroll):
    """The first run's form: when its view gets shorter (the refusal under it takes rows)
    the field being typed in is shown again with its label, once the new size is laid out."""

    def on_resize(self, event: events.Resize) -> None:
        screen = self.screen
        focused = screen.focused
        if isinstance(screen, FirstRunScreen) and focused is not None \
                and self in focused.ancestors:
            screen._show_with_label(focused)


class FirstRunScreen(RcScreen):
    """No database yet: create it with its first administrator and its first manager."""

    NEEDS_SESSION = False  # shown with no one signed in
    BINDINGS = [Binding("ctrl+q", "app.quit", "Quit", id="first-run.quit")]

    FIELD_ORDER = ("username", "display-name", "passphrase", "repeat", "m-username",
                   "m-display-name", "m-passphrase", "m-repeat")

    def __init__(self, db_path: Path) -> None:
        super().__init__()
        self.db_path = db_path

    def compose(self) -> ComposeResult:
        yield AppHeader("rc-tui", _("First start"))
        with FormView(id="login-wrap"), Vertical(id="firstrun-box", classes="form-box"):
            yield Static(_("Create the database"), classes="form-title", markup=False)
            yield Plain(_("No database was found at {path}. Create it now with two users: an "
                          "administrator, who manages users and settings but holds no key to "
                          "the case data, and a manager, who holds that key and activates the "
                          "users the administrator adds.", path=str(self.db_path)),
                        classes="hint")
            yield from self._account_fields("", _("Administrator"), _("e.g. admin"))
            yield from self._account_fields("m-", _("Manager"), _("e.g. chef"))
            yield Button(_("Create database"), id="create", variant="primary")
        # under the form, outside its scrolling: the refusal is laid out whole and in
        # view however far the form is scrolled (a scroll into view, timed after the
        # redraw, showed one line of it on a loaded machine)
        with Center(id="message-row"):
            yield Plain("", id="message", classes="message")
        yield KeyBar()

    @staticmethod
    def _account_fields(prefix: str, title: str, example: str) -> ComposeResult:
        yield Static(title, classes="form-title", markup=False)
        yield Label(_("Username"), classes="field-label")
        yield SafeInput(id=f"{prefix}username", max_length=64, placeholder=example)
        yield Label(_("Name"), classes="field-label")
        yield SafeInput(id=f"{prefix}display-name", max_length=200)
        yield Label(_("Passphrase (at least 12 characters)"), classes="field-label")
        yield SafeInput(password=True, id=f"{prefix}passphrase", max_length=1024)
        yield Label(_("Repeat the passphrase"), classes="field-label")
        yield SafeInput(password=True, id=f"{prefix}repeat", max_length=1024)

    def on_mount(self) -> None:
        self.query_one("#username", Input).focus()
        self.query_one("#message", Plain).display = False

    def _message(self, text: str) -> None:
        message = self.query_one("#message", Plain)
        message.set_text(text)
        message.display = bool(text)

    @on(Button.Pressed, "#create")
    def submit_form(self) -> None:
        values = {i.id: i.value for i in self.query(Input) if i.id}

        def account(prefix: str) -> accounts.NewAccount:
            return accounts.NewAccount(values[f"{prefix}username"],
                                       values[f"{prefix}display-name"],
                                       values[f"{prefix}passphrase"], values[f"{prefix}repeat"])

        admin, manager = account(""), account("m-")
        problems = [*(f"{_('Administrator')}: {p}" for p in accounts.new_account_problems(*admin)),
                    *(f"{_('Manager')}: {p}" for p in accounts.new_account_problems(*manager))]
        if not problems and admin.username == manager.username:
            problems.append(_("The administrator and the manager must be two different users."))
        if problems:
            self._message("\n".join(problems))
            return
        self._message(_("Creating the encrypted database…"))
        self.query_one("#create", Button).disabled = True
        for field in self.query(Input):  # no copy of the new passphrases stays in the form
            if field.password:
                field.value = ""
        self._run_create((admin.username, admin.display_name),
                         (manager.username, manager.display_name),
                         Handed(admin.passphrase, manager.passphrase))
        values.clear()

    @work(thread=True, exclusive=True, group="create")
    def _run_create(self, admin_names: tuple[str, str], manager_names: tuple[str, str],
                    secret: Handed) -> None:
        from rc_tui.services.session import UserSession

        admin_phrase, manager_phrase = secret.take()
        admin = accounts.NewAccount(*admin_names, admin_phrase)
        manager = accounts.NewAccount(*manager_names, manager_phrase)
        try:
            session = UserSession(accounts.create_installation(self.db_path, admin, manager))
        except (VaultError, accounts.ValidationError, OSError) as exc:
            message = (accounts.error_text(exc) if isinstance(exc, VaultError)
                       else "\n".join(getattr(exc, "reasons", [])) or
                       _("The database could not be created ({kind}).", kind=type(exc).__name__))
            self.app.call_from_thread(self._failed, message)
            return
        # the manager is logged in: the administrator logs in on their own afterwards
        self.app.call_from_thread(self.shell.on_login, session, None)

    def _failed(self, message: str) -> None:
        self._message(message)
        self.query_one("#create", Button).disabled = False
