"""Base screens: translated key bindings, typed access to the app shell, and type-ahead
safe forms."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

from textual import events
from textual.actions import SkipAction
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Button, DataTable, Input, Label, Select, TextArea

from rc_tui.i18n import _
from screens.compat import node_bindings

# the load pattern lives in screens.loading; the screens find it here too
from screens.loading import (
    LOAD_GROUP,
    OPEN_GROUP,
    load,
    load_failed,
    redraw_tables,
    refusal_text,
)

if TYPE_CHECKING:
    from rc_tui.services.drafts import DraftView, DraftWriter
    from rc_tui.services.session import UserSession
    from screens.app import RcApp

T = TypeVar("T")


__all__ = [
    "LOAD_GROUP", "OPEN_GROUP", "FormDialog", "FormMixin", "RcModal", "RcScreen",
    "discard_binding", "field_label", "load", "load_failed", "redraw_tables",
    "refusal_text", "translate_bindings",
]


def translate_bindings(node: DOMNode) -> None:
    """Replace binding descriptions (English message ids) with the current language."""
    bindings = node_bindings(node)
    for key, items in list(bindings.key_to_bindings.items()):
        bindings.key_to_bindings[key] = [
            dataclasses.replace(b, description=_(b.description) if b.description else "")
            for b in items
        ]


class FormMixin:
    """Enter moves to the next field of the form; on the last field it submits.

    Moving on is a *priority* binding (the form's, before the field's own Enter). Keys
    typed ahead (a fast typist, or keys that arrive in one burst over a slow SSH link) land
    in the next field, never in the previous one, because the app delivers each key only
    after the one before it and the focus move it caused (``screens.typeahead``): a
    passphrase cannot end up in the visible username field. Enter on a last text field
    goes through the field itself, so the form is submitted with everything typed.

    ``FIELD_ORDER`` lists widget ids; hidden or disabled fields are skipped. Forms whose
    order depends on their content override ``field_order()``.
    """

    FIELD_ORDER: ClassVar[tuple[str, ...]] = ()
    focused: Any

    def field_order(self) -> tuple[str, ...]:
        return self.FIELD_ORDER

    def _next_field(self, current: str) -> Any | None:
        order = self.field_order()
        for name in order[order.index(current) + 1:]:
            widget = cast(Any, self).query_one(f"#{name}")
            if widget.display and not widget.disabled and widget.parent.display:
                return widget
        return None

    def advance_from(self, widget: Any) -> None:
        """Move from ``widget`` to the next field, or submit after the last one."""
        if widget.id not in self.field_order():
            return
        nxt = self._next_field(widget.id)
        if nxt is None:
            self.submit_form()
        else:
            cast(Any, self).set_focus(nxt)

    def action_field_enter(self) -> None:
        focused = self.focused
        if (focused is None or focused.id not in self.field_order()
                or isinstance(focused, (TextArea, Select, Button, DataTable))):
            raise SkipAction()
        if self._next_field(focused.id) is None and isinstance(focused, Input):
            raise SkipAction()  # delivered in order to the field -> Input.Submitted
        self.advance_from(focused)

    def on_select_changed(self, event: Select.Changed) -> None:
        """A choice made with the keyboard moves on to the next field, like Enter."""
        select = event.select
        if select.id in self.field_order() and select.has_focus_within:
            nxt = self._next_field(select.id)
            if nxt is not None:
                cast(Any, self).set_focus(nxt)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id in self.field_order() and self._next_field(event.input.id) is None:
            event.stop()
            self.submit_form()

    def submit_form(self) -> None:
        """Called by Enter on the last field (and by the form's button)."""

    def attempt(self, action: Callable[[], object], *,
                on_conflict: Callable[[], None] | None = None,
                show: Callable[[str], object] | None = None) -> bool:
        """Run a service call; show its refusal (rules or storage) in ``#message`` (or
        through ``show``). A concurrent edit goes to ``on_conflict`` (both versions side by
        side) if given."""
        from rc_tui.services.accounts import ValidationError, error_text
        from storage.errors import ConflictError, VaultError

        try:
            action()
        except ValidationError as exc:
            message = "\n".join(exc.reasons)
        except ConflictError as exc:
            if on_conflict is not None:
                on_conflict()
                return False
            message = error_text(exc)
        except VaultError as exc:
            message = error_text(exc)
        else:
            return True
        if show is not None:
            show(message)
        else:
            shown = cast(Any, self).query_one("#message")
            shown.set_text(message)
            # below the form: brought into view (at 80x24 it may be under the fold)
            cast(Any, self).call_after_refresh(shown.scroll_visible, animate=False)
        return False

    def choice_made(self, choice: Any) -> None:
        """A one-key choice changed (called at once, before focus moves on)."""

    # ------------------------------------------------------------------ drafts
    #: forms that keep a draft name it here (``rc_tui.services.drafts.FORMS``)
    DRAFT: ClassVar[str] = ""
    #: seconds between autosaves of a changed form
    DRAFT_SECONDS: ClassVar[float] = 2.0
    _draft_baseline: str | None = None
    _draft_saved: str | None = None
    #: (context, person id) given by whoever opened the form (dialogs of a larger form)
    draft_key: tuple[str, int | None] | None = None

    def draft_context(self) -> tuple[str, int | None]:
        """(context, person id) of this form's draft: the key it was opened with, or by
        default the person it is about."""
        if self.draft_key is not None:
            return self.draft_key
        person = getattr(self, "person_id", None)
        return (str(person), person) if isinstance(person, int) else ("", None)

    def draft_extra(self) -> Any:
        """State beyond the fields (e.g. the persons already added to an intake)."""
        return None

    def restore_extra(self, extra: Any) -> None:
        """Put ``draft_extra``'s state back."""

    def draft_state(self) -> dict[str, Any]:
        """Every field's value by widget id; passphrase fields never."""
        from screens.components import KeyChoice, KeyToggles

        state: dict[str, Any] = {}
        for widget in cast(Any, self).query("*"):
            wid = widget.id
            if not wid:
                continue
            if isinstance(widget, Input):
                if not widget.password:
                    state[wid] = widget.value
            elif isinstance(widget, TextArea):
                state[wid] = widget.text
            elif isinstance(widget, KeyToggles):
                state[wid] = widget.values
            elif isinstance(widget, KeyChoice):
                state[wid] = widget.value
        extra = self.draft_extra()
        if extra:
            state["_extra"] = extra
        return state

    def restore_state(self, state: dict[str, Any]) -> None:
        from screens.components import KeyChoice, KeyToggles

        if "_extra" in state:
            self.restore_extra(state["_extra"])
        for wid, value in state.items():
            if not wid.replace("-", "").replace("_", "").isalnum():
                continue
            found = cast(Any, self).query(f"#{wid}")
            if not found:
                continue
            widget = found.first()
            if isinstance(widget, Input) and isinstance(value, str) and not widget.password:
                widget.value = value
            elif isinstance(widget, TextArea) and isinstance(value, str):
                widget.load_text(value)
            elif isinstance(widget, KeyToggles) and isinstance(value, list):
                widget.chosen = {str(v) for v in value}
                widget.value = ",".join(widget.values)
                widget.refresh()
            elif isinstance(widget, KeyChoice) and (value is None or isinstance(value, str)):
                widget.choose(value)

    def _writer(self) -> DraftWriter | None:
        session = getattr(cast(Any, self).app, "session", None)
        if session is None or not session.is_open:
            return None
        return cast("DraftWriter", session.draft_writer())

    def _draft_json(self) -> str:
        return json.dumps(self.draft_state(), sort_keys=True, ensure_ascii=False)

    def on_mount(self) -> None:
        """(Runs besides the form's own ``on_mount``.) A form with a draft gets it back
        and autosaves from now on; a form about a person names them."""
        if self.DRAFT:
            self._start_draft()  # before any key reaches the form: the baseline is clean
        self._name_the_person()

    #: the form shows the person's name itself (no line is added)
    NAMES_PERSON: ClassVar[bool] = False

    def about_person(self) -> str | None:
        """The name (as this user may see it) of the person the form is about: from the
        form's own details, else from the person's screen it was opened on (no read)."""
        detail = getattr(self, "detail", None)
        name = getattr(detail, "display_name", None)
        if isinstance(name, str) and name:
            return name
        person = getattr(self, "person_id", None) or getattr(self, "child_id", None) \
            or getattr(getattr(self, "view", None), "person_id", None)
        if not isinstance(person, int):
            return None
        for screen in reversed(cast(Any, self).app.screen_stack):
            shown = getattr(screen, "detail", None)
            if getattr(screen, "person_id", None) == person and shown is not None \
                    and isinstance(getattr(shown, "display_name", None), str):
                return str(shown.display_name)
        return None

    def _name_the_person(self) -> None:
        """Forms did not say whom they were about: a line under the form's title."""
        from screens.components import Plain

        if self.NAMES_PERSON:
            return
        name = self.about_person()
        if not name:
            return
        me = cast(Any, self)
        line = Plain(_("About: {name}", name=name), classes="form-about", one_line=True)
        titles = me.query(".form-title")
        if titles:
            title = titles.first()
            title.parent.mount(line, after=title)
        elif me.query(".person-name"):
            title = me.query(".person-name").first()
            title.parent.mount(line, before=title)

    def _start_draft(self) -> None:
        from rc_tui.services.base import local_time

        writer = self._writer()
        if writer is None:
            return
        self._draft_baseline = self._draft_json()
        form, (context, _person) = self.DRAFT, self.draft_context()

        def restore(draft: DraftView | None) -> None:
            if draft is not None:
                self.restore_state(draft.state)
                self._draft_saved = self._draft_json()
                cast(Any, self).app.notify(
                    _("What you typed here at {when} is back (it had not been saved). "
                      "Ctrl+D discards it.",
                      when=f"{local_time(draft.updated_at):%Y-%m-%d %H:%M}"),
                    markup=False, timeout=8)
            cast(Any, self).set_interval(self.DRAFT_SECONDS, self.flush_draft)

        # read in a thread (it may wait for the write lock); keys typed meanwhile wait for
        # it (group ``OPEN_GROUP``), so nothing typed is overwritten by the draft restored
        load(cast(Any, self), lambda _session: writer.get(form, context), restore,
             key="draft", group=OPEN_GROUP)

    def has_draft(self) -> bool:
        """Something was typed here (or a draft was restored) that saving has not ended."""
        if not self.DRAFT or self._draft_baseline is None:
            return False
        return self._draft_saved is not None or self._draft_json() != self._draft_baseline

    def queue_draft(self) -> bool:
        """Hand the form's input to the draft writer if it changed (UI thread: reads the
        widgets, writes nothing). True when something was handed over."""
        if not self.DRAFT or self._draft_baseline is None:
            return False
        current = self._draft_json()
        if current == self._draft_saved or (current == self._draft_baseline
                                            and self._draft_saved is None):
            return False
        writer = self._writer()
        if writer is None:
            return False
        context, person = self.draft_context()
        writer.save(self.DRAFT, context, person, json.loads(current))
        self._draft_saved = current
        return True

    def flush_draft(self) -> None:
        """The autosave: the state is read here, on the UI thread, and written by a thread
        worker – the write waits for the database write lock, typing never does. Before a
        lock or a hang-up the shell calls this too; the session writes what is queued
        before it closes (``UserSession.close``)."""
        self.queue_draft()
        writer = self._writer()
        if writer is not None:
            write_in_background(cast(Any, self).app, writer)

    # ------------------------------------------------------------------ leaving
    #: what the form is dismissed with when it is left without saving
    LEFT_RESULT: ClassVar[Any] = False
    _draft_kept = False

    def leave(self) -> None:
        """Leave without saving (the draft is kept or discarded by the caller)."""
        cast(Any, self).dismiss(self.LEFT_RESULT)

    def action_back(self) -> None:
        """Esc: back, keeping what was typed as a draft (restored when the form opens
        again, offered on the due list meanwhile)."""
        if self.has_draft():
            self._draft_kept = True
            self.flush_draft()
            cast(Any, self).app.notify(
                _("Kept as a draft: open the form again to go on (Ctrl+D there discards "
                  "it)."), markup=False, timeout=4)
        self.leave()

    def action_discard_draft(self) -> None:
        """Ctrl+D: throw away what was typed – after one question."""
        if not self.has_draft():
            self.leave()
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._draft_kept = False
                self.leave()

        from screens.confirm import AskDialog

        cast(Any, self).app.push_screen(AskDialog(_("Discard what you typed? y/n")),
                                        answered)

    def on_unmount(self) -> None:
        """Saved or discarded while the session is open: the draft is done with. Left
        with Esc: it stays. (A lock or a hang-up closes the session first, so its draft
        stays too.)"""
        if self.DRAFT and self._draft_baseline is not None and not self._draft_kept:
            writer = self._writer()
            if writer is not None:
                context, _person = self.draft_context()
                writer.discard(self.DRAFT, context)
                write_in_background(cast(Any, self).app, writer)


def write_in_background(app: Any, writer: DraftWriter) -> None:
    """Write the queued drafts in a thread worker (on the app: it outlives the form),
    unless one is already at it (it takes what is queued meanwhile too)."""
    if writer.claim():
        app.run_worker(writer.drain, thread=True, group="drafts", exit_on_error=False,
                       description="draft autosave")


def discard_binding(prefix: str) -> Binding:
    """Ctrl+D on every form that keeps a draft: discard it, after a question. A priority
    binding: text fields would otherwise take Ctrl+D as "delete right" (Delete does that)."""
    return Binding("ctrl+d", "discard_draft", "Discard", priority=True,
                   id=f"{prefix}.discard")


_FORM_BINDINGS: list[BindingType] = [
    Binding("enter", "field_enter", "", show=False, priority=True, id="form.field-enter"),
]


#: what names the field below it: a field's label is the nearest of these before it (an
#: assessment item's question names its answer field)
LABEL_CLASSES = ("field-label", "form-title", "panel-title", "item-text")


def field_label(widget: Widget) -> Widget | None:
    """The label a user reads for ``widget``: the nearest shown label before it, among its
    siblings or, for a field first in its group, before the group."""
    node: Widget = widget
    while isinstance(node.parent, Widget) and not isinstance(node.parent, Screen):
        parent = node.parent
        siblings = list(parent.children)
        for sibling in reversed(siblings[:siblings.index(node)]):
            if sibling.display and (isinstance(sibling, Label)
                                    or any(sibling.has_class(c) for c in LABEL_CLASSES)):
                return sibling
        node = parent
    if isinstance(node.parent, Screen):
        siblings = list(node.parent.children)
        for sibling in reversed(siblings[:siblings.index(node)]):
            if sibling.display and any(sibling.has_class(c) for c in LABEL_CLASSES):
                return sibling
    return None


class QuietFocusMixin:
    """Low-bandwidth mode: moving the focus redraws what changes, not the whole screen.

    Textual's ``Screen.focused`` is a reactive that repaints the entire screen when it
    changes: every Enter or Tab in a form would resend all 24 rows (about 6 kB, the largest
    cost of an intake over a slow link). The fields whose look depends on focus redraw
    themselves as their styles change (``:focus``), and the footer recomposes on its own.
    """

    _moving_focus = False
    app: Any

    def set_focus(self, widget: Any, scroll_visible: bool = True,
                  from_app_focus: bool = False) -> None:
        self._moving_focus = True
        try:
            # Textual centres a field it cannot show whole with its top edge at the top
            # of the view: the label above it was scrolled away (the decision form's
            # first field). The field is shown here with its label instead.
            super().set_focus(widget, False, from_app_focus)  # type: ignore[misc]
        finally:
            self._moving_focus = False
        if scroll_visible and widget is not None:
            cast(Any, self).call_after_refresh(self._show_with_label, widget)

    def _show_with_label(self, widget: Widget) -> None:
        """Scroll so that the focused field and the label above it are in view (the
        label wins when both do not fit: the field's top line follows it)."""
        if cast(Any, self).focused is not widget or not widget.is_attached:
            return
        widget.scroll_visible(animate=False, immediate=True)
        label = field_label(widget)
        view = next((a for a in widget.ancestors if isinstance(a, Widget)
                     and a.allow_vertical_scroll), None)
        if label is None or view is None:
            return
        # a label too far above (a long text before the field) would take the field away
        if widget.region.y - label.region.y < view.scrollable_content_region.height:
            label.scroll_visible(animate=False, immediate=True)

    def refresh(self, *regions: Any, repaint: bool = True, layout: bool = False,
                recompose: bool = False) -> Any:
        if (self._moving_focus and not (regions or layout or recompose)
                and getattr(self.app, "low_bandwidth", False)):
            return self  # the full-screen repaint of the focus reactive
        return super().refresh(  # type: ignore[misc]
            *regions, repaint=repaint, layout=layout, recompose=recompose)


class SessionResumeMixin:
    """A screen that comes back to the top with no session open is not resumed.

    Screens reload what they show when they are resumed (``on_screen_resume``). A lock
    closes the session and then removes every screen; removing the top one resumes the
    one below it for a moment, whose reload would read through a closed session (the
    switch-user crash). Checked here, once, before any subclass's handler runs: such a
    screen is on its way out and shows nothing more. Screens that work without a session
    (login, first run, quick-hide) say so with ``NEEDS_SESSION = False``.
    """

    NEEDS_SESSION: ClassVar[bool] = True
    app: Any

    async def on_event(self, event: events.Event) -> None:
        if (isinstance(event, events.ScreenResume) and self.NEEDS_SESSION
                and getattr(self.app, "session", None) is None):
            return
        await super().on_event(event)  # type: ignore[misc]


class RcScreen(SessionResumeMixin, QuietFocusMixin, FormMixin, Screen[Any]):
    """A full screen of rc-tui. Subclasses list English binding descriptions."""

    BINDINGS = _FORM_BINDINGS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        translate_bindings(self)

    @property
    def shell(self) -> RcApp:
        return cast("RcApp", self.app)

    def load(self, fetch: Callable[[UserSession], T], populate: Callable[[T], object], *,
             key: str = "load", failed: Callable[[Exception], bool] | None = None,
             group: str = LOAD_GROUP) -> None:
        """``fetch(session)`` in a thread, then ``populate(result)`` here (see ``load``)."""
        load(self, fetch, populate, key=key, failed=failed, group=group)


class RcModal(SessionResumeMixin, QuietFocusMixin, FormMixin, ModalScreen[Any]):
    BINDINGS = _FORM_BINDINGS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        translate_bindings(self)

    @property
    def shell(self) -> RcApp:
        return cast("RcApp", self.app)

    def load(self, fetch: Callable[[UserSession], T], populate: Callable[[T], object], *,
             key: str = "load", failed: Callable[[Exception], bool] | None = None,
             group: str = LOAD_GROUP) -> None:
        """``fetch(session)`` in a thread, then ``populate(result)`` here (see ``load``)."""
        load(self, fetch, populate, key=key, failed=failed, group=group)


class FormDialog(RcModal):
    """A dialog form: Ctrl+S saves (as does Enter on the last field), Esc goes back keeping
    a draft, Ctrl+D discards. Subclasses implement ``action_save`` and dismiss with True
    when something changed."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="form-dialog.save"),
        Binding("escape", "back", "Back", id="form-dialog.back"),
        discard_binding("form-dialog"),
    ]

    def submit_form(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        raise NotImplementedError
