"""The key bar: the keys that work here on one line, the palette's key always visible,
drawn again only when what it shows changed, and a click presses the key."""

from __future__ import annotations

from typing import Any

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Input

from rc_tui import i18n
from screens.components import KeyBar
from tests.helpers import screen_text


class _Bar(App[None]):
    COMMAND_PALETTE_BINDING = "ctrl+p"
    BINDINGS = [
        Binding("ctrl+s", "save", "Spara", id="t.save"),
        Binding("ctrl+r", "discard", "Kasta", id="t.discard"),
        Binding("escape", "back", "Tillbaka", id="t.back"),
        Binding("b", "back", "Tillbaka igen", id="t.back-again"),  # same action: shown once
        Binding("x", "hidden", "Dold", show=False, id="t.hidden"),
    ] + [Binding(f"f{n}", f"many({n})", f"Åtgärd nummer {n}", id=f"t.f{n}")
         for n in range(1, 9)]

    def __init__(self) -> None:
        super().__init__()
        self.saved = 0
        self.renders = 0

    def compose(self) -> ComposeResult:
        yield Input(id="field")
        yield KeyBar()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "discard":
            return None  # there, but not possible now: dimmed
        return True

    def action_save(self) -> None:
        self.saved += 1

    def action_discard(self) -> None: ...
    def action_back(self) -> None: ...
    def action_hidden(self) -> None: ...
    def action_many(self, n: int) -> None: ...


def _bottom(app: Any) -> str:
    return screen_text(app).splitlines()[-1]


async def test_keys_shown_once_hidden_ones_not_and_the_palette_key_at_the_right() -> None:
    i18n.set_language("sv")
    app = _Bar()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        line = _bottom(app)
        assert line.lstrip().startswith("^s Spara")
        assert "^r Kasta" in line and "esc Tillbaka" in line
        assert "Tillbaka igen" not in line  # one key per action
        assert "Dold" not in line  # show=False
        assert "…" in line  # more keys than room: cut, visibly
        assert line.rstrip().endswith("^p Alla åtgärder")  # in Swedish, never pushed off
        assert len(line) <= 80
        bar = app.query_one(KeyBar)
        key_cells = [s for s in bar.render().spans if "dim" in str(s.style)]
        assert key_cells  # the discard key is dimmed


async def test_drawn_again_only_when_the_keys_change_and_a_click_presses() -> None:
    app = _Bar()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        bar = app.query_one(KeyBar)
        shown = bar._items
        calls: list[int] = []
        original = bar.refresh

        def counting(*args: Any, **kwargs: Any) -> Any:
            calls.append(1)
            return original(*args, **kwargs)

        bar.refresh = counting  # type: ignore[method-assign]
        app.screen.bindings_updated_signal.publish(app.screen)  # nothing changed
        await pilot.pause()
        assert calls == [] and bar._items == shown
        await pilot.click(KeyBar, offset=(2, 0))  # on "^s"
        await pilot.pause()
        assert app.saved == 1
