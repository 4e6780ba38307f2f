"""Making stored text safe to show: every character visible, nothing interpreted.

Stored text is always rendered as *text* (never as Rich/Textual markup; the screens use
``Content``/``Text`` objects for that). This module additionally replaces characters a
terminal would act on (C0/C1 controls such as ESC, NUL, BEL) with visible stand-ins, and
makes bidirectional overrides visible so right-to-left tricks cannot disguise text.
"""

from __future__ import annotations

import re

_BIDI_CONTROLS = {
    "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
    "\u2066", "\u2067", "\u2068", "\u2069", "\u200e", "\u200f", "\u061c",
}
_CONTROL_RE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u2028\u2029]"
)


def _replace(match: re.Match[str]) -> str:
    ch = match.group(0)
    code = ord(ch)
    if code < 0x20:
        return chr(0x2400 + code)  # control pictures: ␀ ␛ ...
    if code == 0x7F:
        return "\u2421"  # ␡
    if ch in _BIDI_CONTROLS or code in (0x2028, 0x2029):
        return f"<U+{code:04X}>"
    return f"<U+{code:04X}>"  # C1 controls


def visible(text: str, *, max_chars: int | None = None, one_line: bool = False) -> str:
    """Return ``text`` with every terminal-active character replaced by a visible sign.

    ``one_line`` also shows newlines and tabs as signs (for table cells and headers);
    ``max_chars`` shortens with an ellipsis.
    """
    out = _CONTROL_RE.sub(_replace, text)
    if one_line:
        out = out.replace("\n", "\u2424").replace("\t", "\u2409").replace("\r", "\u240d")
    if max_chars is not None and len(out) > max_chars:
        out = out[: max(0, max_chars - 1)] + "…"
    return out


_ONE_TO_ONE = {
    **{chr(c): chr(0x2400 + c) for c in range(0x20)},
    "\x7f": "\u2421",
    **{chr(c): "\ufffd" for c in range(0x80, 0xA0)},
    **{ch: "\ufffd" for ch in _BIDI_CONTROLS},
    "\u2028": "\u2424",
    "\u2029": "\u2424",
}
_ONE_TO_ONE_TABLE = str.maketrans(_ONE_TO_ONE)


_MULTILINE_TABLE = str.maketrans({k: v for k, v in _ONE_TO_ONE.items() if k not in "\n\t"})


def visible_same_length(text: str, *, keep_newlines: bool = False) -> str:
    """Like ``visible(one_line=True)`` but every character maps to exactly one character,
    so cursor positions in an editable field stay right. ``keep_newlines`` keeps line
    breaks and tabs (for multi-line text areas)."""
    return text.translate(_MULTILINE_TABLE if keep_newlines else _ONE_TO_ONE_TABLE)
