"""The record extract's review through Pilot: R on the perpetrator, every passage about
another person released or withheld by key, Ctrl+S records the review and opens the
document dialog, whose encrypted PDF holds none of the withheld text. (The rules are in
tests/service/test_extracts.py.)"""

from __future__ import annotations

import pypdf

from rc_tui.services.records import RecordService
from screens.app import RcApp
from screens.document import DocumentDialog
from screens.person import PersonScreen
from screens.person.extract_review import ExtractReviewDialog
from storage.vault import Vault
from tests.helpers import screen_text, settle, signed_in, wait_until
from tests.service.test_access import (  # noqa: F401 - fixtures
    PER,
    PER_PASS,
    PERP_NOTE,
    Family,
    family,
)
from tests.service.test_extracts import LEAK_NOTE


async def test_review_then_issue_the_extract(family: Family) -> None:
    with Vault.unlock(family.path, PER, PER_PASS) as v:
        RecordService(v).add_note(family.perpetrator, "support_talk", LEAK_NOTE, sign=True)
    app = RcApp(family.path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await signed_in(pilot, PER, PER_PASS)
        app.open_person(family.perpetrator)
        await wait_until(pilot, lambda: isinstance(app.screen, PersonScreen))
        await settle(pilot)
        await pilot.press("R")
        await wait_until(pilot, lambda: isinstance(app.screen, ExtractReviewDialog))
        dialog = app.screen
        assert isinstance(dialog, ExtractReviewDialog)
        marked = len(dialog.marked)
        # the victim and the child in his case, his two notes (her identity is protected
        # from per: every passage is marked)
        assert marked == 4
        # the family withheld (OSL 26:1), his own talk released, the address withheld
        # (OSL 21:3)
        await pilot.press("1", "1", "r", "2")
        await settle(pilot)
        assert "OSL 21 kap. 3 §" in screen_text(app)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, DocumentDialog))
        document = app.screen
        assert isinstance(document, DocumentDialog)
        await settle(pilot)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: document.issued is not None)
        issued = document.issued
        assert issued is not None and issued.path is not None and issued.password
        reader = pypdf.PdfReader(issued.path)
        assert reader.decrypt(issued.password)
        text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
        assert PERP_NOTE in text and "Hemliga" not in text and "skyddat boende" not in text
