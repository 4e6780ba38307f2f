"""The risk level over time as a text chart."""

from __future__ import annotations

from datetime import date

from rc_tui.i18n import _

LEVEL_ROWS = ("high", "medium", "low")


def trend_chart(points: list[tuple[date, str]], width: int = 60) -> str:
    """The level over time, drawn with plain characters (one column per assessment)."""
    if not points:
        return ""
    points = points[-max(1, (width - 10) // 3):]
    names = {lv: _(lv) for lv in LEVEL_ROWS}
    pad = max(len(n) for n in names.values())
    lines = []
    for lv in LEVEL_ROWS:
        row = "".join(" ● " if level == lv else " · " for _d, level in points)
        lines.append(f"{names[lv]:>{pad}} │{row}")
    lines.append(" " * pad + " └" + "─" * (3 * len(points)))
    first, last = points[0][0], points[-1][0]
    span = f"{first:%Y-%m-%d}" + (f" … {last:%Y-%m-%d}" if last != first else "")
    lines.append(" " * (pad + 2) + span)
    return "\n".join(lines)
