"""A person's talks, groups and referrals."""

from screens.sessions.screen import SessionsScreen

__all__ = ["SessionsScreen"]
