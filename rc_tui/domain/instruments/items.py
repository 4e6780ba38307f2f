"""The items of an instrument definition: question types, options, points, critical
answers, conditions (``when``) and sub-items, checked with every problem reported."""

from __future__ import annotations

import re
from typing import Any

from rc_tui.domain.instruments.checker import Checker
from rc_tui.domain.instruments.model import (
    ITEM_TYPES,
    NOT_KNOWN,
    Critical,
    Item,
    Option,
)
from rc_tui.domain.instruments.yamlread import Path_

KEY_RE = re.compile(r"^[a-z0-9]$")
#: Keys the form uses on every item: evidence, guidance, insufficient/unknown.
RESERVED_KEYS = ("e", "g", "i")
ITEM_KEYS = ("text", "guidance", "sources", "weight", "points", "critical", "options", "min",
             "max", "required", "when", "items")


class Items:
    """The items of a section (and their sub-items), checked one by one; ``seen`` holds
    every item id so far (ids are unique across the instrument)."""

    def __init__(self, ck: Checker, levels: tuple[str, ...], source_keys: set[str]) -> None:
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
