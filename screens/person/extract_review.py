"""The review of a record extract (registerutdrag): each passage that concerns another
person is released or withheld with a reason from the list, then the extract leaves
through the document dialog (``rc_tui.services.extracts``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll

from rc_tui.domain.extracts import reasons
from rc_tui.i18n import N_, _, _n
from rc_tui.services.documents import DocumentRequest
from rc_tui.services.extracts import ExtractDraft, ReviewDecision
from screens.base import RcModal
from screens.components import Plain
from screens.components.key_bar import KeyBar

if TYPE_CHECKING:
    from rc_tui.services.session import UserSession

#: why a passage is marked, as the reviewer reads it
FLAG_TEXT = {"address": N_("an address"), "shelter": N_("tells of the shelter"),
             "person": N_("another person")}


class ExtractReviewDialog(RcModal):
    """↑/↓ choose a marked passage; R releases it, 1–9 withhold it with that reason;
    Ctrl+S records the review (every marked passage decided) and opens the document
    dialog."""

    BINDINGS = [
        Binding("up", "move(-1)", "Previous", show=False, id="extract-review.up"),
        Binding("down", "move(1)", "Next", show=False, id="extract-review.down"),
        Binding("r", "release", "Release", id="extract-review.release"),
        Binding("1", "withhold(1)", "Withhold", id="extract-review.withhold-1"),
        Binding("2", "withhold(2)", "", show=False, id="extract-review.withhold-2"),
        Binding("3", "withhold(3)", "", show=False, id="extract-review.withhold-3"),
        Binding("4", "withhold(4)", "", show=False, id="extract-review.withhold-4"),
        Binding("5", "withhold(5)", "", show=False, id="extract-review.withhold-5"),
        Binding("6", "withhold(6)", "", show=False, id="extract-review.withhold-6"),
        Binding("7", "withhold(7)", "", show=False, id="extract-review.withhold-7"),
        Binding("8", "withhold(8)", "", show=False, id="extract-review.withhold-8"),
        Binding("9", "withhold(9)", "", show=False, id="extract-review.withhold-9"),
        Binding("ctrl+s", "record", "Record and issue", id="extract-review.record"),
        Binding("escape", "close", "Close", id="extract-review.close"),
    ]

    def __init__(self, draft: ExtractDraft) -> None:
        super().__init__()
        self.draft = draft
        self.marked = draft.to_review
        self.cursor = 0
        self.decisions: dict[str, ReviewDecision] = {}
        self.codes = list(reasons())[:9]  # one digit each
        self.busy = False

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="extract-review"):
            yield Plain(_("Record extract – {name}", name=self.draft.name),
                        classes="form-title", one_line=True)
            yield Plain("", id="summary", classes="hint")
            yield Plain("", id="passages")
            yield Plain("", id="passage")
            yield Plain("\n".join(f"{i}  {reasons()[code]} ({reasons()[code].rule})"
                                  for i, code in enumerate(self.codes, 1)),
                        id="reasons", classes="hint")
            yield Plain("", id="message", classes="message")
        yield KeyBar()

    def on_mount(self) -> None:
        self._show()

    def _line(self, i: int) -> str:
        p = self.marked[i]
        d = self.decisions.get(p.key)
        state = ("?" if d is None else _("released") if d.release
                 else _("withheld, {rule}", rule=reasons()[d.reason or ""].rule))
        mark = "›" if i == self.cursor else " "
        return f"{mark} [{state}] {p.section}: {p.heading} – {_(FLAG_TEXT[p.flag or 'person'])}"

    def _show(self) -> None:
        total, done = len(self.marked), len(self.decisions)
        self.query_one("#summary", Plain).set_text(
            _n("{n} passage of {total} concerns another person: release it (R) or withhold "
               "it with a reason (1–{last}). Decided: {done}.",
               "{n} passages of {total} concern another person: release each (R) or "
               "withhold it with a reason (1–{last}). Decided: {done}.",
               total, n=total, total=len(self.draft.passages), done=done,
               last=len(self.codes))
            if total else
            _("Nothing in the record concerns another person. Ctrl+S records that and "
              "issues the extract."))
        self.query_one("#passages", Plain).set_text(
            "\n".join(self._line(i) for i in range(total)))
        if total:
            p = self.marked[self.cursor]
            self.query_one("#passage", Plain).set_text(f"\n{p.heading}\n{p.text}\n")
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("release", "withhold", "move"):
            return bool(self.marked) and not self.busy
        if action == "record":
            return len(self.decisions) == len(self.marked) and not self.busy
        return True

    def action_move(self, step: int) -> None:
        if self.marked:
            self.cursor = max(0, min(len(self.marked) - 1, self.cursor + step))
            self._show()

    def _decide(self, decision: ReviewDecision) -> None:
        self.decisions[decision.passage] = decision
        # on to the next undecided passage, if any
        undecided = [i for i, p in enumerate(self.marked) if p.key not in self.decisions]
        if undecided:
            later = [i for i in undecided if i > self.cursor]
            self.cursor = (later or undecided)[0]
        self._show()

    def action_release(self) -> None:
        if self.marked:
            self._decide(ReviewDecision(self.marked[self.cursor].key, True))

    def action_withhold(self, number: int) -> None:
        if self.marked and 0 < number <= len(self.codes):
            self._decide(ReviewDecision(self.marked[self.cursor].key, False,
                                        self.codes[number - 1]))

    def action_record(self) -> None:
        from screens.document import DocumentDialog

        if self.busy or len(self.decisions) != len(self.marked):
            return
        self.busy = True
        self.refresh_bindings()
        person_id, decisions = self.draft.person_id, list(self.decisions.values())
        name = self.draft.name

        def fetch(session: UserSession) -> int:
            return session.extracts("extract").record_review(person_id, decisions)

        def done(review_id: int) -> None:
            self.dismiss(True)
            self.app.push_screen(DocumentDialog(DocumentRequest("record_extract", review_id),
                                                _("Record extract – {name}", name=name)))

        def failed(exc: Exception) -> bool:
            from screens.loading import refusal_text

            self.busy = False
            self.query_one("#message", Plain).set_text(refusal_text(exc))
            self.refresh_bindings()
            return True

        self.load(fetch, done, key="record", failed=failed)

    def action_close(self) -> None:
        self.dismiss(False)
