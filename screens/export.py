"""Writing a document to a plaintext file: only where an administrator turned plaintext
export on, always an explicit choice after a warning, and logged (action ``export`` with the
file's hash, flagged for the manager's review)."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Label, Static

from rc_tui.i18n import _
from rc_tui.services.accounts import error_text
from rc_tui.services.documents import DocumentError, DocumentRequest
from screens.base import RcModal
from screens.components import Plain, SafeInput
from screens.components.key_bar import KeyBar
from storage.errors import VaultError


class PlaintextExportDialog(RcModal):
    """Ask for a new file and write the document to it (owner-only, logged)."""

    BINDINGS = [
        Binding("ctrl+s", "write", "Write file", id="plaintext-export-dialog.write"),
        Binding("escape", "cancel", "Cancel", id="plaintext-export-dialog.cancel"),
    ]
    FIELD_ORDER = ("path",)

    def __init__(self, request: DocumentRequest, title: str) -> None:
        super().__init__()
        self.request = request
        self.title_text = title

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Static(self.title_text, classes="form-title alert", markup=False)
            yield Plain(_("WARNING: the file is NOT encrypted. Anyone who can read it sees "
                          "everything in it. Write it only where it is protected, delete it "
                          "when done. The export is logged and reviewed."), classes="hint")
            yield Label(_("File (must not exist)"), classes="field-label")
            yield SafeInput(str(Path("~") / f"rc-tui-{self.request.kind}.txt"), id="path",
                            max_length=500)
            yield Plain("", id="message", classes="message")
        yield KeyBar()

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#path", SafeInput))

    def submit_form(self) -> None:
        self.action_write()

    def action_write(self) -> None:
        session = self.shell.session
        assert session is not None
        try:
            written = session.documents("export").write_plaintext(
                self.request, Path(self.query_one("#path", SafeInput).value.strip()))
        except FileExistsError:
            self.query_one("#message", Plain).set_text(_("The file exists already."))
            return
        except OSError as exc:
            self.query_one("#message", Plain).set_text(
                _("The file could not be written ({kind}).", kind=type(exc).__name__))
            return
        except DocumentError as exc:
            self.query_one("#message", Plain).set_text(str(exc))
            return
        except VaultError as exc:
            self.query_one("#message", Plain).set_text(error_text(exc))
            return
        self.app.notify(_("Written to {path}", path=str(written)), markup=False)
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
