"""Structured risk assessments (the instrument engine); the fixed intake screening of 0.1
becomes signed assessments with the acute-screening instrument as it was then.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from __future__ import annotations

import hashlib
import json

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

#: The 0.1 intake screening, as an instrument definition (frozen here on purpose: the
#: stored assessments must show the questions that were actually asked).
_LEGACY_ITEMS = [
    ("threat_to_kill", "Har personen hotats med döden?", "Has the person been threatened "
     "with death?"),
    ("strangulation", "Har personen blivit strypt eller fått luftvägarna blockerade?",
     "Has the person been strangled or choked?"),
    ("weapon", "Har den våldsutövande personen tillgång till vapen?",
     "Does the violent person have access to weapons?"),
    ("escalation", "Har våldet blivit tätare eller grövre?",
     "Has the violence become more frequent or more severe?"),
    ("separation", "Har personen nyligen separerat eller är på väg att göra det?",
     "Has the person recently separated or is about to?"),
    ("fear", "Är personen rädd att bli allvarligt skadad eller dödad?",
     "Is the person afraid of being seriously hurt or killed?"),
    ("children_at_risk", "Är barn utsatta eller i fara just nu?",
     "Are children exposed or at risk right now?"),
]
LEGACY_DEFINITION = {
    "format": "1", "id": "rc-acute", "version": "0.1",
    "title": {"sv": "Akut screening vid aktualisering (rc-tui 0.1)",
              "en": "Acute screening at intake (rc-tui 0.1)"},
    "target": "victim", "training_required": "false",
    "licence": "rc-tui's own wording (EUPL-1.2).",
    "scoring": {"method": "count", "count_answers": ["yes"],
                "thresholds": [{"min": "0", "level": "low"}, {"min": "2", "level": "medium"},
                               {"min": "4", "level": "high"}]},
    "sections": [{"id": "acute", "title": {"sv": "Akut fara", "en": "Immediate danger"},
                  "items": [{"id": key, "type": "yes_no", "text": {"sv": sv, "en": en},
                             **({"critical": {"answers": ["yes"], "level": "high"}}
                                if key in ("threat_to_kill", "strangulation") else {})}
                            for key, sv, en in _LEGACY_ITEMS]}],
}
_LEVELS = {"high": "high", "elevated": "medium", "low": "low"}


def upgrade() -> None:
    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("intake_id", sa.Integer(), nullable=True),
        sa.Column("instrument_id", sa.String(64), nullable=False),
        sa.Column("instrument_version", sa.String(64), nullable=False),
        sa.Column("instrument_title", sa.String(200), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("definition_sha256", sa.String(64), nullable=False),
        sa.Column("answers", sa.Text(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("suggested_level", sa.String(32), nullable=True),
        sa.Column("level", sa.String(32), nullable=True),
        sa.Column("judgement", sa.Text(), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("deviation_reason", sa.Text(), nullable=False),
        sa.Column("training_confirmed", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("signed_by_id", sa.Integer(), nullable=True),
        sa.Column("signed_at", sa.DateTime(), nullable=True),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"]),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.ForeignKeyConstraint(["intake_id"], ["intakes.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["signed_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["supersedes_id"], ["assessments.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_assessments_person", "assessments", ["person_id", "signed_at"])
    op.execute(
        "CREATE TRIGGER assessment_signed_no_update BEFORE UPDATE ON assessments "
        "WHEN OLD.signed_at IS NOT NULL "
        "BEGIN SELECT RAISE(ABORT, 'signed assessments are read-only'); END"
    )
    op.execute(
        "CREATE TRIGGER assessment_signed_no_delete BEFORE DELETE ON assessments "
        "WHEN OLD.signed_at IS NOT NULL "
        "BEGIN SELECT RAISE(ABORT, 'signed assessments are read-only'); END"
    )
    conn = op.get_bind()
    definition = json.dumps(LEGACY_DEFINITION, sort_keys=True, ensure_ascii=False,
                            separators=(",", ":"))
    sha = hashlib.sha256(definition.encode()).hexdigest()
    rows = conn.execute(sa.text(
        "SELECT id, person_id, intake_id, answers, result, created_by_id, created_at "
        "FROM screenings ORDER BY id")).all()
    for _id, person_id, intake_id, answers, result, by, at in rows:
        old = json.loads(answers)
        new = {k: {True: "yes", False: "no"}.get(v, "unknown") for k, v in old.items()}
        level = _LEVELS.get(result, result)
        conn.execute(sa.text(
            "INSERT INTO assessments (person_id, intake_id, instrument_id, instrument_version, "
            "instrument_title, definition, definition_sha256, answers, score, suggested_level, "
            "level, judgement, rationale, deviation_reason, training_confirmed, "
            "created_by_id, created_at, updated_at, signed_by_id, signed_at, version) "
            "VALUES (:p, :i, 'rc-acute', '0.1', 'Akut screening vid aktualisering (rc-tui 0.1)',"
            " :d, :sha, :a, :score, :lv, :lv, :j, :r, '', 0, :by, :at, :at, :by, :at, 1)"),
            {"p": person_id, "i": intake_id, "d": definition, "sha": sha,
             "a": json.dumps({"answers": new}, sort_keys=True),
             "score": sum(v is True for v in old.values()),
             "lv": level, "j": json.dumps({"risk": level}),
             "r": "Överförd från den fasta screeningen i rc-tui 0.1 (nivån sattes då av "
                  "programmet).", "by": by, "at": at})
    op.drop_index("ix_screenings_person_id", table_name="screenings")
    op.drop_table("screenings")


def downgrade() -> None:
    raise RuntimeError("rc-tui migrations are forward-only")
