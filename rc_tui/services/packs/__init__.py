"""Outage packs: an encrypted, time-limited part of the database for one user, worked on
while the database cannot be reached, and merged back through the services.

``create`` makes a pack and lists the packs made; ``recording`` turns the writes made in a
pack into operations; ``merge`` replays them on the database.
"""

from __future__ import annotations

from rc_tui.services.packs.create import PackMade, PackRow, PackService
from rc_tui.services.packs.merge import (
    MergeItem,
    MergeReport,
    PackConflict,
    PackMergeService,
)

__all__ = ["MergeItem", "MergeReport", "PackConflict", "PackMade", "PackMergeService",
           "PackRow", "PackService"]
