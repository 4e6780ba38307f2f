"""Duplicate detection helpers: name normalisation and similarity (plain Python)."""

from __future__ import annotations

import unicodedata
from datetime import date
from difflib import SequenceMatcher

DEFAULT_THRESHOLD = 0.85


def normalize_name(text: str) -> str:
    """NFC-normalised, case-folded, whitespace collapsed and stripped. Å, ä and ö stay
    distinct letters (``"Åsa"`` and ``"Asa"`` are not the same name)."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def _ratio(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def name_similarity(a: str, b: str) -> float:
    """Similarity 0..1 of two full names ("given family"). The order of the name parts does
    not matter, so "Anna Svensson" and "Svensson Anna" match fully. Empty names are never
    similar (0.0)."""
    na, nb = normalize_name(a), normalize_name(b)
    if not na or not nb:
        return 0.0
    if na == nb:
        return 1.0
    sorted_a = " ".join(sorted(na.split()))
    sorted_b = " ".join(sorted(nb.split()))
    return max(_ratio(na, nb), _ratio(sorted_a, sorted_b))


def is_probable_duplicate(
    given_a: str,
    family_a: str,
    birth_a: date | None,
    given_b: str,
    family_b: str,
    birth_b: date | None,
    threshold: float = DEFAULT_THRESHOLD,
) -> bool:
    """True when both birth dates are known and equal and the names are at least
    ``threshold`` similar (given and family name may be swapped)."""
    if not 0.0 <= threshold <= 1.0:
        raise ValueError("threshold must be between 0 and 1")
    if birth_a is None or birth_b is None or birth_a != birth_b:
        return False
    return name_similarity(f"{given_a} {family_a}", f"{given_b} {family_b}") >= threshold
