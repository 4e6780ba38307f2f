"""Small widgets that render stored text literally (never as markup)."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Input, Static, TextArea
from textual.widgets.text_area import Edit, EditResult

from rc_tui.domain.vocab import PROTECTION_LEVELS, label
from rc_tui.text import visible, visible_same_length


def literal(text: str, *, one_line: bool = False, max_chars: int | None = None) -> Content:
    """Stored text as a Content object: shown exactly, markup never parsed."""
    return Content(visible(text, one_line=one_line, max_chars=max_chars))


def cell(text: str, max_chars: int = 80) -> Text:
    """A table cell: one line, literal (DataTable would parse plain ``str`` as markup)."""
    return Text(visible(text, one_line=True, max_chars=max_chars), no_wrap=True)


def protection_cell(level: str) -> Text:
    """A table cell for a protection level: empty (none, or withheld from a user who may
    not see the person), or unmistakable in red."""
    if level in ("none", ""):
        return Text("")
    return Text("⚠ " + label(PROTECTION_LEVELS, level).upper(), style="bold reverse red")


class Plain(Static):
    """A Static that never parses markup and shows control characters visibly."""

    def __init__(self, text: str = "", *, id: str | None = None,
                 classes: str | None = None, one_line: bool = False) -> None:
        self._one_line = one_line
        super().__init__(literal(text, one_line=one_line), markup=False, id=id, classes=classes)

    def set_text(self, text: str) -> None:
        self.update(literal(text, one_line=self._one_line))


class AppHeader(Horizontal):
    """Header: product name, the signed-in user and role, and a DEMO marker."""

    DEFAULT_CSS = """
    AppHeader { height: 1; dock: top; background: $primary-darken-2; color: $text; }
    AppHeader > #hdr-title { width: auto; padding: 0 1; text-style: bold; }
    AppHeader > #hdr-user { width: 1fr; padding: 0 1; }
    AppHeader > #hdr-demo { width: auto; padding: 0 1; background: $warning; color: $background;
                            text-style: bold; display: none; }
    AppHeader.-demo > #hdr-demo { display: block; }
    """

    def __init__(self, title: str, user: str = "", demo: bool = False) -> None:
        super().__init__()
        self._title = title
        self._user = user
        self.set_class(demo, "-demo")

    def compose(self) -> ComposeResult:
        yield Plain(self._title, id="hdr-title", one_line=True)
        yield Plain(self._user, id="hdr-user", one_line=True)
        yield Static("DEMO", id="hdr-demo", markup=False)


class SafeInput(Input):
    """A text field that never sends control characters to the terminal.

    Textual's Input draws its value as is, so an ESC or C1 byte in a pasted or stored
    value would reach the terminal. Here every such character is replaced by a visible
    sign of the same length as it enters the field (password fields are drawn as bullets
    and keep their exact value).
    """

    def validate_value(self, value: str) -> str:
        if self.password:
            return value
        return visible_same_length(value)


class SafeTextArea(TextArea):
    """A multi-line text field with the same guarantee as ``SafeInput``: control characters
    (except line breaks and tabs) become visible signs as they enter the field."""

    def __init__(self, text: str = "", **kwargs: object) -> None:
        super().__init__(visible_same_length(text, keep_newlines=True),
                         tab_behavior="focus", soft_wrap=True, **kwargs)  # type: ignore[arg-type]

    def edit(self, edit: Edit) -> EditResult:
        edit.text = visible_same_length(edit.text, keep_newlines=True)
        return super().edit(edit)

    def load_text(self, text: str) -> None:
        super().load_text(visible_same_length(text, keep_newlines=True))


class KeyChoice(Widget, can_focus=True):
    """Choose with one key: each option has a letter; pressing it chooses and moves on.

    Left/right step through the options; Enter keeps the current choice and moves on.
    Labels are the program's own (translated) texts, drawn as plain text.
    """

    DEFAULT_CSS = """
    KeyChoice { height: auto; padding: 0 1; border-left: tall $primary-darken-2; }
    KeyChoice:focus { border-left: tall $accent; background: $primary-background; }
    """

    value: reactive[str | None] = reactive(None)

    class Changed(Message):
        def __init__(self, choice: KeyChoice, value: str | None) -> None:
            super().__init__()
            self.choice = choice
            self.value = value

        @property
        def control(self) -> KeyChoice:
            return self.choice

    def __init__(self, options: list[tuple[str, str, str]], value: str | None = None, *,
                 id: str | None = None, classes: str | None = None,
                 aliases: dict[str, str] | None = None, prefix: str = "",
                 vertical: bool = False) -> None:
        """``options``: (key, value, label) triples; ``aliases``: more keys (key -> value),
        e.g. "y" for yes beside "j"; ``prefix``: a plain label drawn before the options."""
        super().__init__(id=id, classes=classes)
        self.options = options
        self.aliases = aliases or {}
        self.prefix = prefix
        self.vertical = vertical  # one option per line (long lists)
        self.set_reactive(KeyChoice.value, value)

    def render(self) -> Text:
        out = Text()
        if self.prefix:
            out.append(self.prefix + " ", style="italic")
        for index, (key, value, text) in enumerate(self.options):
            if index:
                out.append("\n" if self.vertical else "  ")
            style = "reverse bold" if value == self.value else ""
            out.append(key, style="bold underline " + style)
            out.append(" " + text, style=style)
        return out

    def choose(self, value: str | None) -> None:
        """Set the value; the form can react at once (``choice_made``), e.g. show the
        fields that depend on it, before the focus moves on."""
        self.value = value
        hook = getattr(self.screen, "choice_made", None)
        if hook is not None:
            hook(self)
        self.post_message(self.Changed(self, value))

    def handle_key_now(self, event: events.Key) -> bool:
        """Act on ``event`` if it is one of this field's keys; True if it was.

        The app calls this as the key is dispatched (not from this widget's queue), so the
        move to the next field happens before the next key is routed: keys typed ahead
        land in the right field.
        """
        values = [v for _k, v, _l in self.options]
        if event.key in ("left", "right"):
            index = values.index(self.value) if self.value in values else -1
            step = 1 if event.key == "right" else -1
            self.choose(values[(index + step) % len(values)])
            return True
        char = (event.character or "").lower()
        keyed = [(k.lower(), v) for k, v, _l in self.options] + list(self.aliases.items())
        for key, value in keyed:
            if char and char == key.lower():
                self.choose(value)
                advance = getattr(self.screen, "advance_from", None)
                if advance is not None:
                    advance(self)
                return True
        return False

    def on_key(self, event: events.Key) -> None:
        if self.handle_key_now(event):
            event.stop()


class KeyToggles(KeyChoice):
    """Several choices at once: each option's key switches it on or off; Enter moves on."""

    def __init__(self, options: list[tuple[str, str, str]], values: list[str] | None = None,
                 **kwargs: object) -> None:
        super().__init__(options, **kwargs)  # type: ignore[arg-type]
        self.chosen: set[str] = set(values or [])

    @property
    def values(self) -> list[str]:
        return [v for _k, v, _l in self.options if v in self.chosen]

    def render(self) -> Text:
        out = Text()
        for index, (key, value, text) in enumerate(self.options):
            if index:
                out.append("\n" if self.vertical else "  ")
            on = value in self.chosen
            out.append("[x] " if on else "[ ] ", style="bold" if on else "")
            out.append(key, style="bold underline")
            out.append(" " + text, style="reverse bold" if on else "")
        return out

    def handle_key_now(self, event: events.Key) -> bool:
        char = (event.character or "").lower()
        for key, value, _l in self.options:
            if char and char == key.lower():
                self.chosen ^= {value}
                self.value = ",".join(self.values)
                self.refresh()
                return True
        return False


class Handed:
    """Passphrases handed to a worker thread without being its arguments: Textual keeps a
    finished worker for a while, with its arguments and a description made from their
    ``repr``. The worker takes them (once); the box then holds nothing."""

    __slots__ = ("_values",)

    def __init__(self, *values: str) -> None:
        self._values: tuple[str, ...] = values

    def take(self) -> tuple[str, ...]:
        values, self._values = self._values, ()
        return values

    def __repr__(self) -> str:
        return "Handed(…)"
