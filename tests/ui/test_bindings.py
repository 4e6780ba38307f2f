"""Key bindings: every binding of the UI has a stable id, unique within its screen (the
command palette is built from them, and a user keymap can name them)."""

from __future__ import annotations

import importlib
import pkgutil

from textual.binding import Binding
from textual.dom import DOMNode

import screens
from screens.app import RcApp


def _ui_classes() -> list[type[DOMNode]]:
    for info in pkgutil.walk_packages(screens.__path__, "screens."):
        importlib.import_module(info.name)
    found: list[type[DOMNode]] = []
    pending: list[type[DOMNode]] = [DOMNode]
    while pending:
        for sub in pending.pop().__subclasses__():
            pending.append(sub)
            if sub.__module__.startswith("screens.") and sub not in found:
                found.append(sub)
    return found


def _bindings(cls: type[DOMNode]) -> list[Binding]:
    """The bindings the class has, its own and those it inherits from rc-tui classes
    (Textual's own bindings carry no ids and are not ours to name)."""
    seen: list[Binding] = []
    for base in cls.__mro__:
        if base.__module__.startswith("screens.") and "BINDINGS" in vars(base):
            for item in vars(base)["BINDINGS"]:
                assert isinstance(item, Binding), (base.__name__, item)
                if not any(item is s for s in seen):
                    seen.append(item)
    return seen


def test_every_binding_has_an_id_unique_in_its_class() -> None:
    classes = _ui_classes()
    assert RcApp in classes and len(classes) > 40  # the discovery finds the screens
    problems: list[str] = []
    for cls in classes:
        ids: dict[str, Binding] = {}
        for binding in _bindings(cls):
            if not binding.id:
                problems.append(f"{cls.__name__}: {binding.key} -> {binding.action} has no id")
            elif binding.id in ids:
                problems.append(f"{cls.__name__}: id {binding.id} used twice")
            else:
                ids[binding.id] = binding
    assert not problems, "\n".join(problems)


def test_binding_ids_are_written_out() -> None:
    """Ids are literal, dotted and lower case ("person.new-note"): stable across releases,
    not derived from the key or the description (which change with the language)."""
    for cls in _ui_classes():
        for binding in _bindings(cls):
            assert binding.id is not None
            scope, _, name = binding.id.partition(".")
            assert scope and name and binding.id == binding.id.lower(), binding.id
            assert " " not in binding.id, binding.id
