"""The Overview tab: the person's details, consents, child welfare reports and stays."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from rc_tui.domain.vocab import (
    AGENCIES,
    CASE_STATUSES,
    CHILD_REPORT_DECISIONS,
    CONSENT_KINDS,
    CONSENT_METHODS,
    CONSENT_STATES,
    GENDERS,
    MEMBER_ROLES,
    PROTECTION_LEVELS,
    label,
)
from rc_tui.i18n import _
from rc_tui.services.people import PersonDetail
from rc_tui.services.shelter import stay_line
from screens.components import Plain
from screens.person.panes.base import PersonPane

if TYPE_CHECKING:
    from rc_tui.services.records import ChildReportState, ConsentState
    from rc_tui.services.session import UserSession
    from rc_tui.services.shelter import StayFactLine



def yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def overview_text(d: PersonDetail) -> str:
    p = d.data
    lines = [
        f"{_('Identity no.')}: {d.id_number or '–'}"
        + (f"   {_('Born')}: {d.birth_date.isoformat()}" if d.birth_date
           else (f"   {_('Birth year')}: {p.birth_year}" if p.birth_year else "")),
        f"{_('Gender')}: {label(GENDERS, p.gender)}   {_('Protection')}: "
        f"{label(PROTECTION_LEVELS, p.protection_level)}",
        f"{_('Language')}: {p.language or '–'}   {_('Interpreter')}: "
        f"{yes_no(p.interpreter_needed)}",
        f"{_('Accessibility needs')}: {p.accessibility_needs or '–'}",
        f"{_('Safe contact')}: {_('call')} {yes_no(p.may_call)}, {_('text')} "
        f"{yes_no(p.may_text)}, {_('letters')} {yes_no(p.may_letter)}",
        f"{_('Safe times')}: {p.safe_times or '–'}",
        f"{_('Safe address')}: {p.safe_address or _('none')}",
        "",
        _("Cases") + ": " + (", ".join(
            f"{no} ({label(MEMBER_ROLES, role)}, {label(CASE_STATUSES, status)})"
            for _cid, no, role, status in d.cases) or "–"),
    ]
    return "\n".join(lines)


#: consents, child welfare reports, stays
OverviewData = tuple["list[ConsentState]", "list[ChildReportState]", "list[StayFactLine]"]


class OverviewPane(PersonPane, VerticalScroll):
    def compose(self) -> ComposeResult:
        yield Plain(overview_text(self.detail), id="overview-text")
        yield Static(_("Consent"), classes="panel-title", markup=False)
        yield Plain("", id="consents")
        yield Static(_("Child welfare reports"), classes="panel-title", markup=False)
        yield Plain("", id="child-reports")
        yield Static(_("Stays"), classes="panel-title", markup=False)
        yield Plain("", id="stays")

    def fetch(self, session: UserSession) -> OverviewData:
        records = session.records("person")
        return (records.consents(self.person_id), records.child_reports(self.person_id),
                session.shelter("person").stays_of(self.person_id))

    def populate(self, data: OverviewData) -> None:
        consents, reports, stays = data
        consent_lines = []
        for c in consents:
            what = label(CONSENT_KINDS, c.kind) + (
                f" – {label(AGENCIES, c.agency)}" if c.agency else "")
            extra = ""
            if c.state == "declined" and c.kind == "investigation":
                extra = (f" ({_('safety advice')} {yes_no(c.safety_advice_given)}, "
                         f"{_('other actors')} {yes_no(c.other_actors_info_given)}, "
                         f"{_('offer to return')} {yes_no(c.offer_to_return_given)})")
            consent_lines.append(
                f"{what}: {label(CONSENT_STATES, c.state)}, {label(CONSENT_METHODS, c.method)}, "
                f"{c.recorded_at:%Y-%m-%d} {c.recorded_by}{extra}")
        self.query_one("#consents", Plain).set_text(
            "\n".join(consent_lines) or _("No consent recorded."))
        report_lines = [
            f"{r.created_at:%Y-%m-%d} {label(CHILD_REPORT_DECISIONS, r.decision)}"
            + (f" {r.report_date} → {r.receiving_unit}" if r.report_date else "")
            + f": {r.reason} ({r.decided_by})"
            for r in reports
        ]
        self.query_one("#child-reports", Plain).set_text(
            "\n".join(report_lines) or _("None recorded."))
        self.query_one("#stays", Plain).set_text("\n".join(
            stay_line(st) for st in stays) or _("None recorded."))
