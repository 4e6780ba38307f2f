"""KeyToggles: several one-key choices on and off in one field."""

from __future__ import annotations

from rich.text import Text
from textual import events

from screens.components.key_choice import KeyChoice


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

    def take_key(self, event: events.Key) -> bool:
        char = (event.character or "").lower()
        for key, value, _l in self.options:
            if char and char == key.lower():
                self.chosen ^= {value}
                self.value = ",".join(self.values)
                self.refresh()
                return True
        return False
