"""Sessions and referrals in the demo: a man in the perpetrator service with an MI series
and two no-shows (active re-contact is due for ``per``), his referral to an MVU-type
programme without an answer yet, and a group at Siri held by the day staff with weekly
sessions – one member has stopped coming (re-contact due for the group's leader)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from rc_tui.demo.base import DEMO_PERPETRATOR_WORKER, Clock, as_user
from rc_tui.demo.families import Registered
from rc_tui.services.errors import NoAccess, ValidationError
from rc_tui.services.referrals import ReferralService
from rc_tui.services.sessions import SessionService
from storage.vault import Vault

#: the shelter staff member who holds Siri's group (day staff)
GROUP_LEADER = "dagny"
MI_NOTES = [
    "Pratade om vad som hände i köket i mars. Tar delvis ansvar, lägger mycket på henne.",
    "Ambivalent: vill ha tillbaka familjen men ser inte sitt eget beteende. Skalfråga 4/10.",
]
GROUP_NOTES = [
    "Tema: vad är våld? Gruppen delade erfarenheter av kontroll och isolering.",
    "Tema: gränser och trygghet. Övning med egna varningssignaler.",
    "Tema: barnen och våldet. Material om hur barn påverkas delades ut.",
]


def sessions(vault: Vault, registered: list[Registered]) -> None:
    """The series, the referral and the group (dates follow the day the demo is made,
    so what is due is due when it is opened)."""
    today = date.today()
    clock = Clock(datetime.combine(today, datetime.min.time()).replace(hour=9))
    _perpetrator_series(vault, registered, clock, today)
    _siri_group(vault, registered, clock, today)


def _perpetrator_series(vault: Vault, registered: list[Registered], clock: Clock,
                        today: date) -> None:
    with as_user(vault, DEMO_PERPETRATOR_WORKER) as worker:
        svc = SessionService(worker, screen="demo", clock=clock)
        refs = ReferralService(worker, screen="demo", clock=clock)
        for _fam, case_id, pids in registered:
            for perp in pids[1:]:
                start = today - timedelta(weeks=5)
                try:
                    series = svc.start_series(perp, "mi", case_id=case_id, started_on=start)
                except (NoAccess, ValidationError):
                    continue  # not his client, or not a perpetrator
                marks = ["attended", "attended", "cancelled", "no_show", "no_show"]
                for week, mark in enumerate(marks):
                    note = MI_NOTES[week] if week < len(MI_NOTES) else (
                        "Lämnade återbud dagen innan." if mark == "cancelled" else "")
                    svc.record_session(series, start + timedelta(weeks=week), {perp: mark},
                                       note)
                refs.refer(perp, "programme", "MVU-programmet, Region (behandlingsenheten)",
                           "Motiverad att arbeta med sitt våld; bedömd lämplig för program.",
                           sent_on=today - timedelta(days=25), case_id=case_id)
                refs.refer(perp, "substance", "Beroendemottagningen",
                           "Alkohol före flera av våldstillfällena.",
                           sent_on=today - timedelta(days=40), case_id=case_id)
                return


def _siri_group(vault: Vault, registered: list[Registered], clock: Clock,
                today: date) -> None:
    with as_user(vault, GROUP_LEADER) as leader:
        svc = SessionService(leader, screen="demo", clock=clock)
        start = today - timedelta(weeks=4)
        members: list[int] = []
        group: int | None = None
        for _fam, case_id, pids in registered:
            victim = pids[0]
            try:
                if group is None:
                    group = svc.start_series(victim, "group_siri", title="Onsdagsgruppen",
                                             case_id=case_id, started_on=start)
                else:
                    svc.join_group(group, victim, case_id=case_id)
            except (NoAccess, ValidationError):
                continue  # not a resident: shelter staff do not see her
            members.append(victim)
        if group is None:
            return
        for week, note in enumerate(GROUP_NOTES):
            marks = {m: "attended" for m in members}
            if len(members) > 1:  # the last one has stopped coming
                marks[members[-1]] = "no_show"
            svc.record_session(group, start + timedelta(weeks=week), marks, note)
