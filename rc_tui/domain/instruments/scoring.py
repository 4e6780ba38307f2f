"""Scoring as data: none, count, weighted sum, critical items and thresholds.

"Insufficient information" and "unknown" are never scored: they are counted apart, so a
form full of unknowns cannot look like low risk. The score only *suggests* a level; the
assessor's summary judgement decides, and a different judgement needs a written reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rc_tui.domain.instruments.model import (
    NOT_KNOWN,
    Instrument,
    Item,
    Threshold,
    answer_key,
)


@dataclass(frozen=True)
class ScoreResult:
    method: str
    total: float | None
    #: Scored items answered with something known.
    counted: int
    #: Scored items answered "insufficient information" / "unknown".
    insufficient: int
    #: Required items (shown) not yet answered.
    missing: tuple[str, ...]
    #: The level the thresholds give (None: method none, or too little information).
    threshold_level: str | None
    #: Critical items that fired, and the level they force.
    critical: tuple[str, ...] = ()
    forced_level: str | None = None
    too_little_information: bool = False
    suggested: str | None = field(default=None)


def visible_items(instrument: Instrument, answers: dict[str, Any]) -> list[Item]:
    """Items shown for these answers: a sub-item only when its parent's answer opens it
    (for time-framed items: in either time frame)."""
    out: list[Item] = []

    def walk(items: tuple[Item, ...]) -> None:
        for item in items:
            out.append(item)
            if item.children:
                given = [answers.get(answer_key(item, tf)) for tf in item.timeframes] or \
                    [answers.get(item.id)]
                if any(g in item.when for g in given):
                    walk(item.children)

    for section in instrument.sections:
        walk(section.items)
    return out


def _scored_answer(item: Item, answers: dict[str, Any], timeframe: str) -> str | None:
    """The answer that is scored; with two time frames, "now" (or the higher of both)."""
    allowed = item.allowed_answers() or ()

    def valid(value: Any) -> str | None:
        """An answer the item allows; anything else (empty, malformed) is unanswered."""
        return str(value) if value is not None and str(value) in allowed else None

    if not item.timeframes:
        return valid(answers.get(item.id))
    frames = item.timeframes if timeframe == "both" else tuple(
        tf for tf in item.timeframes if tf == timeframe) or item.timeframes[:1]
    given = [v for v in (valid(answers.get(answer_key(item, tf))) for tf in frames)
             if v is not None]
    if not given:
        return None
    known = [g for g in given if g not in NOT_KNOWN]
    if not known:
        return given[0]
    return max(known, key=lambda g: item.points_for(g) or 0)


def level_for(thresholds: tuple[Threshold, ...], total: float) -> str | None:
    level = None
    for threshold in thresholds:
        if total >= threshold.minimum:
            level = threshold.level
    return level


def score(instrument: Instrument, answers: dict[str, Any]) -> ScoreResult:
    sc = instrument.scoring
    order = instrument.main.level_ids()
    items = visible_items(instrument, answers)
    missing = tuple(
        key for item in items if item.required
        for key in ([answer_key(item, tf) for tf in item.timeframes] or [item.id])
        if answers.get(key) in (None, ""))
    total = 0.0
    counted = 0
    insufficient = 0
    critical: list[str] = []
    forced: str | None = None
    for item in items:
        if not item.scored:
            continue
        answer = _scored_answer(item, answers, sc.timeframe)
        if answer is None:
            continue
        if answer in NOT_KNOWN:
            insufficient += 1
            continue
        counted += 1
        if sc.method == "count":
            total += 1 if answer in sc.count_answers else 0
        elif sc.method == "weighted":
            total += (item.points_for(answer) or 0) * item.weight
        if item.critical and answer in item.critical.answers:
            critical.append(item.id)
            level = item.critical.level
            if forced is None or order.index(level) > order.index(forced):
                forced = level
    too_little = sc.max_insufficient is not None and insufficient > sc.max_insufficient
    threshold_level = None
    if sc.method != "none" and not too_little and counted:
        threshold_level = level_for(sc.thresholds, total)
    suggested = threshold_level
    if forced is not None and (suggested is None or order.index(forced) > order.index(
            suggested)):
        suggested = forced
    return ScoreResult(sc.method, total if sc.method != "none" else None, counted,
                       insufficient, missing, threshold_level, tuple(critical), forced,
                       too_little, suggested)


def deviates(result: ScoreResult, level: str | None) -> bool:
    """True when the judgement differs from what the score suggests (a reason is due)."""
    return result.suggested is not None and level is not None and level != result.suggested
