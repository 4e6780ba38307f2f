"""What a samråd looks like to a screen: participants, minutes per person,
actions, and the labels the screens and the minutes text share.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from rc_tui.domain import samrad as rules
from rc_tui.domain.casework import label as cw_label
from rc_tui.domain.vocab import AGENCIES, label
from rc_tui.i18n import N_, _


def agency_label(code: str) -> str:
    return _("the centre") if code == rules.CENTRE else label(AGENCIES, code)


@dataclass(frozen=True)
class Participant:
    kind: str
    agency: str
    role: str = ""
    name: str = ""
    undertaking: bool = False


@dataclass(frozen=True)
class ActionInput:
    what: str
    agency: str
    order_no: int = 1
    due_on: date | None = None


@dataclass(frozen=True)
class PersonMinutes:
    person_id: int
    info_shared: str = ""
    risk_view: str = ""
    legal_ground: str | None = None
    ground_rationale: str = ""
    actions: tuple[ActionInput, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.info_shared.strip() or self.risk_view.strip() or self.actions)


@dataclass(frozen=True)
class Review:
    outcome: str
    note: str = ""


@dataclass(frozen=True)
class MemberView:
    person_id: int
    role: str
    name: str
    full: bool  # the user may see this member's part of the minutes
    coverage: dict[str, bool]
    minutes: PersonMinutes | None
    consents: dict[str, str] = field(default_factory=dict)  # agency -> state in force
    #: per receiving agency: why the person's part may go into its extract ("consent",
    #: "ground") or "" (left out) – under the samråd's extract rules
    basis: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class OpenAction:
    id: int
    person_id: int
    person_name: str
    what: str
    agency: str
    due_on: date | None
    from_meeting: date
    review: Review | None


@dataclass(frozen=True)
class SamradView:
    id: int
    version: int
    case_id: int
    case_number: str
    requested_by: str
    requested_at: datetime
    meeting_on: date
    place: str
    chair: str
    chair_id: int
    previous_id: int | None
    repeat: bool
    approved_at: datetime | None
    participants: list[Participant]
    members: list[MemberView]
    outstanding: list[OpenAction]
    hidden_members: int

    @property
    def approved(self) -> bool:
        return self.approved_at is not None


@dataclass(frozen=True)
class SamradRow:
    id: int
    meeting_on: date
    requested_by: str
    chair: str
    chair_id: int
    approved: bool
    repeat: bool


BASIS_LABELS: dict[str, str] = {"consent": N_("consent"), "ground": N_("legal ground")}


def extract_line(basis: dict[str, str]) -> str:
    """Per receiving agency, whether its extract holds the person and on which basis."""
    given = [f"{agency_label(a)} ({cw_label(BASIS_LABELS, b)})"
             for a, b in basis.items() if b]
    return _("In extracts for: {agencies}",
             agencies=", ".join(given) if given else _("no agency"))


def present_agencies(participants: list[Participant]) -> set[str]:
    """The agencies at the table (participants and observers; not those with apologies)."""
    return {p.agency for p in participants if p.kind in ("participant", "observer")}
