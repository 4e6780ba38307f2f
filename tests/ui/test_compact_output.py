"""Low-bandwidth mode's compacted output (``screens.terminal.compacted``): the same screen
in fewer bytes. What a terminal shows is checked through tmux in
tests/system/test_terminals.py; here the rewriting itself."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from screens import terminal

# what Textual 8 wrote for one key in a text field with a suggestion (low-bandwidth mode)
KEY = ("\x1b[8;26H\x1b[32;49m|\x1b[0m\x1b[49m \x1b[0m\x1b[39;49mPolis\x1b[0m\x1b[2;30;47me"
       "\x1b[0m\x1b[2;39;49mn, Demo-polisområdet\x1b[0m\x1b[39;49m" + " " * 23 +
       "\x1b[0m\x1b[49m \x1b[0m\x1b[8;78H\x1b[8;34H")


@pytest.fixture
def compact() -> Iterator[None]:
    terminal.set_compact_output(True)
    yield
    terminal.set_compact_output(False)


def test_off_by_default_and_when_switched_off() -> None:
    assert terminal.compacted(KEY) == KEY


@pytest.mark.usefixtures("compact")
def test_a_key_in_a_text_field_costs_less_and_draws_the_same() -> None:
    out = terminal.compacted(KEY)
    assert len(out.encode()) <= 120 < len(KEY.encode())
    assert out == ("\x1b[8;26H\x1b[32;49m|\x1b[0m \x1b[0mPolis\x1b[0m\x1b[2;30;47me"
                   "\x1b[0m\x1b[2;39;49mn, Demo-polisområdet\x1b[0m\x1b[23X\x1b[23C"
                   "\x1b[0m \x1b[0m\x1b[8;34H")


@pytest.mark.usefixtures("compact")
def test_blanks_are_erased_only_after_a_full_reset() -> None:
    # reverse video (or a background colour) draws blanks as a bar: they stay blanks
    bar = "\x1b[7m" + " " * 20 + "\x1b[0m"
    assert terminal.compacted(bar) == bar
    coloured = "\x1b[0m\x1b[44m" + " " * 20
    assert terminal.compacted(coloured) == coloured
    # a short run is cheaper as it is
    short = "\x1b[0m" + " " * 11 + "x"
    assert terminal.compacted(short) == short


@pytest.mark.usefixtures("compact")
def test_a_sequence_cut_at_the_end_of_a_write_is_left_alone() -> None:
    for cut in ("\x1b[0m\x1b[39;4", "\x1b[8;78H\x1b[8;3", "abc\x1b["):
        assert terminal.compacted(cut) == cut
