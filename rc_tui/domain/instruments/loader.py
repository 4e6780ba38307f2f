"""Load and validate instrument definition files (YAML), with errors that name the file,
the line and the problem.

The YAML is read as plain strings with line numbers (``yamlread``); the validator
converts numbers and booleans where the schema asks for them. The same validator reads
the snapshot stored with an assessment (plain JSON data, no line numbers).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from rc_tui.domain.instruments.checker import Checker
from rc_tui.domain.instruments.items import Items
from rc_tui.domain.instruments.model import (
    BUILTIN_LEVELS,
    FEATURES,
    NOT_KNOWN,
    PRESENCE,
    SCORING_METHODS,
    TARGETS,
    TIMEFRAMES,
    YES_NO,
    Dimension,
    Instrument,
    Item,
    Level,
    Localized,
    Scoring,
    Section,
    Threshold,
)
from rc_tui.domain.instruments.yamlread import (
    DefinitionError,
    Path_,
    Problem,
    read_yaml,
)

# DefinitionError, Problem and read_yaml (from yamlread) are part of this module's API
__all__ = [
    "FORMAT", "MAX_FILE_BYTES", "DefinitionError", "Problem", "from_snapshot",
    "from_snapshot_json", "load_file", "load_text", "read_yaml", "safe_snapshot",
    "thresholds_from", "validate",
]

FORMAT = 1
MAX_FILE_BYTES = 1_000_000
MAX_ITEMS = 400

BUILTIN_LEVEL_LABELS = {
    "low": {"sv": "låg", "en": "low"},
    "medium": {"sv": "medel", "en": "medium"},
    "high": {"sv": "hög", "en": "high"},
}


# ---------------------------------------------------------------------- validation

def _levels(ck: Checker, value: Any, path: Path_) -> tuple[Level, ...]:
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


def _judgement(ck: Checker, value: Any, path: Path_) -> tuple[Dimension, ...]:
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


def thresholds_from(ck: Checker, value: Any, path: Path_, levels: tuple[str, ...]
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


def _scoring(ck: Checker, value: Any, path: Path_, levels: tuple[str, ...]) -> Scoring:
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


TOP_REQUIRED = ("format", "id", "version", "title", "target", "licence", "training_required",
                "sections")
TOP_OPTIONAL = ("description", "notice", "sources", "features", "reassess", "judgement",
                "scoring", "sets_current_level")


# C901: a flat list of independent checks on a definition file, each an `if` that
# records one problem (every problem is reported, not only the first)
def validate(data: Any, *, name: str, lines: dict[Path_, int] | None = None,  # noqa: C901
             origin: str = "shipped") -> Instrument:
    """An ``Instrument`` from plain data, or ``DefinitionError`` listing every problem."""
    ck = Checker(name, lines or {})
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
    builder = Items(ck, main_levels, {k for k, _t in sources})
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
