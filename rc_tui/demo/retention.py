"""Records old enough to cull (retention, ``rc-tui retention``): a family registered in
2019 whose case was closed in 2020, an old client of those years born on the 15th (kept by
the birth-day rule) and a turned-away request of 2020. Their names and texts carry the
word ``Gallring`` (the culled ones ``Gallringsdotter``/``Gallringsprov``) so a test can
look for every trace of them after culling."""

from __future__ import annotations

from datetime import datetime

from rc_tui.demo.base import DEMO_CASEWORKER, Clock, as_user
from rc_tui.services.cases import CaseService, IntakeInput, MemberInput
from rc_tui.services.casework import CaseworkService
from rc_tui.services.people import PersonInput
from rc_tui.services.records import RecordService
from rc_tui.services.shelter import ShelterService, TurnedAwayInput
from storage.vault import Vault

#: the family that is due to be culled (victim and child), and the one kept (born on 15th)
CULLED_NAMES = (("Vendela", "Gallringsdotter"), ("Tyko", "Gallringsdotter"))
CULLED_ID_NUMBER = "840722-1236"
CULLED_NOTE = "Gallringsprov: samtal om boende och skola, allt lugnt sedan flytten."
CULLED_ACCOUNT = "Gallringsprov: hot i hemmet, ville ha råd om skyddat boende."
KEPT_NAME = ("Siv", "Gallringsberg")
KEPT_ID_NUMBER = "860315-4561"
TURNED_AWAY_CONTACT = "Gallringsförfrågan"


def _family(worker: Vault, opened: datetime, closed: datetime, members: list[MemberInput],
            account: str, note: str) -> None:
    clock = Clock(opened)
    result = CaseService(worker, screen="demo", clock=clock).register_intake(IntakeInput(
        occurred_at=opened, channel="self", immediate_danger=False, members=members,
        what_happened=account))
    RecordService(worker, screen="demo", clock=clock).add_note(
        result.person_ids[0], "support_talk", note, sign=True, case_id=result.case_id)
    clock.now = closed
    CaseworkService(worker, screen="demo", clock=clock).close_case(
        result.case_id, "Insatsen avslutad, inget fortsatt behov.")


def old_records(vault: Vault) -> None:
    """Add the demo's records that retention finds due (and one it keeps)."""
    with as_user(vault, DEMO_CASEWORKER) as worker:
        victim, child = CULLED_NAMES
        _family(worker, datetime(2019, 3, 11, 10, 0), datetime(2020, 6, 1, 14, 0), [
            MemberInput("victim", PersonInput(
                given_name=victim[0], family_name=victim[1],
                id_number=CULLED_ID_NUMBER, gender="female")),
            MemberInput("child", PersonInput(
                given_name=child[0], family_name=child[1], birth_year=2012,
                gender="male"))], CULLED_ACCOUNT, CULLED_NOTE)
        _family(worker, datetime(2019, 9, 2, 9, 0), datetime(2020, 2, 3, 9, 0), [
            MemberInput("victim", PersonInput(
                given_name=KEPT_NAME[0], family_name=KEPT_NAME[1],
                id_number=KEPT_ID_NUMBER, gender="female"))],
            "Gallringsberg: hot från före detta sambo, ville ha råd.",
            "Gallringsberg: född den 15:e, sparas för forskning.")
    clock = Clock(datetime(2020, 11, 20, 23, 0))
    shelter = ShelterService(vault, screen="demo", clock=clock)
    row = shelter.register_turned_away(TurnedAwayInput(
        facility="shelter", requested_at=clock.now, reasons=["no_place"],
        referred_to="other_shelter", contact=TURNED_AWAY_CONTACT))
    clock.now = datetime(2020, 11, 23, 10, 0)
    shelter.record_turned_away_followup(row, 1, "safe")
