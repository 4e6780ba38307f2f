"""SQLAlchemy 2.x typed ORM models. Schema changes go through ``storage/migrations``.

One model per table, kept in one file (over 500 lines) so that the schema reads in one
place, as the migrations and the test comparing them with these models see it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Float, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage import nfc
from storage.roles import Role, UserStatus

__all__ = [
    "AccessLog",
    "AccessLogReview",
    "Assessment",
    "Assignment",
    "AuditHead",
    "Base",
    "Case",
    "CaseMember",
    "ChildReport",
    "Closure",
    "Consent",
    "Decision",
    "Draft",
    "ExtractDecision",
    "ExtractReview",
    "FollowUp",
    "Intake",
    "Investigation",
    "JournalNote",
    "Meta",
    "PartnerContact",
    "Person",
    "PersonHistory",
    "PersonRestriction",
    "Place",
    "PlaceOutOfUse",
    "PlanItem",
    "Recontact",
    "Referral",
    "Relation",
    "RetentionCulling",
    "RetentionKeep",
    "Role",
    "SafetyPlan",
    "Samrad",
    "SamradAction",
    "SamradParticipant",
    "SamradPerson",
    "SeriesMember",
    "SeriesSession",
    "SessionAttendance",
    "SessionSeries",
    "ShiftEntry",
    "ShiftRead",
    "Stay",
    "TurnedAway",
    "User",
    "UserStatus",
]


class Base(DeclarativeBase):
    pass


class Meta(Base):
    """Installation-wide values: database id, audit key, settings (JSON values)."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(32), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=UserStatus.ACTIVE.value)
    must_change_passphrase: Mapped[bool] = mapped_column(default=False)
    language: Mapped[str | None] = mapped_column(String(8), default=None)
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class AccessLog(Base):
    """Append-only, hash-chained access log.

    Database triggers refuse UPDATE and DELETE; ``hash`` chains every row to the previous
    one and ``audit_head`` anchors the tail (see ``storage.audit``). Holds record ids only,
    never personal data.
    """

    __tablename__ = "access_log"
    __table_args__ = (
        Index("ix_access_log_ts", "ts"),
        Index("ix_access_log_user", "user_id", "ts"),
        Index("ix_access_log_person", "person_id", "ts"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    ts: Mapped[datetime]
    user_id: Mapped[int | None] = mapped_column(default=None)
    username: Mapped[str | None] = mapped_column(String(32), default=None)
    action: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(16), default="ok")
    person_id: Mapped[int | None] = mapped_column(default=None)
    record_type: Mapped[str | None] = mapped_column(String(32), default=None)
    record_id: Mapped[int | None] = mapped_column(default=None)
    screen: Mapped[str | None] = mapped_column(String(48), default=None)
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    flagged: Mapped[bool] = mapped_column(default=False)
    #: the sealed record's content hash, on the entry that signs/approves it (integrity)
    content_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """Single row anchoring the end of the access-log chain (detects a cut-off tail)."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_id: Mapped[int]
    last_hash: Mapped[str] = mapped_column(String(64))


# --------------------------------------------------------------------------- people & cases


class Person(Base):
    """One person: victim, perpetrator, child or other. An alias alone is allowed."""

    __tablename__ = "persons"
    __table_args__ = (
        Index("ix_persons_id_number", "id_number"),
        Index("ix_persons_birth_date", "birth_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    given_name: Mapped[str | None] = mapped_column(Text, default=None)
    family_name: Mapped[str | None] = mapped_column(Text, default=None)
    alias: Mapped[str | None] = mapped_column(Text, default=None)
    id_number: Mapped[str | None] = mapped_column(String(13), default=None)
    id_kind: Mapped[str | None] = mapped_column(String(20), default=None)
    birth_date: Mapped[date | None] = mapped_column(default=None)
    birth_year: Mapped[int | None] = mapped_column(default=None)
    gender: Mapped[str | None] = mapped_column(String(10), default=None)
    language: Mapped[str | None] = mapped_column(Text, default=None)
    interpreter_needed: Mapped[bool] = mapped_column(default=False)
    accessibility_needs: Mapped[str | None] = mapped_column(Text, default=None)
    may_call: Mapped[bool] = mapped_column(default=False)
    may_text: Mapped[bool] = mapped_column(default=False)
    may_letter: Mapped[bool] = mapped_column(default=False)
    safe_times: Mapped[str | None] = mapped_column(Text, default=None)
    safe_address: Mapped[str | None] = mapped_column(Text, default=None)
    protection_level: Mapped[str] = mapped_column(String(24), default="none")
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class Case(Base):
    """A case (ärende): the family or household the centre coordinates around."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_number: Mapped[str] = mapped_column(String(20), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="open")
    opened_at: Mapped[datetime]
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    close_reason: Mapped[str | None] = mapped_column(Text, default=None)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class CaseMember(Base):
    """A person's track in a case, with their role there."""

    __tablename__ = "case_members"
    __table_args__ = (
        UniqueConstraint("case_id", "person_id", name="uq_case_members_case_person"),
        Index("ix_case_members_person", "person_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    role: Mapped[str] = mapped_column(String(12))
    added_at: Mapped[datetime]
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    #: the person's track in this case is closed (history in ``closures``)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)


class Relation(Base):
    """A relation between two persons (``parent_of`` reads from -> to)."""

    __tablename__ = "relations"
    __table_args__ = (Index("ix_relations_from", "from_person_id"),
                      Index("ix_relations_to", "to_person_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), default=None)
    from_person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    to_person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]


class Assignment(Base):
    """A caseworker assigned to one member's track (need-to-know is per track)."""

    __tablename__ = "assignments"
    __table_args__ = (Index("ix_assignments_user", "user_id", "ended_at"),
                      Index("ix_assignments_member", "case_member_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_member_id: Mapped[int] = mapped_column(ForeignKey("case_members.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    assigned_at: Mapped[datetime]
    ended_at: Mapped[datetime | None] = mapped_column(default=None)


class Intake(Base):
    """First contact (aktualisering)."""

    __tablename__ = "intakes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    contact_person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    occurred_at: Mapped[datetime]
    channel: Mapped[str] = mapped_column(String(16))
    referrer_name: Mapped[str | None] = mapped_column(Text, default=None)
    what_happened: Mapped[str] = mapped_column(Text, default="")
    immediate_danger: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    created_at: Mapped[datetime]


class Assessment(Base):
    """A structured risk assessment made with one instrument.

    The instrument's definition as it was (thresholds in effect included) is stored with
    the assessment. A draft is saved as it is typed; signing makes it read-only (enforced by
    triggers); a change afterwards is a new assessment that ``supersedes`` the old one.
    """

    __tablename__ = "assessments"
    __table_args__ = (Index("ix_assessments_person", "person_id", "signed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), default=None)
    intake_id: Mapped[int | None] = mapped_column(ForeignKey("intakes.id"), default=None)
    instrument_id: Mapped[str] = mapped_column(String(64))
    instrument_version: Mapped[str] = mapped_column(String(64))
    instrument_title: Mapped[str] = mapped_column(String(200))
    definition: Mapped[str] = mapped_column(Text)  # JSON: the definition as it was
    definition_sha256: Mapped[str] = mapped_column(String(64))
    answers: Mapped[str] = mapped_column(Text, default="{}")  # JSON
    score: Mapped[float | None] = mapped_column(Float, default=None)
    suggested_level: Mapped[str | None] = mapped_column(String(32), default=None)
    level: Mapped[str | None] = mapped_column(String(32), default=None)  # main judgement
    judgement: Mapped[str] = mapped_column(Text, default="{}")  # JSON: dimension -> level
    rationale: Mapped[str] = mapped_column(Text, default="")
    deviation_reason: Mapped[str] = mapped_column(Text, default="")
    training_confirmed: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    signed_at: Mapped[datetime | None] = mapped_column(default=None)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("assessments.id"),
                                                      default=None)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class Consent(Base):
    """One consent event; the current state is the latest row per person/kind/agency."""

    __tablename__ = "consents"
    __table_args__ = (Index("ix_consents_person", "person_id", "kind", "agency"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    kind: Mapped[str] = mapped_column(String(16))  # investigation | info_exchange
    agency: Mapped[str | None] = mapped_column(String(24), default=None)
    state: Mapped[str] = mapped_column(String(10))  # given | declined | withdrawn
    method: Mapped[str] = mapped_column(String(8))  # oral | written
    recorded_at: Mapped[datetime]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    safety_advice_given: Mapped[bool] = mapped_column(default=False)
    other_actors_info_given: Mapped[bool] = mapped_column(default=False)
    offer_to_return_given: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str | None] = mapped_column(Text, default=None)


class ChildReport(Base):
    """A child welfare report (orosanmälan) or a recorded decision that none is needed."""

    __tablename__ = "child_reports"
    __table_args__ = (Index("ix_child_reports_child", "child_person_id", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    child_person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    decision: Mapped[str] = mapped_column(String(12))  # reported | not_needed
    report_date: Mapped[date | None] = mapped_column(default=None)
    receiving_unit: Mapped[str | None] = mapped_column(Text, default=None)
    reason: Mapped[str] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    created_at: Mapped[datetime]


class JournalNote(Base):
    """A journal note. Signing makes it read-only (enforced by triggers); a correction is a
    new note that refers to the old one."""

    __tablename__ = "journal_notes"
    __table_args__ = (Index("ix_journal_person", "person_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), default=None)
    note_type: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    created_at: Mapped[datetime]
    signed_at: Mapped[datetime | None] = mapped_column(default=None)
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("journal_notes.id"), default=None)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class AccessLogReview(Base):
    """A manager's review mark on one access-log entry (the log itself never changes)."""

    __tablename__ = "access_log_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    log_id: Mapped[int] = mapped_column(ForeignKey("access_log.id"), unique=True)
    reviewed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime]


class Stay(Base):
    """A stay in the shelter (Siri) or the perpetrator service's temporary housing.

    Accompanying children have stays of their own (``accompanying_id`` points at the
    adult's). A planned arrival (``planned``) already holds its place from ``admitted_at``.
    Shelter staff's access follows stays (current and former residents and their children).
    """

    __tablename__ = "stays"
    __table_args__ = (Index("ix_stays_person", "person_id"), Index("ix_stays_place", "place_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    facility: Mapped[str] = mapped_column(String(24))  # shelter | perpetrator_housing
    accompanying_id: Mapped[int | None] = mapped_column(ForeignKey("stays.id"), default=None)
    admitted_at: Mapped[datetime]
    departed_at: Mapped[datetime | None] = mapped_column(default=None)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    version: Mapped[int] = mapped_column(default=1)
    place_id: Mapped[int | None] = mapped_column(ForeignKey("places.id", name="fk_stays_place"),
                                                 default=None)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", name="fk_stays_case"),
                                                default=None)
    planned: Mapped[bool] = mapped_column(default=False, server_default=false())
    expected_end: Mapped[date | None] = mapped_column(default=None)
    arrived_via: Mapped[str | None] = mapped_column(String(16), default=None)
    destination: Mapped[str | None] = mapped_column(String(24), default=None)
    departure_note: Mapped[str | None] = mapped_column(Text, default=None)
    departed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", name="fk_stays_departed_by"), default=None)
    followed_up_at: Mapped[datetime | None] = mapped_column(default=None)
    followup_note: Mapped[str | None] = mapped_column(Text, default=None)
    #: temporary housing: the signed risk assessment of him the admission rests on, or a
    #: manager's stated reason for admitting without one (flagged in the access log)
    assessment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assessments.id", name="fk_stays_assessment"), default=None)
    override_reason: Mapped[str | None] = mapped_column(Text, default=None)
    #: the decision the stay executes, if any
    decision_id: Mapped[int | None] = mapped_column(
        ForeignKey("decisions.id", name="fk_stays_decision"), default=None)
    placing_municipality: Mapped[str | None] = mapped_column(Text, default=None)
    payer: Mapped[str | None] = mapped_column(Text, default=None)
    #: the admission's note: what happened, what she (he) needs tonight
    admission_note: Mapped[str | None] = mapped_column(Text, default=None)
    #: the follow-up after a departure: how she may be reached, the outcome, the attempts
    #: that did not reach her (three in all) and when the next one is due
    reach: Mapped[str | None] = mapped_column(Text, default=None)
    followup_outcome: Mapped[str | None] = mapped_column(String(24), default=None)
    followup_attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    followup_due: Mapped[date | None] = mapped_column(default=None)

    __mapper_args__ = {"version_id_col": version}


class PersonLink(Base):
    """An anonymous record (an alias-only admission) found to be a known person: a manager
    linked them. The anonymous record stays as it was – its journal, its signed notes and
    its access-log entries untouched – and its stays now belong to the known person."""

    __tablename__ = "person_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    anonymous_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), unique=True)
    known_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    linked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    linked_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(Text)


class Place(Base):
    """A bed (place) in a room of the shelter, or a place in the temporary housing."""

    __tablename__ = "places"
    __table_args__ = (Index("ix_places_facility", "facility", "sort_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    facility: Mapped[str] = mapped_column(String(24))
    room: Mapped[str] = mapped_column(Text)
    label: Mapped[str] = mapped_column(Text)
    sort_order: Mapped[int] = mapped_column(default=0)
    retired_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class PlaceOutOfUse(Base):
    """A period a place cannot be used (repairs): [start_on, end_on), end open if None."""

    __tablename__ = "place_out_of_use"
    __table_args__ = (Index("ix_place_out_of_use_place", "place_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id"))
    start_on: Mapped[date]
    end_on: Mapped[date | None] = mapped_column(default=None)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    created_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class TurnedAway(Base):
    """A request the shelter could not meet, where the person was referred, and the
    follow-up that makes sure nobody disappears."""

    __tablename__ = "turned_away"
    __table_args__ = (Index("ix_turned_away_requested", "facility", "requested_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    facility: Mapped[str] = mapped_column(String(24))
    requested_at: Mapped[datetime]
    contact: Mapped[str] = mapped_column(Text, default="")  # name or alias, may be empty
    reach: Mapped[str] = mapped_column(Text, default="")  # how (and when) she may be reached
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), default=None)
    children: Mapped[int] = mapped_column(default=0)
    reasons: Mapped[str] = mapped_column(Text)  # comma-separated codes
    reason_note: Mapped[str] = mapped_column(Text, default="")
    referred_to: Mapped[str] = mapped_column(String(24))
    referred_note: Mapped[str] = mapped_column(Text, default="")
    followup_due: Mapped[date]
    attempts: Mapped[int] = mapped_column(default=0)  # follow-up attempts not reaching her
    followed_up_at: Mapped[datetime | None] = mapped_column(default=None)
    followup_outcome: Mapped[str | None] = mapped_column(String(24), default=None)
    followup_note: Mapped[str | None] = mapped_column(Text, default=None)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    created_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class ShiftEntry(Base):
    """A timestamped shift-log entry (read-only once written, enforced by triggers)."""

    __tablename__ = "shift_entries"
    __table_args__ = (Index("ix_shift_entries_written", "facility", "written_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    facility: Mapped[str] = mapped_column(String(24))
    written_at: Mapped[datetime]
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), default=None)
    journal_note_id: Mapped[int | None] = mapped_column(ForeignKey("journal_notes.id"),
                                                        default=None)


class ShiftRead(Base):
    """One user has read one shift-log entry (the handover mark)."""

    __tablename__ = "shift_reads"
    __table_args__ = (UniqueConstraint("entry_id", "user_id", name="uq_shift_reads_entry_user"),
                      Index("ix_shift_reads_user", "user_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("shift_entries.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    read_at: Mapped[datetime]


class Investigation(Base):
    """An investigation of a person's needs (utredning), started from a recorded consent.

    Concluding it makes it read-only (enforced by triggers)."""

    __tablename__ = "investigations"
    __table_args__ = (Index("ix_investigations_person", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), default=None)
    #: the consent it was started from (a child's investigation of its need of protection
    #: may start without the guardians' consent: then None)
    consent_id: Mapped[int | None] = mapped_column(ForeignKey("consents.id"), default=None)
    template: Mapped[str] = mapped_column(String(16))  # adult | child
    investigator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    started_on: Mapped[date]
    ended_on: Mapped[date | None] = mapped_column(default=None)
    findings: Mapped[str] = mapped_column(Text, default="{}")  # JSON: area -> text
    assessment_ids: Mapped[str] = mapped_column(Text, default="[]")  # JSON list
    conclusion: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    concluded_at: Mapped[datetime | None] = mapped_column(default=None)
    concluded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class Decision(Base):
    """An assistance decision (biståndsbeslut). Never changed once recorded (triggers): a
    new decision replaces it. Legal basis and appeal texts are stored as they were."""

    __tablename__ = "decisions"
    __table_args__ = (Index("ix_decisions_person", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), default=None)
    investigation_id: Mapped[int | None] = mapped_column(ForeignKey("investigations.id"),
                                                         default=None)
    intervention: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(10))  # granted | partly | refused
    reasons: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(String(40))
    legal_text: Mapped[str] = mapped_column(Text)
    appeal_text: Mapped[str] = mapped_column(Text, default="")
    emergency: Mapped[bool] = mapped_column(default=False)
    period_start: Mapped[date | None] = mapped_column(default=None)
    period_end: Mapped[date | None] = mapped_column(default=None)
    provider: Mapped[str] = mapped_column(Text, default="")
    provider_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime]


class PlanItem(Base):
    """A goal or an action of a person's action plan (handlingsplan)."""

    __tablename__ = "plan_items"
    __table_args__ = (Index("ix_plan_items_person", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), default=None)
    kind: Mapped[str] = mapped_column(String(8))  # goal | action
    text: Mapped[str] = mapped_column(Text)
    responsible_kind: Mapped[str] = mapped_column(String(8), default="unit")
    responsible: Mapped[str] = mapped_column(Text, default="")
    start_on: Mapped[date | None] = mapped_column(default=None)
    due_on: Mapped[date | None] = mapped_column(default=None)
    status: Mapped[str] = mapped_column(String(10), default="planned")
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"), default=None)
    #: the samråd action this came from (coordination meetings)
    source_ref: Mapped[str | None] = mapped_column(String(40), default=None)
    implementation: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class FollowUp(Base):
    """A scheduled follow-up (uppföljning) of a granted intervention, or of a child's
    situation after a closed investigation; the outcome is recorded when it is done."""

    __tablename__ = "followups"
    __table_args__ = (Index("ix_followups_person", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    kind: Mapped[str] = mapped_column(String(16))  # intervention | child_after
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"), default=None)
    investigation_id: Mapped[int | None] = mapped_column(ForeignKey("investigations.id"),
                                                         default=None)
    due_on: Mapped[date]
    done_at: Mapped[datetime | None] = mapped_column(default=None)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    outcome: Mapped[str | None] = mapped_column(String(10), default=None)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class Closure(Base):
    """Closing or reopening a person's track or a whole case, with the reason (history is
    kept: reopening adds a row, nothing is removed)."""

    __tablename__ = "closures"
    __table_args__ = (Index("ix_closures_case", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), default=None)
    action: Mapped[str] = mapped_column(String(8))  # close | reopen
    reason: Mapped[str] = mapped_column(Text)
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime]


class Samrad(Base):
    """A samråd (coordination meeting) for a case. Approving (justering) the minutes makes
    the meeting and everything recorded in it read-only (triggers)."""

    __tablename__ = "samrad"
    __table_args__ = (Index("ix_samrad_case", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    requested_by: Mapped[str] = mapped_column(Text)  # unit or agency
    requested_at: Mapped[datetime]
    meeting_on: Mapped[date]
    place: Mapped[str] = mapped_column(Text, default="")
    chair_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("samrad.id"), default=None)
    repeat: Mapped[bool] = mapped_column(default=False)
    approved_at: Mapped[datetime | None] = mapped_column(default=None)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    #: the extract rules (each legal ground's receiving agencies, as JSON) in force when
    #: the minutes were approved: later edits of the rule data do not change what an
    #: approved samråd's extracts contain
    extract_rules: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class SamradParticipant(Base):
    __tablename__ = "samrad_participants"
    __table_args__ = (Index("ix_samrad_participants", "samrad_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    samrad_id: Mapped[int] = mapped_column(ForeignKey("samrad.id"))
    kind: Mapped[str] = mapped_column(String(12))  # participant | observer | apology
    agency: Mapped[str] = mapped_column(String(24))  # centre or an AGENCIES code
    role: Mapped[str] = mapped_column(Text, default="")
    name: Mapped[str] = mapped_column(Text, default="")
    undertaking: Mapped[bool] = mapped_column(default=False)  # observers' confidentiality


class SamradPerson(Base):
    """A family member discussed: what was shared and the joint view of risk."""

    __tablename__ = "samrad_persons"
    __table_args__ = (UniqueConstraint("samrad_id", "person_id", name="uq_samrad_person"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    samrad_id: Mapped[int] = mapped_column(ForeignKey("samrad.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    legal_ground: Mapped[str | None] = mapped_column(String(24), default=None)
    ground_rationale: Mapped[str] = mapped_column(Text, default="")
    info_shared: Mapped[str] = mapped_column(Text, default="")
    risk_view: Mapped[str] = mapped_column(Text, default="")


class SamradAction(Base):
    """An agreed action: what, which agency, in which order, by when. It flows into the
    person's action plan when the minutes are approved; the next samråd reviews it."""

    __tablename__ = "samrad_actions"
    __table_args__ = (Index("ix_samrad_actions", "samrad_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    samrad_id: Mapped[int] = mapped_column(ForeignKey("samrad.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    what: Mapped[str] = mapped_column(Text)
    agency: Mapped[str] = mapped_column(String(24))
    order_no: Mapped[int] = mapped_column(default=1)
    due_on: Mapped[date | None] = mapped_column(default=None)
    outcome: Mapped[str | None] = mapped_column(String(12), default=None)
    outcome_note: Mapped[str] = mapped_column(Text, default="")
    reviewed_in_id: Mapped[int | None] = mapped_column(ForeignKey("samrad.id"), default=None)
    plan_item_id: Mapped[int | None] = mapped_column(ForeignKey("plan_items.id"), default=None)


class Draft(Base):
    """A form's unsaved input, autosaved as it is typed (one per user, form and context).
    Only its own user ever reads it back."""

    __tablename__ = "drafts"
    __table_args__ = (UniqueConstraint("user_id", "form", "context",
                                       name="uq_drafts_user_form_context"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    form: Mapped[str] = mapped_column(String(64))
    context: Mapped[str] = mapped_column(String(64), default="")
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), default=None)
    payload: Mapped[str] = mapped_column(Text)  # JSON: field id -> value
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class PartnerContact(Base):
    """A partner contact (partnerkontakt): the perpetrator service reaches the partner of
    a man in the service. The record is hers (``person_id``, her compartment); the man it
    was made for is ``perpetrator_id``. Never changed once recorded (triggers)."""

    __tablename__ = "partner_contacts"
    __table_args__ = (Index("ix_partner_contacts_person", "person_id"),
                      Index("ix_partner_contacts_perpetrator", "perpetrator_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    perpetrator_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), default=None)
    contacted_at: Mapped[datetime]
    outcome: Mapped[str] = mapped_column(String(12))  # reached | not_reached | declined
    informed_service: Mapped[bool] = mapped_column(default=False)
    informed_support: Mapped[bool] = mapped_column(default=False)
    safety_view: Mapped[str] = mapped_column(String(12), default="")  # safe | unsure | unsafe
    fear: Mapped[str] = mapped_column(String(12), default="")  # none | some | great
    wants_contact: Mapped[str] = mapped_column(String(8), default="")  # yes | no
    consent_pass_on: Mapped[bool] = mapped_column(default=False)
    #: the one thing of her answers the perpetrator side sees (with the outcome)
    safety_flag: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]


class SafetyPlan(Base):
    """A safety plan (säkerhetsplan) of a victim, a child or a partner: sections as
    written, with the template's sections as they were. Signing makes it read-only
    (triggers); a change afterwards is a new version that ``supersedes`` it."""

    __tablename__ = "safety_plans"
    __table_args__ = (Index("ix_safety_plans_person", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), default=None)
    template: Mapped[str] = mapped_column(String(16))  # adult | partner | child
    definition: Mapped[str] = mapped_column(Text)  # JSON: the sections offered
    sections: Mapped[str] = mapped_column(Text, default="{}")  # JSON: section -> text
    review_on: Mapped[date | None] = mapped_column(default=None)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    signed_at: Mapped[datetime | None] = mapped_column(default=None)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("safety_plans.id"),
                                                      default=None)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


# --------------------------------------------------------------------------- sessions & referrals


class SessionSeries(Base):
    """A series of talks or a group (samtalsserie, gruppverksamhet) under one intervention:
    MI talks, support talks, KBT-oriented talks, treatment sessions, a group at Siri or in
    the perpetrator service. Its members are ``SeriesMember`` rows (one for a person's own
    series); ``leader_id`` holds the talks."""

    __tablename__ = "session_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    title: Mapped[str] = mapped_column(Text, default="")
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), default=None)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"), default=None)
    leader_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    started_on: Mapped[date]
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    end_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class SeriesMember(Base):
    """A person in a series (the one client of a series of talks, or a group member)."""

    __tablename__ = "series_members"
    __table_args__ = (UniqueConstraint("series_id", "person_id"),
                      Index("ix_series_members_person", "person_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("session_series.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), default=None)
    joined_on: Mapped[date]
    left_on: Mapped[date | None] = mapped_column(default=None)


class SeriesSession(Base):
    """One session of a series, on a date; attendance is per member."""

    __tablename__ = "series_sessions"
    __table_args__ = (Index("ix_series_sessions_series", "series_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("session_series.id"))
    held_on: Mapped[date]
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime]


class SessionAttendance(Base):
    """A member's attendance at one session (attended, cancelled, no-show) and the signed
    journal note it put into that member's own journal. Never changed (triggers)."""

    __tablename__ = "session_attendance"
    __table_args__ = (UniqueConstraint("session_id", "person_id"),
                      Index("ix_session_attendance_person", "person_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("series_sessions.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    attendance: Mapped[str] = mapped_column(String(10))  # attended | cancelled | no_show
    journal_note_id: Mapped[int | None] = mapped_column(ForeignKey("journal_notes.id"),
                                                        default=None)


class Recontact(Base):
    """An attempt at active re-contact after a drop-out (reached or not). Never changed."""

    __tablename__ = "recontacts"
    __table_args__ = (Index("ix_recontacts_person", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("session_series.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    attempted_on: Mapped[date]
    reached: Mapped[bool]
    note: Mapped[str] = mapped_column(Text, default="")
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]


class Referral(Base):
    """A referral (remiss) to treatment, substance-use care, psychiatry or a programme:
    to whom, sent, accepted, started, ended with an outcome."""

    __tablename__ = "referrals"
    __table_args__ = (Index("ix_referrals_person", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), default=None)
    kind: Mapped[str] = mapped_column(String(24))
    to_whom: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text, default="")
    sent_on: Mapped[date]
    accepted_on: Mapped[date | None] = mapped_column(default=None)
    started_on: Mapped[date | None] = mapped_column(default=None)
    ended_on: Mapped[date | None] = mapped_column(default=None)
    outcome: Mapped[str | None] = mapped_column(String(16), default=None)
    outcome_note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


# --------------------------------------------------------------------------- record rights


class PersonHistory(Base):
    """An earlier value of a person's name or identity number (rectification): written by
    the service that changes it, with who and why; a change made past the services gets a
    row from a trigger (``changed_by_id`` NULL). Never changed (triggers)."""

    __tablename__ = "person_history"
    __table_args__ = (Index("ix_person_history_person", "person_id", "field"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    field: Mapped[str] = mapped_column(String(16))  # given_name | family_name | alias | id_number
    old_value: Mapped[str | None] = mapped_column(Text, default=None)
    new_value: Mapped[str | None] = mapped_column(Text, default=None)
    changed_at: Mapped[datetime]
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    #: "rectification" (a stated correction) or "edit" (the person form)
    kind: Mapped[str] = mapped_column(String(16), default="edit")
    reason: Mapped[str] = mapped_column(Text, default="")


class PersonRestriction(Base):
    """A manager restricted a person's record while a dispute is examined (GDPR art. 18):
    read-only for everyone (triggers refuse every write about the person) and hidden from
    search except for managers, until lifted."""

    __tablename__ = "person_restrictions"
    __table_args__ = (Index("ix_person_restrictions_person", "person_id", "lifted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    restricted_at: Mapped[datetime]
    restricted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text)
    lifted_at: Mapped[datetime | None] = mapped_column(default=None)
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    lift_reason: Mapped[str] = mapped_column(Text, default="")


class ExtractReview(Base):
    """The review of a record extract (registerutdrag): who reviewed it for which person,
    when, and how (``via``: ``review`` in the app, ``cli`` when nothing needed review).
    Each passage's decision is an ``ExtractDecision``. Never changed (triggers)."""

    __tablename__ = "extract_reviews"
    __table_args__ = (Index("ix_extract_reviews_person", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime]
    via: Mapped[str] = mapped_column(String(8))
    passages: Mapped[int] = mapped_column(default=0)  # passages in the extract
    withheld: Mapped[int] = mapped_column(default=0)


class ExtractDecision(Base):
    """One passage of an extract that concerned another person: released or withheld
    (with a reason from ``data/withholding_reasons.toml``), bound to the passage's text by
    its hash (a passage changed since is reviewed again). Never changed (triggers)."""

    __tablename__ = "extract_decisions"
    __table_args__ = (Index("ix_extract_decisions_review", "review_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("extract_reviews.id",
                                                      ondelete="CASCADE"))
    passage: Mapped[str] = mapped_column(String(64))  # its key: "journal:12"
    passage_sha256: Mapped[str] = mapped_column(String(64))
    flag: Mapped[str] = mapped_column(String(16))  # why it needed review
    decision: Mapped[str] = mapped_column(String(8))  # release | withhold
    reason: Mapped[str | None] = mapped_column(String(32), default=None)


# --------------------------------------------------------------------------- retention


class RetentionKeep(Base):
    """A manager's decision to keep a person's record past its retention period (gallring),
    with the reason. Lifting it keeps the row (``lifted_at``)."""

    __tablename__ = "retention_keeps"
    __table_args__ = (Index("ix_retention_keeps_person", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    reason: Mapped[str] = mapped_column(Text)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime]
    lifted_at: Mapped[datetime | None] = mapped_column(default=None)
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)


class RetentionCulling(Base):
    """Empty except inside the one transaction that culls: while it holds a row the
    read-only triggers let rows be deleted (``storage.retention``; ``rc-tui check`` reports
    a row left behind)."""

    __tablename__ = "retention_culling"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime]


# Text is stored composed (NFC), whatever service writes it (see storage.nfc).
nfc.install_orm(Base)


class Pack(Base):
    """An outage pack made from this database (``rc_tui.services.packs``): for whom, until
    when, which persons it holds, and whether it came back. The pack itself is a file of its
    own, encrypted with its own key; this row is what the centre knows about it."""

    __tablename__ = "packs"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    #: JSON list of the person ids the pack holds (ids only, as the access log)
    persons: Mapped[str] = mapped_column(Text)
    #: issued -> merged (every operation handled; a second merge is refused)
    status: Mapped[str] = mapped_column(String(16), default="issued")
    merged_at: Mapped[datetime | None] = mapped_column(default=None)
    merged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    #: a manager's approval to merge the pack of a user revoked since
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)


class PackOperation(Base):
    """One write made in an outage pack: the service call with its arguments (JSON) and
    what it returned. Kept in the pack; replayed through the services at the merge."""

    __tablename__ = "pack_operations"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime]
    service: Mapped[str] = mapped_column(String(48))
    method: Mapped[str] = mapped_column(String(48))
    args: Mapped[str] = mapped_column(Text)
    #: the version a versioned edit was based on (None for appends)
    base_version: Mapped[int | None] = mapped_column(default=None)
    #: JSON of what the call returned in the pack (ids of what it created)
    result: Mapped[str | None] = mapped_column(Text, default=None)


class PackMerge(Base):
    """What the merge did with one operation of a pack: merged (with what the call returned
    here), conflict, refused or duplicate. Written in the same transaction as the
    operation's own writes, so a resumed merge never applies an operation twice."""

    __tablename__ = "pack_merges"
    __table_args__ = (UniqueConstraint("pack_id", "op_id", name="uq_pack_merges_op"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pack_id: Mapped[int] = mapped_column(ForeignKey("packs.id"))
    op_id: Mapped[int]
    outcome: Mapped[str] = mapped_column(String(16))
    result: Mapped[str | None] = mapped_column(Text, default=None)
    detail: Mapped[str | None] = mapped_column(Text, default=None)
    at: Mapped[datetime]
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
