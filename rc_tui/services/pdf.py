"""Rendering a document to PDF (fpdf2, with the DejaVu Sans font shipped in rc_tui/data/fonts,
so that Swedish and most other scripts print).

Only bytes come out: nothing is written to disk here (``documents`` decides where the bytes
go). Every page has the centre's header and a page number. Text is drawn as text – fpdf2
interprets no markup unless asked – after control characters and the Unicode direction
overrides are taken out, so stored text can neither break the layout nor disguise itself.
"""

from __future__ import annotations

import functools
import logging
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import TYPE_CHECKING, Any

from rc_tui.i18n import _

if TYPE_CHECKING:
    from fpdf import FPDF

FONT = "DejaVu"
#: control characters (tab and line feed are handled apart), the bidirectional overrides
#: and isolates (they can make text read differently from what was stored), lone surrogates
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069"
                     "\ud800-\udfff\ufeff]")


@dataclass(frozen=True)
class Section:
    """A heading and text; a statistics report's section also has a table (its first row
    the header) and bars (a label and the figure shown: a bar is drawn for a number only,
    never for a suppressed ``<k`` or ``x``). ``minor``: a smaller heading."""

    heading: str
    body: str
    table: tuple[tuple[str, ...], ...] = ()
    bars: tuple[tuple[str, str], ...] = ()
    minor: bool = False


def _value(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value > 0 else None


def _as_shown(table: tuple[tuple[str, ...], ...]) -> tuple[tuple[str, ...], ...]:
    """A wide table turned so that its longer side runs down the page."""
    if table and len(table[0]) - 1 > len(table) - 1 and len(table[0]) > 5:
        return tuple(zip(*table, strict=True))
    return table


def section_text(section: Section) -> str:
    """A section as plain text (the table aligned, the bars in ``#``)."""
    lines = []
    table = _as_shown(section.table)
    if table:
        widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
        lines += ["  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                            for i, (c, w) in enumerate(zip(row, widths, strict=True))).rstrip()
                  for row in table]
    largest = max((_value(v) or 0 for _l, v in section.bars), default=0)
    for label, value in section.bars:
        n = _value(value)
        bar = "#" * max(1, round(30 * n / largest)) if n and largest else ""
        lines.append(f"{label[:30]:30}  {value:>7}  {bar}")
    if section.body:  # before the figures when there are none, else under them
        lines.insert(0 if not (table or section.bars) else len(lines), section.body)
    return "\n".join(lines)


@dataclass(frozen=True)
class Document:
    """What is printed or written: a title and sections of plain text. ``kind`` names the
    document in file names and the access log (never anything about the person)."""

    kind: str
    title: str
    sections: tuple[Section, ...]


def clean(text: str) -> str:
    """``text`` as it may be drawn: line ends unified, tabs as spaces, control characters,
    direction overrides and lone surrogates removed, composed (NFC)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n")
    return unicodedata.normalize("NFC", _UNSAFE.sub("", text))


@functools.cache
def _pages_class() -> type[Any]:
    """fpdf2 is imported when the first document is made, not with the services: a
    session that never makes one does not hold its 20-odd MB."""
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    class _Pages(FPDF):
        def __init__(self, header: str, title: str) -> None:
            super().__init__(format="A4")
            self._header_text = header
            self._title = title

        def header(self) -> None:
            self.set_font(FONT, size=9)
            self.cell(0, 5, self._header_text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.set_draw_color(120, 120, 120)
            self.line(self.l_margin, self.get_y() + 1, self.w - self.r_margin,
                      self.get_y() + 1)
            self.ln(5)

        def footer(self) -> None:
            self.set_y(-15)
            self.set_font(FONT, size=8)
            self.cell(0, 10, _("Page {page} of {pages}", page=self.page_no(), pages="{nb}"),
                      align="C")

    return _Pages


def render(doc: Document, *, centre: str, produced: datetime, by: str,
           password: str | None = None) -> bytes:
    """The document as PDF bytes; with ``password`` encrypted with AES-256 (the file opens
    only with it; the owner password is random and thrown away)."""
    from fpdf.enums import EncryptionMethod, WrapMode, XPos, YPos

    header = " · ".join(p for p in (clean(centre) or "rc-tui", clean(doc.title),
                                    f"{produced:%Y-%m-%d %H:%M}") if p)
    pdf = _pages_class()(header, clean(doc.title))
    # the document's properties are left empty: the title could name the person
    pdf.set_creator("rc-tui")
    fonts = resources.files("rc_tui.data") / "fonts" / "DejaVuSans.ttf"
    with resources.as_file(fonts) as font_path:
        pdf.add_font(FONT, fname=str(font_path))
    # a glyph the font lacks is left out (fpdf2 says which on its logger, with the text)
    logging.getLogger("fpdf").setLevel(logging.ERROR)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.set_font(FONT, size=15)
    pdf.multi_cell(width, 8, clean(doc.title), new_x=XPos.LMARGIN, new_y=YPos.NEXT,
                   wrapmode=WrapMode.WORD)
    pdf.set_font(FONT, size=9)
    pdf.multi_cell(width, 5, _("Produced {when} by {user}", when=f"{produced:%Y-%m-%d %H:%M}",
                               user=clean(by)),
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    for section in doc.sections:
        if section.heading:
            pdf.set_font(FONT, size=10.5 if section.minor else 12)
            pdf.multi_cell(width, 7, clean(section.heading), new_x=XPos.LMARGIN,
                           new_y=YPos.NEXT, wrapmode=WrapMode.WORD)
        pdf.set_font(FONT, size=10)
        figures = bool(section.table or section.bars)
        if not figures:
            pdf.multi_cell(width, 5, clean(section.body) or "–", new_x=XPos.LMARGIN,
                           new_y=YPos.NEXT, wrapmode=WrapMode.WORD)
        if section.table:
            _table(pdf, _as_shown(section.table), width)
        if section.bars:
            _bars(pdf, section.bars, width)
        if figures and section.body:  # under its table: what the table leaves out
            pdf.set_font(FONT, size=8)
            pdf.multi_cell(width, 4.5, clean(section.body), new_x=XPos.LMARGIN,
                           new_y=YPos.NEXT, wrapmode=WrapMode.WORD)
        pdf.ln(3)
    if password is not None:
        pdf.set_encryption(owner_password=secrets.token_urlsafe(32), user_password=password,
                           encryption_method=EncryptionMethod.AES_256, encrypt_metadata=True)
    return bytes(pdf.output())


def _fit(pdf: FPDF, text: str, room: float) -> str:
    """``text`` cut (with an ellipsis) to fit ``room`` millimetres in the current font."""
    text = clean(text)
    if pdf.get_string_width(text) <= room:
        return text
    while text and pdf.get_string_width(text + "…") > room:
        text = text[:-1]
    return text + "…"


def _table(pdf: FPDF, table: tuple[tuple[str, ...], ...], width: float) -> None:
    """A table of text: the first column (labels) wide, the figures right-aligned."""
    pdf.set_font(FONT, size=8)
    n = len(table[0])
    first = min(70.0, width * 0.4) if n > 1 else width
    other = (width - first) / max(1, n - 1)
    for r, row in enumerate(table):
        if pdf.will_page_break(5):
            pdf.add_page()
        pdf.set_font(FONT, size=8)
        for c, cell in enumerate(row):
            room = first if c == 0 else other
            pdf.cell(room, 4.5, _fit(pdf, cell, room - 1.5), border="B" if r == 0 else 0,
                     align="L" if c == 0 else "R")
        pdf.ln(4.5)


def _bars(pdf: FPDF, bars: tuple[tuple[str, str], ...], width: float) -> None:
    """A bar chart drawn with rectangles: a bar only for a shown number."""
    pdf.set_font(FONT, size=8)
    largest = max((_value(v) or 0 for _l, v in bars), default=0)
    label_w, value_w = min(70.0, width * 0.4), 16.0
    room = width - label_w - value_w - 4
    pdf.ln(1)
    for label, value in bars:
        if pdf.will_page_break(5):
            pdf.add_page()
        pdf.cell(label_w, 4.5, _fit(pdf, label, label_w - 1.5))
        pdf.cell(value_w, 4.5, _fit(pdf, value, value_w - 1), align="R")
        n = _value(value)
        if n and largest:
            pdf.set_fill_color(90, 110, 140)
            pdf.rect(pdf.get_x() + 3, pdf.get_y() + 0.8, max(0.8, room * n / largest), 3,
                     style="F")
        pdf.ln(4.5)


#: one-time passwords: no look-alike characters (0/O, 1/l/I), read aloud or typed easily
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def one_time_password() -> str:
    """A random password for one document: 4 groups of 5 characters (about 99 bits)."""
    return "-".join("".join(secrets.choice(_ALPHABET) for _i in range(5)) for _g in range(4))
