"""The errors a service raises, in one place: import them from here.

* ``ValidationError`` – input refused by the rules; its ``reasons`` are translated, ready
  to show (defined with the account rules, which the CLI shares);
* ``ConflictError`` (also ``Conflict``) – somebody else changed the record since it was
  read (optimistic locking, see ``Service.versioned``);
* ``NoAccess`` – need-to-know: not this person or record (every refusal is access-logged);
* ``PermissionDenied`` – the user's role may not do this (see ``Capability``);
* ``VaultError`` – the base of the storage errors (``not found`` among them).
"""

from __future__ import annotations

from rc_tui.services.accounts import ValidationError
from storage.errors import ConflictError, NoAccess, PermissionDenied, VaultError

Conflict = ConflictError

__all__ = ["Conflict", "ConflictError", "NoAccess", "PermissionDenied", "ValidationError",
           "VaultError"]
