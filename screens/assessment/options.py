"""How an instrument's items, levels and scores are offered and shown."""

from __future__ import annotations

from rc_tui.domain.instruments.model import (
    BUILTIN_LEVELS,
    Dimension,
    Instrument,
    Item,
    Localized,
)
from rc_tui.domain.instruments.scoring import ScoreResult
from rc_tui.i18n import _, _n

#: A rating of a case-specific factor uses the presence answers.
_PRESENCE_ITEM = Item("factor", "presence", Localized(()))


def _tl(target: str) -> str:
    return {"victim": _("victim"), "perpetrator": _("perpetrator"), "child": _("child")}.get(
        target, target)


def answer_options(item: Item) -> tuple[list[tuple[str, str, str]], dict[str, str]]:
    """The one-key options of a discrete item, and extra keys (aliases)."""
    if item.type == "yes_no":
        return ([("j", "yes", _("yes")), ("n", "no", _("no")), ("?", "unknown", _("unknown"))],
                {"y": "yes", "i": "unknown"})
    if item.type == "presence":
        return ([("2", "present", _("present")), ("1", "partly", _("partly")),
                 ("0", "absent", _("absent")), ("i", "insufficient", _("insufficient info"))],
                {"j": "present", "d": "partly", "n": "absent", "?": "insufficient"})
    if item.type == "scale":
        return ([(str(v), str(v), str(v)) for v in range(item.minimum, item.maximum + 1)]
                + [("i", "insufficient", _("insufficient info"))], {"?": "insufficient"})
    if item.type == "choice":
        return ([(o.key, o.id, str(o.label)) for o in item.options]
                + [("?", "unknown", _("unknown"))], {"i": "unknown"})
    return [], {}


def level_options(dim: Dimension) -> list[tuple[str, str, str]]:
    keys = {"low": "l", "medium": "m", "high": "h"}
    builtin = all(lv.id in BUILTIN_LEVELS for lv in dim.levels)
    return [(keys[lv.id] if builtin else str(i + 1), lv.id, str(lv.label))
            for i, lv in enumerate(dim.levels)]


def score_lines(inst: Instrument, result: ScoreResult) -> list[str]:
    lines: list[str] = []
    if result.method == "none":
        lines.append(_("Structured professional judgement: no score."))
    else:
        total = f"{result.total:g}" if result.total is not None else "–"
        lines.append(_n("Score: {total} ({counted} item answered, {ins} with insufficient "
                        "information)",
                        "Score: {total} ({counted} items answered, {ins} with insufficient "
                        "information)", result.counted, total=total, counted=result.counted,
                        ins=result.insufficient))
    if result.too_little_information:
        lines.append(_("Too much is unknown for the score to suggest a level."))
    if result.critical:
        names = ", ".join(str(inst.item(i).text) for i in result.critical)
        lines.append(_("Critical items: {items} – at least {level}.", items=names,
                       level=inst.main.label(result.forced_level)))
    if result.suggested:
        lines.append(_("The score suggests: {level}", level=inst.main.label(result.suggested)))
    return lines
