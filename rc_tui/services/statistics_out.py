"""The board's statistics as an xlsx workbook and as the yearly report for the board (a
document through ``rc_tui.services.documents``). Both are made from a ``StatReport`` –
display text that has been through the small-cell rule already – so nothing here sees a
count before suppression, and nothing here can put a name, a number or free text in.
"""

from __future__ import annotations

import io
import re

from rc_tui.i18n import _
from rc_tui.services.pdf import Document, Section
from rc_tui.services.statistics import StatCells, StatReport, StatTable

__all__ = ["board_document", "chart_rows", "render_xlsx"]

#: Excel's limit on a sheet name, and the characters it refuses in one
_SHEET_NAME = 31
_NOT_IN_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")


def _number_or_text(value: str) -> int | float | str:
    """A shown count as a number (so the board can chart it); ``<k``, ``x`` and changes as
    the text they are."""
    if re.fullmatch(r"\d+", value):
        return int(value)
    if re.fullmatch(r"\d+\.\d+", value):
        return float(value)
    return value


def _grid(t: StatTable, fig: StatCells) -> list[list[str]]:
    """One period's table as rows of text, with its totals where the table has them."""
    totals = not t.no_totals
    wide = totals and len(t.columns) > 1
    rows = [["", *t.columns, *([_("total")] if wide else [])]]
    for label, cells, row_total in zip(t.rows, fig.cells, fig.row_totals, strict=True):
        rows.append([label, *cells, *([row_total] if wide else [])])
    if totals and len(t.rows) > 1:
        rows.append([_("total"), *fig.col_totals, *([fig.total] if wide else [])])
    return rows


def render_xlsx(report: StatReport) -> bytes:
    """The report as an xlsx workbook (bytes, made in memory: no temporary file), one
    sheet per area: its figures, then each table for the period, the year before and the
    change."""
    import xlsxwriter  # here: the screens use this module's charts, never the workbook

    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    # the file's properties say nothing but what it is
    book.set_properties({"title": _("Statistics {period} beside {previous}",
                                    period=report.period, previous=report.previous),
                         "author": "rc-tui", "comments": ""})
    bold = book.add_format({"bold": True})
    heading = book.add_format({"bold": True, "font_size": 13})
    names: set[str] = set()
    for section in report.sections:
        name = _NOT_IN_SHEET_NAME.sub(" ", section.title)[:_SHEET_NAME].strip() or section.key
        while name in names:
            name = name[:_SHEET_NAME - 2] + "_" + str(len(names))
        names.add(name)
        sheet = book.add_worksheet(name)
        sheet.set_column(0, 0, 44)
        sheet.set_column(1, 12, 12)
        row = 0
        sheet.write_string(row, 0, section.title, heading)
        row += 1
        sheet.write_string(row, 0, _("Counts from 1 to {last} are shown as <{k}; x: hidden "
                                     "so that a small count cannot be worked out, or shown "
                                     "on fewer than {k} people.", last=report.k - 1,
                                     k=report.k))
        row += 2
        if section.figures:
            sheet.write_row(row, 0, ["", report.period, report.previous], bold)
            row += 1
            for f in section.figures:
                sheet.write_string(row, 0, f.label)
                sheet.write(row, 1, _number_or_text(f.now))
                sheet.write(row, 2, _number_or_text(f.before))
                row += 1
            row += 1
        for t in section.tables:
            sheet.write_string(row, 0, t.title, bold)
            row += 1
            parts: list[tuple[str, StatCells]] = [(report.previous, t.before),
                                                  (_("Change:"), t.change)]
            if t.withheld:
                sheet.write_string(row, 0, _("{period}: withheld (too few to show without "
                                             "giving a person away); total {total}",
                                             period=report.period, total=t.now.total))
                row += 1
            else:
                parts.insert(0, (report.period, t.now))
            for caption, fig in parts:
                sheet.write_string(row, 0, caption, bold)
                row += 1
                for line in _grid(t, fig):
                    sheet.write_string(row, 0, line[0])
                    for col, value in enumerate(line[1:], start=1):
                        sheet.write(row, col, _number_or_text(value))
                    row += 1
            row += 1
    book.close()
    return buf.getvalue()


def chart_rows(t: StatTable) -> list[tuple[str, str]]:
    """What a bar chart of ``t`` shows: one bar per row of a table with several rows (its
    row totals: the months of a period), else one per column – each with the text shown
    for it. A suppressed figure keeps its marker and gets no bar."""
    if t.withheld:
        return []
    if len(t.rows) > 1:
        if t.no_totals:
            return [(label, cells[0]) for label, cells in zip(t.rows, t.now.cells,
                                                               strict=True)]
        return list(zip(t.rows, t.now.row_totals, strict=True))
    return list(zip(t.columns, t.now.cells[0], strict=True))


#: the tables the yearly report draws as bars (beside their tables)
CHARTED = ("intakes_monthly", ".occupancy", ".turned_away.reasons", "people.violence",
           "needs.decisions")


def board_document(report: StatReport, centre: str) -> Document:
    """The yearly report for the board: every area's figures and tables (the period beside
    the year before), with bar charts of the monthly intakes, the shelter's places taken
    per night, the turned-away by reason and the kinds of violence."""
    sections: list[Section] = [Section("", _(
        "The statistics of {centre} for {period}, beside {previous}. Aggregates only: no "
        "person can be told from them. Counts from 1 to {last} are shown as <{k}; x: hidden "
        "so that a small count cannot be worked out, or shown on fewer than {k} people.",
        centre=centre or "rc-tui", period=report.period, previous=report.previous,
        last=report.k - 1, k=report.k))]
    for area in report.sections:
        figures = tuple((f.label, f.now, f.before) for f in area.figures)
        sections.append(Section(area.title, "", table=(
            (("", report.period, report.previous), *figures) if figures else ())))
        lead_bars = tuple((f.label, f.now) for f in area.figures if area.key == "lead_times"
                          and ".0." in f.key)
        if lead_bars:
            sections.append(Section(_("Lead times"), "", bars=lead_bars))
        for t in area.tables:
            lines = []
            grid: tuple[tuple[str, ...], ...] = ()
            bars = tuple(chart_rows(t)) if t.key.endswith(CHARTED) else ()
            if t.withheld:
                lines.append(_("{period}: withheld (too few to show without giving a "
                               "person away); total {total}", period=report.period,
                               total=t.now.total))
            elif not (bars and len(t.rows) == 1):  # a one-row table is its bars
                grid = tuple(tuple(r) for r in _grid(t, t.now))
            if not t.no_totals:
                lines.append(_("{previous}: total {total}", previous=report.previous,
                               total=t.before.total))
            sections.append(Section(t.title, "\n".join(lines), table=grid, bars=bars,
                                    minor=True))
    return Document("board_report", _("Statistics for the board {period}",
                                      period=report.period), tuple(sections))
