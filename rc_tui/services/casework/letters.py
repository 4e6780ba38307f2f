"""The decision letter.
"""

from __future__ import annotations

from rc_tui.domain import casework as rules
from rc_tui.domain.casework import LetterFacts
from rc_tui.services.base import user_names
from rc_tui.services.casework.base import CaseworkBase
from rc_tui.services.people import summary_for
from storage.models import Case, Person


class LettersMixin(CaseworkBase):
    def decision_letter(self, decision_id: int) -> str:
        """The decision letter as text (viewing it is logged like any read)."""
        with self.read() as s:
            row = self._decision(s, decision_id)
            person = s.get(Person, row.person_id)
            case = s.get(Case, row.case_id) if row.case_id else None
            names = user_names(s, {row.decided_by_id})
            self.log(s, "view", person_id=row.person_id, record_type="decision_letter",
                     record_id=row.id)
            name = summary_for(self.access, s, person).display_name if person else ""
            return rules.decision_letter(LetterFacts(
                name, case.case_number if case else "", row.intervention, row.outcome,
                row.reasons, row.legal_text, row.decided_at, names.get(row.decided_by_id, ""),
                row.period_start, row.period_end, row.provider, row.emergency,
                row.appeal_text))
