"""Helpers for driving the TUI in tests."""

from __future__ import annotations

import asyncio
from typing import Any

from textual.pilot import Pilot


def screen_text(app: Any) -> str:
    """The text currently drawn on the terminal (all layers, as a user sees it)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text for strip in strips)


async def settle(pilot: Pilot[Any]) -> None:
    """Let workers (KDF, database) finish and the screen redraw."""
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def type_text(pilot: Pilot[Any], text: str) -> None:
    await pilot.press(*list(text))


async def login(pilot: Pilot[Any], username: str, passphrase: str) -> None:
    await type_text(pilot, username)
    await pilot.press("enter")
    await type_text(pilot, passphrase)
    await pilot.press("enter")
    await settle(pilot)
    # on a loaded machine the unlock may still be running (its button stays disabled
    # until it has succeeded or failed): wait for it, so a test never races its login
    for _ in range(300):
        busy = pilot.app.screen.query("#login")
        if not busy or not busy.first().disabled:
            break
        await asyncio.sleep(0.1)
        await settle(pilot)
