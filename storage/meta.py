"""The database's ``meta`` table: JSON values under string keys (the installation's id,
the audit key, settings, preferences, the signed directory's pinned keys ...)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from storage.models import Meta

#: meta keys of the signed directory: the administrators' pinned signing keys, and the
#: last accepted statement time per username (older statements are never acted on again)
PINNED = "admin_signing_keys"
ACCEPTED = "directory_accepted"
#: the newest settings statement a data-key holder recorded from the key file (signed; a
#: session verifies it again at each read)
SETTINGS_STATEMENT = "settings_signed"


def set_meta(session: Session, key: str, value: Any) -> None:
    session.merge(Meta(key=key, value=json.dumps(value)))


def get_meta(session: Session, key: str, default: Any = None) -> Any:
    row = session.get(Meta, key)
    return default if row is None else json.loads(row.value)
