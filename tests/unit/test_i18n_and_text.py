"""Every user-visible string is translated; stored text is always shown literally."""

from __future__ import annotations

import pytest

from rc_tui import i18n
from rc_tui.text import visible
from tests.conftest import hostile_cases
from tests.msgids import collect


def test_every_message_id_has_a_swedish_translation() -> None:
    catalog = i18n.catalog("sv")
    missing = {m: where for m, where in collect().items() if m not in catalog}
    assert missing == {}


def test_no_stale_translations() -> None:
    used = set(collect())
    stale = [m for m in i18n.catalog("sv") if m not in used]
    assert stale == []


def test_placeholders_survive_translation() -> None:
    import string

    for msgid, text in i18n.catalog("sv").items():
        fields = {f for _, f, _, _ in string.Formatter().parse(msgid) if f}
        assert fields == {f for _, f, _, _ in string.Formatter().parse(text) if f}, msgid


def test_switching_language() -> None:
    i18n.set_language("en")
    assert i18n._("Log in") == "Log in"
    i18n.set_language("sv")
    assert i18n._("Log in") == "Logga in"
    with pytest.raises(ValueError):
        i18n.set_language("de")


def test_values_are_not_format_strings() -> None:
    assert "{0.__class__" in i18n._("Internal error ({kind}).", kind="{0.__class__}")


@pytest.mark.parametrize(("why", "text"), hostile_cases())
def test_visible_leaves_no_terminal_controls(why: str, text: str) -> None:
    shown = visible(text, one_line=True)
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in shown), why
    assert "\u202e" not in shown
    multi = visible(text)
    assert not any((ord(c) < 0x20 and c not in "\n\t") for c in multi), why


def test_visible_shows_controls_as_signs() -> None:
    assert visible("a\x1b[31mb") == "a␛[31mb"
    assert visible("före\x00efter") == "före␀efter"
    assert visible("abc\u202edcba") == "abc<U+202E>dcba"
    assert visible("x" * 10, max_chars=5) == "xxxx…"
