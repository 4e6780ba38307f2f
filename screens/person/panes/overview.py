"""The Overview tab: the person's details, consents, child welfare reports and stays."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from rc_tui.domain.safety import FEAR_LEVELS, PARTNER_OUTCOMES, SAFETY_VIEWS, YES_NO
from rc_tui.domain.vocab import (
    AGENCIES,
    CASE_STATUSES,
    CHANNELS,
    CHILD_REPORT_DECISIONS,
    CONSENT_KINDS,
    CONSENT_METHODS,
    CONSENT_STATES,
    GENDERS,
    MEMBER_ROLES,
    PROTECTION_LEVELS,
    label,
)
from rc_tui.i18n import N_, _
from rc_tui.services.people import PersonDetail
from rc_tui.services.shelter import stay_line
from screens.components import Plain
from screens.person.panes.base import PersonPane

if TYPE_CHECKING:
    from rc_tui.services.cases import IntakeLine
    from rc_tui.services.record_rights import HistoryEntry
    from rc_tui.services.records import ChildReportState, ConsentState
    from rc_tui.services.safety import (
        PartnerContactOutcome,
        PartnerContactView,
        SafetyPlanRow,
    )
    from rc_tui.services.session import UserSession
    from rc_tui.services.shelter import LinkLine, StayFactLine



def yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def overview_text(d: PersonDetail) -> str:
    p = d.data
    lines = [_("RESTRICTED while a dispute is examined: the record can be read but not "
               "changed.")] if d.record_restricted else []
    lines += [
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


def outcome_line(o: PartnerContactOutcome) -> str:
    """What the man's side sees of a partner contact: when, the outcome, the flag."""
    flag = ("   ⚠ " + _("safety concern")) if o.safety_flag else ""
    return f"{o.contacted_at:%Y-%m-%d} {label(PARTNER_OUTCOMES, o.outcome)} " \
           f"({o.recorded_by}){flag}"


def contact_lines(c: PartnerContactView) -> list[str]:
    """Her side: the whole partner contact."""
    lines = [f"{c.contacted_at:%Y-%m-%d %H:%M} {label(PARTNER_OUTCOMES, c.outcome)} "
             f"({c.recorded_by})" + ("   ⚠ " + _("safety concern") if c.safety_flag else "")]
    if c.outcome != "not_reached":
        lines.append(f"  {_('Informed about the service')}: {yes_no(c.informed_service)}, "
                     f"{_('about support for her')}: {yes_no(c.informed_support)}")
    if c.outcome == "reached":
        lines.append(f"  {_('Her safety')}: {label(SAFETY_VIEWS, c.safety_view)}, "
                     f"{label(FEAR_LEVELS, c.fear)}")
        lines.append(f"  {_('Wants contact from the victim side')}: "
                     f"{label(YES_NO, c.wants_contact)}, {_('consents to passing it on')}: "
                     f"{yes_no(c.consent_pass_on)}")
    if c.note:
        lines.append(f"  {c.note}")
    return lines


def plan_line(r: SafetyPlanRow) -> str:
    if r.status == "draft":
        return _("{when} being written by {who}", when=f"{r.created_at:%Y-%m-%d}",
                 who=r.author)
    assert r.signed_at is not None
    return _("{when} signed by {who}, review {review}", when=f"{r.signed_at:%Y-%m-%d}",
             who=r.author, review=str(r.review_on or "–")) + (
        f" ({_('replaced')})" if r.superseded else "")


#: consents, child welfare reports, stays; with the whole record also the partner contacts
#: (the outcomes made for him, or hers) and the safety plans; what the intakes say
#: happened; the links between an anonymous record and the known person
OverviewData = tuple["list[ConsentState]", "list[ChildReportState]", "list[StayFactLine]",
                     "list[PartnerContactOutcome] | None", "list[PartnerContactView] | None",
                     "list[SafetyPlanRow] | None", "list[IntakeLine]", "list[LinkLine]",
                     "list[HistoryEntry]"]
#: the fields whose earlier values the history shows
HISTORY_FIELDS = {"given_name": N_("given name"), "family_name": N_("family name"),
                  "alias": N_("alias"), "id_number": N_("identity number")}


class OverviewPane(PersonPane, VerticalScroll):
    def compose(self) -> ComposeResult:
        yield Plain(overview_text(self.detail), id="overview-text")
        yield Static(_("Consent"), classes="panel-title", markup=False)
        yield Plain("", id="consents")
        yield Static(_("Child welfare reports"), classes="panel-title", markup=False)
        yield Plain("", id="child-reports")
        yield Static(_("Stays"), classes="panel-title", markup=False)
        yield Plain("", id="stays")
        yield Static(_("What happened (intakes)"), classes="panel-title", markup=False)
        yield Plain("", id="intake-accounts")
        # the earlier names and identity numbers: shown only when there are any
        title = Static(_("Earlier names and identity numbers"), classes="panel-title",
                       markup=False, id="history-title")
        history = Plain("", id="name-history")
        title.display = history.display = False
        yield title
        yield history
        if self.detail.full_access:
            his = any(role == "perpetrator" and status == "open"
                      for _cid, _no, role, status in self.detail.cases)
            yield Static(_("Partner contact (K)") if his else _("Partner contact"),
                         classes="panel-title", markup=False)
            yield Plain("", id="partner-contacts")
            yield Static(_("Safety plan (L)"), classes="panel-title", markup=False,
                         id="plans-title")
            yield Plain("", id="safety-plans")

    def fetch(self, session: UserSession) -> OverviewData:
        records = session.records("person")
        outcomes = contacts = plans = None
        if self.detail.full_access:
            roles = {role for _cid, _no, role, _st in self.detail.cases}
            partner = session.partner_contacts("person")
            if "perpetrator" in roles:
                outcomes = partner.outcomes(self.person_id)
            if roles - {"perpetrator"}:
                contacts = partner.for_partner(self.person_id)
                plans = session.safety_plans("person").history(self.person_id)
        return (records.consents(self.person_id), records.child_reports(self.person_id),
                session.shelter("person").stays_of(self.person_id), outcomes, contacts, plans,
                session.cases("person").intakes_of(self.person_id),
                session.shelter("person").links_of(self.person_id),
                session.record_rights("person").history(self.person_id))

    def populate(self, data: OverviewData) -> None:
        consents, reports, stays, outcomes, contacts, plans, intakes, links, history = data
        self.query_one("#history-title").display = bool(history)
        self.query_one("#name-history", Plain).display = bool(history)
        self.query_one("#name-history", Plain).set_text("\n".join(
            f"{h.changed_at:%Y-%m-%d} {label(HISTORY_FIELDS, h.field)}: "
            f"{h.old_value or '–'} → {h.new_value or '–'}  "
            + (f"({h.changed_by}" + (f": {h.reason})" if h.reason else ")") if h.changed_by
               else _("(changed outside rc-tui)")) for h in history))
        if self.detail.full_access:
            lines = [outcome_line(o) for o in outcomes or []]
            for contact in contacts or []:
                lines += contact_lines(contact)
            self.query_one("#partner-contacts", Plain).set_text(
                "\n".join(lines) or _("None recorded."))
            self.query_one("#plans-title").display = plans is not None
            self.query_one("#safety-plans", Plain).display = plans is not None
            self.query_one("#safety-plans", Plain).set_text(
                "\n".join(plan_line(r) for r in plans or []) or _("None recorded."))
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
        lines = [stay_line(st) + ("\n  " + _("Note at admission") + ": " + st.note if st.note
                                  else "") for st in stays]
        lines += [(_("This anonymous record is {name}: its stays are there.", name=x.other_name)
                   if x.anonymous else
                   _("Earlier anonymous record: {name}.", name=x.other_name))
                  + " " + _("Linked {day} by {who}: {reason}", day=f"{x.linked_at:%Y-%m-%d}",
                            who=x.linked_by, reason=x.reason) for x in links]
        self.query_one("#stays", Plain).set_text("\n".join(lines) or _("None recorded."))
        self.query_one("#intake-accounts", Plain).set_text("\n".join(
            f"{i.occurred_at:%Y-%m-%d} {i.case_number} ({label(CHANNELS, i.channel)})"
            + (" – " + _("immediate danger") if i.immediate_danger else "")
            + ":\n  " + i.what_happened for i in intakes) or _("None recorded."))
