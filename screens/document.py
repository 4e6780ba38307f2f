"""Printing a document or writing it as an encrypted PDF: the one dialog every document
leaves through (the way is the installation's setting; ``rc_tui.services.documents``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from rc_tui.i18n import _, _n
from rc_tui.services.documents import DocumentError, DocumentRequest, Issued
from screens.base import RcModal
from screens.components import Plain
from screens.components.key_bar import KeyBar
from screens.loading import refusal_text

if TYPE_CHECKING:
    from rc_tui.services.session import UserSession


class DocumentDialog(RcModal):
    """Says where the document will go; Ctrl+S sends it. An encrypted file's password is
    shown here once – it is not kept anywhere. F writes a plaintext file instead, where an
    administrator allowed it."""

    BINDINGS = [
        Binding("ctrl+s", "issue", "Print or write", id="document-dialog.issue"),
        Binding("f", "plaintext", "Plaintext file", id="document-dialog.plaintext"),
        Binding("escape", "close", "Close", id="document-dialog.close"),
    ]

    def __init__(self, request: DocumentRequest, title: str) -> None:
        super().__init__()
        self.request = request
        self.title_text = title
        self.output: str | None = None
        self.plaintext_allowed = False
        self.busy = False
        self.issued: Issued | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="document-dialog"):
            yield Static(self.title_text, classes="form-title", markup=False)
            yield Plain("", id="how", classes="hint")
            yield Plain("", id="result")
            yield Plain("", id="message", classes="message")
        yield KeyBar()

    def on_mount(self) -> None:
        def show(settings: tuple[str, bool, int]) -> None:
            self.output, self.plaintext_allowed, hours = settings
            self.query_one("#how", Plain).set_text(
                _("Ctrl+S prints the document on the centre's printer. Nothing is written "
                  "to disk here; fetch it from the printer at once.")
                if self.output == "printer" else
                _n("Ctrl+S writes the document as an encrypted PDF to your export folder. "
                   "Its password is shown here once: give it to the recipient another way "
                   "(not with the file). The file is removed after {hours} hour.",
                   "Ctrl+S writes the document as an encrypted PDF to your export folder. "
                   "Its password is shown here once: give it to the recipient another way "
                   "(not with the file). The file is removed after {hours} hours.",
                   hours, hours=hours))
            self.refresh_bindings()

        def fetch(session: UserSession) -> tuple[str, bool, int]:
            svc = session.documents("document")
            return svc.output(), svc.plaintext_allowed(), svc.export_max_age_hours()

        self.load(fetch, show, key="settings")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "issue":
            return self.output is not None and self.issued is None and not self.busy
        if action == "plaintext":
            return self.plaintext_allowed and self.issued is None and not self.busy
        return True

    def _failed(self, exc: Exception) -> bool:
        self.busy = False
        self.refresh_bindings()
        text = str(exc) if isinstance(exc, DocumentError) else refusal_text(exc)
        self.query_one("#message", Plain).set_text(text)
        return True

    def action_issue(self) -> None:
        if self.busy or self.issued is not None:
            return
        self.busy = True
        self.refresh_bindings()
        request = self.request
        self.query_one("#message", Plain).set_text(_("Producing the document…"))
        self.load(lambda session: session.documents("document").issue(request), self._done,
                  key="issue", failed=self._failed)

    def _done(self, issued: Issued) -> None:
        self.busy = False
        self.issued = issued
        self.query_one("#message", Plain).set_text("")
        if issued.password is not None:
            text = _("Written to {path}\n\nPassword (shown only now):\n\n    {password}",
                     path=str(issued.path), password=issued.password)
        else:
            text = _("Sent to the printer.")
        self.query_one("#result", Plain).set_text(text)
        self.refresh_bindings()

    def action_plaintext(self) -> None:
        from screens.export import PlaintextExportDialog

        if self.plaintext_allowed:
            self.app.push_screen(PlaintextExportDialog(self.request, self.title_text))

    def action_close(self) -> None:
        self.dismiss(self.issued is not None)
