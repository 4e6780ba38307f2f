"""Instrument definitions: every broken file is refused with the file, the exact line and
the problem; the organisation folder, local threshold overrides, the shipped instruments
and the ``rc-tui instruments`` commands."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from rc_tui.domain.instruments.library import Library, digest, load_library, snapshot
from rc_tui.domain.instruments.loader import (
    DefinitionError,
    Problem,
    from_snapshot,
    load_file,
    load_text,
    read_yaml,
)
from rc_tui.domain.instruments.model import Localized

NAME = "sample.yaml"

# The valid sample. Line numbers (used by the cases below):
#  1 format   2 id   3 version   4 title   5 target   6 licence   7 training_required
#  8 sources  9 src1  10 scoring  11 method  12 max_insufficient  13 thresholds
# 14 {min 0}  15 {min 3}  16 {min 6}  17 sections  18 - id: main  19 title  20 items
# 21 - id: threat  22 type  23 text  24 sources  25 weight  26 critical
# 27 - id: weapon  28 type  29 text  30 sources
# 31 - id: fear    32 type  33 text  34 sources  35 min  36 max
# 37 - id: contact 38 type  39 text  40 sources  41 options  42 a  43 b  44 c
SAMPLE_LINES = (
    "format: 1",
    "id: sample-inst",
    'version: "1.0"',
    "title: {sv: Prov, en: Sample}",
    "target: victim",
    'licence: "Own wording, free to use."',
    "training_required: false",
    "sources:",
    '  src1: "Someone A (2020). A study of something. Journal 1(2)."',
    "scoring:",
    "  method: weighted",
    "  max_insufficient: 2",
    "  thresholds:",
    "    - {min: 0, level: low}",
    "    - {min: 3, level: medium}",
    "    - {min: 6, level: high}",
    "sections:",
    "  - id: main",
    "    title: {sv: Huvud, en: Main}",
    "    items:",
    "      - id: threat",
    "        type: yes_no",
    "        text: {sv: Hot, en: Threat}",
    "        sources: [src1]",
    "        weight: 3",
    "        critical: {answers: [yes], level: high}",
    "      - id: weapon",
    "        type: yes_no",
    "        text: {sv: Vapen, en: Weapon}",
    "        sources: [src1]",
    "      - id: fear",
    "        type: scale",
    "        text: {sv: Rädsla, en: Fear}",
    "        sources: [src1]",
    "        min: 0",
    "        max: 4",
    "      - id: contact",
    "        type: choice",
    "        text: {sv: Kontakt, en: Contact}",
    "        sources: [src1]",
    "        options:",
    "          - {id: none, key: a, label: {sv: Ingen, en: None}, points: 0}",
    "          - {id: some, key: b, label: {sv: Viss, en: Some}, points: 1}",
    "          - {id: daily, key: c, label: {sv: Daglig, en: Daily}, points: 2}",
)


def sample() -> str:
    """A small valid definition (44 lines, see the table above)."""
    return "\n".join(SAMPLE_LINES) + "\n"


def replaced(line: int, *new: str) -> str:
    """The sample with line ``line`` (1-based) replaced by ``new`` (none: removed)."""
    lines = list(SAMPLE_LINES)
    lines[line - 1:line] = list(new)
    return "\n".join(lines) + "\n"


def inserted(after: int, *new: str) -> str:
    """The sample with ``new`` lines inserted after line ``after``."""
    lines = list(SAMPLE_LINES)
    lines[after:after] = list(new)
    return "\n".join(lines) + "\n"


def removed(first: int, last: int) -> str:
    lines = list(SAMPLE_LINES)
    del lines[first - 1:last]
    return "\n".join(lines) + "\n"


def weapon_with(*extra: str) -> str:
    """The sample with more keys on the 'weapon' item (the first new line is 31)."""
    return inserted(30, *(f"        {line}" for line in extra))


def appended(*extra: str) -> str:
    """The sample with more lines at the end (the first new line is 45)."""
    return sample() + "".join(f"{line}\n" for line in extra)


def problems_of(text: str) -> list[Problem]:
    with pytest.raises(DefinitionError) as info:
        load_text(text, NAME)
    assert info.value.problems, "a DefinitionError always lists its problems"
    return info.value.problems


def test_sample_is_valid_and_lines_are_as_documented() -> None:
    inst = load_text(sample(), NAME)
    assert inst.id == "sample-inst"
    assert [it.id for it in inst.all_items()] == ["threat", "weapon", "fear", "contact"]
    assert len(sample().splitlines()) == 44
    assert SAMPLE_LINES[26] == "      - id: weapon"  # line 27
    assert SAMPLE_LINES[35] == "        max: 4"  # line 36


BROKEN = [
    # -- reading the file
    pytest.param(replaced(5, "target: victim: x"), 5, "not valid YAML", id="yaml-syntax"),
    pytest.param(replaced(19, "    title: {sv: Huvud, en: Main"), 20, "not valid YAML",
                 id="yaml-unclosed-flow-mapping"),
    pytest.param("", None, "the file is empty", id="empty-file"),
    pytest.param("# only a comment\n", None, "the file is empty", id="only-a-comment"),
    pytest.param("- a\n- b\n", 1, "expected a mapping", id="top-level-list"),
    pytest.param("just a sentence\n", 1, "expected a mapping", id="top-level-scalar"),
    pytest.param(inserted(2, "id: other"), 3, "key given twice", id="duplicate-key-id"),
    pytest.param(inserted(22, "        type: presence"), 23, "key given twice",
                 id="duplicate-key-in-item"),
    # -- top level
    pytest.param(removed(6, 6), 1, "missing required key 'licence'", id="missing-licence"),
    pytest.param(removed(17, 44), 1, "missing required key 'sections'",
                 id="missing-sections"),
    pytest.param(replaced(4, "titel: {sv: Prov, en: Sample}"), 4, "unknown key 'titel'",
                 id="unknown-top-key-typo"),
    pytest.param(replaced(1, "format: 2"), 1, "reads format 1, not '2'", id="format-2"),
    pytest.param(replaced(2, "id: Sample Inst"), 2, "expected an id", id="id-spaces-capitals"),
    pytest.param(replaced(2, "id: -sample"), 2, "expected an id", id="id-leading-dash"),
    pytest.param(replaced(3, 'version: ""'), 3, "expected a non-empty text",
                 id="empty-version"),
    pytest.param(replaced(5, "target: offender"), 5, "must be one of: victim, perpetrator, "
                 "child (got 'offender')", id="unknown-target"),
    pytest.param(replaced(7, "training_required: yes"), 7, "expected true or false, got 'yes'",
                 id="training-required-yes"),
    pytest.param(replaced(7, "training_required: no"), 7, "expected true or false, got 'no'",
                 id="training-required-no"),
    pytest.param(inserted(7, "features: [scenarios, calendar]"), 8,
                 "must be one of: custom_factors, scenarios, incident_calendar "
                 "(got 'calendar')", id="unknown-feature"),
    pytest.param(inserted(7, "reassess: {days: 0}"), 8, "must be at least 1",
                 id="reassess-days-zero"),
    pytest.param(inserted(7, "reassess: {on_incident: yes}"), 8, "expected true or false",
                 id="reassess-on-incident-yes"),
    # -- items
    pytest.param(replaced(28, "        type: boolean"), 28, "(got 'boolean')",
                 id="unknown-item-type"),
    pytest.param(replaced(27, "      - id: threat"), 27, "item id 'threat' is used twice",
                 id="duplicate-item-id"),
    pytest.param(appended("  - id: second", "    title: Second", "    items:",
                          "      - id: fear", "        type: yes_no", "        text: Again"),
                 48, "item id 'fear' is used twice", id="duplicate-item-id-across-sections"),
    pytest.param(weapon_with("when: [yes]", "items:", "  - id: threat", "    type: yes_no",
                             "    text: Again"),
                 33, "item id 'threat' is used twice", id="duplicate-item-id-in-sub-items"),
    pytest.param(appended("  - id: main", "    title: Again", "    items:",
                          "      - {id: other, type: yes_no, text: Other}"),
                 45, "section id 'main' is used twice", id="duplicate-section-id"),
    pytest.param(removed(29, 29), 27, "missing required key 'text'", id="missing-item-text"),
    pytest.param(replaced(29, "        text: {sv: Vapen, de: Waffe}"), 29,
                 "unknown language 'de'", id="unknown-language"),
    pytest.param(replaced(29, "        text: {}"), 29, "at least one language",
                 id="text-no-language"),
    pytest.param(weapon_with("wieght: 2"), 31, "unknown key 'wieght'", id="unknown-item-key"),
    pytest.param(removed(36, 36), 31, "a scale needs 'min' and 'max'", id="scale-without-max"),
    pytest.param(replaced(36, "        max: 12"), 36, "of at most 9", id="scale-max-over-9"),
    pytest.param(replaced(35, "        min: 4"), 36, "to a higher 'max'",
                 id="scale-max-not-above-min"),
    pytest.param(replaced(36, "        max: many"), 36, "expected a whole number, got 'many'",
                 id="scale-max-not-a-number"),
    pytest.param(weapon_with("min: 1"), 31, "only a scale has min and max",
                 id="min-on-yes-no"),
    pytest.param(removed(41, 44), 37, "expected a list", id="choice-without-options"),
    pytest.param(weapon_with("options: [{id: x, key: x, label: X}]"), 31,
                 "only a choice item has options", id="options-on-yes-no"),
    pytest.param(replaced(42, "          - {id: none, key: e, label: Ingen}"), 42,
                 "not e, g or i", id="option-key-e"),
    pytest.param(replaced(42, "          - {id: none, key: g, label: Ingen}"), 42,
                 "not e, g or i", id="option-key-g"),
    pytest.param(replaced(42, "          - {id: none, key: i, label: Ingen}"), 42,
                 "not e, g or i", id="option-key-i"),
    pytest.param(replaced(42, "          - {id: none, key: ab, label: Ingen}"), 42,
                 "one lower-case letter or digit", id="option-key-two-letters"),
    pytest.param(replaced(42, "          - {id: none, key: A, label: Ingen}"), 42,
                 "one lower-case letter or digit", id="option-key-capital"),
    pytest.param(replaced(43, "          - {id: some, key: a, label: Viss}"), 41,
                 "option key 'a' given twice", id="duplicate-option-key"),
    pytest.param(replaced(43, "          - {id: none, key: b, label: Viss}"), 41,
                 "option id 'none' given twice", id="duplicate-option-id"),
    pytest.param(replaced(42, "          - {id: unknown, key: a, label: Ingen}"), 42,
                 "'unknown' is reserved", id="option-id-reserved"),
    pytest.param(weapon_with("points: {yes: 2, unknown: 1}"), 31,
                 "'unknown' is not a scored answer of a yes_no item",
                 id="points-for-unknown"),
    pytest.param(weapon_with("points: {yes: 2, present: 1}"), 31,
                 "'present' is not a scored answer", id="points-for-other-type"),
    pytest.param(inserted(40, "        points: {none: 1}"), 41,
                 "points are a mapping of answer to points", id="points-on-choice"),
    pytest.param(weapon_with("weight: heavy"), 31, "expected a whole number, got 'heavy'",
                 id="weight-not-a-number"),
    pytest.param(replaced(26, "        critical: {answers: [present], level: high}"), 26,
                 "must be one of: yes, no (got 'present')", id="critical-answer-not-allowed"),
    pytest.param(replaced(26, "        critical: {answers: [unknown], level: high}"), 26,
                 "(got 'unknown')", id="critical-answer-unknown"),
    pytest.param(replaced(26, "        critical: {answers: [yes], level: severe}"), 26,
                 "must be one of: low, medium, high (got 'severe')",
                 id="critical-level-not-a-level"),
    pytest.param(replaced(26, "        critical: {answers: [yes]}"), 26,
                 "missing required key 'level'", id="critical-without-level"),
    pytest.param(weapon_with("when: [yes]"), 31, "'when' says when the sub-items show",
                 id="when-without-items"),
    pytest.param(weapon_with("items:", "  - {id: sub1, type: yes_no, text: Sub}"), 27,
                 "sub-items need 'when'", id="items-without-when"),
    pytest.param(weapon_with("when: [maybe]", "items:",
                             "  - {id: sub1, type: yes_no, text: Sub}"), 31,
                 "(got 'maybe')", id="when-answer-not-allowed"),
    pytest.param(weapon_with("when: [yes]", "items:",
                             "  - id: sub1", "    type: yes_no", "    text: Sub 1",
                             "    when: [yes]", "    items:",
                             "      - id: sub2", "        type: yes_no", "        text: Sub 2",
                             "        when: [yes]", "        items:",
                             "          - id: sub3", "            type: yes_no",
                             "            text: Sub 3"),
                 42, "nested at most two levels deep", id="sub-items-three-deep"),
    pytest.param(replaced(24, "        sources: [src2]"), 24,
                 "source 'src2' is not in the top-level 'sources' list", id="unknown-source"),
    pytest.param(inserted(19, "    timeframes: [now, later]"), 20,
                 "must be one of: now, background (got 'later')", id="unknown-timeframe"),
    pytest.param(inserted(19, "    timeframes: [now, now]"), 20, "a time frame is given twice",
                 id="timeframe-twice"),
    # -- scoring
    pytest.param(replaced(16, "    - {min: 3, level: high}"), 16, "thresholds must rise",
                 id="thresholds-not-rising"),
    pytest.param(replaced(16, "    - {min: 6, level: medium}"), 16, "levels must rise",
                 id="threshold-levels-not-rising"),
    pytest.param(replaced(15, "    - {min: 3, level: moderate}"), 15,
                 "must be one of: low, medium, high (got 'moderate')",
                 id="threshold-level-unknown"),
    pytest.param(replaced(15, "    - {min: three, level: medium}"), 15,
                 "expected a number, got 'three'", id="threshold-min-not-a-number"),
    pytest.param(replaced(11, "  method: none"), 13, "method 'none' has no thresholds",
                 id="method-none-with-thresholds"),
    pytest.param(removed(13, 16), 10, "method 'weighted' needs 'thresholds'",
                 id="weighted-without-thresholds"),
    pytest.param(replaced(11, "  method: sum"), 11, "(got 'sum')", id="unknown-method"),
    pytest.param(inserted(12, "  count_answers: [yes]"), 13,
                 "count_answers is only for method 'count'", id="count-answers-with-weighted"),
    pytest.param(replaced(12, "  max_insufficient: -1"), 12, "must be at least 0",
                 id="max-insufficient-negative"),
    pytest.param(inserted(12, "  timeframe: later"), 13, "(got 'later')",
                 id="scoring-timeframe-unknown"),
    # -- summary judgement
    pytest.param(appended("judgement:", "  - id: risk", "    title: Risk", "    levels:",
                          "      - low", "      - medium", "      - high",
                          "      - {id: extreme}"),
                 52, "missing required key 'label'", id="custom-level-without-label"),
    pytest.param(appended("judgement:", "  - id: risk", "    title: Risk",
                          "    levels: [low, medium, high, extreme]"),
                 48, "level 'extreme' has no built-in label", id="custom-level-as-plain-word"),
    pytest.param(appended("judgement:", "  - id: risk", "    title: Risk",
                          "    levels: [low, low, medium, high]"),
                 48, "level 'low' given twice", id="level-twice"),
    pytest.param(appended("judgement:", "  - {id: risk, title: Risk, levels: [low, high]}"),
                 15, "must be one of: low, high (got 'medium')",
                 id="threshold-level-not-in-custom-judgement"),
]


@pytest.mark.parametrize(("text", "line", "fragment"), BROKEN)
def test_broken_definition_reports_line_and_problem(text: str, line: int | None,
                                                    fragment: str) -> None:
    problems = problems_of(text)
    matching = [p for p in problems if fragment in p.message]
    assert matching, f"no problem mentions {fragment!r}: {[str(p) for p in problems]}"
    at_line = [p for p in matching if p.line == line]
    assert at_line, f"{fragment!r} reported at {[p.line for p in matching]}, expected {line}"
    for problem in at_line:
        assert problem.file == NAME
        prefix = f"{NAME}:{line}" if line is not None else f"{NAME}: "
        assert str(problem).startswith(prefix)
        assert fragment in str(problem)


def test_at_least_25_broken_samples() -> None:
    assert len(BROKEN) >= 25
    ids = [case.id for case in BROKEN]
    assert len(set(ids)) == len(ids)


def test_unknown_key_with_block_value_is_reported_at_the_key() -> None:
    text = replaced(4, "titel:", "  sv: Prov", "  en: Sample")
    problems = [p for p in problems_of(text) if "unknown key 'titel'" in p.message]
    assert problems
    assert problems[0].line == 4  # the line that says 'titel:'


def test_problem_str_includes_path() -> None:
    problem = next(p for p in problems_of(replaced(28, "        type: boolean"))
                   if "boolean" in p.message)
    assert problem.path == "sections[0].items[1].type"
    assert str(problem).startswith("sample.yaml:28: sections[0].items[1].type: ")


def test_every_problem_in_a_file_is_reported() -> None:
    lines = list(SAMPLE_LINES)
    lines[4] = "target: offender"  # line 5
    lines[6] = "training_required: yes"  # line 7
    lines[23] = "        sources: [nowhere]"  # line 24
    lines[28] = "        text: {sv: Vapen, fr: Arme}"  # line 29
    lines[35] = "        max: 10"  # line 36
    lines[41] = "          - {id: none, key: e, label: Ingen}"  # line 42
    problems = problems_of("\n".join(lines) + "\n")
    found = {(p.line, frag) for p in problems
             for frag in ("offender", "'yes'", "nowhere", "'fr'", "at most 9", "not e, g or i")
             if frag in p.message}
    assert found == {(5, "offender"), (7, "'yes'"), (24, "nowhere"), (29, "'fr'"),
                     (36, "at most 9"), (42, "not e, g or i")}
    text = "\n".join(str(p) for p in problems)
    assert str(DefinitionError(problems)) == text


def test_no_yaml_implicit_typing() -> None:
    text = "\n".join([
        *SAMPLE_LINES[:40],
        "        options:",
        "          - {id: no, key: n, label: no, points: 0}",
        "          - {id: yes, key: y, label: yes, points: 1}",
        "          - {id: on, key: o, label: {sv: on, en: off}, points: 2}",
        "          - {id: 'null', key: x, label: ~}",
    ]) + "\n"
    text = text.replace("version: \"1.0\"", "version: 1.10").replace(
        "title: {sv: Prov, en: Sample}", "title: {sv: no, en: yes}")
    inst = load_text(text, NAME)
    assert inst.version == "1.10"  # not the float 1.1
    assert inst.title == Localized((("sv", "no"), ("en", "yes")))
    contact = inst.item("contact")
    assert [o.id for o in contact.options] == ["no", "yes", "on", "null"]
    assert all(isinstance(o.id, str) for o in contact.options)
    assert [o.label.get("en") for o in contact.options] == ["no", "yes", "off", "~"]
    assert [o.label.get("sv") for o in contact.options] == ["no", "yes", "on", "~"]
    assert contact.allowed_answers() == ("no", "yes", "on", "null", "unknown")
    assert inst.raw["training_required"] == "false"  # stored as text, converted by the schema
    assert inst.training_required is False


# ---------------------------------------------------------------------- the library

LICENSED = """\
format: 1
id: org-licensed
version: "2026.1"
title: {sv: Licensierad bedömning, en: Licensed assessment}
target: perpetrator
licence: "© Example – used under licence"
training_required: true
features: [custom_factors, scenarios]
scoring:
  method: none
judgement:
  - id: acute
    title: {sv: Akut risk, en: Acute risk}
    levels: [low, medium, high]
  - id: future
    title: {sv: Framtida risk, en: Future risk}
    levels: [low, medium, high]
  - id: severity
    title: {sv: Allvarlighet, en: Severity}
    levels:
      - {id: limited, label: {sv: begränsad, en: limited}}
      - {id: serious, label: {sv: allvarlig, en: serious}}
sections:
  - id: history
    title: {sv: Historik, en: History}
    timeframes: [now, background]
    items:
      - id: violence
        type: presence
        text: {sv: Våld, en: Violence}
"""

BROKEN_FILE = """\
format: 1
id: org-broken
version: "1"
title: Broken
target: victim
licence: "x"
training_required: maybe
sections: []
"""


@pytest.fixture(scope="module")
def shipped() -> Library:
    """The shipped instruments only (read once: the tests below do not change it)."""
    return load_library(None)


@pytest.fixture
def org(tmp_path: Path) -> Path:
    folder = tmp_path / "instruments"
    folder.mkdir()
    return folder


def test_library_loads_licensed_definition(org: Path) -> None:
    (org / "licensed.yaml").write_text(LICENSED, encoding="utf-8")
    lib = load_library(org)
    assert lib.problems == []
    inst = lib.get("org-licensed")
    assert inst.origin == "organisation"
    assert inst.path == str(org / "licensed.yaml")
    assert inst.licence == "© Example – used under licence"
    assert inst.training_required is True
    assert [d.id for d in inst.judgement] == ["acute", "future", "severity"]
    assert inst.main.id == "acute"
    assert inst.judgement[2].level_ids() == ("limited", "serious")
    assert inst.judgement[2].label("serious") in ("allvarlig", "serious")
    assert inst.item("violence").timeframes == ("now", "background")
    assert "rc-acute" in lib.instruments  # the shipped ones are still there
    assert lib.get("rc-acute").origin == "shipped"


def test_library_reports_broken_file_and_loads_the_rest(org: Path) -> None:
    (org / "a-broken.yaml").write_text(BROKEN_FILE, encoding="utf-8")
    (org / "b-licensed.yaml").write_text(LICENSED, encoding="utf-8")
    (org / "c-also.yml").write_text(LICENSED.replace("org-licensed", "org-also"),
                                    encoding="utf-8")
    (org / "notes.txt").write_text("not a definition", encoding="utf-8")
    lib = load_library(org)
    assert "org-licensed" in lib.instruments
    assert "org-also" in lib.instruments
    assert "org-broken" not in lib.instruments
    broken = str(org / "a-broken.yaml")
    assert {p.file for p in lib.problems} == {broken}
    lines = {(p.line, p.message) for p in lib.problems}
    assert (7, "expected true or false, got 'maybe'") in lines
    assert (8, "the list is empty") in lines
    assert any(str(p).startswith(f"{broken}:7: ") for p in lib.problems)


def test_library_refuses_an_org_file_reusing_a_shipped_id(org: Path, shipped: Library
                                                           ) -> None:
    text = LICENSED.replace("id: org-licensed", "id: rc-acute")
    (org / "mine.yaml").write_text(text, encoding="utf-8")
    lib = load_library(org)
    assert lib.get("rc-acute").origin == "shipped"
    assert lib.get("rc-acute") == shipped.get("rc-acute")
    [problem] = lib.problems
    assert problem.file == str(org / "mine.yaml")
    assert "'rc-acute' is already loaded" in problem.message


def test_library_two_org_files_with_one_id(org: Path) -> None:
    (org / "a.yaml").write_text(LICENSED, encoding="utf-8")
    (org / "b.yaml").write_text(LICENSED, encoding="utf-8")
    lib = load_library(org)
    assert lib.get("org-licensed").path == str(org / "a.yaml")
    assert [p.file for p in lib.problems] == [str(org / "b.yaml")]


def test_library_without_org_folder(tmp_path: Path, shipped: Library) -> None:
    lib = load_library(tmp_path / "missing")
    assert lib.instruments == shipped.instruments
    assert lib.problems == []


OVERRIDE = """\
rc-danger-victim:
  thresholds:
    - {min: 0, level: low}
    - {min: 5, level: medium}
    - {min: 10, level: high}
"""


def test_overrides_replace_thresholds_of_a_shipped_instrument(org: Path, shipped: Library
                                                              ) -> None:
    before = shipped.get("rc-danger-victim")
    (org / "overrides.yaml").write_text(OVERRIDE, encoding="utf-8")
    lib = load_library(org)
    assert lib.problems == []
    after = lib.get("rc-danger-victim")
    assert [(t.minimum, t.level) for t in after.scoring.thresholds] == [
        (0, "low"), (5, "medium"), (10, "high")]
    assert after.scoring.method == before.scoring.method
    assert after.scoring.max_insufficient == before.scoring.max_insufficient
    assert after.all_items() == before.all_items()
    snap_before, snap_after = snapshot(before), snapshot(after)
    assert snap_after["scoring"]["thresholds"] == [
        {"min": 0, "level": "low"}, {"min": 5, "level": "medium"}, {"min": 10, "level": "high"}]
    assert snap_before["scoring"]["thresholds"] == [
        {"min": 0, "level": "low"}, {"min": 8, "level": "medium"}, {"min": 16, "level": "high"}]
    assert digest(snap_before) != digest(snap_after)
    assert digest(snap_after) == digest(snapshot(load_library(org).get("rc-danger-victim")))
    # the stored snapshot scores as in effect when it was made
    restored = from_snapshot(json.loads(json.dumps(snap_after)))
    assert restored.scoring.thresholds == after.scoring.thresholds
    # the overrides file itself is not read as a definition
    assert "overrides" not in " ".join(p.file for p in lib.problems)


def test_override_for_unknown_instrument_is_reported(org: Path) -> None:
    (org / "overrides.yaml").write_text(
        "rc-nonexistent: {thresholds: [{min: 0, level: low}]}\n" + OVERRIDE, encoding="utf-8")
    lib = load_library(org)
    path = str(org / "overrides.yaml")
    [problem] = lib.problems
    assert problem.file == path
    assert problem.line == 1
    assert "no instrument with id 'rc-nonexistent'" in problem.message
    assert str(problem).startswith(f"{path}:1: ")
    # the valid part of the file still applies
    assert lib.get("rc-danger-victim").scoring.thresholds[1].minimum == 5


def test_override_with_falling_thresholds_is_reported(org: Path, shipped: Library) -> None:
    (org / "overrides.yaml").write_text(OVERRIDE.replace("min: 10", "min: 4"),
                                        encoding="utf-8")
    default = shipped.get("rc-danger-victim")
    lib = load_library(org)
    path = str(org / "overrides.yaml")
    assert any(p.file == path and p.line == 5 and "thresholds must rise" in p.message
               for p in lib.problems), [str(p) for p in lib.problems]
    assert lib.get("rc-danger-victim").scoring.thresholds == default.scoring.thresholds


def test_override_of_an_unscored_instrument_and_unknown_level(org: Path) -> None:
    (org / "overrides.yaml").write_text(
        "rc-perpetrator: {thresholds: [{min: 0, level: low}]}\n"
        "rc-acute:\n"
        "  thresholds:\n"
        "    - {min: 0, level: low}\n"
        "    - {min: 2, level: extreme}\n", encoding="utf-8")
    lib = load_library(org)
    found = {(p.line, p.message) for p in lib.problems}
    assert (1, "this instrument is not scored (method 'none')") in found
    assert any(line == 5 and "(got 'extreme')" in msg for line, msg in found)


def test_overrides_not_a_mapping_and_broken_yaml(org: Path) -> None:
    (org / "overrides.yaml").write_text("- rc-acute\n", encoding="utf-8")
    [problem] = load_library(org).problems
    assert problem.line == 1
    assert "expected a mapping" in problem.message
    (org / "overrides.yaml").write_text("rc-acute: {thresholds: [\n", encoding="utf-8")
    [problem] = load_library(org).problems
    assert "not valid YAML" in problem.message
    (org / "overrides.yaml").write_bytes(b"rc-acute: \xff\xfe\n")
    [problem] = load_library(org).problems
    assert "UTF-8" in problem.message


def test_large_and_non_utf8_files_are_reported(org: Path) -> None:
    big = org / "big.yaml"
    big.write_text(LICENSED + "#" * 1_000_001 + "\n", encoding="utf-8")
    latin = org / "latin.yaml"
    latin.write_bytes(LICENSED.replace("–", "-").encode("latin-1"))  # å as one byte
    (org / "ok.yaml").write_text(LICENSED, encoding="utf-8")
    lib = load_library(org)
    assert "org-licensed" in lib.instruments
    messages = {p.file: p.message for p in lib.problems}
    assert messages == {str(big): "the file is larger than 1 MB",
                        str(latin): "the file is not UTF-8 text"}
    with pytest.raises(DefinitionError):
        load_file(big)


# ---------------------------------------------------------------------- shipped instruments

SHIPPED_IDS = {"rc-acute", "rc-violence-mapping", "rc-danger-victim", "rc-perpetrator",
               "rc-child"}


def _both_languages(text: Localized | None) -> bool:
    return text is not None and {lang for lang, _t in text.texts} == {"sv", "en"} and \
        all(t.strip() for _lang, t in text.texts)


def test_shipped_instruments_load_cleanly(shipped: Library) -> None:
    lib = shipped
    assert lib.problems == []
    assert len(lib.instruments) >= 5
    assert set(lib.instruments) >= SHIPPED_IDS
    assert {inst.target for inst in lib.instruments.values()} >= {"victim", "perpetrator",
                                                                  "child"}
    for inst in lib.instruments.values():
        assert inst.origin == "shipped"
        assert inst.licence.strip()


def test_shipped_texts_are_in_both_languages(shipped: Library) -> None:
    for inst in shipped.instruments.values():
        assert _both_languages(inst.title), inst.id
        for section in inst.sections:
            assert _both_languages(section.title), (inst.id, section.id)
        for item in inst.all_items():
            assert _both_languages(item.text), (inst.id, item.id)
            if item.guidance is not None:
                assert _both_languages(item.guidance), (inst.id, item.id)
            for option in item.options:
                assert _both_languages(option.label), (inst.id, item.id, option.id)
        for dim in inst.judgement:
            assert _both_languages(dim.title), (inst.id, dim.id)
            for level in dim.levels:
                assert _both_languages(level.label), (inst.id, dim.id, level.id)


def test_shipped_scored_items_cite_known_sources(shipped: Library) -> None:
    for inst in shipped.instruments.values():
        keys = {k for k, _t in inst.sources}
        for item in inst.all_items():
            if item.scored:
                assert item.sources, (inst.id, item.id)
            assert set(item.sources) <= keys, (inst.id, item.id)


@pytest.mark.parametrize("inst_id", sorted(SHIPPED_IDS))
def test_snapshot_round_trip(inst_id: str, shipped: Library) -> None:
    inst = shipped.get(inst_id)
    again = from_snapshot(json.loads(json.dumps(snapshot(inst))))
    assert again.origin == "snapshot"
    assert again.id == inst.id
    assert again.version == inst.version
    assert again.all_items() == inst.all_items()
    assert again.sections == inst.sections
    assert again.scoring == inst.scoring
    assert again.judgement == inst.judgement
    assert again.features == inst.features
    assert digest(snapshot(again)) == digest(snapshot(inst))


# ---------------------------------------------------------------------- the CLI

Main = Callable[[list[str]], int]


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> Main:
    """``rc_tui.cli.main`` in this process, without changing its umask or dumpability."""
    import rc_tui.hygiene
    from rc_tui.cli import main

    monkeypatch.setattr(rc_tui.hygiene, "harden_process", dict)
    return main


def test_cli_check_good_file(cli: Main, tmp_path: Path,
                             capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(sample(), encoding="utf-8")
    assert cli(["instruments", "check", str(good)]) == 0
    out, err = capsys.readouterr()
    assert str(good) in out
    assert "sample-inst" in out
    assert err == ""


def test_cli_check_broken_file(cli: Main, tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(sample(), encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(replaced(7, "training_required: yes"), encoding="utf-8")
    assert cli(["instruments", "check", str(good), str(bad)]) != 0
    out, err = capsys.readouterr()
    assert f"{bad}:7: training_required: expected true or false, got 'yes'" in err
    assert str(good) in out
    assert "Traceback" not in err


def test_cli_check_missing_file(cli: Main, tmp_path: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "missing.yaml"
    assert cli(["instruments", "check", str(missing)]) != 0
    assert str(missing) in capsys.readouterr().err


def test_cli_list(cli: Main, org: Path,
                  capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["instruments", "list", "--instruments", str(org)]) == 0
    out, err = capsys.readouterr()
    listed = {line.split()[0] for line in out.splitlines()[1:] if line.strip()}
    assert listed >= SHIPPED_IDS
    assert str(org) in out.splitlines()[0]
    assert err == ""


def test_cli_list_reports_problems(cli: Main, org: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    (org / "broken.yaml").write_text(BROKEN_FILE, encoding="utf-8")
    (org / "licensed.yaml").write_text(LICENSED, encoding="utf-8")
    assert cli(["instruments", "list", "--instruments", str(org)]) != 0
    out, err = capsys.readouterr()
    assert "org-licensed" in out
    assert f"{org / 'broken.yaml'}:7: " in err


def test_definitions_are_read_composed() -> None:
    """A file saved decomposed (macOS, some editors) gives the same text and digest."""
    composed, _lines = read_yaml("title: Trädgården\n", "x")
    decomposed, _lines = read_yaml("title: Tra\u0308dga\u030arden\n", "x")
    assert composed == decomposed == {"title": "Trädgården"}
    assert digest(composed) == digest(decomposed)
