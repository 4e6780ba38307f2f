"""The demo through the service layer: families registered by the demo caseworker, then
perpetrator tracks, the shelter, assessments, casework, a samråd, partner contacts and a
safety plan – every row validated and access-logged like a real registration."""

from __future__ import annotations

import random

from rc_tui.demo.assessments import assessments
from rc_tui.demo.base import DEMO_CASEWORKER, DEMO_SEED, as_user, require_demo
from rc_tui.demo.casework import casework
from rc_tui.demo.families import IdNumbers, Registered, family, opened_at, shapes
from rc_tui.demo.registration import perpetrator_tracks, register
from rc_tui.demo.retention import old_records
from rc_tui.demo.safety import safety
from rc_tui.demo.samrad import samrad
from rc_tui.demo.sessions import sessions
from rc_tui.demo.shelter import shelter
from storage.vault import Vault


def generate(vault: Vault, persons: int, *, seed: int = DEMO_SEED) -> None:
    """Fill the demo with about ``persons`` synthetic persons through the service layer.

    Families of a victim, usually a perpetrator, 0-3 children and sometimes an alias-only
    other person; relations, consents, child welfare reports (a few left missing, so the
    due list has items) and signed journal notes. Registered by the demo caseworker
    ``anna`` (unlocked here with her demo passphrase when ``vault`` is someone else's).
    """
    require_demo(vault)
    if persons <= 0:
        return
    rng = random.Random(seed)  # noqa: S311 - reproducible fiction, not secrets
    ids = IdNumbers(rng)
    family_shapes = shapes(rng, persons)
    families = [
        family(rng, ids, shape, opened_at(i, len(family_shapes), 240, rng),
               protected=i == 1 or rng.random() < 0.05)
        for i, shape in enumerate(family_shapes)
    ]
    # One child report is always left missing (the due list shows it): in the last family
    # with children; others are left missing at random.
    last_with_children = max((i for i, f in enumerate(families) if f.index_of("child")),
                             default=-1)
    registered: list[Registered] = []
    with as_user(vault, DEMO_CASEWORKER) as worker:
        for i, fam in enumerate(families):
            case_id, person_ids = register(worker, rng, fam,
                                           force_missing_report=i == last_with_children)
            registered.append((fam, case_id, person_ids))
    perpetrator_tracks(vault, registered, random.Random(seed + 1))  # noqa: S311
    shelter(vault, registered, random.Random(seed + 4))  # noqa: S311
    assessments(vault, registered, random.Random(seed + 2))  # noqa: S311
    casework(vault, registered, random.Random(seed + 3))  # noqa: S311
    sessions(vault, registered)
    samrad(vault, registered)
    safety(vault, registered)
    old_records(vault)
