"""KeyChoice: a one-key choice among a few options."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget


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

    def take_key(self, event: events.Key) -> bool:
        """Act on ``event`` if it is one of this field's keys; True if it was. (Keys typed
        ahead reach the next field: the app delivers a key only when the one before it,
        and the focus move it caused, are done – ``screens.typeahead``.)"""
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
        if self.take_key(event):
            event.stop()
