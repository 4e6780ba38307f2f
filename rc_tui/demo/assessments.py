"""Risk assessments in the demo: plausible answers drawn for any instrument, signed with a
judgement that sometimes deviates from the score; histories with a trend, child and
perpetrator assessments, and a draft."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from rc_tui.demo.base import (
    BASE_DATE,
    DEMO_CASEWORKER,
    DEMO_PERPETRATOR_WORKER,
    Clock,
    as_user,
)
from rc_tui.demo.families import Registered
from rc_tui.demo.words import DEVIATIONS, RATIONALES
from rc_tui.domain.instruments.content import Content, Incident
from rc_tui.domain.instruments.library import Library, load_library
from rc_tui.domain.instruments.model import Instrument, Item, answer_keys
from rc_tui.domain.instruments.scoring import score, visible_items
from rc_tui.services.access import Level
from rc_tui.services.assessments import AssessmentService
from storage.vault import Vault


def _fill_answers(inst: Instrument, rng: random.Random, bias: float, day: date
                  ) -> dict[str, str]:
    """Plausible answers for every item shown (sub-items once their parent opens them)."""
    answers: dict[str, str] = {}
    for _round in range(4):
        for item in visible_items(inst, answers):
            for key in answer_keys(item):
                if key in answers:
                    continue
                value = _fill_one(item, rng, bias, day)
                if value is not None:
                    answers[key] = value
    return answers


def _fill_one(item: Item, rng: random.Random, bias: float, day: date) -> str | None:
    roll = rng.random()
    if item.type == "yes_no":
        return "unknown" if roll < 0.05 else ("yes" if rng.random() < bias else "no")
    if item.type == "presence":
        if roll < 0.06:
            return "insufficient"
        pick = rng.random()
        return "present" if pick < bias * 0.7 else ("partly" if pick < bias else "absent")
    if item.type == "scale":
        return str(min(item.maximum, item.minimum + int(rng.random() * bias * 2
                                                          * (item.maximum - item.minimum + 1))))
    if item.type == "choice":
        return rng.choice(item.options).id
    if item.type == "number":
        return str(rng.randrange(0, 10))
    if item.type == "date":
        return (day - timedelta(days=rng.randrange(3, 400))).isoformat()
    return None


def _sign_demo(svc: AssessmentService, assessment_id: int, answers: dict[str, str],
               rng: random.Random, incidents: list[Incident] | None = None) -> None:
    view = svc.get(assessment_id)
    inst = view.instrument
    content = Content(answers=answers, incidents=incidents or [])
    result = score(inst, answers)
    judgement: dict[str, str] = {}
    for dim in inst.judgement:
        ids = dim.level_ids()
        guess = result.suggested if dim is inst.main and result.suggested else ids[
            min(len(ids) - 1, int(rng.random() * len(ids)))]
        judgement[dim.id] = guess
    reason = ""
    if result.suggested and rng.random() < 0.15:
        ids = inst.main.level_ids()
        pos = ids.index(result.suggested)
        judgement[inst.main.id] = ids[min(len(ids) - 1, pos + 1)] if pos < len(ids) - 1 \
            else ids[pos - 1]
        reason = rng.choice(DEVIATIONS)
    svc.sign(assessment_id, view.version, content, judgement, rng.choice(RATIONALES), reason,
             training_confirmed=True)


def acute_assessment(worker: Vault, clock: Clock, person: int, case_id: int,
                     intake_id: int, old_answers: dict[str, bool | None]) -> None:
    """The acute screening at intake, signed with the answers drawn for the family."""
    svc = AssessmentService(worker, screen="demo", clock=clock)
    inst = _library().get("rc-acute")
    answers = {key: {True: "yes", False: "no"}.get(value, "unknown")  # type: ignore[arg-type]
               for key, value in old_answers.items()}
    aid = svc.start(person, inst, case_id=case_id, intake_id=intake_id)
    _sign_demo(svc, aid, answers, random.Random(person))  # noqa: S311


_LIBRARY: list[Library] = []


def _library() -> Library:
    if not _LIBRARY:
        _LIBRARY.append(load_library(None))
    return _LIBRARY[0]


def assessments(vault: Vault, registered: list[Registered], rng: random.Random) -> None:
    """Risk assessments over time: a danger assessment history (with a trend) and a
    violence mapping for some victims, a child assessment for some children (by anna),
    a perpetrator assessment for the perpetrator tracks per has; a draft or two."""
    lib = _library()
    with as_user(vault, DEMO_CASEWORKER) as worker:
        clock = Clock(registered[0][0].opened)
        svc = AssessmentService(worker, screen="demo", clock=clock)
        for index, (fam, case_id, pids) in enumerate(registered):
            if rng.random() > 0.5 and index > 2:
                continue
            victim = pids[0]
            when = fam.opened + timedelta(days=2, hours=3)
            clock.now = when
            mapping = lib.get("rc-violence-mapping")
            aid = svc.start(victim, mapping, case_id=case_id)
            _sign_demo(svc, aid, _fill_answers(mapping, rng, 0.5, when.date()), rng)
            danger = lib.get("rc-danger-victim")
            bias = 0.25 + rng.random() * 0.4
            for _round in range(rng.randrange(1, 4)):
                clock.now = when = when + timedelta(days=rng.randrange(10, 40))
                if when.date() >= BASE_DATE:
                    break
                aid = svc.start(victim, danger, case_id=case_id)
                incidents = [Incident((when.date() - timedelta(days=d)).isoformat(),
                                      rng.randrange(1, 6), "")
                             for d in sorted(rng.sample(range(5, 300), rng.randrange(1, 5)))]
                _sign_demo(svc, aid, _fill_answers(danger, rng, bias, when.date()), rng,
                           incidents)
                bias = max(0.05, min(0.9, bias + rng.choice((-0.15, -0.1, 0.1, 0.15))))
            for child_index in fam.index_of("child"):
                if rng.random() < 0.5:
                    child_inst = lib.get("rc-child")
                    clock.now = fam.opened + timedelta(days=4)
                    aid = svc.start(pids[child_index], child_inst, case_id=case_id)
                    _sign_demo(svc, aid, _fill_answers(child_inst, rng, 0.4,
                                                       clock.now.date()), rng)
            if index == 0:
                clock.now = datetime.combine(BASE_DATE, datetime.min.time()) - timedelta(
                    hours=20)
                aid = svc.start(victim, danger, case_id=case_id)
                view = svc.get(aid)
                partial = dict(list(_fill_answers(danger, rng, 0.4,
                                                  clock.now.date()).items())[:6])
                svc.save_draft(aid, view.version, Content(answers=partial))
    with as_user(vault, DEMO_PERPETRATOR_WORKER) as worker:
        svc = AssessmentService(worker, screen="demo", clock=clock)
        perp_inst = lib.get("rc-perpetrator")
        for fam, case_id, pids in registered:
            for perp_index in fam.index_of("perpetrator"):
                perp = pids[perp_index]
                with svc.read() as s:
                    level = svc.access.level(s, perp)
                if level < Level.FULL or rng.random() < 0.4:
                    continue
                clock.now = fam.opened + timedelta(days=12)
                aid = svc.start(perp, perp_inst, case_id=case_id)
                _sign_demo(svc, aid, _fill_answers(perp_inst, rng, 0.45, clock.now.date()),
                           rng)
