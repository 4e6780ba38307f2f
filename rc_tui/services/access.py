"""Who may see and do what (need-to-know). Plain Python, used by every service.

This first version enforces the role rule of the foundation: administrators see no case
content. The per-track need-to-know rules, family compartments and protected identities
are added here (see issue [3/8]); every service already asks this policy.
"""

from __future__ import annotations

from storage.roles import Role
from storage.vault import UserInfo


class AccessPolicy:
    def __init__(self, user: UserInfo) -> None:
        self.user = user

    @property
    def sees_case_content(self) -> bool:
        return self.user.role is not Role.ADMIN

    @property
    def assigns_caseworkers(self) -> bool:
        """Managers assign caseworkers to tracks."""
        return self.user.role is Role.MANAGER
