"""What an assessor fills in: answers, evidence, case-specific factors, risk scenarios and
incidents – with the rules for a complete, signable assessment and "what changed"."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from rc_tui.domain.instruments.model import (
    PRESENCE,
    Instrument,
    Item,
    answer_keys,
)
from rc_tui.domain.instruments.scoring import ScoreResult, deviates, score, visible_items
from rc_tui.i18n import N_, _, _n

MAX_TEXT = 100_000
MAX_ENTRIES = 200

ANSWER_LABELS: dict[str, str] = {
    "yes": N_("yes"), "no": N_("no"), "unknown": N_("unknown"),
    "present": N_("present"), "partly": N_("partly"), "absent": N_("absent"),
    "insufficient": N_("insufficient information"),
}
TIMEFRAME_LABELS: dict[str, str] = {"now": N_("now"), "background": N_("background")}
SCENARIO_RATINGS = ("low", "medium", "high")


@dataclass
class Factor:
    """A case-specific factor the assessor adds (not scored; it informs the judgement)."""

    title: str
    rating: str  # one of PRESENCE
    evidence: str = ""


@dataclass
class Scenario:
    description: str
    rating: str  # low | medium | high
    measures: str = ""


@dataclass
class Incident:
    when: str  # ISO date
    severity: int  # 1..5
    description: str = ""


@dataclass
class Content:
    answers: dict[str, str] = field(default_factory=dict)
    evidence: dict[str, str] = field(default_factory=dict)
    factors: list[Factor] = field(default_factory=list)
    scenarios: list[Scenario] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str) -> Content:
        data: dict[str, Any] = json.loads(raw or "{}")
        return cls(
            answers={str(k): str(v) for k, v in data.get("answers", {}).items()},
            evidence={str(k): str(v) for k, v in data.get("evidence", {}).items()},
            factors=[Factor(**f) for f in data.get("factors", [])],
            scenarios=[Scenario(**x) for x in data.get("scenarios", [])],
            incidents=[Incident(**x) for x in data.get("incidents", [])],
        )


def answer_label(item: Item, value: str | None) -> str:
    """The translated label of an answer ("" when unanswered)."""
    if value is None or value == "":
        return ""
    if value in ANSWER_LABELS:
        return _(ANSWER_LABELS[value])
    if item.type == "choice":
        for option in item.options:
            if option.id == value:
                return str(option.label)
    return value


# C901: a flat list of independent checks, each an `if` that adds one problem
def content_problems(instrument: Instrument, content: Content) -> list[str]:  # noqa: C901
    """Malformed content (refused even in a draft): unknown items, answers not allowed,
    texts too long, bad dates. Returns translated messages."""
    problems: list[str] = []
    keys: dict[str, Item] = {}
    for item in instrument.all_items():
        for key in answer_keys(item):
            keys[key] = item
    for key, value in content.answers.items():
        if key not in keys:
            problems.append(_("Unknown item: {key}", key=key[:80]))
            continue
        item = keys[key]
        allowed = item.allowed_answers()
        if allowed is not None and value not in allowed:
            problems.append(_("Not an answer to {item}: {value}", item=item.id,
                              value=value[:40]))
        elif item.type == "number" and value:
            try:
                int(value)
            except ValueError:
                problems.append(_("{item}: a whole number, please.", item=item.id))
        elif item.type == "date" and value:
            try:
                date.fromisoformat(value)
            except ValueError:
                problems.append(_("{item}: a date as YYYY-MM-DD, please.", item=item.id))
        if len(value) > MAX_TEXT:
            problems.append(_("A text may have at most {n} characters.", n=MAX_TEXT))
    for key, text in content.evidence.items():
        if key not in keys:
            problems.append(_("Unknown item: {key}", key=key[:80]))
        if len(text) > MAX_TEXT:
            problems.append(_("A text may have at most {n} characters.", n=MAX_TEXT))
    features = instrument.features
    for name, entries in (("custom_factors", content.factors),
                          ("scenarios", content.scenarios),
                          ("incident_calendar", content.incidents)):
        if entries and name not in features:
            problems.append(_("This instrument does not use {what}.", what=name))
        if len(entries) > MAX_ENTRIES:
            problems.append(_("At most {n} entries.", n=MAX_ENTRIES))
    for f in content.factors:
        if not f.title.strip() or f.rating not in PRESENCE:
            problems.append(_("A case-specific factor needs a title and a rating."))
        if len(f.title) + len(f.evidence) > MAX_TEXT:
            problems.append(_("A text may have at most {n} characters.", n=MAX_TEXT))
    for sc in content.scenarios:
        if not sc.description.strip() or sc.rating not in SCENARIO_RATINGS:
            problems.append(_("A scenario needs a description and a rating."))
        if len(sc.description) + len(sc.measures) > MAX_TEXT:
            problems.append(_("A text may have at most {n} characters.", n=MAX_TEXT))
    for inc in content.incidents:
        try:
            date.fromisoformat(inc.when)
        except (ValueError, TypeError):
            problems.append(_("An incident needs a date as YYYY-MM-DD."))
        if type(inc.severity) is not int or not 1 <= inc.severity <= 5:
            problems.append(_("An incident's severity is 1 to 5."))
        if len(inc.description) > MAX_TEXT:
            problems.append(_("A text may have at most {n} characters.", n=MAX_TEXT))
    return list(dict.fromkeys(problems))


def _missing_name(numbers: dict[str, str], key: str) -> str:
    """An unanswered answer as the form shows it: the item's number (and its time frame)."""
    item_id, _sep, frame = key.partition("@")
    number = numbers.get(item_id, item_id)
    label = {"now": _("now"), "background": _("background")}.get(frame, frame)
    return f"{number} ({label})" if label else number


def sign_problems(instrument: Instrument, content: Content, judgement: dict[str, str],
                  rationale: str, deviation_reason: str, training_confirmed: bool
                  ) -> tuple[list[str], ScoreResult]:
    """Everything that stops signing, and the score. The summary judgement is mandatory:
    every dimension a level, a written rationale, and a reason when the main level
    differs from the one the score suggests."""
    problems = content_problems(instrument, content)
    result = score(instrument, content.answers)
    if result.missing:
        numbers = instrument.item_numbers()
        which = ", ".join(_missing_name(numbers, key) for key in result.missing)
        problems.append(_n("{n} required item is not answered: {which} (unknown or "
                           "insufficient information are answers too).",
                           "{n} required items are not answered: {which} (unknown or "
                           "insufficient information are answers too).", len(result.missing),
                           n=len(result.missing), which=which))
    for dim in instrument.judgement:
        if judgement.get(dim.id) not in dim.level_ids():
            problems.append(_("Give the summary judgement: {what}.", what=str(dim.title)))
    if not rationale.strip():
        problems.append(_("Write the rationale for the summary judgement."))
    if deviates(result, judgement.get(instrument.main.id)) and not deviation_reason.strip():
        problems.append(_("Your judgement differs from what the score suggests ({level}): "
                          "give the reason.", level=instrument.main.label(result.suggested)))
    if instrument.training_required and not training_confirmed:
        problems.append(_("This instrument requires training: confirm that you have it."))
    for text in (rationale, deviation_reason):
        if len(text) > MAX_TEXT:
            problems.append(_("A text may have at most {n} characters.", n=MAX_TEXT))
    return problems, result


def drop_invalid(instrument: Instrument, content: Content) -> Content:
    """A draft keeps what is valid so far: a half-typed date or an unknown key is left out
    instead of refusing the whole draft (signing checks everything strictly)."""
    items: dict[str, Item] = {key: item for item in instrument.all_items()
                              for key in answer_keys(item)}
    answers: dict[str, str] = {}
    for key, value in content.answers.items():
        item = items.get(key)
        if item is None:
            continue
        allowed = item.allowed_answers()
        if allowed is not None and value not in allowed:
            continue
        probe = Content(answers={key: value})
        if allowed is None and content_problems(instrument, probe):
            continue
        answers[key] = value
    evidence = {k: v for k, v in content.evidence.items() if k in items}
    return Content(answers, evidence, content.factors, content.scenarios, content.incidents)


def prune_hidden(instrument: Instrument, content: Content) -> Content:
    """Drop answers of sub-items that are no longer shown (their parent changed)."""
    shown = {key for item in visible_items(instrument, content.answers)
             for key in answer_keys(item)}
    return Content({k: v for k, v in content.answers.items() if k in shown},
                   {k: v for k, v in content.evidence.items() if k in shown and v.strip()},
                   content.factors, content.scenarios, content.incidents)


@dataclass(frozen=True)
class Change:
    what: str
    before: str
    after: str


def changes(old_inst: Instrument, old: Content, new_inst: Instrument, new: Content
            ) -> list[Change]:
    """What changed between two assessments (answers of items both share, by id)."""
    out: list[Change] = []
    old_items = {it.id: it for it in old_inst.all_items()}
    for item in new_inst.all_items():
        if item.id not in old_items:
            continue
        for key in answer_keys(item):
            before, after = old.answers.get(key), new.answers.get(key)
            if before != after:
                tf = key.partition("@")[2]
                what = str(item.text) + (f" ({_(TIMEFRAME_LABELS[tf])})" if tf else "")
                out.append(Change(what, answer_label(item, before) or "–",
                                  answer_label(item, after) or "–"))
    for what, n_before, n_after in (
            (_("Incidents recorded"), len(old.incidents), len(new.incidents)),
            (_("Case-specific factors"), len(old.factors), len(new.factors)),
            (_("Risk scenarios"), len(old.scenarios), len(new.scenarios))):
        if n_before != n_after:
            out.append(Change(what, str(n_before), str(n_after)))
    return out


def judgement_changes(old_inst: Instrument, old: dict[str, str], new_inst: Instrument,
                      new: dict[str, str]) -> list[Change]:
    """Changed summary judgements, line by line (dimensions both instruments have)."""
    old_dims = {d.id: d for d in old_inst.judgement}
    return [Change(str(dim.title), old_dims[dim.id].label(old.get(dim.id)) or "–",
                   dim.label(new.get(dim.id)) or "–")
            for dim in new_inst.judgement
            if dim.id in old_dims and old.get(dim.id) != new.get(dim.id)]
