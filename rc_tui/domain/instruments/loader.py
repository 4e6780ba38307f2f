"""Load and validate instrument definition files (YAML), with errors that name the file,
the line and the problem.

YAML is read with PyYAML's *composer* only: we get the node tree with line numbers and
turn every scalar into a string ourselves, so no YAML implicit typing applies (``no``
stays the text "no", never ``False``); the validator converts numbers and booleans where
the schema asks for them. The same validator reads the snapshot stored with an
assessment (plain JSON data, no line numbers).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from rc_tui.domain.instruments.model import (
    BUILTIN_LEVELS,
    FEATURES,
    ITEM_TYPES,
    NOT_KNOWN,
    PRESENCE,
    SCORING_METHODS,
    TARGETS,
    TIMEFRAMES,
    YES_NO,
    Critical,
    Dimension,
    Instrument,
    Item,
    Level,
    Localized,
    Option,
    Scoring,
    Section,
    Threshold,
)
from rc_tui.i18n import LANGUAGES

FORMAT = 1
ID_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
KEY_RE = re.compile(r"^[a-z0-9]$")
#: Keys the form uses on every item: evidence, guidance, insufficient/unknown.
RESERVED_KEYS = ("e", "g", "i")
MAX_FILE_BYTES = 1_000_000
MAX_ITEMS = 400

Path_ = tuple[str | int, ...]

BUILTIN_LEVEL_LABELS = {
    "low": {"sv": "låg", "en": "low"},
    "medium": {"sv": "medel", "en": "medium"},
    "high": {"sv": "hög", "en": "high"},
}


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


# ---------------------------------------------------------------------- YAML reading

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
            raise DefinitionError([Problem("", line, _fmt(path), "aliases (*name) are not "
                                           "allowed in a definition: write it out")])
        self.seen.add(id(node))
        if len(path) > MAX_DEPTH:
            raise DefinitionError([Problem("", line, _fmt(path), "nested too deeply")])
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
                                               _fmt(path), "keys must be plain words")])
            key = str(key_node.value)
            if key in out:
                raise DefinitionError([Problem("", key_node.start_mark.line + 1,
                                               _fmt((*path, key)), "key given twice")])
            lines[(*path, key)] = key_node.start_mark.line + 1  # problems point at the key
            out[key] = _plain(value_node, (*path, key), lines, budget)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_plain(v, (*path, i), lines, budget) for i, v in enumerate(node.value)]
    assert isinstance(node, yaml.ScalarNode)
    return str(node.value)


def read_yaml(text: str, name: str) -> tuple[Any, dict[Path_, int]]:
    """The document as plain data (strings, lists, dicts) and the line of every path."""
    import yaml  # only when a definition file is read (keeps the start fast)

    lines: dict[Path_, int] = {}
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


def _fmt(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


# ---------------------------------------------------------------------- validation

class _Checker:
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
        self.problems.append(Problem(self.name, line or self.lines.get(()), _fmt(path),
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


def _levels(ck: _Checker, value: Any, path: Path_) -> tuple[Level, ...]:
    out: list[Level] = []
    for i, raw in enumerate(ck.seq(value, path)):
        if isinstance(raw, str):
            if raw not in BUILTIN_LEVELS:
                ck.fail((*path, i), f"level '{raw}' has no built-in label; write it as "
                                    "{id: ..., label: ...}")
                continue
            out.append(Level(raw, ck.localized(BUILTIN_LEVEL_LABELS[raw], (*path, i))))
        else:
            m = ck.mapping(raw, (*path, i), required=("id", "label"), optional=())
            if m is not None:
                out.append(Level(ck.ident(m.get("id"), (*path, i, "id")),
                                 ck.localized(m.get("label"), (*path, i, "label"))))
    ids = [lv.id for lv in out]
    for lid in {x for x in ids if ids.count(x) > 1}:
        ck.fail(path, f"level '{lid}' given twice")
    return tuple(out)


def _judgement(ck: _Checker, value: Any, path: Path_) -> tuple[Dimension, ...]:
    if value is None:
        return (Dimension("risk", Localized((("sv", "Risknivå"), ("en", "Risk level"))),
                          tuple(Level(x, Localized(tuple(BUILTIN_LEVEL_LABELS[x].items())))
                                for x in BUILTIN_LEVELS)),)
    dims: list[Dimension] = []
    for i, raw in enumerate(ck.seq(value, path)):
        m = ck.mapping(raw, (*path, i), required=("id", "title", "levels"), optional=())
        if m is None:
            continue
        dims.append(Dimension(ck.ident(m.get("id"), (*path, i, "id")),
                              ck.localized(m.get("title"), (*path, i, "title")),
                              _levels(ck, m.get("levels"), (*path, i, "levels"))))
    ids = [d.id for d in dims]
    for did in {x for x in ids if ids.count(x) > 1}:
        ck.fail(path, f"dimension '{did}' given twice")
    return tuple(dims)


def thresholds_from(ck: _Checker, value: Any, path: Path_, levels: tuple[str, ...]
                    ) -> tuple[Threshold, ...]:
    out: list[Threshold] = []
    for i, raw in enumerate(ck.seq(value, path)):
        m = ck.mapping(raw, (*path, i), required=("min", "level"), optional=())
        if m is None:
            continue
        out.append(Threshold(ck.number(m.get("min"), (*path, i, "min")),
                             ck.choice(m.get("level"), (*path, i, "level"), levels)
                             if levels else str(m.get("level"))))
    for i in range(1, len(out)):
        if out[i].minimum <= out[i - 1].minimum:
            ck.fail((*path, i, "min"), "thresholds must rise: each 'min' above the one before")
        if levels and out[i].level in levels and out[i - 1].level in levels and \
                levels.index(out[i].level) <= levels.index(out[i - 1].level):
            ck.fail((*path, i, "level"), "levels must rise with the thresholds")
    return tuple(out)


def _scoring(ck: _Checker, value: Any, path: Path_, levels: tuple[str, ...]) -> Scoring:
    if value is None:
        return Scoring()
    m = ck.mapping(value, path, required=("method",),
                   optional=("thresholds", "count_answers", "max_insufficient", "timeframe"))
    if m is None:
        return Scoring()
    method = ck.choice(m.get("method"), (*path, "method"), SCORING_METHODS)
    thresholds: tuple[Threshold, ...] = ()
    if "thresholds" in m:
        if method == "none":
            ck.fail((*path, "thresholds"), "method 'none' has no thresholds")
        thresholds = thresholds_from(ck, m["thresholds"], (*path, "thresholds"), levels)
    elif method != "none":
        ck.fail(path, f"method '{method}' needs 'thresholds'")
    count_answers: tuple[str, ...] = ("yes", "present")
    if "count_answers" in m:
        if method != "count":
            ck.fail((*path, "count_answers"), "count_answers is only for method 'count'")
        count_answers = tuple(
            ck.choice(a, (*path, "count_answers", i),
                      tuple(x for x in (*YES_NO, *PRESENCE) if x not in NOT_KNOWN))
            for i, a in enumerate(ck.seq(m["count_answers"], (*path, "count_answers"))))
    max_ins = (ck.integer(m["max_insufficient"], (*path, "max_insufficient"), 0)
               if "max_insufficient" in m else None)
    timeframe = (ck.choice(m["timeframe"], (*path, "timeframe"), (*TIMEFRAMES, "both"))
                 if "timeframe" in m else "now")
    return Scoring(method, thresholds, count_answers, max_ins, timeframe)


ITEM_KEYS = ("text", "guidance", "sources", "weight", "points", "critical", "options", "min",
             "max", "required", "when", "items")


class _Items:
    def __init__(self, ck: _Checker, levels: tuple[str, ...], source_keys: set[str]) -> None:
        self.ck = ck
        self.levels = levels
        self.source_keys = source_keys
        self.seen: set[str] = set()

    def items(self, value: Any, path: Path_, *, section: str, timeframes: tuple[str, ...],
              parent: Item | None, depth: int) -> tuple[Item, ...]:
        out = []
        for i, raw in enumerate(self.ck.seq(value, path)):
            item = self.item(raw, (*path, i), section=section, timeframes=timeframes,
                             parent=parent, depth=depth)
            if item is not None:
                out.append(item)
        return tuple(out)

    # C901: a flat list of independent checks on one item of a definition file, each an
    # `if` that records one problem (every problem is reported, not only the first)
    def item(self, raw: Any, path: Path_, *, section: str, timeframes: tuple[str, ...],  # noqa: C901
             parent: Item | None, depth: int) -> Item | None:
        ck = self.ck
        m = ck.mapping(raw, path, required=("id", "type"), optional=ITEM_KEYS)
        if m is None:
            return None
        item_id = ck.ident(m.get("id"), (*path, "id"))
        if "@" in item_id or item_id in self.seen:
            ck.fail((*path, "id"), f"item id '{item_id}' is used twice")
        self.seen.add(item_id)
        kind = ck.choice(m.get("type"), (*path, "type"), ITEM_TYPES)
        if "text" not in m:
            ck.fail(path, "missing required key 'text'")
        text = ck.localized(m.get("text", ""), (*path, "text"))
        guidance = ck.localized(m["guidance"], (*path, "guidance")) if "guidance" in m else None
        sources = tuple(str(s) for s in ck.seq(m.get("sources", []), (*path, "sources"),
                                               non_empty=False))
        for i, key in enumerate(sources):
            if key not in self.source_keys:
                ck.fail((*path, "sources", i), f"source '{key}' is not in the top-level "
                                               "'sources' list")
        scored = kind in ("yes_no", "presence", "scale", "choice")
        weight = ck.integer(m["weight"], (*path, "weight"), 0) if "weight" in m else 1
        if "weight" in m and not scored:
            ck.fail((*path, "weight"), f"a '{kind}' item is not scored and has no weight")
        minimum = maximum = 0
        if kind == "scale":
            if "min" not in m or "max" not in m:
                ck.fail(path, "a scale needs 'min' and 'max'")
            minimum = ck.integer(m.get("min", 0), (*path, "min"), 0)
            maximum = ck.integer(m.get("max", 0), (*path, "max"), 0)
            if maximum <= minimum or maximum > 9:
                ck.fail((*path, "max"), "a scale runs from 'min' to a higher 'max' of at "
                                        "most 9 (one key per step)")
        elif "min" in m or "max" in m:
            ck.fail((*path, "min" if "min" in m else "max"), "only a scale has min and max")
        options: tuple[Option, ...] = ()
        if kind == "choice":
            options = self.options(m.get("options"), (*path, "options"))
        elif "options" in m:
            ck.fail((*path, "options"), "only a choice item has options")
        probe = Item(item_id, kind, text, options=options, minimum=minimum, maximum=maximum)
        allowed = probe.allowed_answers() or ()
        points: tuple[tuple[str, int], ...] = ()
        if "points" in m:
            pm = m["points"]
            if not scored or kind == "choice" or not isinstance(pm, dict):
                ck.fail((*path, "points"), "points are a mapping of answer to points, for "
                                           "yes_no, presence and scale items")
            else:
                pts = []
                for answer, value in pm.items():
                    if answer not in allowed or answer in NOT_KNOWN:
                        ck.fail((*path, "points", answer),
                                f"'{answer}' is not a scored answer of a {kind} item")
                    pts.append((answer, ck.integer(value, (*path, "points", answer))))
                points = tuple(pts)
        critical = None
        if "critical" in m:
            cm = ck.mapping(m["critical"], (*path, "critical"), required=("answers", "level"),
                            optional=())
            if cm is not None:
                answers = tuple(ck.choice(a, (*path, "critical", "answers", i),
                                          tuple(x for x in allowed if x not in NOT_KNOWN)
                                          or ("?",))
                                for i, a in enumerate(ck.seq(cm.get("answers"),
                                                             (*path, "critical", "answers"))))
                level = ck.choice(cm.get("level"), (*path, "critical", "level"), self.levels)
                critical = Critical(answers, level)
                if not scored:
                    ck.fail((*path, "critical"), f"a '{kind}' item cannot be critical")
        required = ck.boolean(m["required"], (*path, "required")) if "required" in m \
            else kind in ("yes_no", "presence", "scale", "choice")
        when: tuple[str, ...] = ()
        if "when" in m:
            if "items" not in m:
                ck.fail((*path, "when"), "'when' says when the sub-items show: add 'items'")
            when = tuple(ck.choice(a, (*path, "when", i), allowed or ("?",))
                         for i, a in enumerate(ck.seq(m["when"], (*path, "when"))))
        elif "items" in m:
            ck.fail(path, "sub-items need 'when': the answers that show them")
        item = Item(item_id, kind, text, guidance, sources, weight, points, critical, options,
                    minimum, maximum, required, when, (), parent.id if parent else None, depth,
                    section, timeframes)
        if "items" in m:
            if depth >= 2:
                ck.fail((*path, "items"), "sub-items may be nested at most two levels deep")
            children = self.items(m["items"], (*path, "items"), section=section,
                                  timeframes=timeframes, parent=item, depth=depth + 1)
            item = Item(item_id, kind, text, guidance, sources, weight, points, critical,
                        options, minimum, maximum, required, when, children, item.parent,
                        depth, section, timeframes)
        return item

    def options(self, value: Any, path: Path_) -> tuple[Option, ...]:
        ck = self.ck
        out: list[Option] = []
        for i, raw in enumerate(ck.seq(value, path)):
            m = ck.mapping(raw, (*path, i), required=("id", "key", "label"),
                           optional=("points",))
            if m is None:
                continue
            key = m.get("key")
            if not isinstance(key, str) or not KEY_RE.match(key) or key in RESERVED_KEYS:
                ck.fail((*path, i, "key"), "the key is one lower-case letter or digit, not "
                                           "e, g or i (evidence, guidance, unknown)")
                key = "?"
            oid = ck.ident(m.get("id"), (*path, i, "id"))
            if oid in NOT_KNOWN:
                ck.fail((*path, i, "id"), f"'{oid}' is reserved")
            out.append(Option(oid, str(key),
                              ck.localized(m.get("label"), (*path, i, "label")),
                              ck.integer(m["points"], (*path, i, "points"))
                              if "points" in m else 0))
        for attr in ("id", "key"):
            values = [getattr(o, attr) for o in out]
            for v in {x for x in values if values.count(x) > 1}:
                ck.fail(path, f"option {attr} '{v}' given twice")
        return tuple(out)


TOP_REQUIRED = ("format", "id", "version", "title", "target", "licence", "training_required",
                "sections")
TOP_OPTIONAL = ("description", "notice", "sources", "features", "reassess", "judgement",
                "scoring", "sets_current_level")


# C901: a flat list of independent checks on a definition file, each an `if` that
# records one problem (every problem is reported, not only the first)
def validate(data: Any, *, name: str, lines: dict[Path_, int] | None = None,  # noqa: C901
             origin: str = "shipped") -> Instrument:
    """An ``Instrument`` from plain data, or ``DefinitionError`` listing every problem."""
    ck = _Checker(name, lines or {})
    m = ck.mapping(data, (), required=TOP_REQUIRED, optional=TOP_OPTIONAL)
    if m is None:
        raise DefinitionError(ck.problems)
    if "format" in m and str(m["format"]) != str(FORMAT):
        ck.fail(("format",), f"this rc-tui reads format {FORMAT}, not '{m['format']}'")
        raise DefinitionError(ck.problems)
    inst_id = ck.ident(m.get("id"), ("id",))
    version = ck.text(m.get("version"), ("version",))
    title = ck.localized(m.get("title"), ("title",))
    target = ck.choice(m.get("target"), ("target",), TARGETS)
    licence = ck.text(m.get("licence"), ("licence",))
    training = ck.boolean(m.get("training_required"), ("training_required",))
    description = ck.localized(m["description"], ("description",)) if "description" in m \
        else None
    notice = ck.localized(m["notice"], ("notice",)) if "notice" in m else None
    sources: list[tuple[str, str]] = []
    if "sources" in m:
        sm = ck.mapping(m["sources"], ("sources",), required=(), optional=tuple(
            m["sources"]) if isinstance(m["sources"], dict) else ())
        for key, text in (sm or {}).items():
            sources.append((ck.ident(key, ("sources", key)), ck.text(text, ("sources", key))))
    features = tuple(ck.choice(f, ("features", i), FEATURES)
                     for i, f in enumerate(ck.seq(m.get("features", []), ("features",),
                                                  non_empty=False)))
    reassess_days: int | None = None
    on_incident = False
    if "reassess" in m:
        rm = ck.mapping(m["reassess"], ("reassess",), required=(),
                        optional=("days", "on_incident"))
        if rm is not None:
            if "days" in rm:
                reassess_days = ck.integer(rm["days"], ("reassess", "days"), 1)
            if "on_incident" in rm:
                on_incident = ck.boolean(rm["on_incident"], ("reassess", "on_incident"))
    sets_level = ck.boolean(m["sets_current_level"], ("sets_current_level",)) \
        if "sets_current_level" in m else True
    judgement = _judgement(ck, m.get("judgement"), ("judgement",))
    main_levels = judgement[0].level_ids() if judgement else ()
    scoring = _scoring(ck, m.get("scoring"), ("scoring",), main_levels)
    builder = _Items(ck, main_levels, {k for k, _t in sources})
    sections: list[Section] = []
    section_ids: set[str] = set()
    for i, raw in enumerate(ck.seq(m.get("sections"), ("sections",))):
        sm2 = ck.mapping(raw, ("sections", i), required=("id", "title", "items"),
                         optional=("timeframes",))
        if sm2 is None:
            continue
        sid = ck.ident(sm2.get("id"), ("sections", i, "id"))
        if sid in section_ids:
            ck.fail(("sections", i, "id"), f"section id '{sid}' is used twice")
        section_ids.add(sid)
        tfs: tuple[str, ...] = ()
        if "timeframes" in sm2:
            tfs = tuple(ck.choice(t, ("sections", i, "timeframes", j), TIMEFRAMES)
                        for j, t in enumerate(ck.seq(sm2["timeframes"],
                                                     ("sections", i, "timeframes"))))
            if len(set(tfs)) != len(tfs):
                ck.fail(("sections", i, "timeframes"), "a time frame is given twice")
        sections.append(Section(sid, ck.localized(sm2.get("title"), ("sections", i, "title")),
                                builder.items(sm2.get("items"), ("sections", i, "items"),
                                              section=sid, timeframes=tfs, parent=None,
                                              depth=0),
                                tfs))
    if len(builder.seen) > MAX_ITEMS:
        ck.fail(("sections",), f"at most {MAX_ITEMS} items in one instrument")
    if not judgement:
        ck.fail(("judgement",), "the summary judgement needs at least one line")
    elif any(len(d.levels) > 9 or not d.levels for d in judgement):
        ck.fail(("judgement",), "each judgement line has 1 to 9 levels (one key each)")
    if scoring.method != "none" and not any(
            it.scored for s in sections for it in _walk(s.items)):
        ck.fail(("scoring", "method"), "nothing to score: no yes_no, presence, scale or "
                                       "choice items")
    if ck.problems:
        raise DefinitionError(ck.problems)
    return Instrument(inst_id, version, title, target, licence, training, tuple(sections),
                      judgement, scoring, description, notice, tuple(sources), features,
                      reassess_days, on_incident, origin, name, sets_level, raw=data)


def _walk(items: tuple[Item, ...]) -> list[Item]:
    out: list[Item] = []
    for item in items:
        out.append(item)
        out.extend(_walk(item.children))
    return out


def load_text(text: str, name: str, origin: str = "shipped") -> Instrument:
    data, lines = read_yaml(text, name)
    return validate(data, name=name, lines=lines, origin=origin)


def load_file(path: Path, origin: str = "organisation") -> Instrument:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise DefinitionError([Problem(str(path), None, "", "the file is larger than 1 MB")])
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise DefinitionError([Problem(str(path), None, "", "the file is not UTF-8 text")]
                              ) from None
    except OSError as exc:
        raise DefinitionError([Problem(str(path), None, "",
                                       f"cannot be read ({exc.strerror})")]) from None
    return load_text(text, str(path), origin)


def from_snapshot(data: dict[str, Any]) -> Instrument:
    """The instrument exactly as it was when an assessment was made."""
    return validate(data, name="snapshot", origin="snapshot")


@lru_cache(maxsize=64)
def from_snapshot_json(text: str) -> Instrument:
    """``from_snapshot`` of stored JSON (cached: lists show many of the same)."""
    try:
        data = json.loads(text)
    except ValueError:
        raise DefinitionError([Problem("snapshot", None, "", "not JSON")]) from None
    return from_snapshot(data)


def safe_snapshot(text: str) -> Instrument | None:
    """The stored definition, or None when it cannot be read (lists and due items then
    show what they can instead of failing)."""
    try:
        return from_snapshot_json(text)
    except (DefinitionError, RecursionError, TypeError, ValueError):
        return None
