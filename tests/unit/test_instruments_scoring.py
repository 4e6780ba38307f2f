"""Scoring as data (count, weighted, critical items, thresholds, time frames, conditional
sub-items) and the rules for content and signing."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rc_tui import i18n
from rc_tui.domain.instruments.content import (
    Content,
    Factor,
    Incident,
    Scenario,
    changes,
    content_problems,
    prune_hidden,
    sign_problems,
)
from rc_tui.domain.instruments.library import load_library
from rc_tui.domain.instruments.loader import load_text
from rc_tui.domain.instruments.model import Instrument, answer_keys
from rc_tui.domain.instruments.scoring import ScoreResult, deviates, score, visible_items

THRESHOLDS = "thresholds: [{min: 0, level: low}, {min: 3, level: medium}, {min: 6, level: high}]"


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages in English (the message ids); conftest sets Swedish back afterwards."""
    i18n.set_language("en")
    yield


def build(items: str, scoring: str = "method: none", *, timeframes: str | None = None,
          extra: str = "", training: bool = False) -> Instrument:
    """A one-section instrument: ``items`` and ``scoring`` are YAML without indentation."""
    text = (
        'format: 1\nid: t-inst\nversion: "1"\ntitle: {sv: Prov, en: Test}\n'
        "target: victim\nlicence: own wording\n"
        f"training_required: {'true' if training else 'false'}\n"
        + textwrap.dedent(extra).strip("\n") + ("\n" if extra else "")
        + "scoring:\n" + textwrap.indent(textwrap.dedent(scoring).strip("\n") + "\n", "  ")
        + "sections:\n  - id: s\n    title: {sv: Del, en: Part}\n"
        + (f"    timeframes: [{timeframes}]\n" if timeframes else "")
        + "    items:\n" + textwrap.indent(textwrap.dedent(items).strip("\n") + "\n", "      ")
    )
    return load_text(text, "test.yaml")


# ---------------------------------------------------------------------- count

COUNT_ITEMS = """
- {id: a, type: yes_no, text: A}
- {id: b, type: yes_no, text: B}
- {id: c, type: presence, text: C}
- {id: d, type: presence, text: D}
- {id: e, type: scale, text: E, min: 0, max: 3}
"""
COUNT_ANSWERS = {"a": "yes", "b": "no", "c": "present", "d": "partly", "e": "3"}


def count_instrument(count_answers: str | None = None) -> Instrument:
    return build(COUNT_ITEMS, f"""
        method: count
        {'count_answers: ' + count_answers if count_answers else ''}
        thresholds: [{{min: 0, level: low}}, {{min: 2, level: medium}}, {{min: 3, level: high}}]
    """)


def test_count_default_counts_yes_and_present() -> None:
    inst = count_instrument()
    assert inst.scoring.count_answers == ("yes", "present")
    result = score(inst, COUNT_ANSWERS)
    assert result.method == "count"
    assert result.total == 2  # a yes, c present (not partly, not the scale's 3)
    assert result.counted == 5
    assert result.threshold_level == "medium"
    assert score(inst, {**COUNT_ANSWERS, "b": "yes"}).total == 3


@pytest.mark.parametrize(("count_answers", "total"), [
    pytest.param("[yes, partly]", 2, id="yes-partly"),
    pytest.param("[partly]", 1, id="partly"),
    pytest.param("[no, absent]", 1, id="no-absent"),
    pytest.param("[present]", 1, id="present"),
])
def test_count_counts_only_count_answers(count_answers: str, total: int) -> None:
    result = score(count_instrument(count_answers), COUNT_ANSWERS)
    assert result.total == total
    assert result.counted == 5


# ---------------------------------------------------------------------- weighted

WEIGHTED_ITEMS = """
- {id: threat, type: yes_no, text: T, weight: 3}
- {id: custom, type: yes_no, text: C, weight: 2, points: {yes: 5, no: 1}}
- id: often
  type: choice
  text: O
  weight: 2
  options:
    - {id: never, key: a, label: Never}
    - {id: weekly, key: b, label: Weekly, points: 1}
    - {id: daily, key: c, label: Daily, points: 3}
- {id: fear, type: scale, text: F, min: 0, max: 4}
- {id: hope, type: scale, text: H, min: 1, max: 5, points: {'5': 10}}
- {id: support, type: yes_no, text: S, points: {yes: -2}}
- {id: pres, type: presence, text: P}
- {id: note, type: text, text: N}
"""


@pytest.fixture(scope="module")
def weighted() -> Instrument:
    return build(WEIGHTED_ITEMS, f"method: weighted\nmax_insufficient: 1\n{THRESHOLDS}")


@pytest.mark.parametrize(("answers", "total"), [
    pytest.param({"threat": "yes"}, 3, id="yes-times-weight"),
    pytest.param({"threat": "no"}, 0, id="no"),
    pytest.param({"custom": "yes"}, 10, id="custom-points-yes"),
    pytest.param({"custom": "no"}, 2, id="custom-points-no"),
    pytest.param({"often": "never"}, 0, id="option-default-0"),
    pytest.param({"often": "weekly"}, 2, id="option-points"),
    pytest.param({"often": "daily"}, 6, id="option-points-weight"),
    pytest.param({"fear": "0"}, 0, id="scale-0"),
    pytest.param({"fear": "4"}, 4, id="scale-value"),
    pytest.param({"hope": "4"}, 4, id="scale-value-no-own-points"),
    pytest.param({"hope": "5"}, 10, id="scale-own-points"),
    pytest.param({"support": "yes"}, -2, id="negative-points"),
    pytest.param({"support": "no"}, 0, id="negative-item-no"),
    pytest.param({"pres": "present"}, 2, id="present"),
    pytest.param({"pres": "partly"}, 1, id="partly"),
    pytest.param({"pres": "absent"}, 0, id="absent"),
    pytest.param({"note": "a long story"}, 0, id="text-not-scored"),
    pytest.param({"threat": "yes", "often": "daily", "fear": "4", "support": "yes"},
                 3 + 6 + 4 - 2, id="sum"),
])
def test_weighted_points_times_weight(weighted: Instrument, answers: dict[str, str],
                                      total: int) -> None:
    result = score(weighted, answers)
    assert result.total == total
    assert result.counted == len([k for k in answers if k != "note"])
    assert result.insufficient == 0


def test_protective_factor_lowers_the_total_and_level(weighted: Instrument) -> None:
    answers = {"threat": "yes", "fear": "3"}
    without = score(weighted, answers)
    with_support = score(weighted, {**answers, "support": "yes"})
    assert without.total == 6
    assert with_support.total == 4
    assert without.suggested == "high"
    assert with_support.suggested == "medium"


# ---------------------------------------------------------------------- not known

@pytest.mark.parametrize(("item", "answer"), [
    ("threat", "unknown"), ("custom", "unknown"), ("often", "unknown"),
    ("fear", "insufficient"), ("pres", "insufficient"),
])
def test_not_known_is_not_zero(weighted: Instrument, item: str, answer: str) -> None:
    base = {"threat": "yes"} if item != "threat" else {"fear": "2"}
    before = score(weighted, base)
    after = score(weighted, {**base, item: answer})
    assert after.total == before.total
    assert after.counted == before.counted
    assert after.insufficient == before.insufficient + 1
    assert item not in after.missing  # unknown is an answer


def test_unknown_differs_from_no(weighted: Instrument) -> None:
    no = score(weighted, {"custom": "no"})
    unknown = score(weighted, {"custom": "unknown"})
    assert (no.total, no.counted, no.insufficient) == (2, 1, 0)
    assert (unknown.total, unknown.counted, unknown.insufficient) == (0, 0, 1)
    assert no.suggested == "low"
    assert unknown.suggested is None  # nothing known: no level, not "low"


def test_too_many_unknowns_suggest_no_level(weighted: Instrument) -> None:
    answers = {"fear": "4", "often": "daily", "threat": "unknown"}
    ok = score(weighted, answers)
    assert ok.insufficient == 1
    assert not ok.too_little_information
    assert ok.suggested == "high"
    result = score(weighted, {**answers, "pres": "insufficient"})
    assert result.insufficient == 2
    assert result.too_little_information
    assert result.total == 10  # still shown
    assert result.threshold_level is None
    assert result.suggested is None


def test_too_many_unknowns_still_forced_by_critical_item() -> None:
    inst = build("""
        - {id: threat, type: yes_no, text: T, critical: {answers: [yes], level: high}}
        - {id: weapon, type: yes_no, text: W}
        - {id: fear, type: scale, text: F, min: 0, max: 4}
    """, f"method: weighted\nmax_insufficient: 1\n{THRESHOLDS}")
    result = score(inst, {"threat": "yes", "weapon": "unknown", "fear": "insufficient"})
    assert result.too_little_information
    assert result.threshold_level is None
    assert result.critical == ("threat",)
    assert result.forced_level == "high"
    assert result.suggested == "high"


def test_no_answers_no_suggestion(weighted: Instrument) -> None:
    result = score(weighted, {})
    assert result.suggested is None
    assert result.threshold_level is None
    assert (result.total, result.counted, result.insufficient) == (0, 0, 0)
    assert result.missing == ("threat", "custom", "often", "fear", "hope", "support", "pres")


def test_method_none_suggests_nothing_but_critical() -> None:
    inst = build("""
        - {id: threat, type: yes_no, text: T, critical: {answers: [yes], level: medium}}
        - {id: weapon, type: yes_no, text: W}
    """)
    assert score(inst, {"threat": "no", "weapon": "yes"}).suggested is None
    assert score(inst, {"threat": "no", "weapon": "yes"}).total is None
    assert score(inst, {"threat": "yes"}).suggested == "medium"


# ---------------------------------------------------------------------- critical, thresholds

CRITICAL_ITEMS = """
- {id: threat, type: yes_no, text: T, critical: {answers: [yes], level: high}}
- {id: weapon, type: yes_no, text: W, critical: {answers: [yes], level: medium}}
- {id: level, type: scale, text: L, min: 0, max: 9}
"""


@pytest.fixture(scope="module")
def critical() -> Instrument:
    return build(CRITICAL_ITEMS, f"method: weighted\n{THRESHOLDS}")


@pytest.mark.parametrize(("answers", "threshold", "forced", "suggested", "fired"), [
    pytest.param({"threat": "yes"}, "low", "high", "high", ("threat",), id="forces-high"),
    pytest.param({"weapon": "yes"}, "low", "medium", "medium", ("weapon",),
                 id="forces-medium"),
    pytest.param({"weapon": "yes", "level": "9"}, "high", "medium", "high", ("weapon",),
                 id="does-not-lower"),
    pytest.param({"threat": "yes", "weapon": "yes"}, "low", "high", "high",
                 ("threat", "weapon"), id="highest-critical-wins"),
    pytest.param({"threat": "no", "weapon": "no", "level": "4"}, "medium", None, "medium",
                 (), id="not-fired"),
    pytest.param({"threat": "unknown"}, None, None, None, (), id="unknown-does-not-fire"),
])
def test_critical_items(critical: Instrument, answers: dict[str, str], threshold: str | None,
                        forced: str | None, suggested: str | None,
                        fired: tuple[str, ...]) -> None:
    result = score(critical, answers)
    assert result.threshold_level == threshold
    assert result.forced_level == forced
    assert result.suggested == suggested
    assert result.critical == fired


@pytest.mark.parametrize(("value", "level"), [
    ("0", "low"), ("2", "low"), ("3", "medium"), ("5", "medium"), ("6", "high"), ("9", "high"),
])
def test_threshold_boundaries(critical: Instrument, value: str, level: str) -> None:
    result = score(critical, {"threat": "no", "weapon": "no", "level": value})
    assert result.total == int(value)
    assert result.threshold_level == level
    assert result.suggested == level


def test_fractional_thresholds_and_none_below_the_first() -> None:
    inst = build("- {id: level, type: scale, text: L, min: 0, max: 9}",
                 "method: weighted\nthresholds: [{min: 1, level: low}, {min: 2.5, level: high}]")
    assert score(inst, {"level": "0"}).suggested is None
    assert score(inst, {"level": "1"}).suggested == "low"
    assert score(inst, {"level": "2"}).suggested == "low"
    assert score(inst, {"level": "3"}).suggested == "high"


def test_local_overrides_change_the_suggestion(tmp_path: Path) -> None:
    default = load_library(None).get("rc-danger-victim")
    answers: dict[str, str] = {}
    for item in default.all_items():
        if item.type == "yes_no" and item.critical is None and item.weight >= 1:
            answers[item.id] = "yes"
            if score(default, answers).total >= 4:
                break
    before = score(default, answers)
    assert before.total is not None
    assert 4 <= before.total < default.scoring.thresholds[1].minimum
    assert before.suggested == "low"
    org = tmp_path / "org"
    org.mkdir()
    total = int(before.total)
    (org / "overrides.yaml").write_text(
        "rc-danger-victim:\n  thresholds:\n    - {min: 0, level: low}\n"
        f"    - {{min: {total}, level: medium}}\n    - {{min: {total + 10}, level: high}}\n",
        encoding="utf-8")
    lib = load_library(org)
    assert lib.problems == []
    after = score(lib.get("rc-danger-victim"), answers)
    assert after.total == before.total
    assert after.suggested == "medium"


# ---------------------------------------------------------------------- time frames

TF_ITEMS = "- {id: x, type: yes_no, text: X, weight: 2}\n- {id: y, type: presence, text: Y}"


def tf_instrument(timeframe: str | None = None) -> Instrument:
    line = f"timeframe: {timeframe}\n" if timeframe else ""
    return build(TF_ITEMS, f"method: weighted\n{line}{THRESHOLDS}", timeframes="now, background")


@pytest.mark.parametrize(("timeframe", "answers", "total", "insufficient"), [
    pytest.param(None, {"x@now": "no", "x@background": "yes"}, 0, 0, id="default-now"),
    pytest.param(None, {"x@now": "yes", "x@background": "no"}, 2, 0, id="default-now-yes"),
    pytest.param("now", {"x@now": "no", "x@background": "yes"}, 0, 0, id="now"),
    pytest.param("background", {"x@now": "no", "x@background": "yes"}, 2, 0, id="background"),
    pytest.param("both", {"x@now": "no", "x@background": "yes"}, 2, 0, id="both-higher-bg"),
    pytest.param("both", {"x@now": "yes", "x@background": "no"}, 2, 0, id="both-higher-now"),
    pytest.param("both", {"y@now": "partly", "y@background": "present"}, 2, 0,
                 id="both-presence"),
    pytest.param("both", {"x@now": "unknown", "x@background": "yes"}, 2, 0,
                 id="both-known-wins"),
    pytest.param("both", {"x@now": "unknown", "x@background": "unknown"}, 0, 1,
                 id="both-unknown"),
    pytest.param(None, {"x@now": "unknown", "x@background": "yes"}, 0, 1, id="now-unknown"),
    pytest.param(None, {"x@background": "yes"}, 0, 0, id="now-unanswered"),
    pytest.param(None, {"x": "yes"}, 0, 0, id="plain-key-ignored"),
])
def test_timeframes(timeframe: str | None, answers: dict[str, str], total: int,
                    insufficient: int) -> None:
    inst = tf_instrument(timeframe)
    assert inst.scoring.timeframe == (timeframe or "now")
    result = score(inst, answers)
    assert result.total == total
    assert result.insufficient == insufficient


def test_timeframes_each_answer_is_required() -> None:
    inst = tf_instrument()
    assert answer_keys(inst.item("x")) == ["x@now", "x@background"]
    result = score(inst, {"x@now": "yes", "y@background": "absent"})
    assert result.missing == ("x@background", "y@now")
    assert score(inst, {"x": "yes", "y": "present"}).missing == (
        "x@now", "x@background", "y@now", "y@background")


# ---------------------------------------------------------------------- sub-items

SUB_ITEMS = """
- id: parent
  type: yes_no
  text: P
  when: [yes]
  items:
    - {id: child, type: yes_no, text: C, weight: 2}
    - {id: child_note, type: text, text: N}
    - id: child2
      type: presence
      text: C2
      when: [present, partly]
      items:
        - {id: grandchild, type: yes_no, text: G, weight: 5}
- {id: other, type: yes_no, text: O}
"""


@pytest.fixture(scope="module")
def nested() -> Instrument:
    return build(SUB_ITEMS, f"method: weighted\n{THRESHOLDS}")


def _visible(inst: Instrument, answers: dict[str, str]) -> list[str]:
    return [it.id for it in visible_items(inst, answers)]


def test_hidden_sub_items_are_neither_scored_nor_missing(nested: Instrument) -> None:
    answers = {"parent": "no", "other": "no", "child": "yes", "grandchild": "yes"}
    assert _visible(nested, answers) == ["parent", "other"]
    result = score(nested, answers)
    assert result.missing == ()
    assert result.total == 0
    assert result.counted == 2
    assert score(nested, {"parent": "unknown", "other": "no"}).missing == ()


def test_shown_sub_items_are_required_and_scored(nested: Instrument) -> None:
    result = score(nested, {"parent": "yes", "other": "no"})
    assert result.missing == ("child", "child2")  # a text sub-item is optional
    result = score(nested, {"parent": "yes", "other": "no", "child": "yes",
                            "child2": "partly"})
    assert result.missing == ("grandchild",)
    assert result.total == 1 + 2 + 1
    result = score(nested, {"parent": "yes", "other": "yes", "child": "yes",
                            "child2": "present", "grandchild": "yes"})
    assert result.missing == ()
    assert result.total == 1 + 2 + 2 + 5 + 1
    assert result.suggested == "high"


def test_prune_hidden_drops_answers_of_hidden_sub_items(nested: Instrument) -> None:
    content = Content({"parent": "no", "other": "no", "child": "yes"},
                      {"child": "stale evidence", "other": "  ", "parent": "seen"})
    pruned = prune_hidden(nested, content)
    assert pruned.answers == {"parent": "no", "other": "no"}
    assert pruned.evidence == {"parent": "seen"}


def test_sub_items_in_time_frames_open_from_either() -> None:
    inst = build(SUB_ITEMS, f"method: weighted\n{THRESHOLDS}", timeframes="now, background")
    answers = {"parent@now": "no", "parent@background": "yes"}
    assert "child" in _visible(inst, answers)
    assert "child@now" in score(inst, answers).missing


# ---------------------------------------------------------------------- deviation, signing

def test_deviates() -> None:
    result = ScoreResult("weighted", 4, 2, 0, (), "medium", suggested="medium")
    assert not deviates(result, "medium")
    assert deviates(result, "high")
    assert deviates(result, "low")
    assert not deviates(result, None)
    nothing = ScoreResult("none", None, 0, 0, (), None)
    assert not deviates(nothing, "high")


SIGN_ITEMS = """
- {id: threat, type: yes_no, text: T, weight: 3}
- {id: fear, type: scale, text: F, min: 0, max: 4}
- {id: when_seen, type: date, text: D}
- {id: note, type: text, text: N}
"""
SIGN_JUDGEMENT = """
judgement:
  - {id: acute, title: {sv: Akut risk, en: Acute risk}, levels: [low, medium, high]}
  - id: severity
    title: {sv: Allvarlighet, en: Severity}
    levels:
      - {id: limited, label: {sv: begränsad, en: limited}}
      - {id: serious, label: {sv: allvarlig, en: serious}}
"""


@pytest.fixture(scope="module")
def signable() -> Instrument:
    return build(SIGN_ITEMS, f"method: weighted\n{THRESHOLDS}", extra=SIGN_JUDGEMENT,
                 training=True)


GOOD_CONTENT = Content({"threat": "yes", "fear": "1"})  # total 4: medium
GOOD_JUDGEMENT = {"acute": "medium", "severity": "serious"}


def _sign(inst: Instrument, *, content: Content = GOOD_CONTENT,
          judgement: dict[str, str] | None = None, rationale: str = "Threats and some fear.",
          deviation_reason: str = "", training_confirmed: bool = True) -> list[str]:
    problems, _result = sign_problems(inst, content, judgement or GOOD_JUDGEMENT, rationale,
                                      deviation_reason, training_confirmed)
    return problems


def test_sign_all_fine(signable: Instrument) -> None:
    problems, result = sign_problems(signable, GOOD_CONTENT, GOOD_JUDGEMENT,
                                     "Threats and some fear.", "", True)
    assert problems == []
    assert result.suggested == "medium"
    assert result.total == 4
    # a deviation with a reason is fine too
    assert _sign(signable, judgement={"acute": "high", "severity": "serious"},
                 deviation_reason="She was strangled last week.") == []


@pytest.mark.parametrize(("change", "fragment"), [
    pytest.param({"content": Content({"threat": "yes"})}, "1 required item is not answered",
                 id="missing-answer"),
    pytest.param({"rationale": "   "}, "Write the rationale", id="missing-rationale"),
    pytest.param({"judgement": {"acute": "medium"}}, "Give the summary judgement: Severity.",
                 id="missing-dimension"),
    pytest.param({"judgement": {"acute": "extreme", "severity": "serious"},
                  "deviation_reason": "Not one of its levels."},
                 "Give the summary judgement: Acute risk.", id="level-not-allowed"),
    pytest.param({"judgement": {"acute": "low", "severity": "serious"}},
                 "differs from what the score suggests (medium)", id="deviation-no-reason"),
    pytest.param({"training_confirmed": False}, "requires training", id="training"),
    pytest.param({"content": Content({"threat": "yes", "fear": "1", "x": "yes"})},
                 "Unknown item: x", id="content-problem"),
])
def test_sign_problems(signable: Instrument, change: dict[str, Any], fragment: str) -> None:
    problems = _sign(signable, **change)
    assert len(problems) == 1, problems
    assert fragment in problems[0]


def test_sign_says_which_required_items_are_unanswered(signable: Instrument) -> None:
    """Not just "1 required item": the numbers the form shows, so they can be found."""
    numbers = signable.item_numbers()
    problems = _sign(signable, content=Content({"threat": "yes"}))
    assert problems == [f"1 required item is not answered: {numbers['fear']} (unknown or "
                        "insufficient information are answers too)."]
    assert list(numbers.values())[:2] == ["1", "2"]


def test_sign_no_training_needed() -> None:
    inst = build(SIGN_ITEMS, f"method: weighted\n{THRESHOLDS}")
    problems, _result = sign_problems(inst, GOOD_CONTENT, {"risk": "medium"}, "ok", "", False)
    assert problems == []


def test_sign_unknowns_count_as_answers(signable: Instrument) -> None:
    content = Content({"threat": "unknown", "fear": "insufficient"})
    problems, result = sign_problems(signable, content, GOOD_JUDGEMENT,
                                     "Nothing is known yet.", "", True)
    assert problems == []  # no suggestion: nothing to deviate from
    assert result.suggested is None


# ---------------------------------------------------------------------- content problems

CONTENT_ITEMS = """
- {id: a, type: yes_no, text: A}
- {id: fear, type: scale, text: F, min: 0, max: 4}
- id: c
  type: choice
  text: C
  options: [{id: one, key: a, label: One}, {id: two, key: b, label: Two}]
- {id: n, type: number, text: N}
- {id: d, type: date, text: D}
- {id: t, type: text, text: T}
"""


@pytest.fixture(scope="module")
def form() -> Instrument:
    return build(CONTENT_ITEMS, extra="features: [incident_calendar]")


def test_content_without_problems(form: Instrument) -> None:
    content = Content({"a": "no", "fear": "insufficient", "c": "two", "n": "12",
                       "d": "2026-01-31", "t": "anything"},
                      {"a": "She said so."},
                      incidents=[Incident("2025-12-24", 3, "kicked")])
    assert content_problems(form, content) == []
    assert content_problems(form, Content({"n": "", "d": ""})) == []


@pytest.mark.parametrize(("content", "expected"), [
    pytest.param(Content({"zz": "yes"}), "Unknown item: zz", id="unknown-item"),
    pytest.param(Content(evidence={"zz": "text"}), "Unknown item: zz", id="unknown-evidence"),
    pytest.param(Content({"a": "present"}), "Not an answer to a: present", id="yes-no-present"),
    pytest.param(Content({"a": "Yes"}), "Not an answer to a: Yes", id="yes-no-capital"),
    pytest.param(Content({"fear": "5"}), "Not an answer to fear: 5", id="scale-over-max"),
    pytest.param(Content({"fear": "unknown"}), "Not an answer to fear: unknown",
                 id="scale-unknown-is-insufficient"),
    pytest.param(Content({"c": "three"}), "Not an answer to c: three", id="choice-option"),
    pytest.param(Content({"n": "12.5"}), "n: a whole number, please.", id="bad-number"),
    pytest.param(Content({"d": "31/01/2026"}), "d: a date as YYYY-MM-DD, please.",
                 id="bad-date"),
    pytest.param(Content({"d": "2026-02-30"}), "d: a date as YYYY-MM-DD, please.",
                 id="impossible-date"),
    pytest.param(Content(incidents=[Incident("yesterday", 3)]),
                 "An incident needs a date as YYYY-MM-DD.", id="incident-bad-date"),
    pytest.param(Content(incidents=[Incident("2026-01-01", 0)]),
                 "An incident's severity is 1 to 5.", id="incident-severity-0"),
    pytest.param(Content(incidents=[Incident("2026-01-01", 6)]),
                 "An incident's severity is 1 to 5.", id="incident-severity-6"),
    pytest.param(Content(scenarios=[Scenario("Leaves the shelter", "high")]),
                 "This instrument does not use scenarios.", id="scenarios-not-enabled"),
    pytest.param(Content(factors=[Factor("Debt", "present")]),
                 "This instrument does not use custom_factors.", id="factors-not-enabled"),
    pytest.param(Content({"t": "x" * 100_001}), "at most 100000 characters", id="text-too-long"),
])
def test_content_problems(form: Instrument, content: Content, expected: str) -> None:
    problems = content_problems(form, content)
    assert any(expected in p for p in problems), problems


def test_content_problems_of_factors_and_scenarios() -> None:
    inst = build(CONTENT_ITEMS, extra="features: [custom_factors, scenarios]")
    good = Content(factors=[Factor("Debt", "partly")],
                   scenarios=[Scenario("Leaves the shelter", "high", "Escort")])
    assert content_problems(inst, good) == []
    bad = Content(factors=[Factor("  ", "present"), Factor("Debt", "yes")],
                  scenarios=[Scenario("x", "extreme")],
                  incidents=[Incident("2026-01-01", 3)])
    assert content_problems(inst, bad) == [
        "This instrument does not use incident_calendar.",
        "A case-specific factor needs a title and a rating.",
        "A scenario needs a description and a rating.",
    ]


def test_content_problems_with_time_frames() -> None:
    inst = tf_instrument()
    assert content_problems(inst, Content({"x@now": "yes", "y@background": "partly"})) == []
    assert content_problems(inst, Content({"x": "yes"})) == ["Unknown item: x"]
    assert content_problems(inst, Content({"x@later": "yes"})) == ["Unknown item: x@later"]


def test_content_json_round_trip(form: Instrument) -> None:
    content = Content({"a": "no", "c": "one"}, {"a": "ev"}, [Factor("F", "present", "e")],
                      [Scenario("S", "low", "m")], [Incident("2026-01-01", 2, "d")])
    assert Content.from_json(content.to_json()) == content
    assert Content.from_json("") == Content()


# ---------------------------------------------------------------------- changes

def test_changes_lists_changed_answers(form: Instrument) -> None:
    old = Content({"a": "no", "c": "one", "t": "same"},
                  incidents=[Incident("2026-01-01", 2)])
    new = Content({"a": "yes", "c": "two", "t": "same", "fear": "insufficient"},
                  incidents=[Incident("2026-01-01", 2), Incident("2026-02-01", 4)])
    found = [(c.what, c.before, c.after) for c in changes(form, old, form, new)]
    assert found == [
        ("A", "no", "yes"),
        ("F", "–", "insufficient information"),
        ("C", "One", "Two"),
        ("Incidents recorded", "1", "2"),
    ]
    assert changes(form, old, form, old) == []


def test_changes_with_time_frames_and_different_versions() -> None:
    inst = tf_instrument()
    other = build("- {id: x, type: yes_no, text: X}\n- {id: new_one, type: yes_no, text: New}",
                  timeframes="now, background")
    old = Content({"x@now": "no", "y@now": "absent"})
    new = Content({"x@now": "yes", "x@background": "yes", "new_one@now": "yes"})
    found = [(c.what, c.before, c.after) for c in changes(inst, old, other, new)]
    assert found == [("X (now)", "no", "yes"), ("X (background)", "–", "yes")]


# ---------------------------------------------------------------------- robustness

def test_sign_problems_with_a_malformed_scale_answer_lists_it(weighted: Instrument) -> None:
    problems, _result = sign_problems(weighted, Content({"fear": "lots"}), {"risk": "low"},
                                      "why", "", False)
    assert "Not an answer to fear: lots" in problems


def test_empty_answer_is_unanswered(weighted: Instrument) -> None:
    result = score(weighted, {"threat": ""})
    assert result.missing[0] == "threat"
    assert result.counted == 0
    assert result.suggested is None


def test_empty_scale_answer_does_not_raise(weighted: Instrument) -> None:
    result = score(weighted, {"fear": ""})
    assert "fear" in result.missing


PROPERTY_ITEMS = """
- {id: threat, type: yes_no, text: T, weight: 3, critical: {answers: [yes], level: high}}
- {id: help, type: yes_no, text: H, points: {yes: -2}}
- id: parent
  type: presence
  text: P
  when: [present, partly]
  items:
    - {id: child, type: scale, text: C, min: 0, max: 3, weight: 2}
    - id: child_choice
      type: choice
      text: CC
      when: [b]
      options: [{id: a, key: a, label: A}, {id: b, key: b, label: B, points: 4}]
      items:
        - {id: grandchild, type: yes_no, text: G}
- {id: note, type: text, text: N}
"""


def _property_instrument(timeframes: str | None, timeframe: str) -> Instrument:
    return build(PROPERTY_ITEMS,
                 f"method: weighted\nmax_insufficient: 2\ntimeframe: {timeframe}\n{THRESHOLDS}",
                 timeframes=timeframes)


PROPERTY_INSTRUMENTS = [
    _property_instrument(None, "now"),
    _property_instrument("now, background", "now"),
    _property_instrument("now, background", "both"),
]


@st.composite
def instrument_and_answers(draw: st.DrawFn) -> tuple[Instrument, dict[str, str]]:
    inst = draw(st.sampled_from(PROPERTY_INSTRUMENTS))
    answers: dict[str, str] = {}
    for item in inst.all_items():
        allowed = item.allowed_answers() or ("some text",)
        for key in answer_keys(item):
            value = draw(st.one_of(st.none(), st.sampled_from(allowed)))
            if value is not None:
                answers[key] = value
    return inst, answers


def _scored_visible(inst: Instrument, answers: dict[str, str]) -> int:
    return sum(1 for item in visible_items(inst, answers) if item.scored)


@settings(max_examples=150, deadline=None)
@given(instrument_and_answers(), st.data())
def test_score_property(case: tuple[Instrument, dict[str, str]], data: st.DataObject) -> None:
    inst, answers = case
    result = score(inst, answers)
    assert result.counted + result.insufficient <= _scored_visible(inst, answers)
    assert result.total is not None
    if result.too_little_information:
        assert result.threshold_level is None
    if result.counted == 0:
        assert result.threshold_level is None
    if result.suggested is not None and result.forced_level is not None:
        order = inst.main.level_ids()
        assert order.index(result.suggested) >= order.index(result.forced_level)
    # adding "unknown" / "insufficient" to an unanswered item never changes the total
    open_keys = [(item, key) for item in visible_items(inst, answers) if item.scored
                 for key in answer_keys(item) if key not in answers]
    if open_keys:
        item, key = data.draw(st.sampled_from(open_keys))
        not_known = "unknown" if "unknown" in (item.allowed_answers() or ()) else "insufficient"
        more = score(inst, {**answers, key: not_known})
        assert more.total == result.total
        assert more.counted == result.counted
        assert more.insufficient in (result.insufficient, result.insufficient + 1)
        assert more.critical == result.critical
