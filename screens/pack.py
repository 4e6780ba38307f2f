"""Outage packs from the app: make one (``O`` on the home screen) – the same as
``rc-tui pack create``, into the user's own data folder – and merge one back (``M``) – the
same as ``rc-tui pack merge``, with each conflict decided side by side."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Button, DataTable, Input, Label, Static

from rc_tui.i18n import N_, _, _n
from rc_tui.services import accounts
from screens.base import RcScreen
from screens.components import AppHeader, Handed, Plain, SafeInput, cell
from screens.components.key_bar import KeyBar
from storage.errors import PackMerged, PermissionDenied, VaultError

if TYPE_CHECKING:
    from textual.widgets.data_table import ColumnKey

    from rc_tui.services.packs import MergeItem, MergeReport, PackConflict
    from rc_tui.services.session import UserSession


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


#: what each kind of recorded operation is, for the merge's list
OPERATIONS = {
    "RecordService.add_note": N_("Journal note"),
    "RecordService.sign": N_("Signing a note"),
    "ShelterService.write_entry": N_("Shift-log entry"),
    "ShelterService.mark_read": N_("Shift log read"),
    "PartnerContactService.record": N_("Partner contact"),
    "CaseService.register_intake": N_("Intake"),
    "ShelterService.admit": N_("Admission"),
    "PeopleService.update": N_("Person's details"),
}
#: the merge's refusals (``rc_tui.services.packs.merge``; stored in English in the
#: database, shown in the user's language)
REFUSALS = {
    "not an operation an outage pack may carry": N_("not an operation an outage pack may "
                                                    "carry"),
    "refers to a record whose own operation was not merged": N_(
        "it refers to a record whose own operation was not merged"),
    "no access any more": N_("no access any more: a manager sees it in rc-tui pack list"),
}
OUTCOMES = {"merged": N_("merged"), "conflict": N_("conflict"), "refused": N_("refused"),
            "duplicate": N_("possible duplicate")}


@dataclass(frozen=True)
class Merged:
    """What a merge did (``report`` None: the pack was merged before) and the conflicts
    still open."""

    uid: str
    report: MergeReport | None
    conflicts: list[PackConflict]


class MergePackScreen(RcScreen):
    """Bring an outage pack back from the app (``M`` on the home screen): the same merge
    as ``rc-tui pack merge``, then each conflict side by side for the user to decide."""

    BINDINGS = [Binding("escape", "cancel", "Back", id="merge-pack.cancel")]
    FIELD_ORDER = ("path", "passphrase")

    def __init__(self) -> None:
        super().__init__()
        self.uid = ""
        self.conflicts: list[PackConflict] = []
        self.columns: list[ColumnKey] = []
        #: each row's whole detail (the table shows its start): under the table for the
        #: highlighted row
        self.details: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield AppHeader("rc-tui", self.shell.user_line(), demo=self.shell.is_demo)
        with VerticalScroll(), Vertical(classes="form-box"):
            yield Static(_("Merge an outage pack"), classes="form-title", markup=False)
            yield Plain(_("The changes made in a pack are brought in as if typed here now. "
                          "An edit of something changed here meanwhile is shown side by side "
                          "for you to decide; nothing is overwritten."), classes="hint",
                        id="intro")
            yield Label(_("The pack's file"), classes="field-label")
            yield SafeInput(id="path", max_length=4096)
            yield Label(_("The pack's passphrase (its user's, as when it was made)"),
                        classes="field-label")
            yield SafeInput(password=True, id="passphrase", max_length=1024)
            yield Button(_("Merge"), id="merge", variant="primary")
            yield Plain("", id="message", classes="message")
            yield Plain("", id="summary")
            yield DataTable(id="items", cursor_type="row", zebra_stripes=True)
            yield Plain("", id="row-detail", classes="hint")
        yield KeyBar()

    def on_mount(self) -> None:
        table = self.query_one("#items", DataTable)
        self.columns = table.add_columns(_("What"), _("Outcome"), _("Detail"))
        table.display = False
        self.query_one("#path", Input).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#merge")
    def submit_form(self) -> None:
        path = self.query_one("#path", Input).value.strip()
        field = self.query_one("#passphrase", Input)
        phrase = field.value
        if not path or not phrase:
            return
        field.value = ""  # handed over once; never kept on the screen
        self.query_one("#message", Plain).set_text(_("Merging the pack…"))
        secret = Handed(phrase)
        del phrase
        target = Path(path).expanduser()

        def fetch(session: UserSession) -> Merged:
            merges = session.pack_merge()
            (passphrase,) = secret.take()
            try:
                report: MergeReport | None = merges.merge_file(target, passphrase)
            except PackMerged:  # merged before: what is still open, from the database
                report = None
            uid = report.uid if report else merges.describe(target).uid
            return Merged(uid, report, merges.conflicts(uid))

        self.load(fetch, self._show, key="merge", failed=self._failed)

    def _failed(self, exc: Exception) -> bool:
        if isinstance(exc, VaultError):
            text = accounts.error_text(exc)
            if isinstance(exc, PermissionDenied):
                text = _("This is another user's pack: only they merge it. The pack of a "
                         "user revoked since is merged by a manager: here, or with rc-tui "
                         "pack merge --user NAME --approver MANAGER FILE.")
        else:
            text = "\n".join(getattr(exc, "reasons", ()))
        self.query_one("#message", Plain).set_text(text)
        return True

    def _show(self, merged: Merged) -> None:
        table = self.query_one("#items", DataTable)
        table.clear()
        self.uid = merged.uid
        report = merged.report
        if report is None:
            text = _n("This pack was merged before; {n} conflict of it was still open.",
                      "This pack was merged before; {n} conflicts of it were still open.",
                      len(merged.conflicts), n=len(merged.conflicts))
        else:
            counts = {o: sum(1 for i in report.items if i.outcome == o) for o in OUTCOMES}
            text = _("Merged {merged}, refused {refused}, possible duplicates {duplicate}, "
                     "conflicts {conflict}.", **{k: str(v) for k, v in counts.items()})
            if report.approved_by:
                text += " " + _("Approved by {manager}.", manager=report.approved_by)
            for item in report.items:
                self.details[str(item.op_id)] = self._detail(item)
                table.add_row(cell(_(OPERATIONS.get(item.what, item.what)), 18),
                              cell(_(OUTCOMES.get(item.outcome, item.outcome)), 16),
                              cell(self._detail(item), 30), key=str(item.op_id))
        table.display = bool(table.row_count)
        self.query_one("#intro", Plain).display = False  # room for the result at 80×24
        self.query_one("#message", Plain).set_text("")
        self.query_one("#summary", Plain).set_text(text)
        self.conflicts = list(merged.conflicts)
        self._next_conflict()

    @on(DataTable.RowHighlighted, "#items")
    def _row_detail(self, event: DataTable.RowHighlighted) -> None:
        self.query_one("#row-detail", Plain).set_text(
            self.details.get(str(event.row_key.value), ""))

    @staticmethod
    def _detail(item: MergeItem) -> str:
        if item.outcome == "duplicate" and item.persons:
            return _("possibly the same as: {persons}", persons="; ".join(
                f"{name} ({pid})" for pid, name in item.persons))
        if item.outcome == "conflict":
            return _("changed in the database meanwhile: decide side by side")
        if item.outcome == "duplicate":
            return _("possibly the same as: {persons}", persons=item.detail.removeprefix(
                "possible duplicates of persons "))
        return refusal_text(item.detail) if item.outcome == "refused" else ""

    def _next_conflict(self) -> None:
        """Each open conflict in turn, side by side; Esc leaves one for later."""
        from screens.conflict import PackConflictScreen
        from screens.person.edit import person_rows

        if not self.conflicts:
            self.query_one("#items", DataTable).focus()
            return
        conflict = self.conflicts.pop(0)

        def chosen(choice: str | None) -> None:
            if choice is None:
                self._next_conflict()
                return
            uid = self.uid
            decision = "pack" if choice == "mine" else "database"
            self.load(lambda session: session.pack_merge().resolve(
                uid, conflict.op_id, decision, conflict.version),
                lambda again: self._decided(conflict.op_id, decision, again),
                key="resolve", failed=self._not_decided)

        self.app.push_screen(PackConflictScreen(conflict.name, person_rows(
            conflict.database, conflict.pack)), chosen)

    def _not_decided(self, exc: Exception) -> bool:
        """Refused (no access now, the record restricted …): the conflict stays open,
        the next one is shown."""
        self._failed(exc)
        self._next_conflict()
        return True

    def _decided(self, op_id: int, decision: str, again: PackConflict | None) -> None:
        if again is not None:  # changed once more meanwhile: shown again, nothing written
            self.query_one("#message", Plain).set_text(
                _("{name} was changed once more meanwhile; nothing was overwritten.",
                  name=again.name))
            self.conflicts.insert(0, again)
        else:
            self.query_one("#message", Plain).set_text(_("Decided."))
            table = self.query_one("#items", DataTable)
            if str(op_id) in table.rows:
                text = (_("decided: the pack's values applied") if decision == "pack"
                        else _("decided: the database's values kept"))
                self.details[str(op_id)] = text
                table.update_cell(str(op_id), self.columns[2], cell(text, 30))
        self._next_conflict()


def refusal_text(detail: str) -> str:
    """Why the merge refused an operation, in the user's language where it is one of the
    merge's own reasons or a refusal code; a validation's reasons come as they were."""
    for english, msgid in REFUSALS.items():
        if detail.startswith(english):
            return _(msgid)
    template = accounts.ERROR_MESSAGES.get(detail)
    if template is not None and "{" not in template:
        return _(template)
    return detail
