"""Translations: English message ids in the code, Swedish (default) from ``data/sv.toml``.

``_("Log in")`` returns the text in the current language; ``_n(singular, plural, count)``
the form that fits a number ("Vänta 1 sekund", "Vänta 2 sekunder"). A test checks that
every message id used in the code has a Swedish translation, and that no message puts a
number before a noun without choosing its form.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

LANGUAGES = ("sv", "en")
DEFAULT_LANGUAGE = "sv"

_current = DEFAULT_LANGUAGE


@cache
def catalog(lang: str) -> dict[str, str]:
    if lang == "en":
        return {}
    raw = resources.files("rc_tui.data").joinpath(f"{lang}.toml").read_text(encoding="utf-8")
    data = tomllib.loads(raw)
    return {str(k): str(v) for k, v in data.items()}


def set_language(lang: str) -> None:
    global _current
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language: {lang}")
    _current = lang


def language() -> str:
    return _current


def _(msgid: str, **values: object) -> str:
    """Translate ``msgid``; ``{name}`` placeholders are filled from ``values``."""
    text = catalog(_current).get(msgid, msgid)
    return text.format(**values) if values else text


def _n(singular: str, plural: str, count: int, **values: object) -> str:
    """Translate the form of a message that fits ``count``: ``singular`` for exactly one,
    ``plural`` otherwise (the rule of both Swedish and English). Both forms are message
    ids of their own in the catalogue; ``{name}`` placeholders are filled from ``values``.
    """
    msgid = singular if count == 1 else plural
    return _(msgid, **values)


def N_(msgid: str) -> str:  # noqa: N802 - gettext convention
    """Mark a string for translation without translating it now (class attributes)."""
    return msgid
