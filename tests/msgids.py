"""Collect translatable message ids from the source (used by test_i18n)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ["rc_tui", "screens"]


def collect() -> dict[str, str]:
    """msgid -> first place it is used."""
    found: dict[str, str] = {}
    for pkg in SOURCES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                arg = None
                if name == "_n" and len(node.args) >= 2:
                    for form in node.args[:2]:
                        if isinstance(form, ast.Constant) and isinstance(form.value, str):
                            found.setdefault(form.value, f"{path.relative_to(ROOT)}:{node.lineno}")
                    continue
                if name in {"_", "N_"} and node.args:
                    arg = node.args[0]
                elif name == "Binding" and len(node.args) >= 3:
                    arg = node.args[2]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value:
                    found.setdefault(arg.value, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def plural_pairs() -> dict[tuple[str, str], str]:
    """(singular, plural) of every ``_n`` call -> first place it is used."""
    found: dict[tuple[str, str], str] = {}
    for pkg in SOURCES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call) or len(node.args) < 2:
                    continue
                if getattr(node.func, "id", getattr(node.func, "attr", "")) != "_n":
                    continue
                one, other = node.args[0], node.args[1]
                if (isinstance(one, ast.Constant) and isinstance(one.value, str)
                        and isinstance(other, ast.Constant) and isinstance(other.value, str)):
                    found.setdefault((one.value, other.value),
                                     f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


if __name__ == "__main__":
    for msgid in sorted(collect()):
        print(msgid)
