"""The centre's vocabularies: codes stored in the database and their (translatable) labels.

Codes are English and stable; labels go through ``_()`` when shown.
"""

from __future__ import annotations

from rc_tui.i18n import N_, _

MEMBER_ROLES: dict[str, str] = {
    "victim": N_("victim"),
    "perpetrator": N_("perpetrator"),
    "child": N_("child"),
    "other": N_("other"),
}

RELATION_KINDS: dict[str, str] = {
    "partner": N_("partner"),
    "former_partner": N_("former partner"),
    "parent_of": N_("parent of"),
    "sibling": N_("sibling"),
    "other": N_("other relation"),
}

CHANNELS: dict[str, str] = {
    "self": N_("self"),
    "police": N_("police"),
    "social": N_("social services unit"),
    "health": N_("health care"),
    "school": N_("school/preschool"),
    "voluntary": N_("voluntary organisation"),
    "authority": N_("other authority"),
}

GENDERS: dict[str, str] = {
    "female": N_("woman/girl"),
    "male": N_("man/boy"),
    "other": N_("other gender"),
    "unknown": N_("not stated"),
}

PROTECTION_LEVELS: dict[str, str] = {
    "none": N_("no protection"),
    "sekretessmarkering": N_("sekretessmarkering"),
    "skyddad_folkbokforing": N_("skyddad folkbokföring"),
    "fingerade": N_("fingerade personuppgifter"),
}

AGENCIES: dict[str, str] = {
    "police": N_("police"),
    "health": N_("health care"),
    "probation": N_("probation service"),
    "prosecutor": N_("prosecutor"),
    "school": N_("school"),
    "voluntary": N_("voluntary organisation"),
    "social": N_("other social-services units"),
}

CONSENT_KINDS: dict[str, str] = {
    "investigation": N_("investigation"),
    "info_exchange": N_("information exchange"),
}

CONSENT_STATES: dict[str, str] = {
    "given": N_("given"),
    "declined": N_("declined"),
    "withdrawn": N_("withdrawn"),
}

CONSENT_METHODS: dict[str, str] = {"oral": N_("oral"), "written": N_("written")}

NOTE_TYPES: dict[str, str] = {
    "contact": N_("contact"),
    "phone": N_("phone call"),
    "support_talk": N_("support talk"),
    "session": N_("session of a series"),
    "home_visit": N_("home visit"),
    "incident": N_("new incident (violence or threat)"),
    "note": N_("note"),
    "correction": N_("correction"),
    "shift": N_("shift-log entry"),
}

CHILD_REPORT_DECISIONS: dict[str, str] = {
    "reported": N_("report made"),
    "not_needed": N_("no report needed"),
}


CASE_STATUSES: dict[str, str] = {"open": N_("open"), "closed": N_("closed")}


def label(vocabulary: dict[str, str], code: str | None) -> str:
    """The translated label of ``code`` (the code itself if unknown, '' for None)."""
    if code is None:
        return ""
    return _(vocabulary[code]) if code in vocabulary else code
