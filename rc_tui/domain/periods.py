"""Reporting periods for the statistics: a year, a half-year, a quarter or a month, and
the same period a year earlier (shown beside it)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

__all__ = ["Period", "parse_period"]

_FORMS = (
    (re.compile(r"^(\d{4})$"), "year"),
    (re.compile(r"^(\d{4})-H([12])$"), "half"),
    (re.compile(r"^(\d{4})-Q([1-4])$"), "quarter"),
    (re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$"), "month"),
)


@dataclass(frozen=True)
class Period:
    """[start, end] both inclusive; ``code`` as typed (``2026``, ``2026-H1``,
    ``2026-Q3``, ``2026-05``)."""

    code: str
    kind: str
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def year_before(self) -> Period:
        return parse_period(str(self.start.year - 1) + self.code[4:])

    def months(self) -> list[date]:
        """The first day of each month of the period."""
        out, day = [], self.start
        while day <= self.end:
            out.append(day)
            day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
        return out


def _month_end(year: int, month: int) -> date:
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def parse_period(code: str) -> Period:
    """The period ``code`` names; ``ValueError`` for anything else."""
    code = code.strip()
    for pattern, kind in _FORMS:
        m = pattern.match(code)
        if not m:
            continue
        year = int(m.group(1))
        if not 1900 <= year <= 9998:
            break
        if kind == "year":
            return Period(code, kind, date(year, 1, 1), date(year, 12, 31))
        n = int(m.group(2))
        first, last = {"half": (6 * n - 5, 6 * n), "quarter": (3 * n - 2, 3 * n),
                       "month": (n, n)}[kind]
        return Period(code, kind, date(year, first, 1), _month_end(year, last))
    raise ValueError(f"not a period: {code!r} (2026, 2026-H1, 2026-Q3 or 2026-05)")
