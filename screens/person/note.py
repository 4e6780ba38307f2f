"""Writing, signing and correcting a journal note (a draft is kept while typing)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical

from rc_tui.domain.vocab import (
    NOTE_TYPES,
    label,
)
from rc_tui.i18n import _
from rc_tui.services.records import Note
from screens.base import RcScreen, discard_binding
from screens.components import AppHeader, KeyChoice, Plain, SafeTextArea
from screens.components.key_bar import KeyBar
from screens.confirm import AskDialog

NOTE_KEYS = [("k", "contact"), ("t", "phone"), ("s", "support_talk"), ("h", "home_visit"),
             ("v", "incident"), ("a", "note")]


class NoteScreen(RcScreen):
    """Write a journal note; Ctrl+S saves a draft, Ctrl+T saves and signs (read-only after)."""

    DRAFT = "note"

    def draft_context(self) -> tuple[str, int | None]:
        which = (f"draft{self.draft.id}" if self.draft else
                 f"corrects{self.corrects.id}" if self.corrects else "new")
        return f"{self.person_id}:{which}", self.person_id

    BINDINGS = [Binding("ctrl+s", "save", "Save draft", id="note.save"),
                Binding("ctrl+t", "sign", "Save and sign", priority=True, id="note.sign"),
                Binding("escape", "back", "Back", id="note.back"),
        discard_binding("note")]

    def __init__(self, person_id: int, *, draft: Note | None = None,
                 corrects: Note | None = None) -> None:
        super().__init__()
        self.person_id = person_id
        self.draft = draft
        self.corrects = corrects

    def field_order(self) -> tuple[str, ...]:
        return ("type", "body")

    def compose(self) -> ComposeResult:
        yield AppHeader("rc-tui", self.shell.user_line(), demo=self.shell.is_demo)
        with Vertical(id="note-form"):
            title = (_("Correction of note {id}", id=self.corrects.id) if self.corrects
                     else _("Journal note"))
            yield Plain(title, classes="form-title")
            if self.corrects:
                yield Plain(self.corrects.body, classes="hint", id="corrected")
            current = self.draft.note_type if self.draft else (
                "correction" if self.corrects else None)
            options = [(k, v, label(NOTE_TYPES, v)) for k, v in NOTE_KEYS]
            if self.corrects:
                options = [("r", "correction", label(NOTE_TYPES, "correction"))]
            yield KeyChoice(options, current, id="type")
            yield SafeTextArea(self.draft.body if self.draft else "", id="body")
            yield Plain(_("Ctrl+S saves a draft; Ctrl+T saves and signs – a signed note "
                          "cannot be changed, only corrected by a new note."), classes="hint")
            yield Plain("", id="message", classes="message")
        yield KeyBar()

    def on_mount(self) -> None:
        target = "#body" if self.draft or self.corrects else "#type"
        self.set_focus(self.query_one(target))

    def action_save(self) -> None:
        self._store(sign=False)

    def action_sign(self) -> None:
        """Signing cannot be undone: one question first (one key)."""
        def answered(yes: bool | None) -> None:
            if yes:
                self._store(sign=True)

        self.app.push_screen(AskDialog(_("Sign? y/n")), answered)

    def _store(self, *, sign: bool) -> None:
        session = self.shell.session
        assert session is not None
        records = session.records("journal")
        body = self.query_one("#body", SafeTextArea).text
        note_type = self.query_one("#type", KeyChoice).value or ""

        def store() -> None:
            if self.draft is not None:
                records.edit_draft(self.draft.id, self.draft.version, body)
                if sign:
                    records.sign(self.draft.id)
            else:
                records.add_note(self.person_id, note_type, body, sign=sign,
                                 corrects_id=self.corrects.id if self.corrects else None)

        if self.attempt(store, on_conflict=lambda: self._conflict(body, sign)):
            self.dismiss(True)

    def _conflict(self, body: str, sign: bool) -> None:
        """The draft was saved elsewhere meanwhile (another session of the author): read
        as it is now (in a thread), then both versions side by side."""
        assert self.draft is not None
        person_id, note_id = self.person_id, self.draft.id
        self.load(lambda session: next((n for n in session.records("journal").journal(
            person_id) if n.id == note_id), None),
            lambda fresh: self._show_conflict(fresh, body, sign), key="conflict")

    def _show_conflict(self, fresh: Note | None, body: str, sign: bool) -> None:
        from screens.conflict import ConflictScreen, differing

        if fresh is None or fresh.signed:
            self.query_one("#message", Plain).set_text(
                _("The note was signed in another session meanwhile; it cannot change. "
                  "Your text is still here: write it as a correction."))
            return
        self.draft = fresh

        def chosen(choice: str | None) -> None:
            if choice == "mine":
                self._store(sign=sign)
            elif choice == "theirs":
                self.dismiss(True)

        self.app.push_screen(ConflictScreen(_("Journal note"), differing(
            [(_("Text"), fresh.body, body)])), chosen)
