"""The board's statistics (managers): a period beside the same period a year earlier, as
tables and text bar charts. Everything drawn comes from the statistics service, which has
already put every figure through the small-cell rule: a suppressed figure gets no bar (a
bar's length would tell what the marker hides)."""

from __future__ import annotations

from datetime import date

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Label, Static

from rc_tui.i18n import _
from rc_tui.services.documents import DocumentRequest
from rc_tui.services.statistics import StatReport, StatTable
from rc_tui.services.statistics_out import chart_rows
from screens.base import RcScreen
from screens.components import AppHeader, Plain, SafeInput
from screens.components.key_bar import KeyBar

BAR_WIDTH = 20


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def _fit_keep_tail(text: str, width: int) -> str:
    """``text`` cut to ``width`` in the middle, keeping what follows its last comma (the
    median and the 90th percentile of one lead time must stay apart)."""
    if len(text) <= width or ", " not in text:
        return _fit(text, width)
    head, tail = text.rsplit(", ", 1)
    room = width - len(tail) - 3
    return head[:room] + "…, " + tail if room > 3 else _fit(text, width)


def _number(value: str) -> float | None:
    """A shown figure as a number; None for ``<k``, ``x`` and anything else."""
    try:
        return float(value) if value.replace(".", "", 1).isdigit() else None
    except ValueError:
        return None


def bar(value: str, largest: float, *, ascii_only: bool, width: int = BAR_WIDTH) -> str:
    """A bar for a shown figure (none for ``<k``, ``x`` or 0: a bar's length would tell
    what the marker hides)."""
    n = _number(value)
    if n is None or largest <= 0 or n <= 0:
        return ""
    length = max(1, round(width * n / largest))
    return ("#" if ascii_only else "█") * length


def chart(title: str, rows: list[tuple[str, str]], *, ascii_only: bool,
          width: int = 78) -> list[str]:
    """A bar chart as text lines at most ``width`` wide: label, the figure as shown, bar."""
    if not rows:
        return []
    largest = max((_number(v) or 0.0 for _l, v in rows), default=0.0)
    label_width = min(36, max(len(label) for label, _v in rows))
    room = max(10, width - label_width - 14)
    return [title, *(f"  {_fit_keep_tail(label, label_width):{label_width}}  {value:>7}  "
                     f"{bar(value, largest, ascii_only=ascii_only, width=room)}".rstrip()
                     for label, value in rows), ""]


#: one mark per column of a stacked bar (the referral channels)
STACK_MARKS = "█▓▒░▞▚▪"
STACK_MARKS_ASCII = "#=+-~*o"


def stacked(t: StatTable, title: str, *, ascii_only: bool, width: int = 78) -> list[str]:
    """A table's rows as stacked bars (the months, each by channel): a segment for each
    shown count, none for ``<k`` or ``x``, the row's total as shown beside it; a legend of
    the marks of the columns that have a segment."""
    marks = STACK_MARKS_ASCII if ascii_only else STACK_MARKS
    if t.withheld or len(t.columns) > len(marks):
        return []
    largest = max((_number(v) or 0.0 for v in t.now.row_totals), default=0.0)
    label_width = min(12, max(len(label) for label in t.rows))
    room = max(10, width - label_width - 14)
    lines, used = [], set()
    for label, cells, total in zip(t.rows, t.now.cells, t.now.row_totals, strict=True):
        bar_text = ""
        for i, cell in enumerate(cells):
            n = _number(cell)
            if n and largest > 0:
                bar_text += marks[i] * max(1, round(room * n / largest))
                used.add(i)
        lines.append(f"  {_fit(label, label_width):{label_width}}  {total:>7}  "
                     f"{bar_text[:room]}".rstrip())
    legend: list[str] = []
    line = " "
    for i in sorted(used):
        item = f" {marks[i]} {t.columns[i]}"
        if len(line) + len(item) > width:
            legend.append(line)
            line = " "
        line += item
    if used:
        legend.append(line)
    return [title, *lines, *legend, ""]


def chart_lines(r: StatReport, *, ascii_only: bool, width: int = 78) -> list[str]:
    """The screen's charts: intakes per month, the shelter's places taken per night by
    month, the turned-away by reason, and the lead times (median and 90th percentile)."""
    tables = {t.key: t for s in r.sections for t in s.tables}
    lines: list[str] = []
    monthly = tables.get("people.intakes_monthly")
    if monthly is not None:
        title = f"{monthly.title} ({r.period})"
        lines += stacked(monthly, title, ascii_only=ascii_only, width=width) or chart(
            title, chart_rows(monthly), ascii_only=ascii_only, width=width)
    for key in ("shelter.occupancy", "shelter.turned_away.reasons"):
        t = tables.get(key)
        if t is not None:
            lines += chart(f"{t.title} ({r.period})", chart_rows(t), ascii_only=ascii_only,
                           width=width)
    lead = next((s for s in r.sections if s.key == "lead_times"), None)
    if lead is not None:
        lines += chart(f"{lead.title} ({r.period})",
                       [(f.label, f.now) for f in lead.figures if ".0." in f.key],
                       ascii_only=ascii_only, width=width)
    return lines


def table_lines(t: StatTable, period: str, previous: str, *, ascii_only: bool,
                width: int = 78) -> list[str]:
    """One table as text lines at most ``width`` wide: one line per column of the table
    (they are the longer list), the rows side by side; a one-row table with the year
    before and a bar chart."""
    lines = [t.title]
    if t.withheld:
        return [*lines, "  " + _("{period}: withheld (too few to show without giving a "
                                 "person away); total {total}", period=period,
                                 total=t.now.total),
                "  " + _("{previous}: total {total}", previous=previous, total=t.before.total)]
    if len(t.rows) == 1:
        now, before = t.now.cells[0], t.before.cells[0]
        largest = max((int(v) for v in now if v.isdigit()), default=0)
        label_width = min(34, max(len(c) for c in t.columns))
        lines.append(f"  {'':{label_width}}  {period:>8}  {previous:>8}")
        for column, a, b in zip(t.columns, now, before, strict=True):
            lines.append(f"  {_fit(column, label_width):{label_width}}  {a:>8}  {b:>8}  "
                         + bar(a, largest, ascii_only=ascii_only))
        if not t.no_totals:
            lines.append(f"  {_('total'):{label_width}}  {t.now.total:>8}  {t.before.total:>8}")
        return lines
    # the longer of rows and columns runs down the screen, the shorter side by side
    fig = t.now
    across = len(t.rows) <= len(t.columns)
    lines_of, side = (t.columns, t.rows) if across else (t.rows, t.columns)

    def value(i: int, j: int) -> str:
        return fig.cells[j][i] if across else fig.cells[i][j]

    line_totals, side_totals = ((fig.col_totals, fig.row_totals) if across
                                else (fig.row_totals, fig.col_totals))
    show_totals = not t.no_totals
    cell_width = max(5, min(12, (width - 24) // (len(side) + show_totals) - 2))
    heads = [_fit(h, cell_width) for h in side] + ([_("total")] if show_totals else [])
    lines.append(f"  {period:22}  " + "  ".join(f"{h:>{cell_width}}" for h in heads))
    for i, label in enumerate(lines_of):
        values = [value(i, j) for j in range(len(side))]
        if show_totals:
            values.append(line_totals[i])
        lines.append(f"  {_fit(label, 22):22}  "
                     + "  ".join(f"{v:>{cell_width}}" for v in values))
    if show_totals:
        values = [*side_totals, fig.total]
        lines.append(f"  {_('total'):22}  " + "  ".join(f"{v:>{cell_width}}" for v in values))
        lines.append("  " + _("{previous}: total {total}", previous=previous,
                              total=t.before.total))
    return lines


def report_lines(r: StatReport, *, ascii_only: bool) -> list[str]:
    lines = [_("Counts from 1 to {last} are shown as <{k}; x: hidden so that a small count "
               "cannot be worked out, or shown on fewer than {k} people.",
               last=r.k - 1, k=r.k), ""]
    rule = "=" if ascii_only else "═"
    title = _("Charts")
    lines += [title, rule * len(title), *chart_lines(r, ascii_only=ascii_only)]
    for section in r.sections:
        lines += [section.title, rule * len(section.title)]
        for f in section.figures:
            lines.append(f"  {_fit(f.label, 56):56}  {f.now:>8}  {f.before:>8}")
        if section.figures:
            lines.append("")
        for t in section.tables:
            lines += [*table_lines(t, r.period, r.previous, ascii_only=ascii_only), ""]
    return lines


class StatisticsScreen(RcScreen):
    BINDINGS = [
        Binding("ctrl+s", "board_report", "Report for the board", id="statistics.report"),
        Binding("escape", "app.pop_screen", "Back", id="statistics.back"),
    ]
    FIELD_ORDER = ("period",)
    #: the period shown (the report for the board is made for it)
    period: str | None = None

    def compose(self) -> ComposeResult:
        yield AppHeader("rc-tui", self.shell.user_line(), demo=self.shell.is_demo)
        with Vertical(id="statistics"):
            yield Static(_("Statistics for the board"), classes="form-title", markup=False)
            with Horizontal(classes="row"):
                yield Label(_("Period"), classes="row-label")
                yield SafeInput(str(date.today().year), id="period", max_length=7,
                                placeholder="2026, 2026-H1, 2026-Q3, 2026-05")
            yield Plain("", id="message", classes="message")
            with VerticalScroll(id="stats-body"):
                yield Plain("", id="stats")
        yield KeyBar()

    def on_mount(self) -> None:
        self.submit_form()
        self.set_focus(self.query_one("#period", SafeInput))

    def submit_form(self) -> None:
        code = self.query_one("#period", SafeInput).value.strip()
        message = self.query_one("#message", Plain)
        try:
            from rc_tui.domain.periods import parse_period

            period = parse_period(code)
        except ValueError:
            message.set_text(_("Not a period: {period} (2026, 2026-H1, 2026-Q3 or 2026-05).",
                               period=code))
            return
        message.set_text(_("Reading the statistics…"))
        self.load(lambda session: session.statistics("statistics").report(period), self.show)

    def action_board_report(self) -> None:
        """The shown period's report for the board, the way every document leaves."""
        from screens.document import DocumentDialog

        if self.period is None:
            return
        self.app.push_screen(DocumentDialog(
            DocumentRequest("board_report", 0, period=self.period),
            _("Statistics for the board {period}", period=self.period)))

    def show(self, report: StatReport) -> None:
        self.period = report.period
        ascii_only = bool(getattr(self.app, "low_bandwidth", False))
        self.query_one("#message", Plain).set_text(
            _("{period} beside {previous}. Aggregates only.", period=report.period,
              previous=report.previous))
        self.query_one("#stats", Plain).set_text(
            "\n".join(report_lines(report, ascii_only=ascii_only)))
