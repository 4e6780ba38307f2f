"""Partner contacts and safety plans.

**Partner contact** (*partnerkontakt*). When a man is in the perpetrator service (an open
track as perpetrator in an open case), a contact with his partner is due on the due list
of whoever works with his track. The contact is a record in **her** compartment: its
``person_id`` is hers (a victim or other member of his case, or an anonymous record made
for her in his case when she is not known to the centre). It is written by the man's
caseworker through a narrow form and then read by the need-to-know rules of every other
record of hers – ``Level.FULL`` on her: her own caseworker, a manager, emergency access.
The man's side (``Level.FULL`` on him) gets only the outcome and the safety flag of the
contacts made for him (``PartnerContactOutcome``) – never her answers, her note, her
address or her contacts; there is no other access rule here, and making the contact
grants nothing (no assignment: the anonymous record is added with ``add_member_in`` and
no track). Contacts due, made, reached, declined and not reached are counted
(``counts``) over the men the user may see.

**Safety plans** (*säkerhetsplan*) of a victim, a child or a partner: the sections of a
template in ``data/safety_plan.toml`` (a child's by age), stored with the plan. A plan is
saved unsigned while it is written, then signed with a review date: from then on it is
read-only (database triggers, and its content hash in the access log); a change is a new
version that supersedes it. The latest signed plan's review stands on the due list. Case
content of the person's own track: ``Level.FULL``, like the risk assessments.

Where things live: ``partner`` (the contact, its counts and due items), ``plans`` (the
plans and their review).
"""

from rc_tui.services.safety.partner import (
    PARTNER_ROLES,
    PartnerChoice,
    PartnerContactCounts,
    PartnerContactInput,
    PartnerContactOutcome,
    PartnerContactService,
    PartnerContactView,
    partner_contact_due_items,
)
from rc_tui.services.safety.plans import (
    SafetyPlanRow,
    SafetyPlanService,
    SafetyPlanView,
    safety_plan_review_due,
)

__all__ = [
    "PARTNER_ROLES", "PartnerChoice", "PartnerContactCounts", "PartnerContactInput",
    "PartnerContactOutcome", "PartnerContactService", "PartnerContactView", "SafetyPlanRow",
    "SafetyPlanService", "SafetyPlanView", "partner_contact_due_items",
    "safety_plan_review_due",
]
