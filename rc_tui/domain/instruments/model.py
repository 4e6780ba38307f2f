"""What an instrument definition is, once loaded and validated (plain, frozen data).

The definition files are described in ``docs/instruments.md``; ``loader`` turns a file
(or the snapshot stored with an assessment) into an ``Instrument``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rc_tui.i18n import language

#: Item types and the answers each allows (scale, number, date, choice, text: see ``Item``).
ITEM_TYPES = ("yes_no", "presence", "scale", "number", "date", "choice", "text")
TARGETS = ("victim", "perpetrator", "child")
TIMEFRAMES = ("now", "background")
SCORING_METHODS = ("none", "count", "weighted")
FEATURES = ("custom_factors", "scenarios", "incident_calendar")

#: Answers that mean "we do not know": never scored, never the same as "no"/"absent".
NOT_KNOWN = ("unknown", "insufficient")

YES_NO = ("yes", "no", "unknown")
PRESENCE = ("present", "partly", "absent", "insufficient")

#: Default points per answer (an item may set its own ``points``).
DEFAULT_POINTS: dict[str, dict[str, int]] = {
    "yes_no": {"yes": 1, "no": 0},
    "presence": {"present": 2, "partly": 1, "absent": 0},
}

#: Level codes with built-in labels; a definition may add its own with labels.
BUILTIN_LEVELS = ("low", "medium", "high")


@dataclass(frozen=True)
class Localized:
    """A text in one or more languages; ``str()`` gives the current language."""

    texts: tuple[tuple[str, str], ...]

    def get(self, lang: str | None = None) -> str:
        wanted = lang or language()
        table = dict(self.texts)
        if wanted in table:
            return table[wanted]
        return self.texts[0][1] if self.texts else ""

    def __str__(self) -> str:
        return self.get()


@dataclass(frozen=True)
class Option:
    id: str
    key: str
    label: Localized
    points: int = 0


@dataclass(frozen=True)
class Critical:
    """An answer that forces the suggested level to at least ``level``."""

    answers: tuple[str, ...]
    level: str


@dataclass(frozen=True)
class Item:
    id: str
    type: str
    text: Localized
    guidance: Localized | None = None
    sources: tuple[str, ...] = ()
    weight: int = 1
    points: tuple[tuple[str, int], ...] = ()
    critical: Critical | None = None
    options: tuple[Option, ...] = ()
    minimum: int = 0
    maximum: int = 0
    required: bool = True
    #: Sub-items are shown (and asked) only when this item's answer is one of ``when``.
    when: tuple[str, ...] = ()
    children: tuple[Item, ...] = ()
    parent: str | None = None
    depth: int = 0
    section: str = ""
    timeframes: tuple[str, ...] = ()

    @property
    def scored(self) -> bool:
        return self.type in ("yes_no", "presence", "scale", "choice")

    def allowed_answers(self) -> tuple[str, ...] | None:
        """The answer codes of a discrete item (None for number, date and text)."""
        if self.type == "yes_no":
            return YES_NO
        if self.type == "presence":
            return PRESENCE
        if self.type == "scale":
            return (*(str(v) for v in range(self.minimum, self.maximum + 1)), "insufficient")
        if self.type == "choice":
            return (*(o.id for o in self.options), "unknown")
        return None

    def points_for(self, answer: str) -> int | None:
        """Points of one answer; None when the answer does not count (not known)."""
        if answer in NOT_KNOWN:
            return None
        own = dict(self.points)
        if answer in own:
            return own[answer]
        if self.type == "scale":
            return int(answer)
        if self.type == "choice":
            return next((o.points for o in self.options if o.id == answer), 0)
        return DEFAULT_POINTS.get(self.type, {}).get(answer, 0)


@dataclass(frozen=True)
class Section:
    id: str
    title: Localized
    items: tuple[Item, ...]
    timeframes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Level:
    id: str
    label: Localized


@dataclass(frozen=True)
class Dimension:
    """One line of the summary judgement, e.g. "risk" or "acute"/"future"/"severity"."""

    id: str
    title: Localized
    levels: tuple[Level, ...]

    def level_ids(self) -> tuple[str, ...]:
        return tuple(lv.id for lv in self.levels)

    def label(self, level_id: str | None) -> str:
        for lv in self.levels:
            if lv.id == level_id:
                return str(lv.label)
        return level_id or ""


@dataclass(frozen=True)
class Threshold:
    minimum: float
    level: str


@dataclass(frozen=True)
class Scoring:
    method: str = "none"
    thresholds: tuple[Threshold, ...] = ()
    count_answers: tuple[str, ...] = ("yes", "present")
    max_insufficient: int | None = None
    #: Which time frame is scored when a section has two ("now", "background" or "both").
    timeframe: str = "now"


@dataclass(frozen=True)
class Instrument:
    id: str
    version: str
    title: Localized
    target: str
    licence: str
    training_required: bool
    sections: tuple[Section, ...]
    judgement: tuple[Dimension, ...]
    scoring: Scoring
    description: Localized | None = None
    notice: Localized | None = None
    sources: tuple[tuple[str, str], ...] = ()
    features: tuple[str, ...] = ()
    reassess_days: int | None = None
    reassess_on_incident: bool = False
    #: Where it came from: "shipped", "organisation" or "snapshot".
    origin: str = "shipped"
    path: str = ""
    #: False for a mapping that informs the risk assessments but is not one itself: its
    #: judgement is not the person's current level and is not drawn in the trend
    sets_current_level: bool = True
    #: The validated definition as plain data: stored with every assessment.
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def main(self) -> Dimension:
        """The judgement dimension the score is compared with (the first)."""
        return self.judgement[0]

    def all_items(self) -> list[Item]:
        """Every item, sub-items after their parent, in form order."""
        out: list[Item] = []

        def walk(items: tuple[Item, ...]) -> None:
            for item in items:
                out.append(item)
                walk(item.children)

        for section in self.sections:
            walk(section.items)
        return out

    def item_numbers(self) -> dict[str, str]:
        """Each item's number as the form shows it: ``3``, its sub-items ``3.1``, ``3.2``
        (items are numbered through the sections)."""
        out: dict[str, str] = {}

        def walk(items: tuple[Item, ...], prefix: str) -> None:
            for i, item in enumerate(items):
                number = f"{prefix}.{i + 1}" if prefix else ""
                out[item.id] = number
                walk(item.children, number)

        count = 0
        for section in self.sections:
            for item in section.items:
                count += 1
                out[item.id] = str(count)
                walk(item.children, str(count))
        return out

    def item(self, item_id: str) -> Item:
        for item in self.all_items():
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def source_text(self, key: str) -> str:
        return dict(self.sources).get(key, key)


def answer_key(item: Item, timeframe: str | None) -> str:
    """The key of one answer: ``item`` or ``item@now`` / ``item@background``."""
    return f"{item.id}@{timeframe}" if timeframe else item.id


def answer_keys(item: Item) -> list[str]:
    return [answer_key(item, tf) for tf in item.timeframes] or [item.id]
