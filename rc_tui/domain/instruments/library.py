"""The instruments in use: shipped with rc-tui, plus the organisation's own folder.

The organisation folder (by default ``<config dir>/instruments``) holds definition files
the organisation has a licence for, and an optional ``overrides.yaml`` that replaces the
thresholds of any instrument by id. A broken file never stops the program: it is left
out and reported (file, line, problem), for the screen and for ``rc-tui instruments``.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from rc_tui.domain.instruments.checker import Checker
from rc_tui.domain.instruments.loader import (
    MAX_FILE_BYTES,
    DefinitionError,
    Problem,
    load_text,
    read_yaml,
    thresholds_from,
)
from rc_tui.domain.instruments.model import Instrument, Scoring

OVERRIDES_FILE = "overrides.yaml"


def shipped_texts() -> list[tuple[str, str]]:
    folder = resources.files("rc_tui.data").joinpath("instruments")
    return sorted((f"rc_tui/data/instruments/{entry.name}", entry.read_text(encoding="utf-8"))
                  for entry in folder.iterdir() if entry.name.endswith(".yaml"))


@dataclass
class Library:
    instruments: dict[str, Instrument] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def get(self, instrument_id: str) -> Instrument:
        return self.instruments[instrument_id]

    def for_target(self, targets: set[str]) -> list[Instrument]:
        """Instruments for these targets first (by title), then the rest."""
        every = sorted(self.instruments.values(), key=lambda i: (i.target not in targets,
                                                                 str(i.title)))
        return every


def snapshot(instrument: Instrument) -> dict[str, Any]:
    """The definition as stored with an assessment (thresholds as in effect)."""
    data = copy.deepcopy(instrument.raw)
    if instrument.scoring.thresholds:
        data.setdefault("scoring", {})["thresholds"] = [
            {"min": _num(t.minimum), "level": t.level} for t in instrument.scoring.thresholds]
    return data


def digest(data: dict[str, Any]) -> str:
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _num(value: float) -> int | float:
    return int(value) if value == int(value) else value


def _apply_overrides(lib: Library, path: Path) -> None:
    name = str(path)
    try:
        data, lines = read_yaml(path.read_text(encoding="utf-8"), name)
    except DefinitionError as exc:
        lib.problems.extend(exc.problems)
        return
    except (OSError, UnicodeDecodeError):
        lib.problems.append(Problem(name, None, "", "cannot be read as UTF-8 text"))
        return
    ck = Checker(name, lines)
    if not isinstance(data, dict):
        ck.fail((), "expected a mapping of instrument id to its overrides")
        lib.problems.extend(ck.problems)
        return
    for inst_id, body in data.items():
        if inst_id not in lib.instruments:
            ck.fail((inst_id,), f"no instrument with id '{inst_id}' is loaded")
            continue
        inst = lib.instruments[inst_id]
        m = ck.mapping(body, (inst_id,), required=("thresholds",), optional=())
        if m is None or "thresholds" not in m:
            continue
        if inst.scoring.method == "none":
            ck.fail((inst_id, "thresholds"), "this instrument is not scored (method 'none')")
            continue
        before = len(ck.problems)
        thresholds = thresholds_from(ck, m["thresholds"], (inst_id, "thresholds"),
                                     inst.main.level_ids())
        if len(ck.problems) == before:
            scoring = Scoring(inst.scoring.method, thresholds, inst.scoring.count_answers,
                              inst.scoring.max_insufficient, inst.scoring.timeframe)
            lib.instruments[inst_id] = replace(inst, scoring=scoring)
    lib.problems.extend(ck.problems)


@lru_cache(maxsize=128)
def _parsed(text: str, name: str, origin: str) -> Instrument:
    """Parsing is the slow part (pure-Python YAML): done once per distinct file content."""
    return load_text(text, name, origin)


def load_library(org_dir: Path | None) -> Library:
    lib = Library()
    for name, text in shipped_texts():
        try:
            inst = _parsed(text, name, "shipped")
        except DefinitionError as exc:  # a shipped file is tested; never stop the program
            lib.problems.extend(exc.problems)
            continue
        lib.instruments[inst.id] = inst
    if org_dir is None or not org_dir.is_dir():
        return lib
    for path in sorted(org_dir.glob("*.yaml")) + sorted(org_dir.glob("*.yml")):
        if path.name == OVERRIDES_FILE:
            continue
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise DefinitionError([Problem(str(path), None, "",
                                               "the file is larger than 1 MB")])
            try:
                text = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                raise DefinitionError([Problem(str(path), None, "",
                                               "the file is not UTF-8 text")]) from None
            inst = _parsed(text, str(path), "organisation")
        except DefinitionError as exc:
            lib.problems.extend(exc.problems)
            continue
        except Exception as exc:  # a hostile file must never stop the program
            lib.problems.append(Problem(str(path), None, "",
                                        f"could not be read ({type(exc).__name__})"))
            continue
        if inst.id in lib.instruments:
            lib.problems.append(Problem(str(path), None, "id", f"an instrument with id "
                                        f"'{inst.id}' is already loaded; ids must be unique"))
            continue
        lib.instruments[inst.id] = inst
    overrides = org_dir / OVERRIDES_FILE
    if overrides.is_file():
        try:
            if overrides.stat().st_size > MAX_FILE_BYTES:
                raise DefinitionError([Problem(str(overrides), None, "",
                                               "the file is larger than 1 MB")])
            _apply_overrides(lib, overrides)
        except DefinitionError as exc:
            lib.problems.extend(exc.problems)
        except Exception as exc:  # never stop the program
            lib.problems.append(Problem(str(overrides), None, "",
                                        f"could not be read ({type(exc).__name__})"))
    return lib
