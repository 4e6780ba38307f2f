"""Reading an instrument definition's YAML: plain data with the line of every path, and
the problems a definition can have (each naming the file, the line and the path).

YAML is read with PyYAML's *composer* only: we get the node tree with line numbers and
turn every scalar into a string ourselves, so no YAML implicit typing applies (``no``
stays the text "no", never ``False``). Aliases, deep nesting and sheer size are refused.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

#: where a value sits in the document: keys and list indexes from the top
Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class DefinitionError(Exception):
    """A definition that cannot be used; ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


MAX_DEPTH = 24
MAX_NODES = 50_000


class _Budget:
    """Guards against hostile YAML: aliases (one node used twice, "billion laughs" and
    self-reference), deep nesting and sheer size are refused with a line number."""

    def __init__(self) -> None:
        self.seen: set[int] = set()

    def take(self, node: Any, path: Path_) -> None:
        line = node.start_mark.line + 1
        if id(node) in self.seen:
            raise DefinitionError([Problem("", line, fmt_path(path), "aliases (*name) are not "
                                           "allowed in a definition: write it out")])
        self.seen.add(id(node))
        if len(path) > MAX_DEPTH:
            raise DefinitionError([Problem("", line, fmt_path(path), "nested too deeply")])
        if len(self.seen) > MAX_NODES:
            raise DefinitionError([Problem("", line, "", "the definition is too large")])


def _plain(node: Any, path: Path_, lines: dict[Path_, int], budget: _Budget | None = None
           ) -> Any:
    import yaml

    budget = budget or _Budget()
    budget.take(node, path)
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise DefinitionError([Problem("", key_node.start_mark.line + 1,
                                               fmt_path(path), "keys must be plain words")])
            key = str(key_node.value)
            if key in out:
                raise DefinitionError([Problem("", key_node.start_mark.line + 1,
                                               fmt_path((*path, key)), "key given twice")])
            lines[(*path, key)] = key_node.start_mark.line + 1  # problems point at the key
            out[key] = _plain(value_node, (*path, key), lines, budget)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_plain(v, (*path, i), lines, budget) for i, v in enumerate(node.value)]
    assert isinstance(node, yaml.ScalarNode)
    return str(node.value)


def read_yaml(text: str, name: str) -> tuple[Any, dict[Path_, int]]:
    """The document as plain data (strings, lists, dicts) and the line of every path.

    The text is composed (NFC) first, as stored text is: the definition an assessment
    stores, and its digest, are then the same however the file was saved."""
    import yaml  # only when a definition file is read (keeps the start fast)

    lines: dict[Path_, int] = {}
    text = unicodedata.normalize("NFC", text)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise DefinitionError([Problem(name, line, "", f"not valid YAML: {exc.problem}")]
                              ) from None
    except yaml.YAMLError as exc:
        raise DefinitionError([Problem(name, None, "", f"not valid YAML: {exc}")]) from None
    except (RecursionError, MemoryError):
        raise DefinitionError([Problem(name, None, "", "nested too deeply or too large")]
                              ) from None
    if node is None:
        raise DefinitionError([Problem(name, None, "", "the file is empty")])
    try:
        return _plain(node, (), lines), lines
    except DefinitionError as exc:
        raise DefinitionError([Problem(name, p.line, p.path, p.message)
                               for p in exc.problems]) from None


def fmt_path(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out
