"""Passphrase rules, the same for the UI and the CLI (plain Python, no terminal)."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from rc_tui.i18n import _

MIN_LENGTH = 12
MAX_LENGTH = 1024

_LEET = str.maketrans({"0": "o", "1": "l", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a",
                       "$": "s", "!": "i"})


@cache
def common_passwords() -> frozenset[str]:
    text = resources.files("rc_tui.data").joinpath("common-passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def _bases(candidate: str) -> set[str]:
    low = candidate.lower().strip()
    stripped = re.sub(r"[\W\d_]+$", "", low)  # "Sommar2026!" -> "sommar"
    stripped = re.sub(r"^[\W\d_]+", "", stripped)
    squashed = re.sub(r"[\s\-_.]+", "", low)
    return {low, stripped, squashed, low.translate(_LEET), stripped.translate(_LEET)}


def problems(passphrase: str, username: str = "") -> list[str]:
    """Translated reasons why ``passphrase`` is refused; empty when it is acceptable."""
    reasons: list[str] = []
    if len(passphrase) < MIN_LENGTH:
        reasons.append(_("The passphrase must have at least {n} characters.", n=MIN_LENGTH))
    if len(passphrase) > MAX_LENGTH:
        reasons.append(_("The passphrase may have at most {n} characters.", n=MAX_LENGTH))
    if any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in passphrase):
        reasons.append(_("The passphrase may not contain control characters."))
    if passphrase and len(set(passphrase)) < 4:
        reasons.append(_("The passphrase repeats too few different characters."))
    common = common_passwords()
    if any(b in common for b in _bases(passphrase) if b):
        reasons.append(_("The passphrase is on the list of common passwords."))
    if username and len(username) >= 3 and username.lower() in passphrase.lower():
        reasons.append(_("The passphrase may not contain the username."))
    return reasons
