"""The checker the definition validator reads every value with: texts, ids, numbers,
choices and texts per language, each problem recorded with the file's line."""

from __future__ import annotations

import re
from typing import Any

from rc_tui.domain.instruments.model import Localized
from rc_tui.domain.instruments.yamlread import Path_, Problem, fmt_path
from rc_tui.i18n import LANGUAGES

ID_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


class Checker:
    """Reads one value of a definition as the schema asks, recording every problem with its
    line (a wrong value is replaced by a harmless one so that checking can go on)."""

    def __init__(self, name: str, lines: dict[Path_, int]) -> None:
        self.name = name
        self.lines = lines
        self.problems: list[Problem] = []

    def fail(self, path: Path_, message: str) -> None:
        line = None
        probe = path
        while probe and line is None:
            line = self.lines.get(probe)
            probe = probe[:-1]
        self.problems.append(Problem(self.name, line or self.lines.get(()), fmt_path(path),
                                     message))

    # -- shapes
    def mapping(self, value: Any, path: Path_, *, required: tuple[str, ...],
                optional: tuple[str, ...]) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.fail(path, "expected a mapping (key: value lines)")
            return None
        for key in required:
            if key not in value:
                self.fail(path, f"missing required key '{key}'")
        for key in value:
            if key not in required and key not in optional:
                known = ", ".join(sorted((*required, *optional)))
                self.fail((*path, key), f"unknown key '{key}' (known keys: {known})")
        return value

    def seq(self, value: Any, path: Path_, *, non_empty: bool = True) -> list[Any]:
        if not isinstance(value, list):
            self.fail(path, "expected a list")
            return []
        if non_empty and not value:
            self.fail(path, "the list is empty")
        return value

    def text(self, value: Any, path: Path_) -> str:
        if not isinstance(value, str) or not value.strip():
            self.fail(path, "expected a non-empty text")
            return ""
        return value

    def ident(self, value: Any, path: Path_) -> str:
        if not isinstance(value, str) or not ID_RE.match(value):
            self.fail(path, "expected an id: lower-case letters, digits, '_', '.', '-' "
                            "(at most 64), starting with a letter or digit")
            return "?"
        return value

    def integer(self, value: Any, path: Path_, minimum: int | None = None) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            self.fail(path, "expected a whole number")
            return 0
        try:
            number = int(value)
        except ValueError:
            self.fail(path, f"expected a whole number, got '{value}'")
            return 0
        if minimum is not None and number < minimum:
            self.fail(path, f"must be at least {minimum}")
        return number

    def number(self, value: Any, path: Path_) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            self.fail(path, "expected a number")
            return 0.0
        try:
            return float(value)
        except ValueError:
            self.fail(path, f"expected a number, got '{value}'")
            return 0.0

    def boolean(self, value: Any, path: Path_) -> bool:
        if isinstance(value, bool):
            return value
        if value in ("true", "false"):
            return bool(value == "true")
        self.fail(path, f"expected true or false, got '{value}'")
        return False

    def choice(self, value: Any, path: Path_, allowed: tuple[str, ...]) -> str:
        if value not in allowed:
            self.fail(path, f"must be one of: {', '.join(allowed)} (got '{value}')")
            return allowed[0] if allowed else ""
        return str(value)

    def localized(self, value: Any, path: Path_) -> Localized:
        if isinstance(value, str):
            return Localized(((LANGUAGES[0], self.text(value, path)),))
        if isinstance(value, dict):
            pairs: list[tuple[str, str]] = []
            for lang, text in value.items():
                if lang not in LANGUAGES:
                    self.fail((*path, lang), f"unknown language '{lang}' (use "
                                             f"{', '.join(LANGUAGES)})")
                    continue
                pairs.append((lang, self.text(text, (*path, lang))))
            if not pairs:
                self.fail(path, "give the text in at least one language")
            order = {lang: i for i, lang in enumerate(LANGUAGES)}
            return Localized(tuple(sorted(pairs, key=lambda p: order[p[0]])))
        self.fail(path, "expected a text, or a mapping of language to text (sv:, en:)")
        return Localized(())
